//! The review table: an assessor's results (`csfkit review import`), append-only, each record
//! linked into the history chain, kept apart from the organisation's own statuses.

use chrono::NaiveDate;
use rusqlite::params;

use super::{Catalogue, now_utc};
use crate::error::{Error, Result};
use crate::model::review::{Method, Outcome, Review, Risk};

/// The columns of an assessor's result (`review import`), in the order of their encoding in
/// the history chain (`chain::REVIEW`).
pub(crate) const COLUMNS: &[&str] = &[
    "seq",
    "control_id",
    "method",
    "sample",
    "outcome",
    "finding",
    "risk",
    "assessor",
    "assessed_on",
    "source_file",
    "source_sha256",
    "source_place",
    "recorded_by",
    "recorded_at",
];

const REVIEW_SQL: &str = "SELECT seq, control_id, method, sample, outcome, finding, risk, assessor,
        assessed_on, source_file, source_sha256, source_place, recorded_by, recorded_at FROM review";

fn review_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Review> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("not a stored {what}").into(),
        )
    };
    let method: String = r.get(2)?;
    let outcome: String = r.get(4)?;
    let risk: Option<String> = r.get(6)?;
    let on: String = r.get(8)?;
    Ok(Review {
        seq: r.get(0)?,
        control_id: r.get(1)?,
        method: Method::parse(&method).ok_or_else(|| bad(2, "assessment method"))?,
        sample: r.get(3)?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| bad(4, "assessment outcome"))?,
        finding: r.get(5)?,
        risk: match risk {
            Some(s) => Some(Risk::parse(&s).ok_or_else(|| bad(6, "risk rating"))?),
            None => None,
        },
        assessor: r.get(7)?,
        assessed_on: NaiveDate::parse_from_str(&on, "%Y-%m-%d").map_err(|_| bad(8, "date"))?,
        source_file: r.get(9)?,
        source_sha256: r.get(10)?,
        source_place: r.get(11)?,
        recorded_by: r.get(12)?,
        recorded_at: r.get(13)?,
    })
}

impl Catalogue {
    /// Records assessor results in one transaction, each with its history-chain link; their
    /// `seq` and `recorded_at` are the catalogue's (what `reviews` is given there is ignored).
    /// Returns the numbers given to them.
    pub(crate) fn record_reviews(&mut self, reviews: &[Review]) -> Result<Vec<i64>> {
        // An assessor's results belong to the profile in use, like the statuses they judge.
        let profile = self.profile_column();
        self.write("recording the assessor's results", |tx| {
            let at = now_utc();
            let mut seqs = Vec::with_capacity(reviews.len());
            for v in reviews {
                tx.execute(
                    "INSERT INTO review(control_id, method, sample, outcome, finding, risk, assessor,
                        assessed_on, source_file, source_sha256, source_place, recorded_by, recorded_at,
                        profile_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                    params![
                        v.control_id,
                        v.method.as_str(),
                        v.sample,
                        v.outcome.as_str(),
                        v.finding,
                        v.risk.map(Risk::as_str),
                        v.assessor,
                        v.assessed_on.to_string(),
                        v.source_file,
                        v.source_sha256,
                        v.source_place,
                        v.recorded_by,
                        at,
                        profile,
                    ],
                )
                .map_err(|e| Error::sqlite("recording the assessor's results", e))?;
                let seq = tx.last_insert_rowid();
                super::chain::append(tx, super::chain::Log::Review, seq, "")?;
                seqs.push(seq);
            }
            Ok(seqs)
        })
    }

    /// Every assessor result, oldest first (at a point in time, those recorded after it are
    /// not there yet), of the profile in use. The newest per control is the assessor's result
    /// in force.
    pub(crate) fn reviews(&self) -> Result<Vec<Review>> {
        let sql = format!(
            "{REVIEW_SQL} WHERE (?1 IS NULL OR recorded_at < ?1) AND coalesce(profile_id, 1) = ?2 ORDER BY seq"
        );
        let mut st = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.err("reading the assessor's results", e))?;
        let rows = st
            .query_map(params![self.bound(), self.profile_in_use()], review_row)
            .map_err(|e| self.err("reading the assessor's results", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("reading the assessor's results", e))
    }
}
