//! The evidence retarget table: a tracker row's targets narrowed after import (`evidence
//! retarget`), append-only, the newest record per tracker row in force, each record linked into
//! the history chain.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Catalogue, now_utc};
use crate::error::{Error, Result};

/// One row of a tracker as imported: its batch, sheet and row. Every evidence row it gave (one
/// per CSF 2.0 subcategory its control ID stands for) shares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(crate) struct TrackerRow {
    /// Import batch.
    pub batch_id: i64,
    /// Sheet (empty for CSV).
    pub source_sheet: String,
    /// Row number as the spreadsheet shows it.
    pub source_row: i64,
}

/// One retarget record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RetargetRow {
    /// Its number.
    pub seq: i64,
    /// The tracker row it narrows.
    pub row: TrackerRow,
    /// The evidence row named on the command line.
    pub evidence_id: i64,
    /// The ID the tracker row was keyed by, as written.
    pub mapped_from: String,
    /// The subcategories its evidence counts for from now on.
    pub targets: Vec<String>,
    /// Why.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When (UTC).
    pub at: String,
}

/// A retarget to record.
#[derive(Debug, Clone)]
pub(crate) struct NewRetarget {
    /// The tracker row.
    pub row: TrackerRow,
    /// The evidence row named on the command line.
    pub evidence_id: i64,
    /// The ID the tracker row was keyed by.
    pub mapped_from: String,
    /// The subcategories it is offered for, in catalogue order.
    pub targets: Vec<String>,
    /// Why.
    pub reason: String,
    /// Who.
    pub by: String,
}

/// What a tracker row gave: each evidence row's ID and control, in ID order.
pub(crate) type TrackerRowEvidence = Vec<(i64, String)>;

impl Catalogue {
    /// The tracker row evidence row `id` came from, its mapped-from ID (as written, when it was
    /// mapped), and every evidence row that tracker row gave; None when there is no such row.
    pub(crate) fn tracker_row_of(
        &self,
        id: i64,
    ) -> Result<Option<(TrackerRow, Option<String>, TrackerRowEvidence)>> {
        let err = |e| self.err("reading evidence", e);
        let found: Option<(TrackerRow, Option<String>)> = self
            .conn()
            .query_row(
                "SELECT batch_id, source_sheet, source_row, mapped_from FROM evidence WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        TrackerRow {
                            batch_id: r.get(0)?,
                            source_sheet: r.get(1)?,
                            source_row: r.get(2)?,
                        },
                        r.get(3)?,
                    ))
                },
            )
            .optional()
            .map_err(err)?;
        let Some((row, mapped_from)) = found else {
            return Ok(None);
        };
        let mut st = self
            .conn()
            .prepare(
                "SELECT id, control_id FROM evidence
                 WHERE batch_id = ?1 AND source_sheet = ?2 AND source_row = ?3 ORDER BY id",
            )
            .map_err(err)?;
        let rows = st
            .query_map(params![row.batch_id, row.source_sheet, row.source_row], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?;
        Ok(Some((row, mapped_from, rows)))
    }

    /// Records a retarget (with its history-chain link) in one transaction; returns its number.
    pub(crate) fn record_retarget(&mut self, r: &NewRetarget) -> Result<i64> {
        self.write("recording the retarget", |tx| {
            tx.execute(
                "INSERT INTO evidence_retarget(batch_id, source_sheet, source_row, evidence_id, mapped_from,
                    targets, reason, retargeted_by, retargeted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    r.row.batch_id,
                    r.row.source_sheet,
                    r.row.source_row,
                    r.evidence_id,
                    r.mapped_from,
                    r.targets.join(", "),
                    r.reason,
                    r.by,
                    now_utc(),
                ],
            )
            .map_err(|e| Error::sqlite("recording the retarget", e))?;
            let seq = tx.last_insert_rowid();
            super::chain::append(tx, super::chain::Log::Retarget, seq, "")?;
            Ok(seq)
        })
    }

    /// Every retarget record, oldest first (at a point in time, those recorded by then).
    pub(crate) fn retargets(&self) -> Result<Vec<RetargetRow>> {
        let err = |e| self.err("reading evidence retargets", e);
        let mut st = self
            .conn()
            .prepare(
                "SELECT seq, batch_id, source_sheet, source_row, evidence_id, mapped_from, targets, reason,
                    retargeted_by, retargeted_at FROM evidence_retarget
                 WHERE (?1 IS NULL OR retargeted_at < ?1) ORDER BY seq",
            )
            .map_err(err)?;
        let rows = st
            .query_map([self.bound()], |r| {
                let targets: String = r.get(6)?;
                Ok(RetargetRow {
                    seq: r.get(0)?,
                    row: TrackerRow {
                        batch_id: r.get(1)?,
                        source_sheet: r.get(2)?,
                        source_row: r.get(3)?,
                    },
                    evidence_id: r.get(4)?,
                    mapped_from: r.get(5)?,
                    targets: targets
                        .split(',')
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect(),
                    reason: r.get(7)?,
                    by: r.get(8)?,
                    at: r.get(9)?,
                })
            })
            .map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }
}
