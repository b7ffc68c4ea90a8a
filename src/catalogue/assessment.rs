//! The assessment table: implementation status records, append-only, newest in force.

use std::collections::HashMap;

use rusqlite::params;
use serde::Serialize;

use super::{Catalogue, now_utc};
use crate::error::{Error, Result};
use crate::model::assessment::Status;
use crate::model::ownership::Service;

/// One assessment record.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AssessmentRow {
    /// Order of records.
    pub seq: i64,
    /// Control.
    pub control_id: String,
    /// Service model, when the status is for one only.
    pub service: Option<String>,
    /// Status.
    pub status: String,
    /// Note (the justification for not-applicable).
    pub note: String,
    /// System in scope when recorded.
    pub system: String,
    /// Who.
    pub by: String,
    /// When (UTC).
    pub at: String,
    /// `cli` or `import <file> (<sha256>)`.
    pub source: String,
}

impl AssessmentRow {
    /// The cells of `assess history` (and the first columns of `assessment-history.csv`).
    pub(crate) fn cells(self) -> Vec<String> {
        vec![
            self.seq.to_string(),
            self.control_id,
            self.service.unwrap_or_default(),
            self.status,
            self.note,
            self.system,
            self.by,
            self.at,
            self.source,
        ]
    }

    /// The record in one line for a reader (the PDF dossier, index.html): status, the service
    /// model it is for, the note, who, when and from where.
    pub(crate) fn describe(&self) -> String {
        let on = self
            .service
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        let note = if self.note.is_empty() {
            String::new()
        } else {
            format!(": {}", self.note)
        };
        format!(
            "{}{on}{note} — by {} at {} ({})",
            self.status, self.by, self.at, self.source
        )
    }
}

/// A status to record.
#[derive(Debug, Clone)]
pub(crate) struct NewAssessment {
    /// Control.
    pub control_id: String,
    /// Service model, if only one.
    pub service: Option<Service>,
    /// Status.
    pub status: Status,
    /// Note.
    pub note: String,
    /// Who.
    pub by: String,
}

impl Catalogue {
    /// Appends assessment records in one transaction.
    pub(crate) fn record_assessments(
        &mut self,
        system: &str,
        source: &str,
        rows: &[NewAssessment],
    ) -> Result<()> {
        let profile = self.profile_column();
        self.write("recording the assessment", |tx| {
            let mut st = tx
                .prepare(
                    "INSERT INTO assessment(control_id, service, status, note, system, assessed_by, assessed_at, source,
                        profile_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(|e| Error::sqlite("recording the assessment", e))?;
            let at = now_utc();
            for r in rows {
                st.execute(params![
                    r.control_id,
                    r.service.map(Service::as_str),
                    r.status.as_str(),
                    r.note,
                    system,
                    r.by,
                    at,
                    source,
                    profile
                ])
                .map_err(|e| Error::sqlite("recording the assessment", e))?;
                super::chain::append(tx, super::chain::Log::Assessment, tx.last_insert_rowid(), "")?;
            }
            Ok(())
        })
    }

    /// Every record, oldest first, optionally for one control.
    pub(crate) fn assessment_history(&self, control: Option<&str>) -> Result<Vec<AssessmentRow>> {
        let mut st = self
            .conn()
            .prepare(
                "SELECT seq, control_id, service, status, note, system, assessed_by, assessed_at, source
                 FROM assessment WHERE (?1 IS NULL OR control_id = ?1) AND (?2 IS NULL OR assessed_at < ?2)
                    AND coalesce(profile_id, 1) = ?3
                 ORDER BY seq",
            )
            .map_err(|e| self.err("reading assessments", e))?;
        let rows = st
            .query_map(params![control, self.bound(), self.profile_in_use()], |r| {
                Ok(AssessmentRow {
                    seq: r.get(0)?,
                    control_id: r.get(1)?,
                    service: r.get(2)?,
                    status: r.get(3)?,
                    note: r.get(4)?,
                    system: r.get(5)?,
                    by: r.get(6)?,
                    at: r.get(7)?,
                    source: r.get(8)?,
                })
            })
            .map_err(|e| self.err("reading assessments", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("reading assessments", e))
    }

    /// The records in force: the newest per (control, service), keyed by control.
    pub(crate) fn current_assessments(&self) -> Result<HashMap<String, Vec<AssessmentRow>>> {
        let mut latest: HashMap<(String, Option<String>), AssessmentRow> = HashMap::new();
        for r in self.assessment_history(None)? {
            latest.insert((r.control_id.clone(), r.service.clone()), r);
        }
        let mut out: HashMap<String, Vec<AssessmentRow>> = HashMap::new();
        for ((c, _), r) in latest {
            out.entry(c).or_default().push(r);
        }
        for v in out.values_mut() {
            v.sort_by(|a, b| a.service.cmp(&b.service));
        }
        Ok(out)
    }
}

/// A control's status for display: the whole-control record, with per-service records after it
/// (`implemented; model: planned`).
pub(crate) fn summary(rows: &[AssessmentRow]) -> String {
    rows.iter()
        .map(|r| match &r.service {
            None => r.status.clone(),
            Some(s) => format!("{s}: {}", r.status),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
