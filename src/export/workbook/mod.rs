//! `audit-workbook.xlsx`: the package as the spreadsheet assessors work in. Sheets Summary,
//! Matrix, Gaps, Evidence, POA&M, Inheritance gaps and Attestations hold the same rows as the
//! CSV files (the Summary the per-function table of `csfkit status`, then the cover facts and a
//! legend).
//!
//! Every sheet has a frozen header row, an autofilter over its table, fixed column widths and
//! wrapped long text. Dates are date cells, counts are numbers, everything else is written as
//! text (never as a formula, whatever it starts with). Ownership, evidence freshness and plan
//! status are filled in colour and spelled out in the cell, so they read the same in black and
//! white. The sheets are written row by row in constant memory (temporary files in the staging
//! folder) and the document properties carry the as-of date, so the same catalogue and as-of
//! date give the same bytes.
//!
//! Rows of the small sheets (one per control or function) are made tall enough for their
//! wrapped text. Evidence rows are not: rust_xlsxwriter keeps every explicit row height in a map
//! (with a whole `Option<Format>` per row, about 640 bytes) that a constant-memory sheet never
//! flushes, so a height per evidence row made the export grow with the evidence (65-78 MB at
//! 100,000 rows, 675-678 MB at 1,000,000). Without one, Excel fits a row to its wrapped text
//! when it opens the file; LibreOffice shows it one line high until asked for the optimal
//! height (docs/reference.md, audit-workbook.xlsx).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::error::{Error, Result};
use crate::export::format::WORKBOOK;
use crate::export::job::{Job, Output, Pass, Written};
use crate::export::package::Staging;

pub(crate) mod sheets;

pub(crate) use sheets::{Col, Kind, Tables};

/// Excel's limit on the characters of a cell.
const MAX_CELL: usize = 32_767;
/// Excel's limit on the rows of a sheet.
const MAX_ROWS: u32 = 1_048_576;

/// Fill colours by cell value; the legend on the Summary sheet lists the same.
const FILLS: &[(&str, u32, &str)] = &[
    (
        "inherited",
        0xC6EFCE,
        "ownership: the provider carries it and attests to it",
    ),
    ("shared", 0xFFEB9C, "ownership: both sides have a part"),
    ("customer", 0xBDD7EE, "ownership: the customer alone"),
    ("undetermined", 0xD9D9D9, "ownership: the matrix does not say"),
    (
        "current",
        0xC6EFCE,
        "evidence: current at the as-of date; control: current evidence keyed by its own CSF ID",
    ),
    (
        "current-mapped-only",
        0xE2EFDA,
        "control: current evidence, all of it mapped from another framework's ID (a claim to judge)",
    ),
    (
        "placeholder",
        0xD9D9D9,
        "evidence: no collection date and no location; not counted",
    ),
    ("expired", 0xFFC7CE, "evidence: past its valid-until date"),
    (
        "stale",
        0xFFEB9C,
        "evidence: collected longer ago than the stale limit",
    ),
    (
        "not-yet-collected",
        0xD9D9D9,
        "evidence: collected after the as-of date; listed, not counted",
    ),
    (
        "expired-or-stale",
        0xFFEB9C,
        "control: only expired or stale evidence",
    ),
    ("none", 0xFFC7CE, "control: no evidence"),
    (
        "provider-attested",
        0xC6EFCE,
        "control: inherited, a provider attestation is in force for every service model",
    ),
    (
        "inherited-no-attestation",
        0xFFC7CE,
        "control: inherited, no provider attestation in force (an inheritance gap)",
    ),
    (
        "in-force",
        0xC6EFCE,
        "attestation: its period or bridge letter covers the as-of date",
    ),
    (
        "ended",
        0xFFC7CE,
        "attestation: its period and bridge letter ended before the as-of date",
    ),
    (
        "not-yet",
        0xFFEB9C,
        "attestation: its period begins after the as-of date",
    ),
    (
        "Ongoing",
        0xBDD7EE,
        "POA&M: an open plan, due on or after the as-of date",
    ),
    (
        "Ongoing (overdue)",
        0xFFC7CE,
        "POA&M: an open plan past its due date",
    ),
    ("No plan", 0xFFEB9C, "POA&M: no remediation plan recorded"),
    (
        "Risk Accepted",
        0xD9D9D9,
        "POA&M: the risk is accepted (see Comments)",
    ),
    (
        "Completed (gap persists)",
        0xFFC7CE,
        "POA&M: the plan is closed but the gap remains",
    ),
];

/// The formats of the workbook, made once. The workbook's default format (that of every cell
/// written without one, most of them) wraps text at the top of the cell: a cell given a format
/// costs rust_xlsxwriter a hash of the whole format, so only dates, fills and the few cells
/// that must not wrap get one.
struct Formats {
    header: Format,
    code: Format,
    date: Format,
    date_left: Format,
    bold: Format,
    section: Format,
    fills: HashMap<&'static str, Format>,
}

/// The default format: wrapped, top-aligned (Calibri 11, the default font).
fn default_format() -> Format {
    Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top)
}

impl Formats {
    fn new() -> Formats {
        let base = default_format();
        let fill = |rgb: u32| base.clone().set_background_color(Color::RGB(rgb));
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(rust_xlsxwriter::FormatAlign::Top)
                .set_background_color(Color::RGB(0xE7E6E6))
                .set_border_bottom(FormatBorder::Thin),
            code: Format::new().set_align(rust_xlsxwriter::FormatAlign::Top),
            date: base.clone().set_num_format("yyyy-mm-dd"),
            date_left: base
                .clone()
                .set_num_format("yyyy-mm-dd")
                .set_align(rust_xlsxwriter::FormatAlign::Left),
            bold: Format::new()
                .set_bold()
                .set_align(rust_xlsxwriter::FormatAlign::Top),
            section: Format::new().set_bold().set_font_size(12),
            fills: FILLS.iter().map(|(v, rgb, _)| (*v, fill(*rgb))).collect(),
        }
    }
}

/// An Excel date for an ISO `YYYY-MM-DD` text, when Excel can hold it (1900 to 9999).
fn excel_date(s: &str) -> Option<ExcelDateTime> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).ok()?,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    )
    .ok()
}

/// The text of a cell, cut to Excel's limit with a note saying where the whole is.
fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().count() <= MAX_CELL {
        return s.into();
    }
    let note = " [... cut at Excel's cell limit; the CSV files hold the whole text]";
    let keep: String = s.chars().take(MAX_CELL - note.chars().count()).collect();
    format!("{keep}{note}").into()
}

/// Writes one cell as its column says.
fn put(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    kind: Kind,
    value: &str,
) -> std::result::Result<(), XlsxError> {
    if value.is_empty() {
        return Ok(());
    }
    match kind {
        Kind::Number => match value.parse::<i64>() {
            // Whole numbers Excel holds exactly (below 2^53).
            Ok(n) if n.unsigned_abs() < (1 << 53) => {
                #[allow(clippy::cast_precision_loss)] // below 2^53: exact
                ws.write_number(row, col, n as f64)?;
                return Ok(());
            }
            _ => {}
        },
        Kind::Date => {
            if let Some(d) = excel_date(value) {
                ws.write_date_with_format(row, col, &d, &f.date)?;
                return Ok(());
            }
        }
        Kind::Fill(_) => {
            if let Some(fmt) = f.fills.get(value) {
                ws.write_string_with_format(row, col, cell_text(value), fmt)?;
                return Ok(());
            }
        }
        Kind::Code(_) => {
            ws.write_string_with_format(row, col, cell_text(value), &f.code)?;
            return Ok(());
        }
        Kind::Text(_) => {}
    }
    ws.write_string(row, col, cell_text(value))?;
    Ok(())
}

/// The width of a column: its kind's, or wider so that the header fits on one line.
fn width(header: &str, kind: Kind) -> f64 {
    let base = match kind {
        Kind::Text(w) | Kind::Fill(w) | Kind::Code(w) => w,
        Kind::Number => 8.0,
        Kind::Date => 11.0,
    };
    #[allow(clippy::cast_precision_loss)] // headers are a few dozen characters
    base.max(header.chars().count() as f64 + 2.0)
}

/// A sheet being filled row by row.
struct Sheet {
    index: usize,
    cols: Vec<Col>,
    next: u32,
    /// Rows that did not fit under Excel's row limit.
    overflow: u64,
}

/// The workbook being written: [`AuditWorkbook::start`] writes every sheet but the evidence
/// rows, [`AuditWorkbook::evidence`] adds one, [`AuditWorkbook::finish`] saves the file.
pub(crate) struct AuditWorkbook {
    wb: Workbook,
    path: PathBuf,
    tempdir: PathBuf,
    f: Formats,
    evidence: Sheet,
}

fn xlsx_err(e: XlsxError) -> Error {
    match e {
        XlsxError::IoError(io) => Error::io("writing audit-workbook.xlsx", io),
        other => Error::Failed(format!("writing audit-workbook.xlsx: {other}")),
    }
}

/// Writes and removes 1 MiB in `dir`: the error a writer there meets now, if any.
fn probe_write(dir: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = tempfile::tempfile_in(dir)?;
    f.write_all(&vec![0u8; 1 << 20])?;
    f.sync_all()
}

/// Runs `f` on the workbook. rust_xlsxwriter panics when a constant-memory sheet's temporary
/// file cannot be written (a full disk): that is caught here (quietly) and becomes an I/O
/// error naming the cause when the disk under `dir` is full, so the export fails with exit 74
/// and removes what it staged instead of crashing.
fn guarded<T>(dir: &Path, f: impl FnOnce() -> std::result::Result<T, XlsxError>) -> Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    match r {
        Ok(r) => r.map_err(xlsx_err),
        Err(_) => {
            // The library does not say why; a probe file written where its temporary files
            // went finds the cause (a full disk: ENOSPC), and is removed again.
            let cause = probe_write(dir)
                .err()
                .unwrap_or_else(|| std::io::Error::other("a temporary sheet file could not be written"));
            Err(Error::io(
                format!(
                    "writing audit-workbook.xlsx (temporary files in `{}`)",
                    dir.display()
                ),
                cause,
            ))
        }
    }
}

/// The header row, widths, frozen header and autofilter of a sheet with `rows` data rows.
fn frame(
    ws: &mut Worksheet,
    f: &Formats,
    name: &str,
    cols: &[Col],
    rows: u32,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(name)?;
    for (i, (h, kind)) in cols.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.set_column_width(c, width(h, *kind))?;
        ws.write_string_with_format(0, c, *h, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last = u16::try_from(cols.len().saturating_sub(1)).unwrap_or(u16::MAX);
    ws.autofilter(0, 0, rows.max(1), last)?;
    Ok(())
}

/// Lines of wrapped text a row needs, estimated from its longest wrapped cell (Excel widths
/// count digit widths; text averages a little narrower), at most [`MAX_LINES`].
fn row_lines(cols: &[Col], cells: &[String]) -> u32 {
    let mut most = 1usize;
    for ((_, kind), v) in cols.iter().zip(cells) {
        let w = match kind {
            Kind::Text(w) | Kind::Fill(w) => *w,
            _ => continue,
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let per_line = (w * 1.15) as usize;
        let lines: usize = v
            .split('\n')
            .map(|seg| seg.chars().count().div_ceil(per_line.max(1)).max(1))
            .sum();
        most = most.max(lines);
    }
    u32::try_from(most.min(MAX_LINES)).unwrap_or(1)
}

/// The most lines a row is made tall for (longer text scrolls inside the cell).
const MAX_LINES: usize = 12;

/// Sets the height of row `r` (written in full just before) for `lines` lines of text.
fn fit_row(ws: &mut Worksheet, r: u32, lines: u32) -> std::result::Result<(), XlsxError> {
    if lines > 1 {
        ws.set_row_height(r, 15 * lines)?;
    }
    Ok(())
}

fn write_rows(
    ws: &mut Worksheet,
    f: &Formats,
    cols: &[Col],
    rows: &[Vec<String>],
    first: u32,
) -> std::result::Result<u32, XlsxError> {
    let mut r = first;
    for row in rows {
        for (i, ((_, kind), v)) in cols.iter().zip(row).enumerate() {
            put(ws, f, r, u16::try_from(i).unwrap_or(u16::MAX), *kind, v)?;
        }
        fit_row(ws, r, row_lines(cols, row))?;
        r += 1;
    }
    Ok(r)
}

impl AuditWorkbook {
    /// Starts the workbook at `path` (temporary sheet files go to `tempdir`), titled `title`
    /// for `organization`, created at `generated_at`, and writes every sheet but the evidence
    /// rows.
    pub(crate) fn start(
        path: PathBuf,
        tempdir: &Path,
        title: &str,
        organization: &str,
        generated_at: chrono::DateTime<chrono::Utc>,
        t: Tables<'_>,
    ) -> Result<AuditWorkbook> {
        let dir = tempdir.to_path_buf();
        guarded(tempdir, || {
            let created = ExcelDateTime::from_timestamp(generated_at.timestamp())?;
            Self::start_inner(path, dir, title, organization, created, t)
        })
    }

    fn start_inner(
        path: PathBuf,
        tempdir: PathBuf,
        title: &str,
        organization: &str,
        created: ExcelDateTime,
        t: Tables<'_>,
    ) -> std::result::Result<AuditWorkbook, XlsxError> {
        let mut wb = Workbook::new();
        wb.set_default_format(&default_format(), 20, 64)?;
        wb.set_tempdir(&tempdir)?;
        wb.set_properties(
            &DocProperties::new()
                .set_title(title)
                .set_author(organization)
                .set_comment(format!("Written by csfkit {}", env!("CARGO_PKG_VERSION")))
                .set_creation_datetime(&created),
        );
        let f = Formats::new();
        for _ in 0..7 + t.history.len() {
            wb.add_worksheet_with_constant_memory()?;
        }

        // Summary: the per-function table, the cover facts, the legend.
        let ws = wb.worksheet_from_index(0)?;
        let (cols, rows) = &t.summary;
        let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        frame(ws, &f, "Summary", cols, n)?;
        let mut r = write_rows(ws, &f, cols, rows, 1)? + 1;
        ws.write_string_with_format(r, 0, "Package", &f.section)?;
        r += 1;
        for (k, v) in &t.facts {
            ws.write_string_with_format(r, 0, cell_text(k), &f.bold)?;
            if let Some(d) = excel_date(v) {
                ws.write_date_with_format(r, 1, &d, &f.date_left)?;
            } else {
                ws.write_string_with_format(r, 1, cell_text(v), &f.code)?;
            }
            r += 1;
        }
        r += 1;
        ws.write_string_with_format(r, 0, "Legend", &f.section)?;
        ws.write_string_with_format(
            r,
            1,
            "Meaning (the colour only repeats the word in the cell)",
            &f.section,
        )?;
        r += 1;
        for (v, _, meaning) in FILLS {
            ws.write_string_with_format(r, 0, *v, &f.fills[v])?;
            ws.write_string_with_format(r, 1, *meaning, &f.code)?;
            r += 1;
        }

        for (index, name, (cols, rows)) in [
            (1, "Matrix", (t.matrix.0.as_slice(), &t.matrix.1)),
            (2, "Gaps", (t.gaps.0, &t.gaps.1)),
            (4, "POA&M", (t.poam.0, &t.poam.1)),
            (
                5,
                "Inheritance gaps",
                (t.inheritance_gaps.0, &t.inheritance_gaps.1),
            ),
            (6, "Attestations", (t.attestations.0, &t.attestations.1)),
        ] {
            let ws = wb.worksheet_from_index(index)?;
            frame(ws, &f, name, cols, u32::try_from(rows.len()).unwrap_or(u32::MAX))?;
            write_rows(ws, &f, cols, rows, 1)?;
        }
        for (i, (name, cols, rows)) in t.history.iter().enumerate() {
            let ws = wb.worksheet_from_index(7 + i)?;
            frame(ws, &f, name, cols, u32::try_from(rows.len()).unwrap_or(u32::MAX))?;
            write_rows(ws, &f, cols, rows, 1)?;
        }
        let ws = wb.worksheet_from_index(3)?;
        ws.set_name("Evidence")?;
        let evidence = Sheet {
            index: 3,
            cols: t.evidence.to_vec(),
            next: 1,
            overflow: 0,
        };
        for (i, (h, kind)) in evidence.cols.iter().enumerate() {
            let c = u16::try_from(i).unwrap_or(u16::MAX);
            ws.set_column_width(c, width(h, *kind))?;
            ws.write_string_with_format(0, c, *h, &f.header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(AuditWorkbook {
            wb,
            path,
            tempdir,
            f,
            evidence,
        })
    }

    /// Adds one evidence row (cells in the evidence columns' order). Rows beyond Excel's limit
    /// are counted, not written ([`AuditWorkbook::finish`] says so).
    pub(crate) fn evidence(&mut self, cells: &[String]) -> Result<()> {
        let s = &mut self.evidence;
        // The last row is kept for the note on rows left out.
        if s.next >= MAX_ROWS - 1 {
            s.overflow += 1;
            return Ok(());
        }
        let (wb, f) = (&mut self.wb, &self.f);
        guarded(&self.tempdir, || {
            let ws = wb.worksheet_from_index(s.index)?;
            for (i, ((_, kind), v)) in s.cols.iter().zip(cells).enumerate() {
                put(ws, f, s.next, u16::try_from(i).unwrap_or(u16::MAX), *kind, v)?;
            }
            // No row height: see the module documentation (memory flat in the evidence).
            Ok(())
        })?;
        s.next += 1;
        Ok(())
    }

    /// Saves the workbook. Returns a warning when evidence rows did not fit in the sheet.
    pub(crate) fn finish(mut self) -> Result<Option<String>> {
        let s = &self.evidence;
        let (index, last_col, rows, overflow) = (
            s.index,
            u16::try_from(s.cols.len().saturating_sub(1)).unwrap_or(u16::MAX),
            s.next - 1,
            s.overflow,
        );
        let note = (overflow > 0).then(|| {
            format!(
                "{overflow} more evidence rows are not in this sheet (Excel holds {MAX_ROWS} rows); evidence-index.csv and the catalogue hold every row"
            )
        });
        let (wb, f, path) = (&mut self.wb, &self.f, &self.path);
        guarded(&self.tempdir, || {
            let ws = wb.worksheet_from_index(index)?;
            ws.autofilter(0, 0, rows.max(1), last_col)?;
            if let Some(note) = &note {
                ws.write_string_with_format(rows + 1, 0, note, &f.bold)?;
            }
            wb.save(path)
        })?;
        Ok(note.map(|n| format!("audit-workbook.xlsx: {n}")))
    }
}

/// `--formats xlsx`: `audit-workbook.xlsx`, every sheet written at the start, the evidence rows
/// in the shared pass, saved when the pass is over.
pub(crate) struct XlsxOutput {
    wb: AuditWorkbook,
}

impl XlsxOutput {
    /// Starts the workbook in the staging folder: every sheet but the evidence rows.
    pub(crate) fn start(job: &Job<'_>, staging: &mut Staging) -> Result<XlsxOutput> {
        let mut tables = sheets::tables(job);
        // The profile in use in the Organizational Profile template's columns, last.
        let (profile_rows, _) = crate::export::profile::template_rows(job.cat)?;
        tables.facts.push((
            "Organizational Profile".into(),
            format!(
                "{} (Profile sheet and profile.csv, NIST's Organizational Profile template columns)",
                job.cat.current_profile()?.name
            ),
        ));
        tables
            .history
            .push(("Profile", &crate::export::profile::SHEET_COLS, profile_rows));
        let wb = AuditWorkbook::start(
            staging.path_for(WORKBOOK)?,
            staging.dir(),
            &job.cover.title,
            &job.cover.organization,
            job.opts.generated_at,
            tables,
        )?;
        Ok(XlsxOutput { wb })
    }
}

impl Output for XlsxOutput {
    fn reads_index(&self) -> bool {
        true
    }

    fn index_row(&mut self, row: &[String]) -> Result<()> {
        self.wb.evidence(row)
    }

    fn finish(
        self: Box<Self>,
        _job: &Job<'_>,
        _pass: &Pass,
        staging: &mut Staging,
        written: &mut Written,
    ) -> Result<()> {
        written.warnings.extend(self.wb.finish()?);
        staging.adopt(WORKBOOK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_the_cell_limit_with_a_note() {
        let long = "x".repeat(40_000);
        let cut = cell_text(&long);
        assert_eq!(cut.chars().count(), MAX_CELL);
        assert!(cut.ends_with("the CSV files hold the whole text]"));
        assert_eq!(cell_text("short"), "short");
    }

    #[test]
    fn only_dates_excel_holds_become_date_cells() {
        assert!(excel_date("2026-12-01").is_some());
        assert!(excel_date("1850-01-01").is_none());
        assert!(excel_date("2026-13-01").is_none());
        assert!(excel_date("soon").is_none());
    }
}
