//! Tamper-evident history: the ownership changes, the assessment records, the evidence import
//! batches, the remediation plans, the evidence retargets, the provider attestations and the
//! assessor's results each form
//! a hash chain, so that a record changed, removed or slipped in after it was
//! written is found (`csfkit check`), and a package's manifest pins the head of each chain.
//!
//! # Canonical encoding (version 1)
//!
//! A record's link is `SHA-256(encoding)`, written as lower-case hex, where `encoding` is the
//! concatenation of:
//!
//! 1. the text `csfkit-chain-v1` and a newline;
//! 2. the log's name (`ownership`, `assessment`, `batch`, `plan`, `retarget`, `attestation` or
//!    `review`) as a field;
//! 3. the previous record's link in the same log as a field (for the first record, 64 zeros);
//! 4. the record's columns as fields, in the order [`OWNERSHIP`], [`ASSESSMENT`], [`BATCH`],
//!    [`PLAN`], [`RETARGET`], [`ATTESTATION`] and [`REVIEW`] list them; then
//!    - for a batch, the digest of its evidence rows as a field, and for a batch that records
//!      the encoding of its rows' content hashes (`hash_encoding`, every batch imported since
//!      schema 9), the line `content-hash` and that number as a field;
//!    - for an assessment record, a remediation plan record, an ownership change or an
//!      assessor's result of a profile other than the default (`profile_id`, schema 12), the line `profile` and the profile's
//!      number as a field;
//!    - for a plan record with a risk, an original risk or FedRAMP columns (schema 11), after
//!      its profile, the line `fedramp` and the fields [`PLAN_FEDRAMP`] lists.
//!
//!    A record without what a later schema added (a batch without `hash_encoding`, a record of
//!    the default profile, a plan without a risk or FedRAMP columns) encodes as it always did.
//!
//! A field is its UTF-8 length in bytes in decimal, a colon, the bytes, and a newline
//! (`5:hello\n`); a NULL is the single line `-\n`; an integer is written in decimal as text.
//!
//! The digest of a batch's evidence rows is `SHA-256` over its rows in `id` order, each encoded
//! as the fields `source_sheet`, `source_row`, `location_kind`, `file_size` and the row's
//! `content_hash` (hex), where `content_hash` is the SHA-256 csfkit computes at import over the
//! row's values, extra attributes and file hash in the encoding its batch records
//! ([`crate::model::evidence::EvidenceFields::content_hash_as`]: version 1 when the batch
//! records none, length-prefixed version 2 for batches imported since); a row mapped from another
//! framework's ID (`mapped_from` set) then adds the line `mapped` and the fields
//! `mapped_framework` and `mapped_from` (a row without them encodes as it always did); the
//! subcategories a row was offered for (`offered_for`, schema 10) are part of its content hash. `check`
//! recomputes each row's content hash from its stored columns, so a changed value is caught.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::evidence::HashEncoding;

/// The migration (1-based) that adds the chains.
pub(crate) const MIGRATION: usize = 5;

/// The link before the first record of a log.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The columns of an ownership change, in encoding order.
pub(crate) const OWNERSHIP: &[&str] = &[
    "seq",
    "provider_id",
    "control_id",
    "service",
    "owner",
    "previous",
    "reason",
    "changed_by",
    "changed_at",
];

/// The columns of an assessment record, in encoding order.
pub(crate) const ASSESSMENT: &[&str] = &[
    "seq",
    "control_id",
    "service",
    "status",
    "note",
    "system",
    "assessed_by",
    "assessed_at",
    "source",
];

/// The columns of a remediation plan record, in encoding order.
pub(crate) const PLAN: &[&str] = &[
    "seq",
    "control_id",
    "due",
    "owner",
    "action",
    "milestones",
    "status",
    "note",
    "system",
    "recorded_by",
    "recorded_at",
    "source",
];

/// The columns of an evidence retarget (a tracker row's targets narrowed after import), in
/// encoding order.
pub(crate) const RETARGET: &[&str] = &[
    "seq",
    "batch_id",
    "source_sheet",
    "source_row",
    "evidence_id",
    "mapped_from",
    "targets",
    "reason",
    "retargeted_by",
    "retargeted_at",
];

/// The columns of a provider attestation, in encoding order.
pub(crate) const ATTESTATION: &[&str] = &[
    "seq",
    "provider_id",
    "attestation_type",
    "period_start",
    "period_end",
    "issuer",
    "services",
    "bridge_until",
    "location",
    "location_kind",
    "file_path",
    "file_sha256",
    "file_size",
    "note",
    "recorded_by",
    "recorded_at",
];

pub(crate) use super::plan::FEDRAMP_COLUMNS as PLAN_FEDRAMP;
pub(crate) use super::review::COLUMNS as REVIEW;

/// The columns of an import batch, in encoding order (then the rows digest).
pub(crate) const BATCH: &[&str] = &[
    "id",
    "source_file",
    "source_path",
    "source_sha256",
    "source_size",
    "format",
    "sheet",
    "header_row",
    "columns",
    "collector",
    "imported_at",
    "rows_read",
    "rows_imported",
    "rows_already",
    "rows_rejected",
    "evidence_root",
];

/// The logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Log {
    /// `ownership_override`, by `seq`.
    Ownership,
    /// `assessment`, by `seq`.
    Assessment,
    /// `evidence_batch`, by `id`, with its evidence rows.
    Batch,
    /// `plan` (remediation plans), by `seq`.
    Plan,
    /// `evidence_retarget` (a tracker row's targets narrowed after import), by `seq`.
    Retarget,
    /// `attestation` (provider attestations), by `seq`.
    Attestation,
    /// `review` (an assessor's results, `review import`), by `seq`.
    Review,
}

impl Log {
    /// Every log, in report order.
    pub(crate) const ALL: [Log; 7] = [
        Log::Ownership,
        Log::Assessment,
        Log::Batch,
        Log::Plan,
        Log::Retarget,
        Log::Attestation,
        Log::Review,
    ];

    /// The name stored in `history_chain.log` and used in the encoding.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Log::Ownership => "ownership",
            Log::Assessment => "assessment",
            Log::Batch => "batch",
            Log::Plan => "plan",
            Log::Retarget => "retarget",
            Log::Attestation => "attestation",
            Log::Review => "review",
        }
    }

    /// What one record is called in messages.
    pub(crate) fn record_name(self) -> &'static str {
        match self {
            Log::Ownership => "ownership change",
            Log::Assessment => "assessment record",
            Log::Batch => "evidence import batch",
            Log::Plan => "remediation plan record",
            Log::Retarget => "evidence retarget",
            Log::Attestation => "provider attestation",
            Log::Review => "assessor result",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Log::Ownership => "ownership_override",
            Log::Assessment => "assessment",
            Log::Batch => "evidence_batch",
            Log::Plan => "plan",
            Log::Retarget => "evidence_retarget",
            Log::Attestation => "attestation",
            Log::Review => "review",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Log::Batch => "id",
            _ => "seq",
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Log::Ownership => OWNERSHIP,
            Log::Assessment => ASSESSMENT,
            Log::Batch => BATCH,
            Log::Plan => PLAN,
            Log::Retarget => RETARGET,
            Log::Attestation => ATTESTATION,
            Log::Review => REVIEW,
        }
    }
}

/// The canonical encoding, fed straight into SHA-256.
pub(crate) struct Encoder(Sha256);

impl Encoder {
    fn new() -> Self {
        Self::with_header(b"csfkit-chain-v1\n")
    }

    /// An encoder whose input starts with `header` (the name and version of an encoding).
    pub(super) fn with_header(header: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(header);
        Encoder(h)
    }

    /// Bytes written as they are (a line that names what follows).
    pub(super) fn raw(&mut self, b: &[u8]) {
        self.0.update(b);
    }

    /// One field: length, colon, bytes, newline.
    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.0.update(b.len().to_string().as_bytes());
        self.0.update(b":");
        self.0.update(b);
        self.0.update(b"\n");
    }

    /// One column value as a field (NULL as the line `-`).
    pub(super) fn value(&mut self, v: rusqlite::types::ValueRef<'_>) {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => self.0.update(b"-\n"),
            ValueRef::Integer(i) => self.bytes(i.to_string().as_bytes()),
            ValueRef::Real(f) => self.bytes(f.to_string().as_bytes()),
            ValueRef::Text(t) => self.bytes(t),
            ValueRef::Blob(b) => self.bytes(crate::util::hex(b).as_bytes()),
        }
    }

    /// The SHA-256, hex.
    pub(super) fn finish(self) -> String {
        crate::util::hex(&self.0.finalize())
    }

    /// The SHA-256, bytes.
    pub(super) fn finish_bytes(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// The running digest of a batch's evidence rows (see the module documentation).
#[derive(Clone)]
pub(crate) struct RowsDigest(Sha256);

impl Default for RowsDigest {
    fn default() -> Self {
        RowsDigest(Sha256::new())
    }
}

impl RowsDigest {
    /// Adds one row, in `id` order.
    pub(crate) fn add(
        &mut self,
        sheet: &str,
        row: i64,
        location_kind: &str,
        file_size: Option<i64>,
        content_hash: &[u8],
        mapped: Option<(&str, &str)>,
    ) {
        // Numbers and the hex are written on the stack: this runs for every row stored.
        let h = &mut self.0;
        let field = |h: &mut Sha256, b: &[u8]| {
            h.update(crate::util::decimal(b.len() as u64, &mut [0; 20]));
            h.update(b":");
            h.update(b);
            h.update(b"\n");
        };
        field(h, sheet.as_bytes());
        field(h, crate::util::signed_decimal(row, &mut [0; 21]));
        field(h, location_kind.as_bytes());
        match file_size {
            Some(s) => field(h, crate::util::signed_decimal(s, &mut [0; 21])),
            None => h.update(b"-\n"),
        }
        h.update(b"64:");
        match <&[u8; 32]>::try_from(content_hash) {
            Ok(c) => h.update(crate::util::hex32(c)),
            Err(_) => h.update(crate::util::hex(content_hash).as_bytes()),
        }
        h.update(b"\n");
        if let Some((framework, id)) = mapped {
            h.update(b"mapped\n");
            field(h, framework.as_bytes());
            field(h, id.as_bytes());
        }
    }

    /// The digest, hex.
    pub(crate) fn finish(self) -> String {
        crate::util::hex(&self.0.finalize())
    }
}

/// The link of the newest record of `log` (or [`GENESIS`]) and how many records it has.
pub(crate) fn head(conn: &Connection, log: Log) -> Result<(String, i64)> {
    let err = |e| Error::sqlite("reading the history chain", e);
    let head: Option<String> = conn
        .query_row(
            "SELECT sha256 FROM history_chain WHERE log = ?1 ORDER BY record DESC LIMIT 1",
            [log.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(err)?;
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM history_chain WHERE log = ?1",
            [log.as_str()],
            |r| r.get(0),
        )
        .map_err(err)?;
    Ok((head.unwrap_or_else(|| GENESIS.to_string()), count))
}

/// The link of record `key` of `log`, given the link before it and (for a batch) its rows
/// digest, computed from the record as stored. None when there is no such record.
fn compute(conn: &Connection, log: Log, key: i64, prev: &str, digest: &str) -> Result<Option<String>> {
    // A batch's encoding of its rows' content hashes follows its columns (NULL before schema 9);
    // an assessment, plan, ownership or review record's profile (NULL: the default, schema 12);
    // a plan record's risk and FedRAMP columns (NULL before schema 11) after its profile.
    let extra = match log {
        Log::Batch => ", hash_encoding".to_string(),
        Log::Assessment | Log::Ownership | Log::Review => ", profile_id".to_string(),
        Log::Plan => format!(", profile_id, {}", PLAN_FEDRAMP.join(", ")),
        _ => String::new(),
    };
    let sql = format!(
        "SELECT {}{extra} FROM {} WHERE {} = ?1",
        log.columns().join(", "),
        log.table(),
        log.key()
    );
    let n = log.columns().len();
    conn.query_row(&sql, [key], |r| {
        let mut enc = Encoder::new();
        enc.bytes(log.as_str().as_bytes());
        enc.bytes(prev.as_bytes());
        for i in 0..n {
            enc.value(r.get_ref(i)?);
        }
        if log == Log::Batch {
            enc.bytes(digest.as_bytes());
            let encoding = r.get_ref(n)?;
            if encoding != rusqlite::types::ValueRef::Null {
                enc.raw(b"content-hash\n");
                enc.value(encoding);
            }
        } else if !extra.is_empty() {
            let profile = r.get_ref(n)?;
            if profile != rusqlite::types::ValueRef::Null {
                enc.raw(b"profile\n");
                enc.value(profile);
            }
        }
        if log == Log::Plan {
            let set = (n + 1..n + 1 + PLAN_FEDRAMP.len())
                .map(|i| r.get_ref(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if set.iter().any(|v| *v != rusqlite::types::ValueRef::Null) {
                enc.raw(b"fedramp\n");
                for v in set {
                    enc.value(v);
                }
            }
        }
        Ok(enc.finish())
    })
    .optional()
    .map_err(|e| Error::sqlite("reading the history chain", e))
}

/// Every link of `log`, in record order: (record, rows digest for a batch or empty, link).
pub(crate) fn links(conn: &Connection, log: Log) -> Result<Vec<(i64, String, String)>> {
    let err = |e| Error::sqlite("reading the history chain", e);
    let mut st = conn
        .prepare("SELECT record, digest, sha256 FROM history_chain WHERE log = ?1 ORDER BY record")
        .map_err(err)?;
    st.query_map([log.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(err)
}

/// Appends the link of record `key` of `log` (just written, in the same transaction). For a
/// batch, `digest` is the digest of its rows ([`RowsDigest`]); empty otherwise.
pub(crate) fn append(conn: &Connection, log: Log, key: i64, digest: &str) -> Result<String> {
    let (prev, _) = head(conn, log)?;
    let link = compute(conn, log, key, &prev, digest)?.ok_or_else(|| {
        Error::Bug(format!(
            "{} {key} vanished before it was chained",
            log.record_name()
        ))
    })?;
    conn.execute(
        "INSERT INTO history_chain(log, record, digest, prev, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![log.as_str(), key, digest, prev, link],
    )
    .map_err(|e| Error::sqlite("recording the history chain", e))?;
    Ok(link)
}

/// The digest of each batch's evidence rows, recomputed from the stored rows (each row's
/// content hash recomputed from its columns too). Rows whose stored content hash is not the one
/// their columns give are returned as (row id, batch).
/// Per batch the digest of its rows, and the rows whose content hash no longer matches
/// (row id, batch).
type RowDigests = (BTreeMap<i64, RowsDigest>, Vec<(i64, i64)>);

fn row_digests(conn: &Connection) -> Result<RowDigests> {
    let err = |e| Error::sqlite("reading evidence for the check", e);
    let encodings = batch_encodings(conn)?;
    let mut stmt = conn
        .prepare(
            "SELECT id, batch_id, source_sheet, source_row, control_id, title, description, evidence_type,
                owner, collected_on, valid_until, location, location_kind, file_sha256, file_size,
                source_system, extras, content_hash, mapped_from, mapped_framework, offered_for
                FROM evidence ORDER BY id",
        )
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    let mut digests: BTreeMap<i64, RowsDigest> = BTreeMap::new();
    let mut altered = Vec::new();
    while let Some(r) = rows.next().map_err(err)? {
        let get =
            |i: usize| -> rusqlite::Result<String> { Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default()) };
        let id: i64 = r.get(0).map_err(err)?;
        let batch: i64 = r.get(1).map_err(err)?;
        let fields = crate::model::evidence::EvidenceFields::from_values([
            get(4).map_err(err)?,
            get(5).map_err(err)?,
            get(6).map_err(err)?,
            get(7).map_err(err)?,
            get(8).map_err(err)?,
            get(9).map_err(err)?,
            get(10).map_err(err)?,
            get(11).map_err(err)?,
            get(15).map_err(err)?,
        ]);
        let file_sha: Option<String> = r.get(13).map_err(err)?;
        let extras = get(16).map_err(err)?;
        let stored: Vec<u8> = r.get(17).map_err(err)?;
        let mapped_from: Option<String> = r.get(18).map_err(err)?;
        let mapped_framework: Option<String> = r.get(19).map_err(err)?;
        let offered_for: Option<String> = r.get(20).map_err(err)?;
        let mapped = match (&mapped_from, &mapped_framework) {
            (Some(id), Some(f)) => Some((f.as_str(), id.as_str())),
            _ => None,
        };
        // A framework name the schema's CHECK admits always parses; anything else is no mapping
        // the hash could include, and the mismatch shows as an altered row.
        let parsed = mapped.and_then(|(f, id)| {
            f.parse()
                .ok()
                .map(|framework| crate::model::evidence::MappedFrom {
                    id: id.to_string(),
                    framework,
                    offered_for: crate::model::evidence::MappedFrom::parse_offered(offered_for.clone()),
                })
        });
        // The encoding the row's batch records; a row of a batch that does not exist, or
        // that names an encoding no csfkit writes, matches none (and shows as altered).
        let computed = encodings
            .get(&batch)
            .copied()
            .flatten()
            .map(|enc| fields.content_hash_as(enc, &extras, file_sha.as_deref(), parsed.as_ref()));
        if computed.is_none_or(|c| c[..] != stored[..]) {
            altered.push((id, batch));
        }
        digests.entry(batch).or_default().add(
            &get(2).map_err(err)?,
            r.get(3).map_err(err)?,
            &get(12).map_err(err)?,
            r.get(14).map_err(err)?,
            &stored,
            mapped,
        );
    }
    Ok((digests, altered))
}

/// Per import batch, the encoding of its rows' content hashes (None: a number no csfkit writes).
pub(super) fn batch_encodings(conn: &Connection) -> Result<BTreeMap<i64, Option<HashEncoding>>> {
    let err = |e| Error::sqlite("reading the import batches", e);
    let mut st = conn
        .prepare("SELECT id, hash_encoding FROM evidence_batch")
        .map_err(err)?;
    st.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, HashEncoding::from_stored(r.get(1)?)))
    })
    .map_err(err)?
    .collect::<rusqlite::Result<_>>()
    .map_err(err)
}

/// What `csfkit check` found in the chains.
#[derive(Debug, Default)]
pub(crate) struct ChainReport {
    /// Per log: records checked and the head link.
    pub heads: Vec<(Log, i64, String)>,
    /// The first broken link of each log that has one, as a sentence.
    pub broken: Vec<String>,
}

/// Verifies every chain from its first record: each record's link must be the one its content
/// and the link before it give, every record must have a link and every link a record.
pub(crate) fn verify(conn: &Connection) -> Result<ChainReport> {
    let err = |e| Error::sqlite("reading the history chain", e);
    let mut report = ChainReport::default();
    let (digests, altered_rows) = row_digests(conn)?;
    for log in Log::ALL {
        let keys: Vec<i64> = {
            let sql = format!("SELECT {} FROM {} ORDER BY {}", log.key(), log.table(), log.key());
            let mut st = conn.prepare(&sql).map_err(err)?;
            st.query_map([], |r| r.get(0))
                .map_err(err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(err)?
        };
        let links: Vec<(i64, String, String, String)> = {
            let mut st = conn
                .prepare(
                    "SELECT record, digest, prev, sha256 FROM history_chain WHERE log = ?1 ORDER BY record",
                )
                .map_err(err)?;
            st.query_map([log.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?
        };
        let name = log.record_name();
        let mut prev = GENESIS.to_string();
        let mut broken: Option<String> = None;
        let mut li = links.iter().peekable();
        for key in &keys {
            // A link without a record before this one: the record was removed.
            if let Some((record, ..)) = li.peek() {
                if record < key {
                    broken = Some(format!(
                        "{name} {record} is chained but no longer in the catalogue: it was removed after it was written"
                    ));
                    break;
                }
            }
            let Some((record, digest, link_prev, link)) = li.next_if(|l| l.0 == *key) else {
                broken = Some(format!(
                    "{name} {key} has no link in the chain: it was added by something other than csfkit"
                ));
                break;
            };
            if *link_prev != prev {
                broken = Some(format!(
                    "{name} {record}: its link does not follow the one before it: an earlier record was removed or the chain was rewritten"
                ));
                break;
            }
            let digest_now = if log == Log::Batch {
                if let Some((row, _)) = altered_rows.iter().find(|(_, b)| b == key) {
                    broken = Some(format!(
                        "{name} {key}: evidence row {row} no longer has the content it was imported with"
                    ));
                    break;
                }
                let now = digests.get(key).cloned().unwrap_or_default().finish();
                if now != *digest {
                    broken = Some(format!(
                        "{name} {key}: its evidence rows are not the ones it was imported with (rows added, removed or changed)"
                    ));
                    break;
                }
                now
            } else {
                String::new()
            };
            let computed = compute(conn, log, *key, &prev, &digest_now)?.unwrap_or_default();
            if computed != *link {
                broken = Some(format!(
                    "{name} {key}: its content is not what was chained when it was written (recorded link {link}, computed {computed})"
                ));
                break;
            }
            prev = link.clone();
        }
        if broken.is_none() {
            if let Some((record, ..)) = li.next() {
                broken = Some(format!(
                    "{name} {record} is chained but no longer in the catalogue: it was removed after it was written"
                ));
            }
        }
        if broken.is_none() && log == Log::Batch {
            if let Some((row, batch)) = altered_rows.iter().find(|(_, b)| !keys.contains(b)) {
                broken = Some(format!(
                    "evidence row {row} belongs to import batch {batch}, which does not exist"
                ));
            }
        }
        if let Some(b) = broken {
            report.broken.push(b);
        }
        report.heads.push((log, keys.len() as i64, prev));
    }
    Ok(report)
}

/// Links every record that has no link yet, oldest first (a catalogue made before the chains
/// existed). Run once, by the migration that adds them.
pub(crate) fn backfill(conn: &Connection) -> Result<()> {
    let err = |e| Error::sqlite("building the history chain", e);
    let (digests, _) = row_digests(conn)?;
    for log in Log::ALL {
        let sql = format!(
            "SELECT {key} FROM {table} WHERE {key} NOT IN (SELECT record FROM history_chain WHERE log = ?1) ORDER BY {key}",
            key = log.key(),
            table = log.table()
        );
        let keys: Vec<i64> = {
            let mut st = conn.prepare(&sql).map_err(err)?;
            st.query_map([log.as_str()], |r| r.get(0))
                .map_err(err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(err)?
        };
        for key in keys {
            let digest = if log == Log::Batch {
                digests.get(&key).cloned().unwrap_or_default().finish()
            } else {
                String::new()
            };
            append(conn, log, key, &digest)?;
        }
    }
    Ok(())
}

/// What a package pinned of one log: the chain's length and head when it was made, and the
/// link of each record it lists (its history file; none for a package before csfkit 0.3).
#[derive(Debug, Clone)]
pub(crate) struct Anchor {
    /// The log.
    pub log: Log,
    /// How many records the chain had.
    pub records: i64,
    /// Its newest link then.
    pub head: String,
    /// (record, link) of each record the package lists.
    pub links: Vec<(i64, String)>,
}

/// What `check --against` found for one log.
#[derive(Debug, Clone)]
pub(crate) struct AnchorCheck {
    /// The log.
    pub log: Log,
    /// The package's length and head of it.
    pub records: i64,
    /// The package's head.
    pub head: String,
    /// `ok`, `cut` (records the package pinned are gone) or `rewritten` (a record or link is
    /// not what the package pinned).
    pub status: &'static str,
    /// What does not hold, as sentences naming the records.
    pub problems: Vec<String>,
}

/// Records named in a message before the rest are counted.
const SHOWN_RECORDS: usize = 5;

/// Compares the catalogue's chains with what a package made at `made` pinned: each log must
/// still hold every record the package lists with the link it listed, and run through the
/// package's head at the package's length (records added since extend it). A record removed,
/// changed or re-chained since is named.
pub(crate) fn against(conn: &Connection, anchors: &[Anchor], made: &str) -> Result<Vec<AnchorCheck>> {
    let mut out = Vec::new();
    for a in anchors {
        let now = links(conn, a.log)?;
        let by_record: BTreeMap<i64, &str> = now.iter().map(|(r, _, l)| (*r, l.as_str())).collect();
        let name = a.log.record_name();
        let mut check = AnchorCheck {
            log: a.log,
            records: a.records,
            head: a.head.clone(),
            status: "ok",
            problems: Vec::new(),
        };
        let (mut gone, mut changed) = (Vec::new(), Vec::new());
        for (record, link) in &a.links {
            match by_record.get(record) {
                None => gone.push(*record),
                Some(l) if *l != link => changed.push(*record),
                Some(_) => {}
            }
        }
        let list = |v: &[i64]| {
            let mut s: Vec<String> = v.iter().take(SHOWN_RECORDS).map(i64::to_string).collect();
            if v.len() > SHOWN_RECORDS {
                s.push(format!("and {} more", v.len() - SHOWN_RECORDS));
            }
            s.join(", ")
        };
        if !gone.is_empty() {
            check.status = "cut";
            check.problems.push(format!(
                "{name} {} of the package made {made} {} no longer in the catalogue: removed after the package was made",
                list(&gone),
                if gone.len() == 1 { "is" } else { "are" }
            ));
        }
        if !changed.is_empty() {
            check.status = "rewritten";
            check.problems.push(format!(
                "{name} {}: the link is not the one the package made {made} recorded: the record was changed and the chain re-computed after the package was made",
                list(&changed)
            ));
        }
        let len = now.len() as i64;
        if len < a.records {
            if check.status == "ok" {
                check.status = "cut";
            }
            check.problems.push(format!(
                "the {} log has {len} records, the package made {made} recorded {}: the newest {} were cut off after it was made (the package's head was {})",
                a.log.as_str(),
                a.records,
                a.records - len,
                a.head
            ));
        } else if a.records > 0 {
            let (record, _, link) = &now[(a.records - 1) as usize];
            if *link != a.head {
                check.status = "rewritten";
                check.problems.push(format!(
                    "the {} log no longer runs through the head the package made {made} recorded at record {} ({name} {record} now has the link {link}, the package recorded {}): its records up to there were changed and re-chained after the package was made",
                    a.log.as_str(),
                    a.records,
                    a.head
                ));
            }
        } else if a.head != GENESIS {
            check.status = "rewritten";
            check.problems.push(format!(
                "the package made {made} recorded an empty {} log with the head {}, which no empty chain has",
                a.log.as_str(),
                a.head
            ));
        }
        out.push(check);
    }
    Ok(out)
}
