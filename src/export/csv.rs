//! CSV files as csfkit writes them: RFC 4180 with CRLF line ends and a header row, a UTF-8 BOM
//! on request, and every cell a spreadsheet would run as a formula neutralised unless the user
//! asks for the raw text.

use std::io::{self, Write};

use crate::error::{Error, Result};
use crate::export::format::{EVIDENCE_CSV, GAPS_CSV, MATRIX_CSV, POAM_CSV};
use crate::export::job::{Job, Output, Pass, Written};
use crate::export::package::{StagedFile, Staging};
use crate::model::evidence::{EvidenceItem, freshness};
use crate::model::ownership::Service;
use crate::model::review::Review;
use crate::view::coverage::Coverage;
use crate::view::poam::{POAM_COLUMNS, PoamRow};

pub(crate) use crate::util::neutralise;

/// A CSV file written row by row (RFC 4180: CRLF line ends, header row), neutralised unless
/// `raw`, with a UTF-8 BOM when `bom`.
pub(crate) struct CsvOut<W: Write> {
    w: csv::Writer<W>,
    raw: bool,
}

impl<W: Write> CsvOut<W> {
    /// Starts the file: BOM (when asked) and header row.
    pub(crate) fn new(mut out: W, header: &[&str], raw: bool, bom: bool) -> Result<Self> {
        if bom {
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| Error::io("writing a CSV file", e))?;
        }
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(header)?;
        Ok(CsvOut { w, raw })
    }

    /// Writes one row.
    pub(crate) fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        if self.raw {
            self.w.write_record(cells.iter().map(AsRef::as_ref))?;
        } else {
            self.w
                .write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned()))?;
        }
        Ok(())
    }

    /// Flushes and hands back the output.
    pub(crate) fn finish(self) -> Result<W> {
        self.w
            .into_inner()
            .map_err(|e| Error::io("writing a CSV file", io::Error::other(e.to_string())))
    }
}

/// CSV bytes of a small table (see [`CsvOut`]).
pub(crate) fn csv_bytes(header: &[&str], rows: &[Vec<String>], raw: bool, bom: bool) -> Result<Vec<u8>> {
    let mut out = CsvOut::new(Vec::new(), header, raw, bom)?;
    for r in rows {
        out.row(r)?;
    }
    out.finish()
}

/// The five tally columns of one service model in `control-matrix.csv`.
macro_rules! tally_columns {
    ($s:literal) => {
        [
            concat!($s, "_answers_yes"),
            concat!($s, "_answers_partial"),
            concat!($s, "_answers_no"),
            concat!($s, "_answers_unanswered"),
            concat!($s, "_leaning"),
        ]
    };
}

/// The tally columns of `control-matrix.csv`, after [`MATRIX_COLUMNS`]: five per service
/// model, in `Service::ALL` order, empty when the model is not in scope or the cell was not
/// projected.
pub(crate) const MATRIX_TALLY_COLUMNS: [[&str; 5]; 5] = [
    tally_columns!("bare_metal"),
    tally_columns!("iaas"),
    tally_columns!("paas"),
    tally_columns!("saas"),
    tally_columns!("model"),
];

/// Columns of `control-matrix.csv` before the tally columns (stable; documented in docs/reference.md).
pub(crate) const MATRIX_COLUMNS: [&str; 23] = [
    "control_id",
    "title",
    "function",
    "category",
    "bare_metal",
    "iaas",
    "paas",
    "saas",
    "model",
    "effective",
    "overridden",
    "override_reason",
    "status",
    "status_note",
    "evidence_count",
    "evidence_current",
    "evidence_state",
    "gap",
    "gap_reasons",
    "basis",
    "provider_responsibility",
    "customer_responsibility",
    "citation",
];

/// The columns of `control-matrix.csv` after the tally columns (csfkit 0.3): the current items
/// keyed by the control's own CSF ID and those mapped from another framework's ID, the rows not
/// counted (placeholders, rows retargeted to other subcategories), the provider attestation in
/// force behind each inherited and shared cell, and an inherited control's inheritance gap.
pub(crate) const MATRIX_CLAIM_COLUMNS: [&str; 6] = [
    "evidence_current_direct",
    "evidence_current_mapped",
    "evidence_placeholders",
    "evidence_not_offered",
    "attestation",
    "inheritance_gap",
];

/// Columns of `evidence-index.csv`.
pub(crate) const EVIDENCE_COLUMNS: [&str; 26] = [
    "evidence_id",
    "control_id",
    "title",
    "description",
    "evidence_type",
    "owner",
    "collected_on",
    "valid_until",
    "freshness",
    "location",
    "location_kind",
    "file_sha256",
    "file_size",
    "source_system",
    "extras",
    "source_file",
    "source_sha256",
    "source_sheet",
    "source_row",
    "batch",
    "packaged_file",
    "mapped_from",
    "mapped_framework",
    "targets",
    "counted",
    "not_counted_reason",
];

/// Columns of `gaps.csv`.
pub(crate) const GAP_COLUMNS: [&str; 7] = [
    "control_id",
    "title",
    "effective",
    "status",
    "evidence_state",
    "evidence_count",
    "reasons",
];

/// The header of `control-matrix.csv`: [`MATRIX_COLUMNS`], then [`MATRIX_TALLY_COLUMNS`],
/// then who recorded the status in force and when
/// ([`crate::export::history::MATRIX_STATUS_COLUMNS`]), then [`MATRIX_CLAIM_COLUMNS`], then
/// the assessor's result in force ([`crate::view::review::MATRIX_COLUMNS`], csfkit 0.3 with
/// `review import`).
pub(crate) fn matrix_header() -> Vec<&'static str> {
    MATRIX_COLUMNS
        .iter()
        .chain(MATRIX_TALLY_COLUMNS.iter().flatten())
        .chain(crate::export::history::MATRIX_STATUS_COLUMNS.iter())
        .chain(MATRIX_CLAIM_COLUMNS.iter())
        .chain(crate::view::review::MATRIX_COLUMNS.iter())
        .copied()
        .collect()
}

/// `control-matrix.csv`: one row per control of the matrix, with the assessor's result in
/// force of each (`reviews`, oldest first).
pub(crate) fn matrix_csv(cov: &Coverage, reviews: &[Review], raw: bool, bom: bool) -> Result<Vec<u8>> {
    csv_bytes(&matrix_header(), &matrix_rows(cov, reviews), raw, bom)
}

/// The rows of `control-matrix.csv` (and the workbook's Matrix sheet), in [`matrix_header`]
/// order.
pub(crate) fn matrix_rows(cov: &Coverage, reviews: &[Review]) -> Vec<Vec<String>> {
    let in_force = crate::view::review::in_force(reviews);
    cov.matrix
        .rows
        .iter()
        .zip(&cov.controls)
        .map(|(r, c)| {
            let mut per = vec![String::new(); 5];
            for cell in &r.cells {
                per[service_index(cell.service)] = cell.ownership.to_string();
            }
            let overrides: Vec<&crate::catalogue::OverrideRow> =
                r.cells.iter().filter_map(|c| c.r#override.as_ref()).collect();
            let mut row = vec![
                r.control_id.clone(),
                r.title.clone(),
                r.function.clone(),
                r.category.clone(),
            ];
            row.extend(per);
            row.extend([
                r.effective.to_string(),
                overrides
                    .iter()
                    .map(|o| o.service.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                overrides
                    .iter()
                    .map(|o| format!("[{}] {} (by {}, {})", o.service, o.reason, o.by, o.at))
                    .collect::<Vec<_>>()
                    .join(" | "),
                r.status(),
                r.status_note(),
                c.evidence.to_string(),
                c.current.to_string(),
                c.state_text(r).to_string(),
                if c.gaps.is_empty() { "no" } else { "yes" }.to_string(),
                c.gaps.join("; "),
                r.joined(|x| &x.basis),
                r.joined(|x| &x.provider_responsibility),
                r.joined(|x| &x.customer_responsibility),
                r.joined(|x| &x.citation),
            ]);
            let mut tallies: [[String; 5]; 5] = Default::default();
            for cell in &r.cells {
                tallies[service_index(cell.service)] = crate::export::files::tally_fields(cell.tally);
            }
            row.extend(tallies.into_iter().flatten());
            row.extend(crate::export::history::status_fields(r));
            row.extend([
                c.current_direct.to_string(),
                c.current_mapped().to_string(),
                c.placeholders.to_string(),
                c.not_offered.to_string(),
                r.attestation_text(),
                c.inheritance_gap.clone().unwrap_or_default(),
            ]);
            row.extend(crate::view::review::matrix_fields(
                in_force.get(r.control_id.as_str()).copied(),
            ));
            row
        })
        .collect()
}

/// One row of `evidence-index.csv`.
pub(crate) fn evidence_row(cov: &Coverage, e: &EvidenceItem, packaged: String) -> Vec<String> {
    let mut row = vec![
        e.id.to_string(),
        e.control_id.clone(),
        e.title.clone(),
        e.description.clone(),
        e.evidence_type.clone(),
        e.owner.clone(),
        e.collected_on.map(|d| d.to_string()).unwrap_or_default(),
        e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        freshness(e, cov.as_of, cov.stale_days).as_str().to_string(),
        e.location.clone(),
        e.location_kind.clone(),
        e.file_sha256.clone().unwrap_or_default(),
        e.file_size.map(|s| s.to_string()).unwrap_or_default(),
        e.source_system.clone(),
        e.extras.clone(),
        e.source_file.clone(),
        e.source_sha256.clone(),
        e.source_sheet.clone(),
        e.source_row.to_string(),
        e.batch_id.to_string(),
        packaged,
        e.mapped.as_ref().map(|m| m.id.clone()).unwrap_or_default(),
        e.mapped
            .as_ref()
            .map(|m| m.framework.to_string())
            .unwrap_or_default(),
        cov.claims.targets_text(e),
    ];
    // What the coverage made of the row: counted, or why not.
    let why = if cov.no_mapped && crate::view::coverage::is_mapped(e) {
        "mapped from another framework's ID, left out (--no-mapped)".to_string()
    } else {
        cov.claims.counted(e).reason()
    };
    row.push(if why.is_empty() { "yes" } else { "no" }.to_string());
    row.push(why);
    row
}

/// `gaps.csv`: one row per gap.
pub(crate) fn gaps_csv(cov: &Coverage, raw: bool, bom: bool) -> Result<Vec<u8>> {
    csv_bytes(&GAP_COLUMNS, &gap_rows(cov), raw, bom)
}

/// The rows of `gaps.csv` (and the workbook's Gaps sheet), in [`GAP_COLUMNS`] order.
pub(crate) fn gap_rows(cov: &Coverage) -> Vec<Vec<String>> {
    cov.gaps()
        .map(|(r, c)| {
            vec![
                r.control_id.clone(),
                r.title.clone(),
                r.effective.to_string(),
                r.status(),
                c.state.as_str().to_string(),
                c.evidence.to_string(),
                c.gaps.join("; "),
            ]
        })
        .collect()
}

/// `poam.csv`: one row per gap with its remediation plan, FedRAMP POA&M column names.
pub(crate) fn poam_csv(poam: &[PoamRow], raw: bool, bom: bool) -> Result<Vec<u8>> {
    // Neutralised reversibly, so `plan import` of this file gives back the text exactly.
    let rows: Vec<Vec<String>> = poam
        .iter()
        .map(|r| {
            let cells = r.cells();
            if raw {
                cells
            } else {
                cells
                    .iter()
                    .map(|c| crate::util::neutralise_reversible(c).into_owned())
                    .collect()
            }
        })
        .collect();
    csv_bytes(&POAM_COLUMNS, &rows, true, bom)
}

/// `--formats csv`: `evidence-index.csv` row by row in the shared pass, then
/// `control-matrix.csv`, `gaps.csv`, `poam.csv`, `attestations.csv` (with the attestations'
/// files) and `inheritance-gaps.csv`.
pub(crate) struct CsvOutput {
    index: CsvOut<StagedFile>,
}

impl CsvOutput {
    /// Starts `evidence-index.csv` in the staging folder (its header row).
    pub(crate) fn start(job: &Job<'_>, staging: &mut Staging) -> Result<CsvOutput> {
        let f = staging.create(EVIDENCE_CSV)?;
        Ok(CsvOutput {
            index: CsvOut::new(f, &EVIDENCE_COLUMNS, job.opts.raw_csv, job.opts.bom)?,
        })
    }
}

impl Output for CsvOutput {
    fn reads_index(&self) -> bool {
        true
    }

    fn index_row(&mut self, row: &[String]) -> Result<()> {
        self.index.row(row)
    }

    fn finish(
        self: Box<Self>,
        job: &Job<'_>,
        _pass: &Pass,
        staging: &mut Staging,
        _written: &mut Written,
    ) -> Result<()> {
        staging.close(self.index.finish()?)?;
        let (raw, bom) = (job.opts.raw_csv, job.opts.bom);
        staging.add_bytes(MATRIX_CSV, &matrix_csv(job.cov, job.reviews, raw, bom)?)?;
        staging.add_bytes(GAPS_CSV, &gaps_csv(job.cov, raw, bom)?)?;
        staging.add_bytes(POAM_CSV, &poam_csv(job.poam, raw, bom)?)?;
        for t in &job.history.tables {
            staging.add_bytes(t.file, &csv_bytes(&t.header(), &t.rows, raw, bom)?)?;
        }
        staging.add_bytes(
            crate::export::profile::PROFILE_CSV,
            &crate::export::profile::profile_csv(job.cat, raw, bom)?,
        )?;
        crate::export::claims::write_csv(staging, job.cov, (raw, bom), job.attestation_files)
    }
}

fn service_index(s: Service) -> usize {
    Service::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1+1"), "'+1+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("-42.5"), "-42.5");
        assert_eq!(neutralise("+42"), "+42");
        assert_eq!(neutralise("1e-3"), "1e-3");
        assert_eq!(neutralise("GV.OC-01"), "GV.OC-01");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn csv_has_bom_only_when_asked() {
        let b = csv_bytes(&["a"], &[vec!["=1".into()]], false, true).unwrap();
        assert_eq!(b, b"\xEF\xBB\xBFa\r\n'=1\r\n");
        let b = csv_bytes(&["a"], &[vec!["=1".into()]], true, false).unwrap();
        assert_eq!(b, b"a\r\n=1\r\n");
    }
}
