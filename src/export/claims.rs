//! The package's account of the claims an assessor must judge: the provider attestations
//! (`attestations.csv`, each attestation's file under `attestations/`, re-hashed against the
//! hash recorded when it was added) and the inheritance gaps (`inheritance-gaps.csv`), and the
//! report's sections on both. Inheritance gaps are never among the gaps of `gaps.csv` or the
//! POA&M: the customer closes them by obtaining the provider's attestation, not by evidence of
//! its own.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Result;
use crate::export::format::{ATTESTATIONS_CSV, ATTESTATIONS_DIR, INHERITANCE_GAPS_CSV};
use crate::export::package::{Copied, Staging};
use crate::model::attestation::Attestation;
use crate::model::ownership::Ownership;
use crate::pdf::{Align, Block, Column, Table};
use crate::view::coverage::Coverage;

/// Columns of `inheritance-gaps.csv`.
pub(crate) const INHERITANCE_GAP_COLUMNS: [&str; 6] = [
    "control_id",
    "title",
    "provider",
    "services",
    "reasons",
    "customer_responsibility",
];

/// Columns of `attestations.csv`.
pub(crate) const ATTESTATION_COLUMNS: [&str; 17] = [
    "attestation",
    "provider",
    "type",
    "issuer",
    "period_start",
    "period_end",
    "bridge_until",
    "services",
    "standing",
    "location",
    "location_kind",
    "file_sha256",
    "file_size",
    "packaged_file",
    "note",
    "recorded_by",
    "recorded_at",
];

/// The rows of `inheritance-gaps.csv` (and the workbook's Inheritance gaps sheet): every
/// inherited control without a provider attestation in force for every service model in
/// scope, with why.
pub(crate) fn inheritance_gap_rows(cov: &Coverage) -> Vec<Vec<String>> {
    let provider = &cov.matrix.provider.id;
    cov.inheritance_gaps()
        .map(|(r, c)| {
            let lacking: Vec<&str> = r
                .cells
                .iter()
                .filter(|cell| cell.attestation.is_none())
                .map(|cell| cell.service.as_str())
                .collect();
            vec![
                r.control_id.clone(),
                r.title.clone(),
                provider.clone(),
                lacking.join(","),
                c.inheritance_gap.clone().unwrap_or_default(),
                r.joined(|x| &x.customer_responsibility),
            ]
        })
        .collect()
}

/// The attestations of the scope's provider, oldest first.
pub(crate) fn of_provider(cov: &Coverage) -> Vec<&Attestation> {
    cov.claims
        .attestations
        .iter()
        .filter(|a| a.provider == cov.matrix.provider.id)
        .collect()
}

/// The rows of `attestations.csv` (and the workbook's Attestations sheet); `packaged` says
/// where each attestation's file is in the package, or why it is not.
pub(crate) fn attestation_rows(cov: &Coverage, packaged: &HashMap<i64, String>) -> Vec<Vec<String>> {
    of_provider(cov)
        .into_iter()
        .map(|a| a.cells(cov.as_of, Some(packaged.get(&a.seq).map_or("", String::as_str))))
        .collect()
}

/// Where an attestation's file goes in the package: `attestations/<number>-<file name>`, a
/// control character in the name written `_`.
fn packaged_name(a: &Attestation) -> String {
    let name = a
        .location
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or("file");
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    format!("{ATTESTATIONS_DIR}{}-{name}", a.seq)
}

/// Copies the file of each attestation of the scope's provider into the package when it still
/// has the SHA-256 recorded when it was added (opened only if it is still a regular file);
/// returns, per attestation with a file, its path in the package or why it is not there.
pub(crate) fn package_files(
    staging: &mut Staging,
    cov: &Coverage,
    warnings: &mut Vec<String>,
) -> Result<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for a in of_provider(cov) {
        let (Some(path), Some(recorded)) = (&a.file_path, &a.file_sha256) else {
            continue;
        };
        let file = match crate::util::fs::open_regular(Path::new(path), false) {
            Ok(f) => f,
            Err(e) => {
                warnings.push(format!(
                    "attestation #{} ({}): file `{path}` cannot be read now ({e}); not included",
                    a.seq, a.kind
                ));
                out.insert(a.seq, "missing at export".into());
                continue;
            }
        };
        let rel = packaged_name(a);
        let what = format!("`{path}`");
        match staging.add_reader(&rel, file, &what, Some(recorded))? {
            Copied::AsRecorded(_) => {
                out.insert(a.seq, rel);
            }
            Copied::Differs(sha) => {
                warnings.push(format!(
                    "attestation #{} ({}): file `{path}` changed since it was recorded (SHA-256 {recorded} recorded, {sha} now); not included",
                    a.seq, a.kind
                ));
                out.insert(a.seq, format!("changed since recorded (now {sha}); not included"));
            }
        }
    }
    // No folder left behind empty when no file went into it (removal fails on a non-empty one).
    let _ = std::fs::remove_dir(staging.dir().join(ATTESTATIONS_DIR));
    Ok(out)
}

/// Writes `attestations.csv` (`packaged`: where each attestation's file is in the package, or
/// why not) and `inheritance-gaps.csv`.
pub(crate) fn write_csv(
    staging: &mut Staging,
    cov: &Coverage,
    (raw, bom): (bool, bool),
    packaged: &HashMap<i64, String>,
) -> Result<()> {
    let csv = |header: &[&str], rows: &[Vec<String>]| crate::export::csv::csv_bytes(header, rows, raw, bom);
    staging.add_bytes(
        ATTESTATIONS_CSV,
        &csv(&ATTESTATION_COLUMNS, &attestation_rows(cov, packaged))?,
    )?;
    staging.add_bytes(
        INHERITANCE_GAPS_CSV,
        &csv(&INHERITANCE_GAP_COLUMNS, &inheritance_gap_rows(cov))?,
    )
}

fn col(header: &str, width: f32) -> Column {
    Column {
        header: header.to_string(),
        width,
        align: Align::Left,
        link: crate::pdf::CellLink::None,
        mono: false,
    }
}

/// The report's sections: the provider attestations recorded, then the inheritance gaps.
pub(crate) fn report_sections(cov: &Coverage) -> Vec<Block> {
    let m = &cov.matrix;
    let inherited = m
        .rows
        .iter()
        .filter(|r| r.effective == Ownership::Inherited)
        .count();
    let mut blocks = vec![Block::Heading("Provider attestations".into())];
    let attestations = of_provider(cov);
    blocks.push(Block::Paragraph(format!(
        "What stands behind the controls inherited from {} and the provider's part of the shared ones: \
         the attestations recorded (csfkit attestation add), each in force from the first day of its \
         period to the last day of its period or of its bridge letter. An inherited or shared cell \
         names the attestation in force for its service model at {} (control-matrix.csv, column \
         attestation). {} recorded.",
        m.provider.name,
        cov.as_of,
        match attestations.len() {
            0 => "None is".to_string(),
            1 => "One is".to_string(),
            n => format!("{n} are"),
        }
    )));
    if !attestations.is_empty() {
        blocks.push(Block::Table(Table {
            columns: vec![
                col("#", 0.6),
                col("Attestation", 2.6),
                col("Period", 2.4),
                col("Bridge to", 1.4),
                col("Services", 1.4),
                col("At the as-of date", 1.4),
                col("Source", 3.0),
            ],
            rows: attestations
                .iter()
                .map(|a| {
                    vec![
                        a.seq.to_string(),
                        format!("{}, {}", a.kind, a.issuer),
                        a.period(),
                        a.bridge_until.map(|d| d.to_string()).unwrap_or_default(),
                        a.services_text(),
                        a.standing(cov.as_of).as_str().to_string(),
                        match &a.file_sha256 {
                            Some(sha) => format!("{} (SHA-256 {})", a.location, sha.get(..12).unwrap_or(sha)),
                            None => a.location.clone(),
                        },
                    ]
                })
                .collect(),
            font_size: 7.5,
        }));
    }
    blocks.push(Block::Heading("Inheritance gaps".into()));
    let rows = inheritance_gap_rows(cov);
    blocks.push(Block::Paragraph(format!(
        "Inherited controls the provider performs but no attestation in force covers, for a service \
         model in scope: {} of {inherited} inherited controls. They are not among the gaps above (the \
         customer cannot evidence the provider's work); the customer closes them by obtaining the \
         provider's current attestation (or a bridge letter) and checking the complementary controls it \
         names. inheritance-gaps.csv lists them.",
        rows.len()
    )));
    if !rows.is_empty() {
        blocks.push(Block::Table(Table {
            columns: vec![
                col("ID", 1.2),
                col("Subcategory", 4.0),
                col("Service models", 1.4),
                col("Why", 6.0),
            ],
            rows: rows
                .into_iter()
                .map(|r| vec![r[0].clone(), r[1].clone(), r[3].clone(), r[4].clone()])
                .collect(),
            font_size: 7.5,
        }));
    }
    blocks.push(Block::PageBreak);
    blocks
}
