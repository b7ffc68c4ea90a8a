//! Evidence as the reports see it: one stored evidence row and how current it is at a date.

use chrono::NaiveDate;
use serde::Serialize;

/// One evidence row as the reports need it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EvidenceItem {
    /// Evidence ID in the catalogue.
    pub id: i64,
    /// CSF 2.0 subcategory it supports.
    pub control_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Type (policy, screenshot, log, ...).
    pub evidence_type: String,
    /// Owner.
    pub owner: String,
    /// Date collected.
    pub collected_on: Option<NaiveDate>,
    /// Valid until.
    pub valid_until: Option<NaiveDate>,
    /// File path or URL.
    pub location: String,
    /// `none`, `url`, `file` (hashed) or `missing`.
    pub location_kind: String,
    /// SHA-256 of the evidence file recorded at import, when it is a local file.
    pub file_sha256: Option<String>,
    /// Size of that file.
    pub file_size: Option<i64>,
    /// System the evidence came from.
    pub source_system: String,
    /// Extra attributes from unknown columns (JSON object, empty when none).
    pub extras: String,
    /// Spreadsheet the row came from.
    pub source_file: String,
    /// Its SHA-256.
    pub source_sha256: String,
    /// Sheet.
    pub source_sheet: String,
    /// Row number in the sheet.
    pub source_row: i64,
    /// Import batch.
    pub batch_id: i64,
}

/// How current one evidence item is at the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Freshness {
    /// Within its validity and not older than the stale limit.
    Current,
    /// Past its valid-until date.
    Expired,
    /// Collected longer ago than the stale limit.
    Stale,
}

impl Freshness {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Current => "current",
            Freshness::Expired => "expired",
            Freshness::Stale => "stale",
        }
    }
}

/// Freshness of an item at `as_of`: expired if `valid_until` is before it, stale if collected
/// more than `stale_days` before it, else current. Undated evidence counts as current only if
/// it has a validity date in the future; with no date at all it is stale (an assessor cannot
/// tell how old it is).
pub fn freshness(item: &EvidenceItem, as_of: NaiveDate, stale_days: i64) -> Freshness {
    if item.valid_until.is_some_and(|v| v < as_of) {
        return Freshness::Expired;
    }
    match item.collected_on {
        Some(c) if (as_of - c).num_days() > stale_days => Freshness::Stale,
        Some(_) => Freshness::Current,
        None if item.valid_until.is_some() => Freshness::Current,
        None => Freshness::Stale,
    }
}
