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
    /// Collected after the as-of date: not evidence yet at that date, and not counted.
    NotYetCollected,
    /// Neither a collection date nor a location: a tracker's placeholder ("Not started"),
    /// never counted as evidence.
    Placeholder,
}

impl Freshness {
    /// Lower-case name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Freshness::Current => "current",
            Freshness::Expired => "expired",
            Freshness::Stale => "stale",
            Freshness::NotYetCollected => "not-yet-collected",
            Freshness::Placeholder => "placeholder",
        }
    }
}

/// True for a row with neither a collection date nor a location: a placeholder a tracker keeps
/// for evidence not collected yet. It is stored (the tracker said it) and listed as such, but
/// never counted as evidence. Judged from the stored fields, so rows imported before csfkit 0.3
/// are placeholders too.
pub(crate) fn is_placeholder(item: &EvidenceItem) -> bool {
    item.collected_on.is_none() && item.location.trim().is_empty()
}

/// Freshness of an item at `as_of`: a placeholder ([`is_placeholder`]) whatever its dates, not
/// yet collected if collected after `as_of`, expired if `valid_until` is before it, stale if
/// collected more than `stale_days` before it, else current. Undated evidence counts as current
/// only if it has a validity date in the future; with no date at all it is stale (an assessor
/// cannot tell how old it is).
pub(crate) fn freshness(item: &EvidenceItem, as_of: NaiveDate, stale_days: i64) -> Freshness {
    if is_placeholder(item) {
        return Freshness::Placeholder;
    }
    if item.collected_on.is_some_and(|c| c > as_of) {
        return Freshness::NotYetCollected;
    }
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
    /// The CSF 2.0 subcategories the tracker row was offered for (its targets column), when it
    /// narrowed the subcategories the ID stands for; None: all of them. Left out of the
    /// serialised row when None, so digests over rows without it are those csfkit 0.2 gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered_for: Option<Vec<String>>,
}

impl MappedFrom {
    /// The ID as written and its framework, offered for every subcategory it stands for.
    pub(crate) fn new(id: String, framework: RefFramework) -> Self {
        MappedFrom {
            id,
            framework,
            offered_for: None,
        }
    }

    /// The subcategories it was offered for as stored (`PR.AA-01, PR.AA-05`).
    pub(crate) fn offered_text(&self) -> Option<String> {
        self.offered_for.as_ref().map(|v| v.join(", "))
    }

    /// The stored `offered_for` read back (None for NULL).
    pub(crate) fn parse_offered(stored: Option<String>) -> Option<Vec<String>> {
        stored.map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
    }
}

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
    /// A row offered for fewer subcategories than its ID stands for ([`MappedFrom::offered_for`],
    /// since csfkit 0.3) then adds, in version 2, the line `offered-for` and the list
    /// (`PR.AA-01, PR.AA-05`) as a field; in version 1, 0x1D and the list. A row without it
    /// hashes as it always did.
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
        let offered = mapped.and_then(MappedFrom::offered_text);
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
                if let Some(o) = &offered {
                    h.update([0x1d]);
                    h.update(o.as_bytes());
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
                if let Some(o) = &offered {
                    h.update(b"offered-for\n");
                    field(&mut h, o.as_bytes());
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

    #[test]
    fn the_subcategories_a_row_was_offered_for_are_part_of_its_hash_only_when_narrowed() {
        let f = fields("Access review", "");
        let mapped = MappedFrom::new("AC-2".into(), RefFramework::Sp80053);
        let narrowed = MappedFrom {
            offered_for: Some(vec!["PR.AA-01".into(), "PR.AA-05".into()]),
            ..mapped.clone()
        };
        for enc in [HashEncoding::V1, HashEncoding::V2] {
            assert_ne!(
                f.content_hash_as(enc, "", None, Some(&mapped)),
                f.content_hash_as(enc, "", None, Some(&narrowed)),
            );
        }
        assert_eq!(
            MappedFrom::parse_offered(narrowed.offered_text()),
            narrowed.offered_for
        );
        assert_eq!(MappedFrom::parse_offered(None), None);
    }
}
