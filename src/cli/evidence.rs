//! `csfkit evidence import|list|show|batches`: take evidence trackers in as they are, validated
//! row by row, with the chain of custody of every row; list what is there.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;

use crate::catalogue::evidence::EvidenceFilter;
use crate::cli::{Ctx, columns, whoami};
use crate::embedded::DEFAULT_FRAMEWORK;
use crate::error::{Error, Result};
use crate::import::evidence;
use crate::import::ids::Resolver;
use crate::import::validate::Warning;
use crate::model::evidence::{Freshness, freshness};
use crate::output::{Listing, OutputArgs};

const IMPORT_HELP: &str = "Examples:
  csfkit evidence import tracker.xlsx
  csfkit evidence import tracker.xlsx --sheet \"Q3 evidence\" --dry-run
  csfkit evidence import export.csv --map \"Ref=control_id\" --map \"Artefact=title\"
  csfkit evidence import tracker.ods --date-format %d/%m/%Y --evidence-root /srv/evidence
  csfkit evidence import tracker.xlsx --skip-invalid --errors-out rejected.csv

Formats (decided by content): xlsx, xlsm, xlsb, xls, ods, CSV/TSV (UTF-8; `,` `;` tab or `|`).
The header row is found among the first 30 rows by its names, ignoring case, spaces and
punctuation: Control ID / Control / CSF ID / Subcategory / Requirement -> control_id;
Evidence / Evidence Title / Title / Name / Artifact -> title; Description / Details / Notes;
Type / Evidence Type; Owner / Collected By / Collector; Date Collected / Collection Date /
Collected; Valid Until / Expires / Expiry / Expiration Date / Review By; Location / Link / URL /
Path / File; Source / System / Source System. Other columns are kept as extra attributes.

Dates: date cells (1900 and 1904 systems), YYYY-MM-DD text, other text with --date-format
(chrono syntax: %d/%m/%Y, %m/%d/%Y, %d.%m.%Y). Ambiguous or impossible dates are refused.

If any row is invalid nothing is imported (exit 65) and every problem is reported with its
row and column; --skip-invalid imports the valid rows. Re-importing the same rows adds nothing.
Local file locations are hashed (SHA-256) if they are inside --evidence-root (default: the
spreadsheet's folder); URLs are recorded, never fetched.";

/// `csfkit evidence ...`
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Import evidence rows from a spreadsheet or CSV, validated row by row.
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// List evidence rows.
    #[command(after_help = columns::help(
        "Examples:\n  csfkit evidence list --control PR.AA-01\n  csfkit evidence list --expired --format csv > expired.csv\n  csfkit evidence list --stale 365\n  csfkit evidence list --batch 3 --format json",
        columns::EVIDENCE_LIST
    ))]
    List(ListArgs),
    /// Show one evidence row in full, with where it came from.
    #[command(
        after_help = "Examples:\n  csfkit evidence show 42\n  csfkit evidence show 42 --format json\n\n\
Shows every field, the extra attributes, the evidence file's SHA-256, and the chain of custody:\n\
source file and its SHA-256, sheet, row, import batch, who imported it and when."
    )]
    Show(ShowArgs),
    /// List import batches: source file, SHA-256, sheet, who, when, counts.
    #[command(
        after_help = columns::help(
            "Examples:\n  csfkit evidence batches\n  csfkit evidence batches --format csv > batches.csv",
            columns::EVIDENCE_BATCHES
        )
    )]
    Batches(BatchesArgs),
}

/// Arguments of `csfkit evidence import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The spreadsheet (xlsx, xlsm, xlsb, xls, ods) or CSV/TSV file.
    pub file: PathBuf,
    /// Sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Row number of the header (default: found by its names among the first 30 rows).
    #[arg(long, value_name = "N")]
    pub header_row: Option<usize>,
    /// Map a column to a field, e.g. `--map "Ref=control_id"` (repeatable).
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

/// Arguments of `csfkit evidence list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this control.
    #[arg(long)]
    control: Option<String>,
    /// Only evidence past its valid-until date.
    #[arg(long)]
    expired: bool,
    /// Only evidence collected more than DAYS days ago.
    #[arg(long, value_name = "DAYS")]
    stale: Option<i64>,
    /// Only rows of this import batch.
    #[arg(long, value_name = "N")]
    batch: Option<i64>,
    /// Judge freshness at this date (default: today, or CSFKIT_TODAY).
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit evidence show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Evidence ID (from `evidence list`).
    id: i64,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit evidence batches`.
#[derive(Debug, clap::Args)]
pub struct BatchesArgs {
    #[command(flatten)]
    out: OutputArgs,
}

/// Runs `csfkit evidence ...`.
pub fn run(ctx: &Ctx, cmd: &EvidenceCommand) -> Result<u8> {
    match cmd {
        EvidenceCommand::Import(a) => import(ctx, a),
        EvidenceCommand::List(a) => list(ctx, a),
        EvidenceCommand::Show(a) => show(ctx, a),
        EvidenceCommand::Batches(a) => batches(ctx, a),
    }
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let file = args.file.display().to_string();
    let opts = evidence::Options {
        file: args.file.clone(),
        sheet: args.sheet.clone(),
        header_row: args.header_row,
        map: parse_maps(&args.map)?,
        date_format: args.date_format.clone(),
        evidence_root: args.evidence_root.clone(),
        collector: whoami(args.collector.as_deref()),
        skip_invalid: args.skip_invalid,
        strict: args.strict,
        dry_run: args.dry_run,
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
    if let Some(path) = &args.errors_out {
        evidence::write_rejected(
            path,
            &args.file,
            out.header.as_ref(),
            &out.rejected_rows,
            args.raw_csv,
        )?;
        ctx.msg.note(format!(
            "wrote {} rejected row(s) to {}",
            out.rejected_rows.len(),
            path.display()
        ));
    }
    if !out.problems.is_empty() && !args.skip_invalid {
        return Err(Error::Invalid {
            file,
            problems: out.problems,
        });
    }
    if !out.problems.is_empty() {
        for p in out.problems.iter().take(100) {
            ctx.msg.warn(format!("skipped: {p}"));
        }
        if out.problems.len() > 100 {
            ctx.msg
                .warn(format!("... and {} more problems", out.problems.len() - 100));
        }
    }
    let summary = format!(
        "{} data rows read: {} new evidence rows, {} already in the catalogue (same content), {} rejected",
        out.rows_read,
        out.imported,
        out.already,
        out.rejected_rows.len()
    );
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

fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let control = match &args.control {
        Some(id) => Some(Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
        None => None,
    };
    let as_of = match args.as_of {
        Some(d) => d,
        None => crate::util::today()?,
    };
    let items = cat.evidence(&EvidenceFilter {
        control,
        batch: args.batch,
    })?;
    let mut l = Listing::of(columns::EVIDENCE_LIST);
    for e in items {
        let fresh = freshness(&e, as_of, args.stale.unwrap_or(365));
        if args.expired && fresh != Freshness::Expired {
            continue;
        }
        // --stale: collected more than DAYS ago (undated evidence counts as stale).
        if args
            .stale
            .is_some_and(|days| e.collected_on.is_some_and(|c| (as_of - c).num_days() <= days))
        {
            continue;
        }
        l.push(vec![
            e.id.to_string(),
            e.control_id,
            e.title,
            e.evidence_type,
            e.owner,
            e.collected_on.map(|d| d.to_string()).unwrap_or_default(),
            e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            fresh.as_str().to_string(),
            e.location,
            e.location_kind,
            e.file_sha256.unwrap_or_default(),
            e.source_file,
            e.source_sheet,
            e.source_row.to_string(),
            e.batch_id.to_string(),
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg.note("no evidence matches");
    }
    l.print(&args.out)?;
    Ok(0)
}

fn show(ctx: &Ctx, args: &ShowArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let Some(e) = cat.evidence_item(args.id)? else {
        return Err(Error::Data(format!(
            "no evidence with ID {}; `csfkit evidence list` shows the IDs",
            args.id
        )));
    };
    let batch = cat.batches()?.into_iter().find(|b| b.id == e.batch_id);
    let mut l = Listing::of(columns::FIELD_VALUE);
    let mut kv = |k: &str, v: String| l.push(vec![k.to_string(), v]);
    kv("id", e.id.to_string());
    kv("control_id", e.control_id.clone());
    kv("title", e.title.clone());
    kv("description", e.description.clone());
    kv("evidence_type", e.evidence_type.clone());
    kv("owner", e.owner.clone());
    kv(
        "collected_on",
        e.collected_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    kv(
        "valid_until",
        e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
    );
    kv("location", e.location.clone());
    kv("location_kind", e.location_kind.clone());
    kv("file_sha256", e.file_sha256.clone().unwrap_or_default());
    kv(
        "file_size",
        e.file_size.map(|s| s.to_string()).unwrap_or_default(),
    );
    kv("source_system", e.source_system.clone());
    kv("extras", e.extras.clone());
    kv("source_file", e.source_file.clone());
    kv("source_sha256", e.source_sha256.clone());
    kv("source_sheet", e.source_sheet.clone());
    kv("source_row", e.source_row.to_string());
    kv("batch", e.batch_id.to_string());
    if let Some(b) = batch {
        kv("imported_by", b.collector);
        kv("imported_at", b.imported_at);
    }
    l.print(&args.out)?;
    Ok(0)
}

fn batches(ctx: &Ctx, args: &BatchesArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let mut l = Listing::of(columns::EVIDENCE_BATCHES);
    for b in cat.batches()? {
        l.push(vec![
            b.id.to_string(),
            b.source_file,
            b.source_sha256,
            b.source_size.to_string(),
            b.format,
            b.sheet,
            b.header_row.to_string(),
            b.collector,
            b.imported_at,
            b.rows_read.to_string(),
            b.rows_imported.to_string(),
            b.rows_already.to_string(),
            b.rows_rejected.to_string(),
            b.source_path,
            b.evidence_root,
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg
            .note("no import batch yet; `csfkit evidence import FILE` adds one");
    }
    l.print(&args.out)?;
    Ok(0)
}
