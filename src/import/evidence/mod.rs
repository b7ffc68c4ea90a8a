//! The evidence import: a spreadsheet or CSV read as a stream, validated row by row, stored
//! as one batch with its chain of custody, all or nothing (see [`import`]).
//!
//! Three threads overlap: the reader (the one table reader, [`crate::import::reader`]), the
//! validator (header detection and [`row::Validator`]) and the caller's thread, which stores rows
//! through the catalogue's write API ([`crate::catalogue::Tx`]) and ends the transaction with a typed
//! [`Outcome`].
//!
//! - `header`: the header row mapped to fields through the tracker's layout;
//! - `row`: one row validated; `files`: the evidence file path rules;
//! - `pipeline`: the reader, validator and storing threads;
//! - `known`: rows already stored or repeated, found by sorting content keys on disk;
//! - `errors_out`: the `--errors-out` file; `report`: what the import tells its caller.

mod errors_out;
mod files;
mod header;
mod known;
mod pipeline;
mod report;
mod row;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::catalogue::evidence::Batch;
use crate::catalogue::{Catalogue, Outcome};
use crate::error::{Error, Location, Result};
use crate::import::keysort::Sorter;
use crate::import::layout::EvidenceLayout;
use crate::import::reader::{self as workbook, Depth, Format, Limits};
use crate::import::resolve::Resolver;
use crate::model::evidence::FIELDS;
use crate::model::framework::DEFAULT_FRAMEWORK;

pub(crate) use errors_out::ErrorsOut;
use errors_out::Spill;
pub(crate) use files::EvidenceFiles;
pub(crate) use header::HeaderMap;
pub(crate) use report::{Progress, Report};
pub(crate) use row::{Validator, Warning};

use known::{KeyCheck, Known, SORT_RUN, find_known};
use pipeline::{HeaderSearch, consume, finish_reader, install_quiet_panic_hook, spawn_reader};

/// What to import and how.
#[derive(Debug, Clone)]
pub(crate) struct Options {
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
    /// The tracker's layout: which header names stand for which field (`--layout`).
    pub layout: &'static EvidenceLayout,
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
pub(crate) struct Prepared<'a> {
    args: &'a Options,
    file: String,
    source: std::fs::File,
    stamp: (u64, std::time::SystemTime),
    checking: std::thread::JoinHandle<Checked>,
    format: Format,
    root: PathBuf,
    errors_out: Option<ErrorsOut>,
}

/// Checks the file and the evidence root (missing, unreadable, not a spreadsheet) and starts
/// hashing the file; nothing of the catalogue is touched yet.
pub(crate) fn prepare(args: &Options) -> Result<Prepared<'_>> {
    let file = args.file.display().to_string();
    let missing = |e| Error::InputMissing {
        path: args.file.clone(),
        source: e,
    };
    // The file is streamed, never held whole: parsed from one handle while a thread of its own
    // hashes it and checks its container whole from others. Size and modification time are
    // compared before the rows are committed, so the recorded hash is the hash of the rows read.
    let mut source = crate::util::fs::open_regular(&args.file, true).map_err(missing)?;
    let stamp = source
        .metadata()
        .and_then(|m| Ok((m.len(), m.modified()?)))
        .map_err(missing)?;
    let (check_path, check_file) = (args.file.clone(), file.clone());
    let checking = std::thread::Builder::new()
        .name("csfkit-checker".into())
        .spawn(move || check_whole(&check_path, &check_file, stamp.0))
        .map_err(|e| Error::Failed(format!("cannot start the checking thread: {e}")))?;
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
        checking,
        format,
        root,
        errors_out,
    })
}

/// What the checking thread found: the file's SHA-256 and the bytes it read, and its container
/// checked whole ([`Depth::Inflated`]: every zip entry inflated, its true size and CRC-32).
/// The reader checks only what the entries declare before parsing, which bounds what the
/// parser can inflate; the whole check runs beside it, off the reader's core, and is waited
/// for before the rows are kept.
struct Checked {
    hash: std::io::Result<(String, u64)>,
    container: std::result::Result<(), workbook::ReadError>,
}

/// One handle for both, so that the hash and the check are of the same file.
fn check_whole(path: &Path, file: &str, size: u64) -> Checked {
    let mut f = match crate::util::fs::open_regular(path, true) {
        Ok(f) => f,
        Err(e) => {
            let container = workbook::ReadError::unreadable(format!("{file}: cannot read the file: {e}"));
            return Checked {
                hash: Err(e),
                container: Err(container),
            };
        }
    };
    // The check leaves the handle at the start of the file.
    let container = workbook::check_container(file, &mut f, size, &Limits::for_size(size), Depth::Inflated);
    Checked {
        hash: crate::util::hash_reader(f),
        container,
    }
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
pub(crate) fn import(cat: &mut Catalogue, prepared: Prepared<'_>, progress: &dyn Progress) -> Result<Report> {
    let Prepared {
        args,
        file,
        source,
        stamp,
        checking,
        format,
        root,
        mut errors_out,
    } = prepared;
    let missing = |e| Error::InputMissing {
        path: args.file.clone(),
        source: e,
    };
    let size = stamp.0;
    let search = HeaderSearch {
        file: file.clone(),
        row: args.header_row,
        overrides: &args.map,
        layout: args.layout,
    };
    // `--date-format`, else the way the layout's tracker writes dates.
    let date_format = args
        .date_format
        .clone()
        .or_else(|| args.layout.date_format.map(str::to_string));
    let limits = Limits::for_size(size).with_delimiter(args.delimiter);
    install_quiet_panic_hook();
    // The first pass's reader starts parsing while the control IDs are loaded.
    let mut first = Some(spawn_reader(
        &file,
        source,
        size,
        format,
        args.sheet.clone(),
        limits,
    )?);
    let resolver = Resolver::load(cat, DEFAULT_FRAMEWORK)?;
    let collector = args.collector.clone();
    let mut checking = Some(checking);
    // The file's hash, once the checking thread is joined (after the first pass).
    let mut hash = None;
    // What the sorted key check of the first pass found; the second pass (only run when it
    // found something) leaves those rows out.
    let mut known: Option<Known> = None;
    let result = loop {
        let (reader, rx_rows) = match first.take() {
            Some(started) => started,
            None => {
                let src = crate::util::fs::open_regular(&args.file, true).map_err(missing)?;
                spawn_reader(&file, src, size, format, args.sheet.clone(), limits)?
            }
        };
        let no_dups = HashMap::new();
        let dups = known.as_ref().map_or(&no_dups, |k| &k.dups);
        let make = |header: HeaderMap, sheet: Option<String>| Validator {
            file: file.clone(),
            sheet,
            resolver: &resolver,
            header,
            date_format: date_format.clone(),
            strict: args.strict,
            framework: args.framework,
            files: EvidenceFiles::new(root.clone()),
            dups,
            placeholders: (0, Vec::new()),
        };
        let mut found: Option<Known> = None;
        // The rejected rows of this pass, for the errors file (only its number is kept without).
        let mut spill = match &errors_out {
            Some(_) => {
                Some(Spill::new().map_err(|e| Error::io("keeping the rejected rows for --errors-out", e))?)
            }
            None => None,
        };
        let outcome = cat.transaction("importing evidence", |tx| {
            let batch_id = tx.next_batch_id()?;
            let before = tx.last_evidence_id()?;
            let mut keys = Sorter::new(SORT_RUN);
            let check = match &known {
                Some(k) => KeyCheck::Skip(k),
                None => KeyCheck::Collect(&mut keys),
            };
            let out = consume(
                &search,
                rx_rows,
                &make,
                check,
                (tx, batch_id),
                progress,
                spill.as_mut(),
            );
            let container = match checking.take() {
                Some(h) => {
                    let checked = h
                        .join()
                        .map_err(|_| Error::Bug("the checking thread failed".into()))?;
                    hash = Some(checked.hash);
                    checked.container
                }
                // Checked on the first pass; the file has not changed since (its stamp).
                None => Ok(()),
            };
            let mut out = finish_reader(&file, reader, out, &args.file, stamp, container)?;
            if known.is_none() {
                let k = find_known(tx, (batch_id, before), keys)?;
                if !k.is_empty() {
                    // Rows already in the catalogue or repeated in the file were stored on this
                    // optimistic pass: roll back and read again without them.
                    found = Some(k);
                    return Ok(Outcome::Rollback(out));
                }
            }
            // The last pass: the rejected rows are known. The errors file goes in place before
            // anything is committed, so that failing to write it leaves the catalogue as it was.
            if let (Some(e), Some(rows)) = (errors_out.take(), spill.take()) {
                out.errors_written = Some(e.write(out.header.as_ref(), rows)?);
            }
            if args.dry_run || (!out.problems.is_empty() && !args.skip_invalid) {
                // All or nothing (or a dry run): nothing is kept.
                return Ok(Outcome::Rollback(out));
            }
            let Some(hashed) = hash.take() else {
                return Err(Error::Bug("the file hash was taken twice".into()));
            };
            let sha256 = file_hash(&file, hashed, size)?;
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
                rows_rejected: out.rejected as i64,
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

/// The file hash the checking thread took; a hash over a different number of bytes than the
/// file had when the import began means the file changed meanwhile.
fn file_hash(file: &str, hashed: std::io::Result<(String, u64)>, size: u64) -> Result<String> {
    match hashed {
        Ok((sha, n)) if n == size => Ok(sha),
        Ok(_) => Err(Error::FileChanged {
            file: file.to_string(),
            what: "its size changed",
        }),
        Err(e) => Err(Error::BadInput {
            at: Location::in_file(file),
            message: format!("cannot read the file to hash it: {e}"),
        }),
    }
}

fn columns_json(h: &HeaderMap) -> String {
    let mut m = serde_json::Map::new();
    for (f, c) in h.columns.iter().enumerate() {
        if let Some(c) = c {
            m.insert(h.headers[*c].clone(), serde_json::Value::from(FIELDS[f]));
        }
    }
    if let Some(c) = h.targets {
        m.insert(
            h.headers[c].clone(),
            serde_json::Value::from(crate::import::layout::TARGETS),
        );
    }
    for (_, name) in &h.extras {
        m.insert(name.clone(), serde_json::Value::from("extra"));
    }
    serde_json::Value::Object(m).to_string()
}
