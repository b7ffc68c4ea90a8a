//! The evidence import: a spreadsheet or CSV read as a stream, validated row by row, stored
//! as one batch with its chain of custody, all or nothing (see [`import`]).
//!
//! Three threads overlap: the reader (the one table reader, [`crate::import::reader`]), the
//! validator (header detection and [`Validator`]) and the caller's thread, which stores rows
//! through the catalogue's write API ([`Tx`]) and ends the transaction with a typed
//! [`Outcome`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use crate::catalogue::evidence::{self as store, Batch};
use crate::catalogue::{Catalogue, Outcome, Tx};
use crate::error::{Error, Problem, Result};
use crate::import::header::HEADER_SEARCH_ROWS;
use crate::import::keysort::{Rec, Sorter};
use crate::import::reader::{self as workbook, Cell, Format, Limits};
use crate::import::resolve::Resolver;
use crate::import::validate::{ERRORS_COLUMN, FIELDS, HeaderMap, NewEvidence, Validator, Warning, hash_key};
use crate::model::framework::DEFAULT_FRAMEWORK;

enum Event {
    Sheet(Option<String>),
    Rows(Vec<(usize, Vec<Cell>)>),
}

/// What an import found and did.
#[derive(Default)]
pub struct Report {
    /// The header row and how its columns map to fields.
    pub header: Option<HeaderMap>,
    /// Data rows read (below the header).
    pub rows_read: usize,
    /// Evidence rows stored (or that a dry run would store).
    pub imported: usize,
    /// Of the new evidence rows, those mapped from another framework's ID (SP 800-53, ISO/IEC
    /// 27001, CCM) onto a subcategory that cites it.
    pub imported_mapped: usize,
    /// Rows whose content the catalogue already holds.
    pub already: usize,
    /// Rows refused: (row number, cells as text, reasons).
    pub rejected_rows: Vec<RejectedRow>,
    /// Every problem found, with its location.
    pub problems: Vec<Problem>,
    /// The first warnings (only these are shown) and how many there were.
    pub warnings: Vec<Warning>,
    /// How many warnings there were in all.
    pub warnings_total: usize,
    /// The sheet read (None for CSV).
    pub sheet: Option<String>,
    /// The batch stored and the source file's SHA-256; None when nothing was stored (a dry
    /// run, or an all-or-nothing import with a bad row).
    pub batch: Option<(i64, String)>,
    /// The digest of the rows stored, for the batch's link in the history chain.
    rows_digest: store::RowsDigest,
    /// The `--errors-out` file written and the number of rows in it.
    pub errors_written: Option<(PathBuf, usize)>,
}

/// A row an import refused: its row number, its cells as text, and why.
pub type RejectedRow = (usize, Vec<String>, Vec<String>);

/// What the caller of an import learns as rows go by (a progress bar).
pub trait Progress: Sync {
    /// `rows` more data rows were read.
    fn advance(&self, rows: u64);
    /// The file is read again from the start (the second pass of the duplicate check).
    fn restart(&self);
}

/// No progress to show.
pub struct Quiet;

impl Progress for Quiet {
    fn advance(&self, _rows: u64) {}
    fn restart(&self) {}
}

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The spreadsheet or CSV file.
    pub file: PathBuf,
    /// Sheet to read (default: the first).
    pub sheet: Option<String>,
    /// The field delimiter of a CSV/TSV file (`--delimiter`); None: detected.
    pub delimiter: Option<u8>,
    /// Row number of the header (default: found by its names).
    pub header_row: Option<usize>,
    /// Header -> field overrides (`--map`).
    pub map: Vec<(String, String)>,
    /// How text dates are written (chrono syntax).
    pub date_format: Option<String>,
    /// Folder local evidence paths are relative to (default: the file's folder).
    pub evidence_root: Option<PathBuf>,
    /// Who collected the evidence (recorded with the batch).
    pub collector: String,
    /// Store the valid rows and report the others.
    pub skip_invalid: bool,
    /// Refuse CSF 1.1 IDs instead of recording them against their successors.
    pub strict: bool,
    /// How control IDs are read (`--framework`); None: by their shape.
    pub framework: Option<crate::model::crosswalk::RefFramework>,
    /// Validate and report; store nothing.
    pub dry_run: bool,
    /// Write the rejected rows with their reasons to this CSV (`--errors-out`): opened by
    /// [`prepare`], written and put in place before the import commits.
    pub errors_out: Option<PathBuf>,
    /// Write the errors file's cells exactly (`--raw-csv`).
    pub raw_csv: bool,
}

/// An import whose file checks are done: the file is open and being hashed, its format is
/// known, the evidence root exists. Made by [`prepare`], before the catalogue is opened.
pub struct Prepared<'a> {
    args: &'a Options,
    file: String,
    source: std::fs::File,
    stamp: (u64, std::time::SystemTime),
    hashing: std::thread::JoinHandle<std::io::Result<(String, u64)>>,
    format: Format,
    root: PathBuf,
    errors_out: Option<ErrorsOut>,
}

/// Checks the file and the evidence root (missing, unreadable, not a spreadsheet) and starts
/// hashing the file; nothing of the catalogue is touched yet.
pub fn prepare(args: &Options) -> Result<Prepared<'_>> {
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
    let hash_path = args.file.clone();
    let hashing = std::thread::Builder::new()
        .name("csfkit-hasher".into())
        .spawn(move || crate::util::hash_file(&hash_path))
        .map_err(|e| Error::Failed(format!("cannot start the hashing thread: {e}")))?;
    let format = workbook::sniff(&file, &args.file, &mut source)?;
    if args.delimiter.is_some() && format != Format::Csv {
        return Err(workbook::delimiter_for_text_only(&file, format));
    }
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
    // The errors file is opened now: a place where it cannot be written is found before a row
    // is stored, never after the import committed.
    let errors_out = match &args.errors_out {
        Some(path) => Some(ErrorsOut::open(path, &args.file, args.raw_csv)?),
        None => None,
    };
    Ok(Prepared {
        args,
        file,
        source,
        stamp,
        hashing,
        format,
        root,
        errors_out,
    })
}

/// Imports evidence rows from a spreadsheet or CSV into the catalogue, validated row by row,
/// as one batch with its chain of custody. Rows with problems are reported in the
/// [`Report`]; unless `skip_invalid`, one such row (or `dry_run`) means nothing is stored.
///
/// The file is read on a thread of its own while a second thread finds the header and
/// validates rows and this thread stores them in one transaction. Rows whose content the
/// catalogue already holds, or that repeat an earlier row, are found by sorting content keys
/// on disk; when there are any, that first pass is rolled back and the file read again
/// without them. The `--errors-out` file (when asked for) is written and put in place inside
/// the last transaction, before it commits: when it cannot be written, nothing is stored.
pub fn import(cat: &mut Catalogue, prepared: Prepared<'_>, progress: &dyn Progress) -> Result<Report> {
    let Prepared {
        args,
        file,
        source,
        stamp,
        hashing,
        format,
        root,
        mut errors_out,
    } = prepared;
    let missing = |e| Error::InputMissing {
        path: args.file.clone(),
        source: e,
    };
    let size = stamp.0;
    let overrides = &args.map;
    let resolver = Resolver::load(cat, DEFAULT_FRAMEWORK)?;

    let limits = Limits::for_size(size).with_delimiter(args.delimiter);
    install_quiet_panic_hook();
    let collector = args.collector.clone();
    let mut hashing = Some(hashing);
    let mut source = Some(source);
    // What the sorted key check of the first pass found; the second pass (only run when it
    // found something) leaves those rows out.
    let mut known: Option<Known> = None;
    let result = loop {
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
            framework: args.framework,
            root: root.clone(),
            file_cache: HashMap::new(),
            dups,
        };
        let mut found: Option<Known> = None;
        let outcome = cat.transaction("importing evidence", |tx| {
            let batch_id = tx.next_batch_id()?;
            let mut keys = Sorter::new(SORT_RUN);
            let check = match &known {
                Some(k) => KeyCheck::Skip(k),
                None => KeyCheck::Collect(&mut keys),
            };
            let out = consume(args, overrides, rx_rows, &make, check, (tx, batch_id), progress);
            let mut out = finish_reader(&file, reader, out, &args.file, stamp)?;
            if known.is_none() {
                let k = find_known(tx, batch_id, keys)?;
                if !k.is_empty() {
                    // Rows already in the catalogue or repeated in the file were stored on this
                    // optimistic pass: roll back and read again without them.
                    found = Some(k);
                    return Ok(Outcome::Rollback(out));
                }
            }
            // The last pass: the rejected rows are known. The errors file goes in place before
            // anything is committed, so that failing to write it leaves the catalogue as it was.
            if let Some(e) = errors_out.take() {
                out.errors_written = Some(e.write(out.header.as_ref(), &out.rejected_rows)?);
            }
            if args.dry_run || (!out.problems.is_empty() && !args.skip_invalid) {
                // All or nothing (or a dry run): nothing is kept.
                return Ok(Outcome::Rollback(out));
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
                imported_at: crate::util::now_utc(),
                rows_read: out.rows_read as i64,
                rows_imported: out.imported as i64,
                rows_already: out.already as i64,
                rows_rejected: out.rejected_rows.len() as i64,
                evidence_root: root.display().to_string(),
            };
            tx.insert_batch(&batch, out.rows_digest.clone())?;
            out.batch = Some((batch_id, sha256));
            Ok(Outcome::Commit(out))
        })?;
        match found {
            Some(k) if known.is_none() => {
                known = Some(k);
                progress.restart();
            }
            _ => break outcome.into_inner(),
        }
    };
    Ok(result)
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
    out: Result<Report>,
    path: &Path,
    stamp: (u64, std::time::SystemTime),
) -> Result<Report> {
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

/// The import: rows from the reader thread are validated on a second thread (header
/// detection, checks, hashes) while this thread stores them (when `store_in` is given), so
/// parsing, validation and SQLite work overlap.
fn consume<'r>(
    args: &Options,
    overrides: &[(String, String)],
    rx: mpsc::Receiver<Event>,
    make: &(dyn Fn(HeaderMap, Option<String>) -> Validator<'r> + Sync),
    mut check: KeyCheck<'_>,
    (tx, batch): (&Tx<'_>, i64),
    progress: &dyn Progress,
) -> Result<Report> {
    std::thread::scope(|scope| {
        let (valid_tx, valid_rx) = mpsc::sync_channel::<(Option<String>, Vec<NewEvidence>)>(PIPELINE_DEPTH);
        let validating = std::thread::Builder::new()
            .name("csfkit-validator".into())
            .spawn_scoped(scope, move || {
                validate(args, overrides, rx, make, progress, valid_tx)
            })
            .map_err(|e| Error::Failed(format!("cannot start the validation thread: {e}")))?;
        let (mut imported, mut already, mut mapped) = (0, 0, 0);
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
                if e.mapped
                    .as_ref()
                    .is_some_and(|m| crate::model::crosswalk::RefFramework::REFERENCED.contains(&m.framework))
                {
                    mapped += 1;
                }
                fresh.push(e);
            }
            stored = tx.insert_evidence(batch, sheet.as_deref().unwrap_or(""), &fresh, &mut digest);
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
        out.imported_mapped = mapped;
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
fn find_known(tx: &Tx<'_>, batch: i64, keys: Sorter) -> Result<Known> {
    let sort_err = |e| Error::io("sorting the import's content keys", e);
    let mut old = Sorter::new(SORT_RUN);
    tx.each_other_key(batch, |key| {
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
    args: &Options,
    overrides: &[(String, String)],
    rx: mpsc::Receiver<Event>,
    make: &(dyn Fn(HeaderMap, Option<String>) -> Validator<'r> + Sync),
    progress: &dyn Progress,
    sink: mpsc::SyncSender<(Option<String>, Vec<NewEvidence>)>,
) -> Result<Report> {
    let file = &args.file.display().to_string();
    let mut out = Report::default();
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
        progress.advance(rows.len() as u64);
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
                    None if before_header.len() >= HEADER_SEARCH_ROWS => {
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

/// An `--errors-out` file: its path checked and a temporary file beside it opened before the
/// import, so that a place where it cannot be written stops the import before anything is
/// stored. [`ErrorsOut::write`] fills the temporary file and renames it over the path; an
/// existing file is replaced only if it is an earlier `--errors-out` file, never the input.
pub struct ErrorsOut {
    path: PathBuf,
    input: PathBuf,
    tmp: tempfile::NamedTempFile,
    raw: bool,
}

impl ErrorsOut {
    /// Checks `path` and opens the temporary file beside it.
    pub fn open(path: &Path, input: &Path, raw: bool) -> Result<Self> {
        check_errors_out(path, input)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".csfkit-errors-")
            .suffix(".csv")
            .tempfile_in(dir)
            .map_err(|e| crate::error::cant_create(path, e))?;
        Ok(ErrorsOut {
            path: path.to_path_buf(),
            input: input.to_path_buf(),
            tmp,
            raw,
        })
    }

    /// Writes the rejected rows with their reasons as CSV (cells neutralised unless `raw`), to
    /// be fixed and imported again, and puts the file in place. Returns the path and the
    /// number of rows written.
    pub fn write(self, header: Option<&HeaderMap>, rows: &[RejectedRow]) -> Result<(PathBuf, usize)> {
        let ErrorsOut {
            path,
            input,
            tmp,
            raw,
        } = self;
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
                crate::util::neutralise(c).into_owned()
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
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        // Checked again: something saved at the path during the import is not replaced.
        check_errors_out(&path, &input)?;
        tmp.persist(&path)
            .map_err(|e| crate::error::cant_create(&path, e.error))?;
        Ok((path, rows.len()))
    }
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
