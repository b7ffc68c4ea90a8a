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
use crate::model::review::TEST_RESULTS_SHEET;

pub(crate) mod sheets;

pub(crate) use sheets::{Col, Kind, Tables};

/// The index of the Evidence sheet (its rows come in the shared pass).
const EVIDENCE_SHEET: usize = 4;
/// The index of the first history sheet (after Attestations).
const FIRST_HISTORY: usize = 9;

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
        "POA&M: an open item: a plan due on or after the as-of date, or none recorded yet (its plan columns empty)",
    ),
    (
        "Delayed",
        0xFFC7CE,
        "POA&M: an open plan past its scheduled completion date",
    ),
    (
        "Risk Accepted",
        0xD9D9D9,
        "POA&M: the risk is accepted (see Comments)",
    ),
    (
        "Completed",
        0xC6EFCE,
        "POA&M: the plan is closed (on the POA&M sheet: closed while the gap remains; Closed POA&M Items: the gap is gone)",
    ),
    (
        "satisfied",
        0xC6EFCE,
        "assessor's result: the control meets its requirement",
    ),
    (
        "other than satisfied",
        0xFFC7CE,
        "assessor's result: it does not (a finding)",
    ),
    (
        "not applicable",
        0xD9D9D9,
        "assessor's result: it does not apply to the system",
    ),
    ("low", 0xE2EFDA, "assessor's risk rating: low"),
    ("moderate", 0xFFEB9C, "assessor's risk rating: moderate"),
    ("high", 0xFFC7CE, "assessor's risk rating: high"),
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
    /// The sheet's columns: the CSV's, the `extras` one spread into `extras` (header, kind).
    cols: Vec<(String, Kind)>,
    /// Where the CSV row's `extras` cell is, and the extra attributes spread in its place
    /// (none: the cell is written as it is).
    extras_at: Option<usize>,
    extras: Vec<String>,
    next: u32,
    /// Rows that did not fit under Excel's row limit.
    overflow: u64,
    /// Hyperlinks written ([`MAX_LINKS`] at most).
    links: u32,
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

/// A column header as people read it: `shared_provider_led` is `Shared provider led`.
fn readable(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut c = spaced.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The header row (`readable` headers spelled for people), widths, panes frozen at the first
/// data cell (the header row and the first column, the control or function, stay in view), an
/// autofilter over its `rows` data rows and the print setup: landscape on `paper`, fit to one
/// page wide, the header row repeated on every page.
fn frame(
    ws: &mut Worksheet,
    f: &Formats,
    (name, paper): (&str, u8),
    cols: &[Col],
    rows: u32,
    readable_headers: bool,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(name)?;
    for (i, (h, kind)) in cols.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        let shown = if readable_headers {
            readable(h)
        } else {
            (*h).to_string()
        };
        ws.set_column_width(c, width(&shown, *kind))?;
        ws.write_string_with_format(0, c, shown, &f.header)?;
    }
    ws.set_freeze_panes(1, 1)?;
    let last = u16::try_from(cols.len().saturating_sub(1)).unwrap_or(u16::MAX);
    ws.autofilter(0, 0, rows.max(1), last)?;
    print_setup(ws, paper)?;
    Ok(())
}

/// Landscape on `paper`, fit to one page wide (as many pages long as it takes), the header
/// row repeated on every page.
fn print_setup(ws: &mut Worksheet, paper: u8) -> std::result::Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(paper);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Validation lists on the assessor's columns of the Test results sheet (rows 2 to `last`):
/// method, result and risk from their vocabularies ([`crate::model::review`]), the date a
/// date. A value outside the list is refused by the spreadsheet with a message naming the
/// allowed ones; `review import` checks again.
fn test_validations(ws: &mut Worksheet, last: u32) -> std::result::Result<(), XlsxError> {
    use crate::model::review::{Method, Outcome, Risk};
    use rust_xlsxwriter::{DataValidation, DataValidationRule};
    let col = |name: &str| {
        sheets::TEST_RESULTS_COLS
            .iter()
            .position(|(n, _)| *n == name)
            .and_then(|i| u16::try_from(i).ok())
            .unwrap_or(0)
    };
    let list = |title: &str, values: &[&str]| -> std::result::Result<DataValidation, XlsxError> {
        DataValidation::new()
            .allow_list_strings(values)?
            .set_input_title(title)?
            .set_error_title(format!("Not a {}", title.to_lowercase()))?
            .set_error_message(format!("Expected one of: {}", values.join(", ")))
    };
    let methods: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
    let outcomes: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    let risks: Vec<&str> = Risk::ALL.iter().map(|r| r.as_str()).collect();
    let last = last.max(1);
    for (name, v) in [
        ("Method", list("Method", &methods)?),
        ("Result", list("Result", &outcomes)?),
        ("Risk", list("Risk", &risks)?),
    ] {
        let c = col(name);
        ws.add_data_validation(1, c, last, c, &v)?;
    }
    let from = ExcelDateTime::from_ymd(1900, 1, 1)?;
    let to = ExcelDateTime::from_ymd(9999, 12, 31)?;
    let date = DataValidation::new()
        .allow_date(DataValidationRule::Between(from, to))
        .set_input_title("Date")?
        .set_input_message("The day the control was assessed (a date)")?
        .set_error_message("Expected a date")?;
    let c = col("Date");
    ws.add_data_validation(1, c, last, c, &date)?;
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
        for _ in 0..FIRST_HISTORY + t.history.len() {
            wb.add_worksheet_with_constant_memory()?;
        }
        let paper = t.paper;

        // Summary: the per-function table, the cover facts, the legend. Its filter leaves the
        // total row out (sorting or filtering it would mix it with the functions).
        let ws = wb.worksheet_from_index(0)?;
        let (cols, rows) = &t.summary;
        let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        frame(ws, &f, ("Summary", paper), cols, n.saturating_sub(1), true)?;
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
            (2, TEST_RESULTS_SHEET, (t.test_results.0, &t.test_results.1)),
            (3, "Gaps", (t.gaps.0, &t.gaps.1)),
            (5, "POA&M", (t.poam.0, &t.poam.1)),
            (6, "Closed POA&M Items", (t.closed_poam.0, &t.closed_poam.1)),
            (
                7,
                "Inheritance gaps",
                (t.inheritance_gaps.0, &t.inheritance_gaps.1),
            ),
            (8, "Attestations", (t.attestations.0, &t.attestations.1)),
        ] {
            let ws = wb.worksheet_from_index(index)?;
            let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
            frame(ws, &f, (name, paper), cols, n, false)?;
            write_rows(ws, &f, cols, rows, 1)?;
            if index == 2 {
                test_validations(ws, n)?;
            }
        }
        for (i, (name, cols, rows)) in t.history.iter().enumerate() {
            let ws = wb.worksheet_from_index(FIRST_HISTORY + i)?;
            frame(
                ws,
                &f,
                (name, paper),
                cols,
                u32::try_from(rows.len()).unwrap_or(u32::MAX),
                false,
            )?;
            write_rows(ws, &f, cols, rows, 1)?;
        }
        let ws = wb.worksheet_from_index(EVIDENCE_SHEET)?;
        ws.set_name("Evidence")?;
        let extras_at = t
            .evidence
            .iter()
            .position(|(n, _)| *n == "extras")
            .filter(|_| !t.evidence_extras.is_empty());
        let mut cols: Vec<(String, Kind)> = Vec::new();
        for (i, (h, kind)) in t.evidence.iter().enumerate() {
            if Some(i) == extras_at {
                // A tracker column named like one of csfkit's is told apart.
                for x in &t.evidence_extras {
                    let taken = t.evidence.iter().any(|(n, _)| n.eq_ignore_ascii_case(x));
                    let name = if taken { format!("extra: {x}") } else { x.clone() };
                    cols.push((name, Kind::Text(20.0)));
                }
            } else {
                cols.push(((*h).to_string(), *kind));
            }
        }
        let evidence = Sheet {
            index: EVIDENCE_SHEET,
            cols,
            extras_at,
            extras: t.evidence_extras.clone(),
            next: 1,
            overflow: 0,
            links: 0,
        };
        for (i, (h, kind)) in evidence.cols.iter().enumerate() {
            let c = u16::try_from(i).unwrap_or(u16::MAX);
            ws.set_column_width(c, width(h, *kind))?;
            ws.write_string_with_format(0, c, h.as_str(), &f.header)?;
        }
        ws.set_freeze_panes(1, 2)?;
        print_setup(ws, paper)?;
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
            let row = spread(s, cells);
            for (i, ((_, kind), v)) in s.cols.iter().zip(&row).enumerate() {
                put(ws, f, s.next, u16::try_from(i).unwrap_or(u16::MAX), *kind, v)?;
            }
            link_evidence(ws, s, &row);
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

/// An evidence index row (`export::csv::EVIDENCE_COLUMNS` order) in the sheet's columns: its
/// `extras` cell (a JSON object) spread into one cell per extra attribute.
fn spread(s: &Sheet, cells: &[String]) -> Vec<String> {
    let Some(at) = s.extras_at else {
        return cells.to_vec();
    };
    let values: serde_json::Map<String, serde_json::Value> = cells
        .get(at)
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let mut row = Vec::with_capacity(s.cols.len());
    row.extend_from_slice(&cells[..at.min(cells.len())]);
    for x in &s.extras {
        row.push(match values.get(x) {
            Some(serde_json::Value::String(v)) => v.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        });
    }
    row.extend_from_slice(cells.get(at + 1..).unwrap_or_default());
    row
}

/// The hyperlinks of the Evidence sheet: rust_xlsxwriter keeps each one in memory until the
/// file is saved (about 1.5 KB a link, copied again while saving), so 65,530 of them (Excel's
/// limit) took an export of 100,000 web locations from 35 to 137 MB peak, 10,000 to 53 MB;
/// 4,000 (a tracker of a few thousand rows linked whole) keep it within 20% of 35 MB. The
/// rows past them keep their text, and report.pdf and index.html link every one.
const MAX_LINKS: u32 = 4_000;

/// Makes the evidence row's location (a web address: `http://` or `https://` only, never
/// another scheme a tracker cell could name) and its packaged file (`evidence/...`, relative
/// to the workbook in the package) hyperlinks, keeping the cell's text. A link Excel cannot
/// hold (too long) stays plain text.
fn link_evidence(ws: &mut Worksheet, s: &mut Sheet, cells: &[String]) {
    let col = |name: &str| s.cols.iter().position(|(n, _)| n == name);
    let (Some(loc), Some(kind), Some(packaged)) =
        (col("location"), col("location_kind"), col("packaged_file"))
    else {
        return;
    };
    let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
    let mut targets = Vec::new();
    let location = cell(loc);
    let web = ["http://", "https://"]
        .iter()
        .any(|p| location.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)));
    if cell(kind) == "url" && web && !location.chars().any(char::is_whitespace) {
        targets.push((loc, location.to_string()));
    }
    let file = cell(packaged);
    if file.starts_with("evidence/") && !file.contains("..") {
        targets.push((packaged, format!("file:///{file}")));
    }
    for (i, link) in targets {
        if s.links >= MAX_LINKS {
            return;
        }
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        let text = cell_text(cell(i)).into_owned();
        if ws
            .write_url_with_text(s.next, c, rust_xlsxwriter::Url::new(link), text)
            .is_ok()
        {
            s.links += 1;
        }
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
