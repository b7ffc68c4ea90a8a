//! `csfkit evidence import|list|show|batches`: take evidence trackers in as they are, validated
//! row by row, with the chain of custody of every row; list what is there.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::NaiveDate;
use clap::Subcommand;

use crate::catalogue::evidence::{self as store, Batch, EvidenceFilter};
use crate::cli::{Ctx, whoami};
use crate::embedded::DEFAULT_FRAMEWORK;
use crate::error::{Error, Problem, Result};
use crate::evidence::{ERRORS_COLUMN, FIELDS, HeaderMap, NewEvidence, Validator, Warning, hash_key};
use crate::import::keysort::{Rec, Sorter};
use crate::import::reader::{self as workbook, Cell, Format, Limits};
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
    #[command(
        after_help = "Examples:\n  csfkit evidence list --control PR.AA-01\n  csfkit evidence list --expired --format csv > expired.csv\n  csfkit evidence list --stale 365\n  csfkit evidence list --batch 3 --format json\n\n\
CSV/JSON columns: id, control_id, title, evidence_type, owner, collected_on, valid_until, freshness,\n\
location, location_kind, file_sha256, source_file, source_sheet, source_row, batch."
    )]
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
        after_help = "Examples:\n  csfkit evidence batches\n  csfkit evidence batches --format csv > batches.csv\n\n\
CSV/JSON columns: batch, source_file, source_sha256, source_size, format, sheet, header_row,\n\
collector, imported_at, rows_read, imported, already, rejected, source_path, evidence_root."
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

enum Event {
    Sheet(Option<String>),
    Rows(Vec<(usize, Vec<Cell>)>),
}

/// What a run of the import loop found.
#[derive(Default)]
struct Outcome {
    header: Option<HeaderMap>,
    rows_read: usize,
    imported: usize,
    already: usize,
    rejected_rows: Vec<(usize, Vec<String>, Vec<String>)>,
    problems: Vec<Problem>,
    /// The first warnings (only these are shown) and how many there were.
    warnings: Vec<Warning>,
    warnings_total: usize,
    sheet: Option<String>,
    /// The digest of the rows stored, for the batch's link in the history chain.
    rows_digest: store::RowsDigest,
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let file = args.file.display().to_string();
    let missing = |e| Error::InputMissing {
        path: args.file.clone(),
        source: e,
    };
    // The file is streamed, never held whole: parsed from one handle while a thread of its own
    // hashes it from another. Size and modification time are compared before the rows are
    // committed, so the recorded hash is the hash of the rows read.
    let mut source = crate::util::fs::open_regular(&args.file, true).map_err(missing)?;
    let stamp = source
        .metadata()
        .and_then(|m| Ok((m.len(), m.modified()?)))
        .map_err(missing)?;
    let size = stamp.0;
    let hash_path = args.file.clone();
    let hashing = std::thread::Builder::new()
        .name("csfkit-hasher".into())
        .spawn(move || crate::util::hash_file(&hash_path))
        .map_err(|e| Error::Failed(format!("cannot start the hashing thread: {e}")))?;
    let format = workbook::sniff(&file, &args.file, &mut source)?;
    let overrides = parse_maps(&args.map)?;
    let root_given = match &args.evidence_root {
        Some(r) => r.clone(),
        None => args
            .file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let root = std::fs::canonicalize(&root_given).map_err(|e| Error::InputMissing {
        path: root_given.clone(),
        source: e,
    })?;
    let mut cat = ctx.open()?;
    let resolver = cat.resolver(DEFAULT_FRAMEWORK)?;

    let limits = Limits::for_size(size);
    install_quiet_panic_hook();
    let progress = progress_bar(ctx);
    let collector = whoami(args.collector.as_deref());
    let mut hashing = Some(hashing);
    let mut source = Some(source);
    // What the sorted key check of the first pass found; the second pass (only run when it
    // found something) leaves those rows out.
    let mut known: Option<Known> = None;
    let (result, rolled_back) = loop {
        let src = match source.take() {
            Some(s) => s,
            None => crate::util::fs::open_regular(&args.file, true).map_err(missing)?,
        };
        let (reader, rx_rows) = spawn_reader(&file, src, size, format, args.sheet.clone(), limits)?;
        let no_dups = HashMap::new();
        let dups = known.as_ref().map_or(&no_dups, |k| &k.dups);
        let make = |header: HeaderMap, sheet: Option<String>| Validator {
            file: file.clone(),
            sheet,
            resolver: &resolver,
            header,
            date_format: args.date_format.clone(),
            strict: args.strict,
            root: root.clone(),
            file_cache: HashMap::new(),
            dups,
        };
        let mut rolled_back: Option<Outcome> = None;
        let mut found: Option<Known> = None;
        let result = cat.write("importing evidence", |tx| {
            let batch_id = store::next_batch_id(tx)?;
            let mut keys = Sorter::new(SORT_RUN);
            let check = match &known {
                Some(k) => KeyCheck::Skip(k),
                None => KeyCheck::Collect(&mut keys),
            };
            let out = consume(args, &overrides, rx_rows, &make, check, (tx, batch_id), &progress);
            let out = finish_reader(&file, reader, out, &args.file, stamp)?;
            if known.is_none() {
                let k = find_known(tx, batch_id, keys)?;
                if !k.is_empty() {
                    // Rows already in the catalogue or repeated in the file were stored on this
                    // optimistic pass: roll back and read again without them.
                    found = Some(k);
                    return Err(Error::Failed("rolled back".into()));
                }
            }
            if args.dry_run || (!out.problems.is_empty() && !args.skip_invalid) {
                // Atomic (or a dry run): returning an error rolls the transaction back.
                rolled_back = Some(out);
                return Err(Error::Failed("rolled back".into()));
            }
            let Some(hashing) = hashing.take() else {
                return Err(Error::Failed(
                    "the file hash was taken twice (a bug: please report it)".into(),
                ));
            };
            let sha256 = join_hash(&file, hashing, size)?;
            let header = out.header.as_ref();
            let batch = Batch {
                id: batch_id,
                source_file: args
                    .file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| file.clone()),
                source_path: std::fs::canonicalize(&args.file)
                    .unwrap_or_else(|_| args.file.clone())
                    .display()
                    .to_string(),
                source_sha256: sha256.clone(),
                source_size: size as i64,
                format: format.extension().into(),
                sheet: out.sheet.clone().unwrap_or_default(),
                header_row: header.map_or(0, |h| h.row as i64),
                columns: header.map(columns_json).unwrap_or_default(),
                collector: collector.clone(),
                imported_at: crate::catalogue::now_utc(),
                rows_read: out.rows_read as i64,
                rows_imported: out.imported as i64,
                rows_already: out.already as i64,
                rows_rejected: out.rejected_rows.len() as i64,
                evidence_root: root.display().to_string(),
            };
            store::insert_batch(tx, &batch, out.rows_digest.clone())?;
            Ok((out, Some(batch_id), sha256))
        });
        match found {
            Some(k) if known.is_none() => {
                known = Some(k);
                progress.set_position(0);
            }
            _ => break (result, rolled_back),
        }
    };
    progress.finish_and_clear();
    let (out, batch_id, sha256) = match (result, rolled_back) {
        (_, Some(out)) => (out, None, String::new()),
        (r, None) => r?,
    };
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
        write_errors(
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
    match batch_id {
        Some(b) => ctx.msg.note(format!("batch {b}: {summary} (SHA-256 {sha256})")),
        None => ctx.msg.note(format!("dry run, nothing written: {summary}")),
    }
    if out.imported == 0 && out.already > 0 && out.problems.is_empty() {
        ctx.msg.note("every row was already imported: nothing added");
    }
    Ok(0)
}

const READER_THREAD: &str = "csfkit-reader";

type ReaderThread = std::thread::JoinHandle<std::result::Result<(), workbook::ReadError>>;

/// Starts the reader: parsing runs on its own thread, overlapping validation and storage, and
/// a panic inside a parser ends that thread only. Rows come in chunks over a small queue.
fn spawn_reader(
    file: &str,
    mut source: std::fs::File,
    size: u64,
    format: Format,
    sheet: Option<String>,
    limits: Limits,
) -> Result<(ReaderThread, mpsc::Receiver<Event>)> {
    // Small queues between the threads: enough to smooth the hand-over, little memory held.
    let (tx, rx) = mpsc::sync_channel::<Event>(PIPELINE_DEPTH);
    let file = file.to_string();
    let reader = std::thread::Builder::new()
        .name(READER_THREAD.into())
        .spawn(move || -> std::result::Result<(), workbook::ReadError> {
            let mut chunk = Vec::with_capacity(CHUNK_ROWS);
            let mut sent_sheet = false;
            workbook::check_container(&file, &mut source, size, &limits)?;
            let info = workbook::read(
                &file,
                source,
                format,
                sheet.as_deref(),
                &limits,
                &mut |sheet_name| {
                    sent_sheet = true;
                    let _ = tx.send(Event::Sheet(sheet_name.map(str::to_string)));
                },
                &mut |n, cells| {
                    chunk.push((n, cells));
                    if chunk.len() >= CHUNK_ROWS && tx.send(Event::Rows(std::mem::take(&mut chunk))).is_err()
                    {
                        return Ok(false);
                    }
                    Ok(true)
                },
            )?;
            if !sent_sheet {
                let _ = tx.send(Event::Sheet(info.sheet));
            }
            if !chunk.is_empty() {
                let _ = tx.send(Event::Rows(chunk));
            }
            Ok(())
        })
        .map_err(|e| Error::Failed(format!("cannot start the reader thread: {e}")))?;
    Ok((reader, rx))
}

/// Rows handed from one import thread to the next at a time.
const CHUNK_ROWS: usize = 1024;
/// Chunks a queue between two import threads holds at most.
const PIPELINE_DEPTH: usize = 4;

/// Keeps a parser panic on the reader thread from printing a backtrace: it is reported as an
/// error naming the file instead. Panics elsewhere still print as usual.
fn install_quiet_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(READER_THREAD) {
            default(info);
        }
    }));
}

/// Waits for the file hash; a hash over a different number of bytes than the file had when the
/// import began means the file changed meanwhile.
fn join_hash(
    file: &str,
    hashing: std::thread::JoinHandle<std::io::Result<(String, u64)>>,
    size: u64,
) -> Result<String> {
    match hashing.join() {
        Ok(Ok((sha, n))) if n == size => Ok(sha),
        Ok(Ok(_)) => Err(Error::Data(format!(
            "{file}: the file changed while it was being imported (its size changed); nothing was imported, import it again once it is saved"
        ))),
        Ok(Err(e)) => Err(Error::Data(format!(
            "{file}: cannot read the file to hash it: {e}"
        ))),
        Err(_) => Err(Error::Failed(
            "the hashing thread failed (a bug: please report it)".into(),
        )),
    }
}

/// Waits for the reader; its failure (a damaged or hostile file) wins over what the import
/// loop concluded from the rows it got.
fn finish_reader(
    file: &str,
    reader: ReaderThread,
    out: Result<Outcome>,
    path: &Path,
    stamp: (u64, std::time::SystemTime),
) -> Result<Outcome> {
    // `consume` has dropped the receiver, so a reader blocked on a full channel has stopped.
    match reader.join() {
        Ok(Ok(())) => {
            // The hash was taken before parsing: a file saved again meanwhile would make the
            // recorded hash lie about the rows.
            let now = std::fs::metadata(path).and_then(|m| Ok((m.len(), m.modified()?)));
            if now.ok() != Some(stamp) {
                return Err(Error::Data(format!(
                    "{file}: the file changed while it was being imported (its size or modification time differs from when it was hashed); nothing was imported, import it again once it is saved"
                )));
            }
            out
        }
        Ok(Err(m)) => Err(m.into()),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Error::Data(format!(
                "{file}: the spreadsheet reader failed on this file ({what}); it is probably damaged — open it in a spreadsheet program and save a new copy"
            )))
        }
    }
}

fn columns_json(h: &HeaderMap) -> String {
    let mut m = serde_json::Map::new();
    for (f, c) in h.columns.iter().enumerate() {
        if let Some(c) = c {
            m.insert(h.headers[*c].clone(), serde_json::Value::from(FIELDS[f]));
        }
    }
    for (_, name) in &h.extras {
        m.insert(name.clone(), serde_json::Value::from("extra"));
    }
    serde_json::Value::Object(m).to_string()
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

/// The import: rows from the reader thread are validated on a second thread (header
/// detection, checks, hashes) while this thread stores them (when `store_in` is given), so
/// parsing, validation and SQLite work overlap.
fn consume<'r>(
    args: &ImportArgs,
    overrides: &[(String, String)],
    rx: mpsc::Receiver<Event>,
    make: &(dyn Fn(HeaderMap, Option<String>) -> Validator<'r> + Sync),
    mut check: KeyCheck<'_>,
    (tx, batch): (&rusqlite::Transaction<'_>, i64),
    progress: &indicatif::ProgressBar,
) -> Result<Outcome> {
    std::thread::scope(|scope| {
        let (valid_tx, valid_rx) = mpsc::sync_channel::<(Option<String>, Vec<NewEvidence>)>(PIPELINE_DEPTH);
        let validating = std::thread::Builder::new()
            .name("csfkit-validator".into())
            .spawn_scoped(scope, move || {
                validate(args, overrides, rx, make, progress, valid_tx)
            })
            .map_err(|e| Error::Failed(format!("cannot start the validation thread: {e}")))?;
        let (mut imported, mut already) = (0, 0);
        let mut digest = store::RowsDigest::default();
        let mut stored = Ok(());
        'chunks: for (sheet, rows) in valid_rx.iter() {
            let mut fresh = Vec::with_capacity(rows.len());
            for e in rows {
                if let KeyCheck::Skip(k) = &check {
                    if k.is_already(e.row, e.succ) {
                        already += 1;
                        continue;
                    }
                }
                if let KeyCheck::Collect(keys) = &mut check {
                    let rec = Rec {
                        key: hash_key(&e.content_hash),
                        row: u32::try_from(e.row).unwrap_or(u32::MAX),
                        succ: e.succ,
                    };
                    if let Err(err) = keys.push(rec) {
                        stored = Err(Error::io("sorting the import's content keys", err));
                        break 'chunks;
                    }
                }
                imported += 1;
                fresh.push(e);
            }
            stored = store::insert_evidence(tx, batch, sheet.as_deref().unwrap_or(""), &fresh, &mut digest);
            if stored.is_err() {
                break;
            }
        }
        // Dropping the receiver stops a validator still sending after a storage error.
        drop(valid_rx);
        let mut out = validating
            .join()
            .map_err(|_| Error::Failed("the validation thread failed (a bug: please report it)".into()))??;
        stored?;
        out.imported = imported;
        out.already = already;
        out.rows_digest = digest;
        Ok(out)
    })
}

/// What the storing side of an import pass does with content keys: the first pass collects
/// them for the sorted check, a second pass leaves out what that check found.
enum KeyCheck<'a> {
    Collect(&'a mut Sorter),
    Skip(&'a Known),
}

/// Records a sorted run holds in memory (24 bytes each, so about 6 MiB).
const SORT_RUN: usize = 1 << 18;

/// Rows up to this number are marked in a bitmap (4 bytes a row, so at most 16 MiB).
const BITMAP_ROWS: usize = 1 << 22;

/// Rows the first pass of an import found it must not store: rows whose content is already in
/// the catalogue, and rows repeating an earlier row of the file (with that row).
#[derive(Default)]
struct Known {
    /// Per spreadsheet row, a bit per evidence row made from it (bit `succ`).
    already: Vec<u32>,
    /// The rare index past 31 or row past [`BITMAP_ROWS`].
    already_more: std::collections::HashSet<(usize, u16)>,
    dups: HashMap<(usize, u16), usize>,
}

impl Known {
    fn is_empty(&self) -> bool {
        self.already_more.is_empty() && self.dups.is_empty() && self.already.iter().all(|b| *b == 0)
    }

    fn mark_already(&mut self, row: usize, succ: u16) {
        // The bitmap is indexed by row; a row number far past any real tracker (a CSV with
        // millions of blank lines) goes to the set instead of growing it.
        if succ >= 32 || row >= BITMAP_ROWS {
            self.already_more.insert((row, succ));
            return;
        }
        if self.already.len() <= row {
            self.already.resize(row + 1, 0);
        }
        self.already[row] |= 1 << succ;
    }

    fn is_already(&self, row: usize, succ: u16) -> bool {
        if succ >= 32 || row >= BITMAP_ROWS {
            return self.already_more.contains(&(row, succ));
        }
        self.already.get(row).is_some_and(|b| b & (1 << succ) != 0)
    }
}

/// The sorted key check: merges this import's keys (sorted by key, then row) with the keys of
/// every other evidence row (sorted the same way). A key already stored marks its first row as
/// already there; a key seen twice in the file marks the later rows as duplicates of the first.
/// Memory stays at a few sorted runs whatever the number of rows.
fn find_known(tx: &rusqlite::Transaction<'_>, batch: i64, keys: Sorter) -> Result<Known> {
    let sort_err = |e| Error::io("sorting the import's content keys", e);
    let mut old = Sorter::new(SORT_RUN);
    store::each_other_key(tx, batch, |key| {
        old.push(Rec { key, row: 0, succ: 0 }).map_err(sort_err)
    })?;
    let mut old = old.finish().map_err(sort_err)?;
    let mut old_head = old.next().transpose().map_err(sort_err)?;
    let mut known = Known::default();
    // The first record of the current key group.
    let mut group: Option<Rec> = None;
    for r in keys.finish().map_err(sort_err)? {
        let r = r.map_err(sort_err)?;
        let row = r.row as usize;
        match group {
            // A repeat inside the file is a duplicate of its first row, stored before or not.
            Some(first) if first.key == r.key => {
                known.dups.insert((row, r.succ), first.row as usize);
            }
            _ => {
                while old_head.is_some_and(|o| o.key < r.key) {
                    old_head = old.next().transpose().map_err(sort_err)?;
                }
                if old_head.is_some_and(|o| o.key == r.key) {
                    known.mark_already(row, r.succ);
                }
                group = Some(r);
            }
        }
    }
    Ok(known)
}

/// Header detection and row validation. Valid rows go to `sink` in chunks; every row is
/// checked so that every problem is reported.
fn validate<'r>(
    args: &ImportArgs,
    overrides: &[(String, String)],
    rx: mpsc::Receiver<Event>,
    make: &(dyn Fn(HeaderMap, Option<String>) -> Validator<'r> + Sync),
    progress: &indicatif::ProgressBar,
    sink: mpsc::SyncSender<(Option<String>, Vec<NewEvidence>)>,
) -> Result<Outcome> {
    let file = &args.file.display().to_string();
    let mut out = Outcome::default();
    // Built once the header row is known.
    let mut validator: Option<Validator<'r>> = None;
    let mut before_header: Vec<(usize, Vec<Cell>)> = Vec::new();
    let mut pending: Vec<NewEvidence> = Vec::new();
    let sheet_label = |s: &Option<String>| s.as_ref().map(|s| format!(" sheet `{s}`")).unwrap_or_default();
    for event in rx.iter() {
        let rows = match event {
            Event::Sheet(s) => {
                out.sheet = s;
                continue;
            }
            Event::Rows(r) => r,
        };
        progress.inc(rows.len() as u64);
        for (n, cells) in rows {
            let Some(v) = validator.as_mut() else {
                let is_header = match args.header_row {
                    Some(h) => n == h,
                    None => HeaderMap::score(&cells).0,
                };
                if is_header {
                    let h = HeaderMap::build(n, &cells, overrides)
                        .map_err(|m| Error::Data(format!("{file}{}: {m}", sheet_label(&out.sheet))))?;
                    validator = Some(make(h, out.sheet.clone()));
                    continue;
                }
                match args.header_row {
                    Some(h) if n > h => {
                        return Err(Error::Data(format!(
                            "{file}{}: row {h} (--header-row) is empty",
                            sheet_label(&out.sheet)
                        )));
                    }
                    None if before_header.len() >= 30 => {
                        return Err(no_header(file, &out.sheet, &before_header));
                    }
                    _ => {}
                }
                before_header.push((n, cells));
                continue;
            };
            out.rows_read += 1;
            let (accepted, warnings, problems) = v.row(n, &cells);
            out.warnings_total += warnings.len();
            let room = SHOWN_WARNINGS.saturating_sub(out.warnings.len());
            out.warnings.extend(warnings.into_iter().take(room));
            if problems.is_empty() {
                // Sent on even after an invalid row of an all-or-nothing import: the storing
                // side's key check must see every row to report every duplicate (the
                // transaction is rolled back in the end).
                pending.extend(accepted);
            } else {
                let texts: Vec<String> = cells.iter().map(Cell::text).collect();
                let reasons = problems
                    .iter()
                    .map(|p| match &p.location.column {
                        Some(c) => format!("{c}: {}", p.message),
                        None => p.message.clone(),
                    })
                    .collect();
                out.rejected_rows.push((n, texts, reasons));
                out.problems.extend(problems);
            }
            if pending.len() >= CHUNK_ROWS
                && sink
                    .send((out.sheet.clone(), std::mem::take(&mut pending)))
                    .is_err()
            {
                // The storing side stopped (a storage error): it reports why.
                return Ok(out);
            }
        }
    }
    let Some(v) = validator else {
        return match args.header_row {
            Some(h) => Err(Error::Data(format!(
                "{file}{}: row {h} (--header-row) is empty or beyond the last row",
                sheet_label(&out.sheet)
            ))),
            None if before_header.is_empty() => Err(Error::Data(format!(
                "{file}{}: no rows at all; expected a header row and evidence rows",
                sheet_label(&out.sheet)
            ))),
            None => Err(no_header(file, &out.sheet, &before_header)),
        };
    };
    out.header = Some(v.header);
    if !pending.is_empty() {
        let _ = sink.send((out.sheet.clone(), pending));
    }
    Ok(out)
}

fn no_header(file: &str, sheet: &Option<String>, rows: &[(usize, Vec<Cell>)]) -> Error {
    let first = rows
        .iter()
        .take(3)
        .map(|(n, c)| {
            format!(
                "row {n}: {}",
                c.iter()
                    .map(Cell::text)
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Error::Data(format!(
        "{file}{}: no header row found in the first {} rows; expected a column naming the control (Control ID, Control, CSF ID, Subcategory, Requirement) and one naming the evidence (Title, Evidence, Name, Artifact). First rows: {first}. Use --header-row N and --map \"HEADER=field\"{}",
        sheet
            .as_ref()
            .map(|s| format!(", sheet `{s}`"))
            .unwrap_or_default(),
        rows.len(),
        if sheet.is_some() {
            ", or --sheet NAME for another sheet"
        } else {
            ""
        }
    ))
}

/// How many warnings are shown (and kept: a million rows of CSF 1.1 IDs would otherwise keep
/// a million messages).
const SHOWN_WARNINGS: usize = 20;

fn report_warnings(ctx: &Ctx, warnings: &[Warning], total: usize) {
    for w in warnings {
        ctx.msg.warn(format!("{}: {}", w.location, w.message));
    }
    if total > warnings.len() {
        ctx.msg
            .warn(format!("... and {} more warnings", total - warnings.len()));
    }
}

fn write_errors(
    path: &Path,
    input: &Path,
    header: Option<&HeaderMap>,
    rows: &[(usize, Vec<String>, Vec<String>)],
    raw: bool,
) -> Result<()> {
    check_errors_out(path, input)?;
    // Written beside the destination and renamed over it: a failure leaves the old file.
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| crate::error::cant_create(path, e))?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(std::io::BufWriter::new(tmp));
    let mut head: Vec<String> = header.map(|h| h.headers.clone()).unwrap_or_default();
    let width = rows
        .iter()
        .map(|r| r.1.len())
        .chain([head.len()])
        .max()
        .unwrap_or(0);
    head.resize(width, String::new());
    head.push(ERRORS_COLUMN.to_string());
    head.push(ERRORS_ROW_COLUMN.to_string());
    let cell = |c: &str| {
        if raw {
            c.to_string()
        } else {
            crate::package::neutralise(c).into_owned()
        }
    };
    w.write_record(head.iter().map(|c| cell(c)))?;
    for (n, cells, reasons) in rows {
        let mut rec: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        rec.resize(width, String::new());
        rec.push(cell(&reasons.join("; ")));
        rec.push(n.to_string());
        w.write_record(&rec)?;
    }
    let tmp = w
        .into_inner()
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into_error()))?
        .into_inner()
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into_error()))?;
    tmp.persist(path)
        .map_err(|e| crate::error::cant_create(path, e.error))?;
    Ok(())
}

/// The last column an `--errors-out` file has.
const ERRORS_ROW_COLUMN: &str = "csfkit_source_row";

/// Refuses an `--errors-out` path that would overwrite something csfkit did not write: the
/// input itself, anything but a regular file, or a file whose header is not an earlier
/// `--errors-out` file's.
fn check_errors_out(path: &Path, input: &Path) -> Result<()> {
    let refuse = |why: String| Error::CantCreate {
        path: path.into(),
        reason: format!(
            "{why}; --errors-out replaces only an earlier --errors-out file. Choose another path"
        ),
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(crate::error::cant_create(path, e)),
    };
    if !meta.is_file() {
        return Err(refuse(format!("it is {}", crate::util::fs::kind(&meta))));
    }
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(path), std::fs::canonicalize(input)) {
        if a == b {
            return Err(refuse("it is the file being imported".into()));
        }
    }
    let mut head = String::new();
    if let Ok(f) = crate::util::fs::open_regular(path, false) {
        use std::io::{BufRead, Read};
        let _ = std::io::BufReader::new(f.take(1 << 20)).read_line(&mut head);
    }
    let head = head.trim_end();
    if head.contains(ERRORS_COLUMN) && head.ends_with(ERRORS_ROW_COLUMN) {
        Ok(())
    } else {
        Err(refuse("it exists and is not an earlier --errors-out file".into()))
    }
}

fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let control = match &args.control {
        Some(id) => Some(cat.resolver(DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
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
    let mut l = Listing::new(&[
        "id",
        "control_id",
        "title",
        "evidence_type",
        "owner",
        "collected_on",
        "valid_until",
        "freshness",
        "location",
        "location_kind",
        "file_sha256",
        "source_file",
        "source_sheet",
        "source_row",
        "batch",
    ])
    .numeric(&["id", "source_row", "batch"])
    .hide_in_table(&[
        "evidence_type",
        "location_kind",
        "file_sha256",
        "source_sheet",
        "source_file",
    ]);
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
    let mut l = Listing::new(&["field", "value"]);
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
    let mut l = Listing::new(&[
        "batch",
        "source_file",
        "source_sha256",
        "source_size",
        "format",
        "sheet",
        "header_row",
        "collector",
        "imported_at",
        "rows_read",
        "imported",
        "already",
        "rejected",
        "source_path",
        "evidence_root",
    ])
    .numeric(&[
        "batch",
        "source_size",
        "header_row",
        "rows_read",
        "imported",
        "already",
        "rejected",
    ])
    .hide_in_table(&[
        "source_size",
        "format",
        "header_row",
        "source_path",
        "evidence_root",
    ]);
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

#[cfg(test)]
mod known_tests {
    use super::*;

    #[test]
    fn marks_are_per_row_and_index_even_far_out() {
        let mut k = Known::default();
        assert!(k.is_empty());
        k.mark_already(5, 0);
        k.mark_already(5, 3);
        k.mark_already(7, 40);
        k.mark_already(BITMAP_ROWS + 10, 1);
        assert!(!k.is_empty());
        assert!(k.is_already(5, 0) && k.is_already(5, 3));
        assert!(!k.is_already(5, 1) && !k.is_already(6, 0));
        assert!(k.is_already(7, 40) && !k.is_already(7, 0));
        assert!(k.is_already(BITMAP_ROWS + 10, 1) && !k.is_already(BITMAP_ROWS + 10, 0));
        assert!(k.already.len() <= 8, "the far row did not grow the bitmap");
    }
}
