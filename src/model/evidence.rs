//! Evidence as the reports see it: one stored evidence row and how current it is at a date.

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::crosswalk::RefFramework;

/// The fields of an evidence row, in template order.
pub const FIELDS: [&str; 9] = [
    "control_id",
    "title",
    "description",
    "evidence_type",
    "owner",
    "collected_on",
    "valid_until",
    "location",
    "source_system",
];

/// One evidence row as the reports need it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct EvidenceItem {
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
    /// The ID as the tracker wrote it and its framework, when the control was mapped (SP
    /// 800-53, ISO/IEC 27001, CCM, CSF 1.1); None for a row keyed by its CSF 2.0 ID (and then
    /// not serialised, so digests over unmapped rows are those csfkit 0.1 gave).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapped: Option<MappedFrom>,
}

/// How current one evidence item is at the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Freshness {
    /// Within its validity and not older than the stale limit.
    Current,
    /// Past its valid-until date.
    Expired,
    /// Collected longer ago than the stale limit.
    Stale,
}

impl Freshness {
    /// Lower-case name.
    pub(crate) fn as_str(self) -> &'static str {
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
pub(crate) fn freshness(item: &EvidenceItem, as_of: NaiveDate, stale_days: i64) -> Freshness {
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

/// Where a row's control came from when it was not written as a CSF 2.0 ID: the ID as written
/// in the tracker and its framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct MappedFrom {
    /// The ID as written (`AC-02`, `A.5.15`, `PR.AC-1`).
    pub id: String,
    /// Its framework.
    pub framework: RefFramework,
}

impl MappedFrom {}

/// The fields of one evidence row, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EvidenceFields {
    /// CSF 2.0 subcategory.
    pub control_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Type (policy, screenshot, log, ...).
    pub evidence_type: String,
    /// Owner.
    pub owner: String,
    /// Date collected, `YYYY-MM-DD`, or empty.
    pub collected_on: String,
    /// Valid until, `YYYY-MM-DD`, or empty.
    pub valid_until: String,
    /// File path or URL, as written.
    pub location: String,
    /// System the evidence came from.
    pub source_system: String,
}

impl EvidenceFields {
    /// The fields in [`FIELDS`] order.
    pub(crate) fn from_values(v: [String; 9]) -> Self {
        let [
            control_id,
            title,
            description,
            evidence_type,
            owner,
            collected_on,
            valid_until,
            location,
            source_system,
        ] = v;
        EvidenceFields {
            control_id,
            title,
            description,
            evidence_type,
            owner,
            collected_on,
            valid_until,
            location,
            source_system,
        }
    }

    /// The fields in [`FIELDS`] order, borrowed.
    pub(crate) fn values(&self) -> [&str; 9] {
        [
            &self.control_id,
            &self.title,
            &self.description,
            &self.evidence_type,
            &self.owner,
            &self.collected_on,
            &self.valid_until,
            &self.location,
            &self.source_system,
        ]
    }

    /// The idempotence key of a new row: SHA-256 over the encoding of [`HashEncoding::V2`],
    /// where every value is written with its length, so that no value can be moved from one
    /// field to the next without changing the hash.
    pub(crate) fn content_hash(
        &self,
        extras: &str,
        file_sha: Option<&str>,
        mapped: Option<&MappedFrom>,
    ) -> [u8; 32] {
        self.content_hash_as(HashEncoding::V2, extras, file_sha, mapped)
    }

    /// The content hash in `encoding`: what a row stored with that encoding must carry.
    ///
    /// - [`HashEncoding::V1`] (rows imported before csfkit 0.2 recorded an encoding): SHA-256
    ///   over the field values (in [`FIELDS`] order, each followed by 0x1F), the extras, 0x1F
    ///   and the evidence file's hash; for a row mapped from an SP 800-53, ISO/IEC 27001 or CCM
    ///   ID, then 0x1E, the framework, 0x1F and the ID's key. A value holding 0x1F can be
    ///   re-split across two fields without changing it: kept only so that the rows stored
    ///   with it still verify.
    /// - [`HashEncoding::V2`]: SHA-256 over the line `csfkit-evidence-v2`, then each of the
    ///   field values (in [`FIELDS`] order), the extras and the evidence file's hash as a
    ///   field: its UTF-8 length in bytes in decimal, a colon, the bytes and a newline
    ///   (`5:hello\n`; no file hash is the line `-`); for a row mapped from an SP 800-53,
    ///   ISO/IEC 27001 or CCM ID, then the line `mapped` and the framework and the ID's key as
    ///   fields.
    ///
    /// The ID's key is `AC-2` for `ac-02`: one artefact filed as `AC-2` and as `AC-02` is one
    /// row, and filed under AC-2 and under IA-2 two rows even where both land on one
    /// subcategory; a CSF 1.1 row keeps the key it always had (no mapped part).
    pub(crate) fn content_hash_as(
        &self,
        encoding: HashEncoding,
        extras: &str,
        file_sha: Option<&str>,
        mapped: Option<&MappedFrom>,
    ) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mapped = mapped
            .filter(|m| RefFramework::REFERENCED.contains(&m.framework))
            .map(|m| {
                let key = m.framework.key(&crate::ids::clean(&m.id), true);
                (m.framework.as_str(), key.unwrap_or_else(|| m.id.clone()))
            });
        match encoding {
            HashEncoding::V1 => {
                for v in self.values() {
                    h.update(v.as_bytes());
                    h.update([0x1f]);
                }
                h.update(extras.as_bytes());
                h.update([0x1f]);
                h.update(file_sha.unwrap_or("").as_bytes());
                if let Some((framework, key)) = &mapped {
                    h.update([0x1e]);
                    h.update(framework.as_bytes());
                    h.update([0x1f]);
                    h.update(key.as_bytes());
                }
            }
            HashEncoding::V2 => {
                fn field(h: &mut Sha256, b: &[u8]) {
                    h.update(crate::util::decimal(b.len() as u64, &mut [0; 20]));
                    h.update(b":");
                    h.update(b);
                    h.update(b"\n");
                }
                h.update(b"csfkit-evidence-v2\n");
                for v in self.values() {
                    field(&mut h, v.as_bytes());
                }
                field(&mut h, extras.as_bytes());
                match file_sha {
                    Some(f) => field(&mut h, f.as_bytes()),
                    None => h.update(b"-\n"),
                }
                if let Some((framework, key)) = &mapped {
                    h.update(b"mapped\n");
                    field(&mut h, framework.as_bytes());
                    field(&mut h, key.as_bytes());
                }
            }
        }
        h.finalize().into()
    }
}

/// How an evidence row's content hash is computed ([`EvidenceFields::content_hash_as`]); an
/// import batch records the encoding of its rows (`evidence_batch.hash_encoding`: NULL for
/// version 1, 2 for version 2), and its link in the history chain covers that record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashEncoding {
    /// Values ended by 0x1F: batches imported before the encoding was recorded.
    V1,
    /// Length-prefixed values: every batch imported since.
    V2,
}

impl HashEncoding {
    /// The encoding a batch's stored `hash_encoding` names (NULL: version 1); None for a
    /// number no csfkit writes.
    pub(crate) fn from_stored(v: Option<i64>) -> Option<Self> {
        match v {
            None => Some(HashEncoding::V1),
            Some(2) => Some(HashEncoding::V2),
            Some(_) => None,
        }
    }

    /// What a batch stores for it.
    pub(crate) fn stored(self) -> Option<i64> {
        match self {
            HashEncoding::V1 => None,
            HashEncoding::V2 => Some(2),
        }
    }
}

/// Where a row's `location` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LocationKind {
    /// No location given.
    None,
    /// A URL, recorded as written and never fetched.
    Url,
    /// A regular file inside the evidence root, hashed.
    File,
    /// A path inside the root where no file is (flagged).
    Missing,
}

impl LocationKind {
    /// Stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LocationKind::None => "none",
            LocationKind::Url => "url",
            LocationKind::File => "file",
            LocationKind::Missing => "missing",
        }
    }
}

/// One valid evidence row, ready to store.
#[derive(Debug, Clone)]
pub(crate) struct NewEvidence {
    /// Row number in the sheet.
    pub row: usize,
    /// Index among the evidence rows made from that row (a CSF 1.1 ID can make several).
    pub succ: u16,
    /// The fields (text as typed, trimmed; dates as ISO).
    pub fields: EvidenceFields,
    /// What the location is.
    pub location_kind: LocationKind,
    /// SHA-256 (hex) and size of the evidence file, for `File`.
    pub file: Option<(String, u64)>,
    /// Extra attributes (header -> text), as JSON.
    pub extras: String,
    /// SHA-256 over the content: the idempotence key.
    pub content_hash: [u8; 32],
    /// Where the control came from when it was not written as a CSF 2.0 ID.
    pub mapped: Option<MappedFrom>,
}

/// The first 16 bytes of a content hash: ample to tell rows apart (the odds of two different
/// rows sharing them, even among a billion rows, are below 10^-20) at two thirds of the size of
/// a sorted record with the whole hash.
pub(crate) type HashKey = [u8; 16];

/// The key of a content hash.
pub(crate) fn hash_key(h: &[u8; 32]) -> HashKey {
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[..16]);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(title: &str, description: &str) -> EvidenceFields {
        EvidenceFields {
            control_id: "PR.AA-01".into(),
            title: title.into(),
            description: description.into(),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_old_encoding_lets_a_separator_move_between_fields() {
        let a = fields("SSO\u{1f}configuration", "yearly");
        let b = fields("SSO", "configuration\u{1f}yearly");
        let hash = |f: &EvidenceFields, enc| f.content_hash_as(enc, "", None, None);
        assert_eq!(hash(&a, HashEncoding::V1), hash(&b, HashEncoding::V1));
        assert_ne!(hash(&a, HashEncoding::V2), hash(&b, HashEncoding::V2));
        // The extras and the file hash cannot trade bytes either; no file is not an empty hash.
        let f = fields("x", "");
        assert_ne!(
            f.content_hash_as(HashEncoding::V2, "a", Some("b"), None),
            f.content_hash_as(HashEncoding::V2, "", Some("ab"), None),
        );
        assert_ne!(
            f.content_hash_as(HashEncoding::V2, "", None, None),
            f.content_hash_as(HashEncoding::V2, "", Some(""), None),
        );
        assert_eq!(
            f.content_hash("", None, None),
            f.content_hash_as(HashEncoding::V2, "", None, None)
        );
        assert_eq!(HashEncoding::from_stored(None), Some(HashEncoding::V1));
        assert_eq!(
            HashEncoding::from_stored(HashEncoding::V2.stored()),
            Some(HashEncoding::V2)
        );
        assert_eq!(HashEncoding::from_stored(Some(7)), None);
    }
}
