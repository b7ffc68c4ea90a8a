//! `csfkit evidence import|list|show|batches`: take evidence trackers in as they are, validated
//! row by row, with the chain of custody of every row; list what is there.

mod listing;
mod retarget;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{Ctx, columns, values, whoami};
use crate::error::{Error, Result};
use crate::import::evidence;
use crate::import::evidence::Warning;
use crate::import::layout::{EVIDENCE_LAYOUTS, EvidenceLayout};

const IMPORT_EXAMPLES: &str = "Examples:
  csfkit evidence import tracker.xlsx
  csfkit evidence import tracker.xlsx --sheet \"Q3 evidence\" --dry-run
  csfkit evidence import export.csv --map \"Ref=control_id\" --map \"Artefact=title\"
  csfkit evidence import tracker.ods --date-format %d/%m/%Y --evidence-root /srv/evidence
  csfkit evidence import tracker.xlsx --skip-invalid --errors-out rejected.csv
  csfkit evidence import fedramp-tracker.xlsx             rows keyed by SP 800-53 (AC-2, AC-2(1))
  csfkit evidence import isms.xlsx --framework iso27001   rows keyed by Annex A (5.15)

Formats (decided by content): xlsx, xlsm, xlsb, xls, ods, CSV/TSV (UTF-8; `,` `;` tab or `|`,
the one the first lines use most outside quoted cells, or --delimiter).";

const IMPORT_NOTES: &str =
    "Dates: date cells (1900 and 1904 systems), YYYY-MM-DD text (optionally with a real time such as
T14:30:00Z, of which the date is kept), other text with --date-format (chrono syntax: %d/%m/%Y,
%m/%d/%Y, %d.%m.%Y). Ambiguous or impossible dates and times are refused.

If any row is invalid nothing is imported (exit 65) and every problem is reported with its
row and column; --skip-invalid imports the valid rows. Re-importing the same rows adds nothing.
Control IDs of SP 800-53 Rev 5 (AC-2), ISO/IEC 27001:2022 Annex A (A.5.15) and CCM v4 (IAM-02)
are recorded against every CSF 2.0 subcategory whose NIST references cite them, keeping the ID
as written (mapped_from); a CSF 1.1 ID against its CSF 2.0 successors. `csfkit control AC-2`
shows where an ID lands; `status --no-mapped` shows coverage without mapped rows. The optional
targets column (e.g. `CSF Subcategories`: PR.AA-01, PR.AA-05) narrows a row to the subcategories
it is offered for, among those its ID stands for (another is a row error naming them);
`evidence retarget` narrows after import. A row with neither a collection date nor a location
is stored as a placeholder: listed, never counted as evidence.
Local file locations are hashed (SHA-256) if they are inside --evidence-root (default: the
spreadsheet's folder); URLs are recorded, never fetched.";

/// The help after `evidence import`'s options: the examples and formats, each tracker layout with
/// the header names of each field (from the layouts themselves), then the notes.
fn import_help() -> String {
    format!("{IMPORT_EXAMPLES}\n{}\n{IMPORT_NOTES}", layouts_help())
}

/// How the header row is found, and every layout's names, field by field.
fn layouts_help() -> String {
    let mut out = String::from(
        "The header row is found among the first 30 rows by its names, ignoring case, spaces and\n\
punctuation. Which names stand for which field is the tracker's layout (--layout NAME); a\n\
field's own name (control_id, title, ...) is understood in every layout, --map \"HEADER=field\"\n\
overrides, and other columns are kept as extra attributes.\n",
    );
    for (i, l) in EVIDENCE_LAYOUTS.iter().enumerate() {
        let default = if i == 0 { " (the default)" } else { "" };
        out.push_str(&format!("Layout {}{default}: {}\n", l.name, l.about));
        for f in l.headers.fields() {
            out.push_str(&hanging(&format!("  {:<15}", f.name), f.headers));
        }

        if let Some(d) = l.date_format {
            out.push_str(&format!(
                "  {:<15}text dates read as {d} (--date-format overrides)\n",
                "dates"
            ));
        }
        // The optional column that narrows a mapped row (not a stored field).
        out.push_str(&format!(
            "Optional column {}: the CSF 2.0 subcategories a mapped row is offered for\n",
            crate::import::layout::TARGETS
        ));
        out.push_str(&hanging("   ", l.targets));
    }
    out
}

/// `items` joined by `, ` after `lead`, wrapped at 96 columns under their own start (an item is
/// never cut).
fn hanging(lead: &str, items: &[&str]) -> String {
    let indent = " ".repeat(lead.len());
    let mut out = String::new();
    let mut line = lead.to_string();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.to_string()
        };
        if line.len() > lead.len() && line.len() + 1 + piece.len() > 96 {
            out.push_str(&line);
            out.push('\n');
            line = indent.clone();
        } else if line.len() > lead.len() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// `csfkit evidence ...`
#[derive(Debug, Subcommand)]
pub(crate) enum EvidenceCommand {
    /// Import evidence rows from a spreadsheet or CSV, validated row by row.
    #[command(after_help = import_help())]
    Import(ImportArgs),
    /// List evidence rows.
    #[command(after_help = columns::help(
        "Examples:\n  csfkit evidence list --control PR.AA-01\n  csfkit evidence list --expired --format csv > expired.csv\n  csfkit evidence list --stale 365\n  csfkit evidence list --batch 3 --format json",
        columns::EVIDENCE_LIST
    ))]
    List(listing::ListArgs),
    /// Show one evidence row in full, with where it came from.
    #[command(
        after_help = "Examples:\n  csfkit evidence show 42\n  csfkit evidence show 42 --format json\n\n\
Shows every field, the extra attributes, the evidence file's SHA-256, and the chain of custody:\n\
source file and its SHA-256, sheet, row, import batch, who imported it and when."
    )]
    Show(listing::ShowArgs),
    /// List import batches: source file, SHA-256, sheet, who, when, counts.
    #[command(
        after_help = columns::help(
            "Examples:\n  csfkit evidence batches\n  csfkit evidence batches --format csv > batches.csv",
            columns::EVIDENCE_BATCHES
        )
    )]
    Batches(listing::BatchesArgs),
    /// Narrow the subcategories a mapped tracker row counts for (a reason is required).
    #[command(
        after_help = "Examples:\n  csfkit evidence retarget 42 --to PR.AA-01,PR.AA-05 --reason \"The access review covers workforce accounts only\"\n  \
csfkit evidence retarget 7 --to RS.MA-02,RS.AN-03 --reason \"Tabletop exercised triage and analysis\" --by \"A. Auditor\"\n\n\
A row keyed by another framework's ID (SP 800-53 IR-4) lands on every CSF 2.0 subcategory whose\n\
NIST references cite it (24 for IR-4); `evidence list` shows the spread (`IR-4: 24 subcategories`).\n\
retarget names the ones it is offered for: the tracker row's other rows stay listed, never\n\
counted. ID is any evidence row of that tracker row; --to must name some of the subcategories it\n\
landed on. Who (--by, else the OS user), when and why are recorded, append-only and chained like\n\
the other logs (`csfkit check`); the newest retarget of a tracker row is in force, so a later one\n\
can widen it again. An evidence tracker can narrow at import instead, with a column such as\n\
`CSF Subcategories` (see `evidence import --help`)."
    )]
    Retarget(retarget::RetargetArgs),
}

/// Arguments of `csfkit evidence import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The spreadsheet (xlsx, xlsm, xlsb, xls, ods) or CSV/TSV file.
    pub file: PathBuf,
    /// Sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// CSV/TSV only: the field delimiter, `,` `;` `|` or `tab` (default: the one the first
    /// lines use most outside quoted fields).
    #[arg(long, value_name = "CHAR", value_parser = crate::cli::delimiter)]
    pub delimiter: Option<u8>,
    /// Row number of the header (default: found by its names among the first 30 rows).
    #[arg(long, value_name = "N")]
    pub header_row: Option<usize>,
    /// The tracker's layout: which header names stand for which field (each layout's names are
    /// listed below).
    #[arg(long, value_name = "NAME", default_value = "csfkit", value_parser = values::tracker_layout())]
    pub layout: &'static EvidenceLayout,
    /// Map a column to a field, e.g. `--map "Ref=control_id"`, or to `targets` (the subcategories
    /// a mapped row is offered for) (repeatable).
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub map: Vec<String>,
    /// How text dates are written, in chrono syntax (e.g. %d/%m/%Y).
    #[arg(long, value_name = "FMT")]
    pub date_format: Option<String>,
    /// Folder that local evidence paths are relative to and must stay inside (default: the
    /// spreadsheet's folder).
    #[arg(long, value_name = "DIR")]
    pub evidence_root: Option<PathBuf>,
    /// Who collected the evidence, recorded with the batch (default: the OS user).
    #[arg(long, value_name = "NAME")]
    pub collector: Option<String>,
    /// Import the valid rows and report the others.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Refuse CSF 1.1 IDs instead of mapping them to CSF 2.0 with a warning.
    #[arg(long)]
    pub strict: bool,
    /// Read every control ID as this framework's: csf2, csf1.1, sp800-53, iso27001, ccm
    /// (default: each ID by its shape; SP 800-53, ISO/IEC 27001 Annex A and CCM IDs are recorded
    /// against the CSF 2.0 subcategories whose NIST references cite them).
    #[arg(long, value_name = "NAME", value_parser = crate::cli::ref_framework)]
    pub framework: Option<crate::model::crosswalk::RefFramework>,
    /// Validate and report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the rejected rows with their reasons to this CSV, to fix and import again (an
    /// existing file is replaced only if it is an earlier --errors-out file).
    #[arg(long, value_name = "FILE")]
    pub errors_out: Option<PathBuf>,
    /// Write the --errors-out cells exactly (no ' before a cell that starts with = + - @ TAB or
    /// CR).
    #[arg(long)]
    pub raw_csv: bool,
}

/// Runs `csfkit evidence ...`.
pub(super) fn run(ctx: &Ctx, cmd: &EvidenceCommand) -> Result<u8> {
    match cmd {
        EvidenceCommand::Import(a) => import(ctx, a),
        EvidenceCommand::List(a) => listing::list(ctx, a),
        EvidenceCommand::Show(a) => listing::show(ctx, a),
        EvidenceCommand::Batches(a) => listing::batches(ctx, a),
        EvidenceCommand::Retarget(a) => retarget::run(ctx, a),
    }
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let file = args.file.display().to_string();
    let opts = evidence::Options {
        file: args.file.clone(),
        sheet: args.sheet.clone(),
        delimiter: args.delimiter,
        header_row: args.header_row,
        map: parse_maps(&args.map)?,
        layout: args.layout,
        date_format: args.date_format.clone(),
        evidence_root: args.evidence_root.clone(),
        collector: whoami(args.collector.as_deref()),
        skip_invalid: args.skip_invalid,
        strict: args.strict,
        framework: args.framework,
        dry_run: args.dry_run,
        errors_out: args.errors_out.clone(),
        raw_csv: args.raw_csv,
    };
    // The file is checked before the catalogue is opened (or created).
    let prepared = evidence::prepare(&opts)?;
    let mut cat = ctx.open()?;
    let progress = Spinner(progress_bar(ctx));
    let out = evidence::import(&mut cat, prepared, &progress)?;
    progress.0.finish_and_clear();
    let sheet_note = out
        .sheet
        .as_ref()
        .map(|s| format!(", sheet `{s}`"))
        .unwrap_or_default();
    if let Some(h) = &out.header {
        ctx.msg
            .note(format!("{file}{sheet_note}: header on row {}", h.row));
        for line in h.describe() {
            ctx.msg.note(format!("  {line}"));
        }
    }
    report_warnings(ctx, &out.warnings, out.warnings_total);
    if let Some((path, rows)) = &out.errors_written {
        ctx.msg
            .note(format!("wrote {rows} rejected row(s) to {}", path.display()));
    }
    if !out.problems.is_empty() && !args.skip_invalid {
        return Err(Error::Invalid {
            file,
            more: out.problems_total - out.problems.len(),
            problems: out.problems,
        });
    }
    if !out.problems.is_empty() {
        for p in out.problems.iter().take(100) {
            ctx.msg.warn(format!("skipped: {p}"));
        }
        if out.problems_total > 100 {
            ctx.msg
                .warn(format!("... and {} more problems", out.problems_total - 100));
        }
    }
    report_placeholders(ctx, &file, &out.placeholders);
    let summary = format!(
        "{} data rows read: {} new evidence rows, {} already in the catalogue (same content), {} rejected",
        out.rows_read, out.imported, out.already, out.rejected
    );
    let summary = if out.imported_mapped > 0 {
        format!(
            "{summary}; {} of the new rows were mapped from another framework's ID onto the CSF 2.0 subcategories citing it",
            out.imported_mapped
        )
    } else {
        summary
    };
    match &out.batch {
        Some((b, sha256)) => ctx.msg.note(format!("batch {b}: {summary} (SHA-256 {sha256})")),
        None => ctx.msg.note(format!("dry run, nothing written: {summary}")),
    }
    if out.imported == 0 && out.already > 0 && out.problems.is_empty() {
        ctx.msg.note("every row was already imported: nothing added");
    }
    Ok(0)
}

/// The import's progress on a terminal spinner.
struct Spinner(indicatif::ProgressBar);

impl evidence::Progress for Spinner {
    fn advance(&self, rows: u64) {
        self.0.inc(rows);
    }
    fn restart(&self) {
        self.0.set_position(0);
    }
}

fn progress_bar(ctx: &Ctx) -> indicatif::ProgressBar {
    if ctx.msg.is_quiet() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {pos} rows read ({per_sec}) {elapsed}")
    {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

fn report_warnings(ctx: &Ctx, warnings: &[Warning], total: usize) {
    for w in warnings {
        ctx.msg.warn(format!("{}: {}", w.location, w.message));
    }
    if total > warnings.len() {
        ctx.msg
            .warn(format!("... and {} more warnings", total - warnings.len()));
    }
}

/// The rows with neither a collection date nor a location: how many, and which.
fn report_placeholders(ctx: &Ctx, file: &str, (n, rows): &(usize, Vec<usize>)) {
    if *n == 0 {
        return;
    }
    let mut listed: Vec<String> = rows.iter().map(usize::to_string).collect();
    if *n > rows.len() {
        listed.push(format!("and {} more", n - rows.len()));
    }
    let s = if *n == 1 { "" } else { "s" };
    ctx.msg.warn(format!(
        "{file}: {n} row{s} with neither a collection date nor a location (row{s} {}): placeholder{s}, listed but never counted as evidence",
        listed.join(", "),
    ));
}

fn parse_maps(maps: &[String]) -> Result<Vec<(String, String)>> {
    maps.iter()
        .map(|m| {
            m.rsplit_once('=')
                .map(|(h, f)| (h.trim().to_string(), f.trim().to_string()))
                .filter(|(h, f)| !h.is_empty() && !f.is_empty())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--map `{m}`: expected HEADER=FIELD, e.g. --map \"Ref=control_id\""
                    ))
                })
        })
        .collect()
}
