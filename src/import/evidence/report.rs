//! What an evidence import reports: as it goes (a [`Progress`]), and when it is done (a
//! [`Report`]).

use std::path::PathBuf;

use super::header::HeaderMap;
use super::row::Warning;
use crate::catalogue::evidence as store;
use crate::error::Problem;

/// What an import found and did.
#[derive(Default)]
pub(crate) struct Report {
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
    /// Rows refused (the `--errors-out` file gets each with its reasons).
    pub rejected: usize,
    /// The first problems found, with their location (at most [`super::pipeline::SHOWN_PROBLEMS`]:
    /// those are shown).
    pub problems: Vec<Problem>,
    /// How many problems there were in all.
    pub problems_total: usize,
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
    pub(super) rows_digest: store::RowsDigest,
    /// How many rows are placeholders (no collection date, no location: stored, never counted
    /// as evidence), and the first of them by row number.
    pub placeholders: (usize, Vec<usize>),
    /// The `--errors-out` file written and the number of rows in it.
    pub errors_written: Option<(PathBuf, usize)>,
}

/// What the caller of an import learns as rows go by (a progress bar).
pub(crate) trait Progress: Sync {
    /// `rows` more data rows were read.
    fn advance(&self, rows: u64);
    /// The file is read again from the start (the second pass of the duplicate check).
    fn restart(&self);
}
