//! The evidence tables: import batches and evidence rows (both append-only), written by the
//! importer inside one transaction and read by the listings, `status` and the export.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::Catalogue;
pub(crate) use super::chain::RowsDigest;
use crate::error::{Error, Result};
use crate::model::evidence::EvidenceItem;
use crate::model::evidence::{EvidenceFields, HashEncoding, HashKey, MappedFrom, NewEvidence, hash_key};

/// One import batch: where a set of rows came from.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Batch {
    /// Batch number.
    pub id: i64,
    /// File name as given.
    pub source_file: String,
    /// Absolute path at import.
    pub source_path: String,
    /// SHA-256 of the file.
    pub source_sha256: String,
    /// Size in bytes.
    pub source_size: i64,
    /// Format read.
    pub format: String,
    /// Sheet read (empty for CSV).
    pub sheet: String,
    /// Header row number.
    pub header_row: i64,
    /// Column -> field mapping used (JSON).
    pub columns: String,
    /// Who imported.
    pub collector: String,
    /// When (UTC, RFC 3339).
    pub imported_at: String,
    /// Data rows read.
    pub rows_read: i64,
    /// Evidence rows added.
    pub rows_imported: i64,
    /// Rows already in the catalogue (same content).
    pub rows_already: i64,
    /// Rows rejected (with --skip-invalid).
    pub rows_rejected: i64,
    /// Evidence root used for file locations.
    pub evidence_root: String,
}

impl Batch {
    /// The cells of `evidence batches` (and the first columns of `evidence-batches.csv`).
    pub(crate) fn cells(self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.source_file,
            self.source_sha256,
            self.source_size.to_string(),
            self.format,
            self.sheet,
            self.header_row.to_string(),
            self.collector,
            self.imported_at,
            self.rows_read.to_string(),
            self.rows_imported.to_string(),
            self.rows_already.to_string(),
            self.rows_rejected.to_string(),
            self.source_path,
            self.evidence_root,
        ]
    }
}

/// Which evidence to list.
#[derive(Debug, Clone, Default)]
pub(crate) struct EvidenceFilter {
    /// One control.
    pub control: Option<String>,
    /// One batch.
    pub batch: Option<i64>,
}

impl super::Tx<'_> {
    /// Hands `f` the content hash key of every evidence row not of batch `batch` (the rows an
    /// import must not store again), one at a time. `before` is [`Self::last_evidence_id`] as
    /// the import began: only rows up to it are read, so the rows the import has stored since
    /// are not scanned only to be skipped.
    pub(crate) fn each_other_key(
        &self,
        batch: i64,
        before: i64,
        f: impl FnMut(HashKey) -> Result<()>,
    ) -> Result<()> {
        each_other_key(&self.tx, batch, before, f)
    }

    /// The highest evidence row id (0 without rows). Rows stored later get higher ids, unless
    /// the ids ran out (SQLite then picks unused ones at random), which is why
    /// [`Self::each_other_key`] still leaves the import's own batch out.
    pub(crate) fn last_evidence_id(&self) -> Result<i64> {
        self.tx
            .query_row("SELECT coalesce(max(id), 0) FROM evidence", [], |r| r.get(0))
            .map_err(|e| Error::sqlite("reading the evidence rows", e))
    }

    /// The number the next batch gets.
    pub(crate) fn next_batch_id(&self) -> Result<i64> {
        next_batch_id(&self.tx)
    }

    /// Inserts evidence rows of batch `batch` from sheet `sheet`, adding each to the batch's
    /// rows digest.
    pub(crate) fn insert_evidence(
        &self,
        batch: i64,
        sheet: &str,
        rows: &[NewEvidence],
        digest: &mut RowsDigest,
    ) -> Result<()> {
        insert_evidence(&self.tx, batch, sheet, rows, digest)
    }

    /// Records a batch after its rows and links it into the history chain.
    pub(crate) fn insert_batch(&self, b: &Batch, rows: RowsDigest) -> Result<()> {
        insert_batch(&self.tx, b, rows)
    }
}

/// The keys an import compares its rows with are in the encoding it computes
/// ([`HashEncoding::V2`]): a row of a batch imported with another encoding has its key computed
/// from its stored columns, exactly what the same row imported now gets, so that importing an
/// old tracker again still adds nothing.
fn each_other_key(
    tx: &rusqlite::Connection,
    batch: i64,
    before: i64,
    mut f: impl FnMut(HashKey) -> Result<()>,
) -> Result<()> {
    let err = |e| Error::sqlite("reading evidence hashes", e);
    let older: std::collections::BTreeSet<i64> = super::chain::batch_encodings(tx)?
        .into_iter()
        .filter(|(_, enc)| *enc != Some(HashEncoding::V2))
        .map(|(id, _)| id)
        .collect();
    if older.is_empty() {
        let mut stmt = tx
            .prepare("SELECT content_hash FROM evidence WHERE id <= ?2 AND batch_id <> ?1")
            .map_err(err)?;
        let mut rows = stmt.query([batch, before]).map_err(err)?;
        while let Some(r) = rows.next().map_err(err)? {
            let v = r.get_ref(0).map_err(err)?.as_blob().unwrap_or_default();
            if let Ok(h) = <[u8; 32]>::try_from(v) {
                f(hash_key(&h))?;
            }
        }
        return Ok(());
    }
    let mut stmt = tx
        .prepare(
            "SELECT batch_id, content_hash, control_id, title, description, evidence_type, owner,
                collected_on, valid_until, location, source_system, file_sha256, extras, mapped_from,
                mapped_framework, offered_for FROM evidence WHERE id <= ?2 AND batch_id <> ?1",
        )
        .map_err(err)?;
    let mut rows = stmt.query([batch, before]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let row_batch: i64 = r.get(0).map_err(err)?;
        let h = if older.contains(&row_batch) {
            let (fields, extras, file_sha, mapped) = stored_fields(r, 2).map_err(err)?;
            fields.content_hash_as(HashEncoding::V2, &extras, file_sha.as_deref(), mapped.as_ref())
        } else {
            let v = r.get_ref(1).map_err(err)?.as_blob().unwrap_or_default();
            match <[u8; 32]>::try_from(v) {
                Ok(h) => h,
                Err(_) => continue,
            }
        };
        f(hash_key(&h))?;
    }
    Ok(())
}

/// A stored evidence row's hashed content from column `base` on, in the order `control_id,
/// title, description, evidence_type, owner, collected_on, valid_until, location,
/// source_system, file_sha256, extras, mapped_from, mapped_framework, offered_for`: its fields
/// (an empty date as empty text, as the importer hashes it), extras, file hash and mapping.
type StoredContent = (EvidenceFields, String, Option<String>, Option<MappedFrom>);

fn stored_fields(r: &rusqlite::Row<'_>, base: usize) -> rusqlite::Result<StoredContent> {
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(r.get::<_, Option<String>>(base + i)?.unwrap_or_default())
    };
    let fields = EvidenceFields::from_values([
        text(0)?,
        text(1)?,
        text(2)?,
        text(3)?,
        text(4)?,
        text(5)?,
        text(6)?,
        text(7)?,
        text(8)?,
    ]);
    let file_sha: Option<String> = r.get(base + 9)?;
    let extras = text(10)?;
    let offered: Option<String> = r.get(base + 13)?;
    let mapped = match (
        r.get::<_, Option<String>>(base + 11)?,
        r.get::<_, Option<String>>(base + 12)?,
    ) {
        (Some(id), Some(f)) => f.parse().ok().map(|framework| MappedFrom {
            id,
            framework,
            offered_for: MappedFrom::parse_offered(offered),
        }),
        _ => None,
    };
    Ok((fields, extras, file_sha, mapped))
}

fn next_batch_id(tx: &Transaction<'_>) -> Result<i64> {
    tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM evidence_batch", [], |r| {
        r.get(0)
    })
    .map_err(|e| Error::sqlite("numbering the import batch", e))
}

/// Rows per multi-row INSERT: one statement step stores this many rows, which spares most of
/// SQLite's per-statement work (18 parameters a row, far below the parameter limit).
const ROWS_PER_INSERT: usize = 32;

/// Parameters of one row; the batch and the sheet, the same for every row of a statement, are
/// parameters 1 and 2, bound once.
const PARAMS: usize = 18;

fn insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let own: Vec<String> = (1..=PARAMS).map(|p| format!("?{}", 2 + i * PARAMS + p)).collect();
            format!("(?1,?2,{})", own.join(","))
        })
        .collect();
    format!(
        "INSERT INTO evidence (batch_id, source_sheet, source_row, control_id, title, description,
            evidence_type, owner, collected_on, valid_until, location, location_kind, file_sha256,
            file_size, source_system, extras, content_hash, mapped_from, mapped_framework, offered_for)
            VALUES {}",
        values.join(",")
    )
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

/// Binds one row's [`PARAMS`] values from parameter `base` + 3 on.
fn bind_row(stmt: &mut rusqlite::CachedStatement<'_>, base: usize, r: &NewEvidence) -> rusqlite::Result<()> {
    let base = base + 2;
    stmt.raw_bind_parameter(base + 1, r.row as i64)?;
    let f = &r.fields;
    stmt.raw_bind_parameter(base + 2, f.control_id.as_str())?;
    stmt.raw_bind_parameter(base + 3, f.title.as_str())?;
    stmt.raw_bind_parameter(base + 4, f.description.as_str())?;
    stmt.raw_bind_parameter(base + 5, f.evidence_type.as_str())?;
    stmt.raw_bind_parameter(base + 6, f.owner.as_str())?;
    // The dates as validated, already written YYYY-MM-DD.
    stmt.raw_bind_parameter(base + 7, non_empty(&f.collected_on))?;
    stmt.raw_bind_parameter(base + 8, non_empty(&f.valid_until))?;
    stmt.raw_bind_parameter(base + 9, f.location.as_str())?;
    stmt.raw_bind_parameter(base + 10, r.location_kind.as_str())?;
    stmt.raw_bind_parameter(base + 11, r.file.as_ref().map(|f| f.0.as_str()))?;
    stmt.raw_bind_parameter(base + 12, r.file.as_ref().map(|f| f.1 as i64))?;
    stmt.raw_bind_parameter(base + 13, f.source_system.as_str())?;
    stmt.raw_bind_parameter(base + 14, r.extras.as_str())?;
    stmt.raw_bind_parameter(base + 15, &r.content_hash[..])?;
    stmt.raw_bind_parameter(base + 16, r.mapped.as_ref().map(|m| m.id.as_str()))?;
    stmt.raw_bind_parameter(base + 17, r.mapped.as_ref().map(|m| m.framework.as_str()))?;
    stmt.raw_bind_parameter(base + 18, r.mapped.as_ref().and_then(MappedFrom::offered_text))
}

/// Rows get their ids in the order they are inserted, the order of the digest.
fn insert_evidence(
    tx: &Transaction<'_>,
    batch: i64,
    sheet: &str,
    rows: &[NewEvidence],
    digest: &mut RowsDigest,
) -> Result<()> {
    for r in rows {
        digest.add(
            sheet,
            r.row as i64,
            r.location_kind.as_str(),
            r.file.as_ref().map(|f| f.1 as i64),
            &r.content_hash,
            r.mapped.as_ref().map(|m| (m.framework.as_str(), m.id.as_str())),
        );
    }
    let err = |e| Error::sqlite("storing evidence", e);
    // A statement's bindings last until they are bound again: the batch and the sheet once.
    let statement = |rows: usize| -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        let mut stmt = tx.prepare_cached(&insert_sql(rows))?;
        stmt.raw_bind_parameter(1, batch)?;
        stmt.raw_bind_parameter(2, sheet)?;
        Ok(stmt)
    };
    let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
    if chunks.len() > 0 {
        let mut stmt = statement(ROWS_PER_INSERT).map_err(err)?;
        for chunk in chunks.by_ref() {
            for (i, r) in chunk.iter().enumerate() {
                bind_row(&mut stmt, i * PARAMS, r).map_err(err)?;
            }
            stmt.raw_execute().map_err(err)?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut stmt = statement(1).map_err(err)?;
        for r in rest {
            bind_row(&mut stmt, 0, r).map_err(err)?;
            stmt.raw_execute().map_err(err)?;
        }
    }
    Ok(())
}

/// A new batch records the encoding its rows' content hashes were computed in (the one
/// [`crate::model::evidence::EvidenceFields::content_hash`] gives, [`HashEncoding::V2`]).
fn insert_batch(tx: &Transaction<'_>, b: &Batch, rows: RowsDigest) -> Result<()> {
    tx.execute(
        "INSERT INTO evidence_batch (id, source_file, source_path, source_sha256, source_size, format, sheet,
            header_row, columns, collector, imported_at, rows_read, rows_imported, rows_already, rows_rejected,
            evidence_root, hash_encoding)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            b.id,
            b.source_file,
            b.source_path,
            b.source_sha256,
            b.source_size,
            b.format,
            b.sheet,
            b.header_row,
            b.columns,
            b.collector,
            b.imported_at,
            b.rows_read,
            b.rows_imported,
            b.rows_already,
            b.rows_rejected,
            b.evidence_root,
            HashEncoding::V2.stored()
        ],
    )
    .map_err(|e| Error::sqlite("recording the import batch", e))?;
    super::chain::append(tx, super::chain::Log::Batch, b.id, &rows.finish())?;
    Ok(())
}

const ITEM_SQL: &str = "SELECT e.id, e.control_id, e.title, e.description, e.evidence_type, e.owner,
        e.collected_on, e.valid_until, e.location, e.location_kind, e.file_sha256, e.file_size,
        e.source_system, e.extras, b.source_file, b.source_sha256, e.source_sheet, e.source_row, e.batch_id,
        e.mapped_from, e.mapped_framework, e.offered_for
    FROM evidence e JOIN evidence_batch b ON b.id = e.batch_id";

fn item(r: &rusqlite::Row<'_>) -> rusqlite::Result<EvidenceItem> {
    let date = |s: Option<String>| s.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    Ok(EvidenceItem {
        id: r.get(0)?,
        control_id: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        evidence_type: r.get(4)?,
        owner: r.get(5)?,
        collected_on: date(r.get(6)?),
        valid_until: date(r.get(7)?),
        location: r.get(8)?,
        location_kind: r.get(9)?,
        file_sha256: r.get(10)?,
        file_size: r.get(11)?,
        source_system: r.get(12)?,
        extras: r.get(13)?,
        source_file: r.get(14)?,
        source_sha256: r.get(15)?,
        source_sheet: r.get(16)?,
        source_row: r.get(17)?,
        batch_id: r.get(18)?,
        mapped: match (r.get::<_, Option<String>>(19)?, r.get::<_, Option<String>>(20)?) {
            (Some(id), Some(f)) => {
                let offered: Option<String> = r.get(21)?;
                f.parse().ok().map(|framework| MappedFrom {
                    id,
                    framework,
                    offered_for: MappedFrom::parse_offered(offered),
                })
            }
            _ => None,
        },
    })
}

impl Catalogue {
    /// Evidence rows, oldest first.
    pub(crate) fn evidence(&self, filter: &EvidenceFilter) -> Result<Vec<EvidenceItem>> {
        let sql = format!(
            "{ITEM_SQL} WHERE (?1 IS NULL OR e.control_id = ?1) AND (?2 IS NULL OR e.batch_id = ?2)
                AND (?3 IS NULL OR b.imported_at < ?3) ORDER BY e.id"
        );
        let mut stmt = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.err("listing evidence", e))?;
        let rows = stmt
            .query_map(params![filter.control, filter.batch, self.bound()], item)
            .map_err(|e| self.err("listing evidence", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err("listing evidence", e))
    }

    /// Every evidence item, in CSF order of its control (GV, ID, PR, DE, RS, RC, as the
    /// catalogue lists the subcategories; a control the catalogue does not know last) then by
    /// ID, handed to `f` one at a time: nothing is collected, so memory does not grow with the
    /// number of items. An error from `f` stops the scan and is returned.
    pub(crate) fn each_evidence(&self, mut f: impl FnMut(EvidenceItem) -> Result<()>) -> Result<()> {
        let sql = format!(
            "{ITEM_SQL} LEFT JOIN element el ON el.framework_id = '{}' AND el.id = e.control_id
             WHERE (?1 IS NULL OR b.imported_at < ?1)
             ORDER BY el.seq IS NULL, el.seq, e.control_id, e.id",
            crate::model::framework::DEFAULT_FRAMEWORK
        );
        let mut stmt = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.err("reading evidence", e))?;
        let mut rows = stmt
            .query([self.bound()])
            .map_err(|e| self.err("reading evidence", e))?;
        while let Some(r) = rows.next().map_err(|e| self.err("reading evidence", e))? {
            f(item(r).map_err(|e| self.err("reading evidence", e))?)?;
        }
        Ok(())
    }

    /// One evidence row.
    pub(crate) fn evidence_item(&self, id: i64) -> Result<Option<EvidenceItem>> {
        let sql = format!("{ITEM_SQL} WHERE e.id = ?1 AND (?2 IS NULL OR b.imported_at < ?2)");
        self.conn()
            .query_row(&sql, params![id, self.bound()], item)
            .optional()
            .map_err(|e| self.err("reading evidence", e))
    }

    /// Import batches, oldest first.
    pub(crate) fn batches(&self) -> Result<Vec<Batch>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, source_file, source_path, source_sha256, source_size, format, sheet, header_row,
                    columns, collector, imported_at, rows_read, rows_imported, rows_already, rows_rejected,
                    evidence_root FROM evidence_batch WHERE (?1 IS NULL OR imported_at < ?1) ORDER BY id",
            )
            .map_err(|e| self.err("listing import batches", e))?;
        let rows = stmt
            .query_map([self.bound()], |r| {
                Ok(Batch {
                    id: r.get(0)?,
                    source_file: r.get(1)?,
                    source_path: r.get(2)?,
                    source_sha256: r.get(3)?,
                    source_size: r.get(4)?,
                    format: r.get(5)?,
                    sheet: r.get(6)?,
                    header_row: r.get(7)?,
                    columns: r.get(8)?,
                    collector: r.get(9)?,
                    imported_at: r.get(10)?,
                    rows_read: r.get(11)?,
                    rows_imported: r.get(12)?,
                    rows_already: r.get(13)?,
                    rows_rejected: r.get(14)?,
                    evidence_root: r.get(15)?,
                })
            })
            .map_err(|e| self.err("listing import batches", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err("listing import batches", e))
    }
}
