//! The threads of an evidence import: the reader (the one table reader) hands rows to the
//! validator (header detection, then [`Validator::row`]), which hands valid rows to the
//! caller's thread, which stores them through the catalogue's write API. Small queues between
//! them keep memory flat; a panic inside a parser ends the reader thread only.

use std::path::Path;
use std::sync::mpsc;

use super::errors_out::Spill;
use super::header::HeaderMap;
use super::known::KeyCheck;
use super::report::{Progress, Report};
use super::row::Validator;
use crate::catalogue::Tx;
use crate::catalogue::evidence as store;
use crate::error::{Error, Location, Result};
use crate::import::header::HEADER_SEARCH_ROWS;
use crate::import::keysort::Rec;
use crate::import::layout::{DEFAULT_EVIDENCE_LAYOUT, EvidenceLayout};
use crate::import::reader::{self as workbook, Cell, Depth, Format, Limits};
use crate::model::evidence::{NewEvidence, hash_key};

/// How the header row is found: by `--header-row`, or by the layout's names among the first
/// rows; `--map` overrides.
pub(super) struct HeaderSearch<'a> {
    /// The file, for messages.
    pub file: String,
    /// `--header-row`.
    pub row: Option<usize>,
    /// `--map HEADER=field`.
    pub overrides: &'a [(String, String)],
    /// The tracker's layout.
    pub layout: &'a EvidenceLayout,
}

pub(super) enum Event {
    Sheet(Option<String>),
    Rows(Vec<(usize, Vec<Cell>)>),
}

const READER_THREAD: &str = "csfkit-reader";

pub(super) type ReaderThread = std::thread::JoinHandle<std::result::Result<(), workbook::ReadError>>;

/// Starts the reader: parsing runs on its own thread, overlapping validation and storage, and
/// a panic inside a parser ends that thread only. Rows come in chunks over a small queue.
pub(super) fn spawn_reader(
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
            // What the entries declare bounds what the parser can inflate; the entries are
            // inflated whole (true sizes, CRC-32) on the checking thread meanwhile, which
            // [`finish_reader`] waits for.
            workbook::check_container(&file, &mut source, size, &limits, Depth::Declared)?;
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
pub(super) fn install_quiet_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(READER_THREAD) {
            default(info);
        }
    }));
}

/// Waits for the reader. What the whole container check found (`container`: a damaged or
/// hostile zip) wins, then the reader's failure, over what the import loop concluded from the
/// rows it got.
pub(super) fn finish_reader(
    file: &str,
    reader: ReaderThread,
    out: Result<Report>,
    path: &Path,
    stamp: (u64, std::time::SystemTime),
    container: std::result::Result<(), workbook::ReadError>,
) -> Result<Report> {
    // `consume` has dropped the receiver, so a reader blocked on a full channel has stopped.
    let joined = reader.join();
    container?;
    match joined {
        Ok(Ok(())) => {
            // The hash was taken before parsing: a file saved again meanwhile would make the
            // recorded hash lie about the rows.
            let now = std::fs::metadata(path).and_then(|m| Ok((m.len(), m.modified()?)));
            if now.ok() != Some(stamp) {
                return Err(Error::FileChanged {
                    file: file.to_string(),
                    what: "its size or modification time differs from when it was hashed",
                });
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
            Err(Error::BadInput {
                at: Location::in_file(file),
                message: format!(
                    "the spreadsheet reader failed on this file ({what}); it is probably damaged — open it in a spreadsheet program and save a new copy"
                ),
            })
        }
    }
}

/// Whether validation gets a thread of its own. The reader always has one (a parser panic ends
/// that thread only); the validator gets one when there are two cores or more, else the storing
/// thread validates too. Measured on two quiet cores (scripts/bench-import.sh, 1,000,000 rows):
/// validating on the storing thread made a CSV import 20% slower (4.40 s against 3.50 s), and
/// an xlsx import no faster (6.26 s against 6.38 s, within the runs' spread).
fn validator_thread() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// Valid rows of a sheet, handed from validation to storage.
type Chunk = (Option<String>, Vec<NewEvidence>);

/// The import: rows from the reader thread are validated (header detection, checks, hashes)
/// and stored (when `store_in` is given), so parsing, validation and SQLite work overlap:
/// validation on a thread of its own when the cores allow ([`validator_thread`]), else on
/// this thread between the chunks it stores.
pub(super) fn consume<'r>(
    search: &HeaderSearch<'_>,
    rx: mpsc::Receiver<Event>,
    make: &(dyn Fn(HeaderMap, Option<String>) -> Validator<'r> + Sync),
    check: KeyCheck<'_>,
    (tx, batch): (&Tx<'_>, i64),
    progress: &dyn Progress,
    spill: Option<&mut Spill>,
) -> Result<Report> {
    let mut store = Store {
        check,
        tx,
        batch,
        imported: 0,
        already: 0,
        mapped: 0,
        digest: store::RowsDigest::default(),
    };
    let mut validation = Validation::new(search, make, progress, spill);
    let mut stored = Ok(());
    let out = if validator_thread() {
        std::thread::scope(|scope| {
            let (valid_tx, valid_rx) = mpsc::sync_channel::<Chunk>(PIPELINE_DEPTH);
            let validating = std::thread::Builder::new()
                .name("csfkit-validator".into())
                .spawn_scoped(scope, move || {
                    for event in rx.iter() {
                        // A closed queue: the storing side stopped (a storage error) and says why.
                        if !validation.event(event, &mut |chunk| valid_tx.send(chunk).is_ok())? {
                            return Ok(validation.stopped());
                        }
                    }
                    validation.finish(&mut |chunk| valid_tx.send(chunk).is_ok())
                })
                .map_err(|e| Error::Failed(format!("cannot start the validation thread: {e}")))?;
            for chunk in valid_rx.iter() {
                stored = store.chunk(chunk);
                if stored.is_err() {
                    break;
                }
            }
            // Dropping the receiver stops a validator still sending after a storage error.
            drop(valid_rx);
            validating
                .join()
                .map_err(|_| Error::Bug("the validation thread failed".into()))?
        })?
    } else {
        let mut sink = |chunk: Chunk| {
            stored = store.chunk(chunk);
            stored.is_ok()
        };
        let mut stopped = false;
        for event in rx.iter() {
            if !validation.event(event, &mut sink)? {
                stopped = true;
                break;
            }
        }
        // Dropping the receiver stops the reader after a storage error.
        drop(rx);
        if stopped {
            validation.stopped()
        } else {
            validation.finish(&mut sink)?
        }
    };
    stored?;
    let mut out = out;
    out.imported = store.imported;
    out.imported_mapped = store.mapped;
    out.already = store.already;
    out.rows_digest = store.digest;
    Ok(out)
}

/// The storing side of an import pass: valid rows through the catalogue's write API, with the
/// content keys of the duplicate check and the digest of the rows stored.
struct Store<'a, 't> {
    check: KeyCheck<'a>,
    tx: &'a Tx<'t>,
    batch: i64,
    imported: usize,
    already: usize,
    mapped: usize,
    digest: store::RowsDigest,
}

impl Store<'_, '_> {
    fn chunk(&mut self, (sheet, rows): Chunk) -> Result<()> {
        let mut fresh = Vec::with_capacity(rows.len());
        for e in rows {
            if let KeyCheck::Skip(k) = &self.check {
                if k.is_already(e.row, e.succ) {
                    self.already += 1;
                    continue;
                }
            }
            if let KeyCheck::Collect(keys) = &mut self.check {
                let rec = Rec {
                    key: hash_key(&e.content_hash),
                    row: u32::try_from(e.row).unwrap_or(u32::MAX),
                    succ: e.succ,
                };
                keys.push(rec)
                    .map_err(|err| Error::io("sorting the import's content keys", err))?;
            }
            self.imported += 1;
            if e.mapped
                .as_ref()
                .is_some_and(|m| crate::model::crosswalk::RefFramework::REFERENCED.contains(&m.framework))
            {
                self.mapped += 1;
            }
            fresh.push(e);
        }
        self.tx.insert_evidence(
            self.batch,
            sheet.as_deref().unwrap_or(""),
            &fresh,
            &mut self.digest,
        )
    }
}

/// Header detection and row validation, fed the reader's events one at a time. Valid rows go
/// to a sink in chunks; every row is checked so that every problem is counted. What is kept of
/// the problems is bounded ([`SHOWN_PROBLEMS`]); the rejected rows go to the `--errors-out`
/// spill when there is one, else only their number is kept.
struct Validation<'s, 'r> {
    search: &'s HeaderSearch<'s>,
    make: &'s (dyn Fn(HeaderMap, Option<String>) -> Validator<'r> + Sync),
    progress: &'s dyn Progress,
    spill: Option<&'s mut Spill>,
    out: Report,
    /// Built once the header row is known.
    validator: Option<Validator<'r>>,
    before_header: Vec<(usize, Vec<Cell>)>,
    pending: Vec<NewEvidence>,
}

impl<'s, 'r> Validation<'s, 'r> {
    fn new(
        search: &'s HeaderSearch<'s>,
        make: &'s (dyn Fn(HeaderMap, Option<String>) -> Validator<'r> + Sync),
        progress: &'s dyn Progress,
        spill: Option<&'s mut Spill>,
    ) -> Self {
        Validation {
            search,
            make,
            progress,
            spill,
            out: Report::default(),
            validator: None,
            before_header: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn at(&self) -> Location {
        Location::in_file(self.search.file.as_str()).in_sheet(self.out.sheet.clone())
    }

    /// Takes one event of the reader; false when `sink` refused a chunk (the storing side
    /// stopped).
    fn event(&mut self, event: Event, sink: &mut dyn FnMut(Chunk) -> bool) -> Result<bool> {
        let rows = match event {
            Event::Sheet(s) => {
                self.out.sheet = s;
                return Ok(true);
            }
            Event::Rows(r) => r,
        };
        self.progress.advance(rows.len() as u64);
        let search = self.search;
        for (n, cells) in rows {
            let Some(v) = self.validator.as_mut() else {
                let is_header = match search.row {
                    Some(h) => n == h,
                    None => HeaderMap::is_header(&cells, search.layout),
                };
                if is_header {
                    let h = HeaderMap::build(n, &cells, search.overrides, search.layout).map_err(|m| {
                        Error::BadInput {
                            at: self.at(),
                            message: m.message,
                        }
                    })?;
                    self.validator = Some((self.make)(h, self.out.sheet.clone()));
                    continue;
                }
                match search.row {
                    Some(h) if n > h => {
                        return Err(Error::NoHeader {
                            at: self.at().at_row(h),
                            message: format!("the header row (--header-row {h}) is empty"),
                        });
                    }
                    None if self.before_header.len() >= HEADER_SEARCH_ROWS => {
                        return Err(no_header(search, &self.out.sheet, &self.before_header));
                    }
                    _ => {}
                }
                self.before_header.push((n, cells));
                continue;
            };
            let out = &mut self.out;
            out.rows_read += 1;
            let (accepted, warnings, problems) = v.row(n, &cells);
            out.warnings_total += warnings.len();
            let room = SHOWN_WARNINGS.saturating_sub(out.warnings.len());
            out.warnings.extend(warnings.into_iter().take(room));
            if problems.is_empty() {
                // Sent on even after an invalid row of an all-or-nothing import: the storing
                // side's key check must see every row to report every duplicate (the
                // transaction is rolled back in the end).
                self.pending.extend(accepted);
            } else {
                out.rejected += 1;
                if let Some(spill) = self.spill.as_deref_mut() {
                    let reasons: Vec<String> = problems
                        .iter()
                        .map(|p| match &p.location.column {
                            Some(c) => format!("{c}: {}", p.message),
                            None => p.message.clone(),
                        })
                        .collect();
                    spill
                        .push(n, &cells, &reasons)
                        .map_err(|e| Error::io("keeping the rejected rows for --errors-out", e))?;
                }
                out.problems_total += problems.len();
                let room = SHOWN_PROBLEMS.saturating_sub(out.problems.len());
                out.problems.extend(problems.into_iter().take(room));
            }
            if self.pending.len() >= CHUNK_ROWS
                && !sink((out.sheet.clone(), std::mem::take(&mut self.pending)))
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// What validation found when the storing side stopped early (it reports why).
    fn stopped(self) -> Report {
        self.out
    }

    /// After the last event: the rows still pending go to `sink`; a sheet without a header is
    /// refused.
    fn finish(mut self, sink: &mut dyn FnMut(Chunk) -> bool) -> Result<Report> {
        let search = self.search;
        let Some(v) = self.validator.take() else {
            return match search.row {
                Some(h) => Err(Error::NoHeader {
                    at: self.at().at_row(h),
                    message: format!("the header row (--header-row {h}) is empty or beyond the last row"),
                }),
                None if self.before_header.is_empty() => Err(Error::NoHeader {
                    at: self.at(),
                    message: "no rows at all; expected a header row and evidence rows".into(),
                }),
                None => Err(no_header(search, &self.out.sheet, &self.before_header)),
            };
        };
        self.out.placeholders = v.placeholders;
        self.out.header = Some(v.header);
        if !self.pending.is_empty() {
            let _ = sink((self.out.sheet.clone(), std::mem::take(&mut self.pending)));
        }
        Ok(self.out)
    }
}

/// The refusal of a sheet whose first rows name no control and title in the layout: the names
/// that would, and the first rows as read.
fn no_header(search: &HeaderSearch<'_>, sheet: &Option<String>, rows: &[(usize, Vec<Cell>)]) -> Error {
    let (file, layout) = (&search.file, search.layout);
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
    let message = format!(
        "no header row found in the first {} rows; expected a column naming the control ({}) and one naming the evidence ({}){}. First rows: {first}. Use --header-row N and --map \"HEADER=field\"{}",
        rows.len(),
        layout.headers.control_id.join(", "),
        layout.headers.title.join(", "),
        if layout.name == DEFAULT_EVIDENCE_LAYOUT.name {
            String::new()
        } else {
            format!(" in the {} layout", layout.name)
        },
        if sheet.is_some() {
            ", or --sheet NAME for another sheet"
        } else {
            ""
        }
    );
    Error::NoHeader {
        at: Location::in_file(file.as_str()).in_sheet(sheet.clone()),
        message,
    }
}

/// How many warnings are shown (and kept: a million rows of CSF 1.1 IDs would otherwise keep
/// a million messages).
const SHOWN_WARNINGS: usize = 20;

/// How many problems are kept to be shown (the rest are counted): a file of a million repeated
/// rows would otherwise keep a million messages, and its rejected rows a million copies of
/// their cells (the `--errors-out` file gets every one, through a [`Spill`]).
pub(crate) const SHOWN_PROBLEMS: usize = crate::error::SHOWN_PROBLEMS;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::layout::DEFAULT_EVIDENCE_LAYOUT;

    /// A sheet without a header is told as such, at the file and sheet, with every name the
    /// layout takes for a control and a title.
    #[test]
    fn no_header_names_the_sheet_and_the_layouts_names() {
        let search = HeaderSearch {
            file: "t.xlsx".into(),
            row: None,
            overrides: &[],
            layout: DEFAULT_EVIDENCE_LAYOUT,
        };
        let rows = vec![(1, vec![Cell::Text("Q3 evidence".into())])];
        match no_header(&search, &Some("Q3".into()), &rows) {
            Error::NoHeader { at, message } => {
                assert_eq!(
                    (at.file.as_str(), at.sheet.as_deref(), at.row),
                    ("t.xlsx", Some("Q3"), None)
                );
                for name in DEFAULT_EVIDENCE_LAYOUT
                    .headers
                    .control_id
                    .iter()
                    .chain(DEFAULT_EVIDENCE_LAYOUT.headers.title)
                {
                    assert!(message.contains(name), "{name}: {message}");
                }
                assert!(
                    message.contains("row 1: Q3 evidence")
                        && message.ends_with("--sheet NAME for another sheet")
                );
            }
            other => panic!("expected no header, got {other:?}"),
        }
    }
}
