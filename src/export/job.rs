//! The seam every format's writer plugs into: what an export was asked for ([`Options`]), what
//! each writer is given ([`Job`]), and the trait it implements ([`Output`]).
//!
//! An export reads the catalogue once for the coverage and digest, then makes one shared pass
//! over the evidence: the evidence files are copied in and every writer that asks
//! ([`Output::reads_index`]) gets each row of the evidence index. Then every writer is finished
//! (those fed by the shared pass first): a writer may stream the evidence once more itself (the
//! PDF appendix, the OSCAL assessment results).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::export::format::Format;
use crate::export::package::Staging;
use crate::view::coverage::Coverage;
use crate::view::poam::PoamRow;

/// What to write and how.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The package folder, or zip file with `zip`.
    pub out: PathBuf,
    /// One zip file instead of a folder.
    pub zip: bool,
    /// The date freshness is judged at; also the package's date.
    pub as_of: NaiveDate,
    /// When the package is generated (`SOURCE_DATE_EPOCH` when set).
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// Evidence collected more than this many days before `as_of` is stale.
    pub stale_days: i64,
    /// Organisation on the cover.
    pub organization: String,
    /// Report title (default: made from the system and the provider).
    pub title: Option<String>,
    /// Copy the evidence files in, re-hashed against the import.
    pub include_files: bool,
    /// The documents to write (at least one).
    pub formats: BTreeSet<Format>,
    /// Leave evidence mapped from other frameworks out of the coverage.
    pub no_mapped: bool,
    /// Replace a previous csfkit package at `out`.
    pub force: bool,
    /// PDF paper size.
    pub paper: crate::pdf::Paper,
    /// Write CSV cells exactly.
    pub raw_csv: bool,
    /// Start CSV files with a BOM.
    pub bom: bool,
    /// The catalogue file: never inside what an export replaces.
    pub catalogue: PathBuf,
    /// The key that signs manifest.json (`--sign`), read before anything is written.
    pub sign: Option<std::sync::Arc<crate::export::sign::SigningKey>>,
}

/// What the cover page (and the workbook's Summary) says besides the coverage itself.
#[derive(Debug, Clone)]
pub(crate) struct Cover {
    /// Report title (also the running header).
    pub title: String,
    /// Organisation.
    pub organization: String,
    /// System in scope (may be empty).
    pub system: String,
    /// csfkit version.
    pub version: String,
    /// When the package was generated, RFC 3339 UTC.
    pub generated_at: String,
    /// Framework versions, e.g. `NIST CSF 2.0 (csf2.xlsx, sha256 ab12…)`.
    pub frameworks: Vec<String>,
    /// Digest over the catalogue content.
    pub digest: String,
    /// Paper size.
    pub paper: crate::pdf::Paper,
}

/// What every writer of one export is given: the catalogue (inside the export's read snapshot),
/// the options, and what the first pass read.
pub(crate) struct Job<'a> {
    /// The catalogue, to stream the evidence again.
    pub cat: &'a Catalogue,
    /// What was asked for.
    pub opts: &'a Options,
    /// The system in scope, when it comes from the recorded scope.
    pub system: Option<&'a str>,
    /// The coverage of the scope at the as-of date.
    pub cov: &'a Coverage,
    /// The digest over the catalogue content the package reflects.
    pub digest: &'a str,
    /// The cover facts.
    pub cover: &'a Cover,
    /// The POA&M: one row per gap, in the gaps' order.
    pub poam: &'a [PoamRow],
    /// The plans in force: control -> (newest record, timestamp of the first record).
    pub plans: &'a HashMap<String, (crate::model::plan::PlanRow, String)>,
    /// The closed POA&M items: one row per control whose plan in force is closed and that is
    /// no gap now, in matrix order.
    pub closed_poam: &'a [PoamRow],
    /// The assessor's results up to the as-of date, oldest first (the newest per control in
    /// force: [`crate::view::review::in_force`]).
    pub reviews: &'a [crate::model::review::Review],
    /// The history up to the as-of date (`assessment-history.csv`, ...).
    pub history: &'a crate::export::history::History,
    /// Per attestation of the scope's provider with a file: its path in the package
    /// (`attestations/...`), or why it is not there.
    pub attestation_files: &'a HashMap<i64, String>,
}

/// What the shared pass over the evidence found: where each evidence file is in the package,
/// or why it is not (changed since import, unreadable now).
#[derive(Debug, Default)]
pub(crate) struct Pass {
    /// The evidence files, each once by content.
    pub files: crate::export::evidence_files::EvidenceFiles,
}

/// What the writers report back besides their files.
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// Problems found while writing (changed evidence files, characters the font lacks).
    pub warnings: Vec<String>,
    /// Pages of report.pdf, when it was written.
    pub pages: Option<usize>,
}

/// One format's writer (see the module documentation for the order of calls). Each writer is
/// one file under `export/`; `export::start` makes it.
pub(crate) trait Output {
    /// True when the shared pass is to hand it every row of the evidence index.
    fn reads_index(&self) -> bool {
        false
    }

    /// One row of the evidence index (`export::csv::EVIDENCE_COLUMNS`), in catalogue order.
    fn index_row(&mut self, row: &[String]) -> Result<()> {
        let _ = row;
        Ok(())
    }

    /// Writes the rest of its files into `staging` once the shared pass is over.
    fn finish(
        self: Box<Self>,
        job: &Job<'_>,
        pass: &Pass,
        staging: &mut Staging,
        written: &mut Written,
    ) -> Result<()>;
}
