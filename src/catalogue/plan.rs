//! The plan table: remediation plans, append-only, the newest per control in force, each
//! record linked into the history chain.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rusqlite::params;

use super::Catalogue;
use crate::error::{Error, Result};
use crate::model::plan::{Milestone, NewPlan, PlanRow, PlanStatus};
use crate::model::review::Risk;
use crate::util::now_utc;

/// The columns a remediation plan record gained in schema 11 (its risk, the risk first rated,
/// the FedRAMP POA&M columns), encoded in its chain link after `chain::PLAN` when any is set
/// (`chain::PLAN_FEDRAMP`).
pub(crate) const FEDRAMP_COLUMNS: &[&str] = &["risk", "original_risk", "fedramp"];

const PLAN_SQL: &str = "SELECT seq, control_id, due, owner, action, milestones, status, note, system,
        recorded_by, recorded_at, source, risk, original_risk, fedramp FROM plan";

fn plan_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PlanRow> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("not a stored {what}").into(),
        )
    };
    let due: String = r.get(2)?;
    let milestones: String = r.get(5)?;
    let status: String = r.get(6)?;
    let risk = |i: usize| -> rusqlite::Result<Option<Risk>> {
        match r.get::<_, Option<String>>(i)? {
            Some(s) => Risk::parse(&s).map(Some).ok_or_else(|| bad(i, "risk rating")),
            None => Ok(None),
        }
    };
    Ok(PlanRow {
        seq: r.get(0)?,
        control_id: r.get(1)?,
        due: NaiveDate::parse_from_str(&due, "%Y-%m-%d").map_err(|_| bad(2, "date"))?,
        owner: r.get(3)?,
        action: r.get(4)?,
        milestones: serde_json::from_str::<Vec<Milestone>>(&milestones)
            .map_err(|_| bad(5, "milestone list"))?,
        status: status.parse::<PlanStatus>().map_err(|_| bad(6, "plan status"))?,
        note: r.get(7)?,
        system: r.get(8)?,
        by: r.get(9)?,
        at: r.get(10)?,
        source: r.get(11)?,
        risk: risk(12)?,
        original_risk: risk(13)?,
        fedramp: match r.get::<_, Option<String>>(14)? {
            Some(j) => serde_json::from_str(&j).map_err(|_| bad(14, "set of POA&M columns"))?,
            None => BTreeMap::new(),
        },
    })
}

impl Catalogue {
    /// Appends plan records in one transaction (with their history-chain links).
    pub(crate) fn record_plans(&mut self, system: &str, source: &str, plans: &[NewPlan]) -> Result<()> {
        let profile = self.profile_column();
        self.write("recording the remediation plan", |tx| {
            let at = now_utc();
            for p in plans {
                let milestones = serde_json::to_string(&p.milestones)
                    .map_err(|e| Error::Bug(format!("storing milestones: {e}")))?;
                // NULL when empty: a record without them encodes in its chain as before schema 11.
                let fedramp = if p.fedramp.is_empty() {
                    None
                } else {
                    Some(
                        serde_json::to_string(&p.fedramp)
                            .map_err(|e| Error::Bug(format!("storing POA&M columns: {e}")))?,
                    )
                };
                tx.execute(
                    "INSERT INTO plan(control_id, due, owner, action, milestones, status, note, system,
                        recorded_by, recorded_at, source, risk, original_risk, fedramp, profile_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                    params![
                        p.control_id,
                        p.due.to_string(),
                        p.owner,
                        p.action,
                        milestones,
                        p.status.as_str(),
                        p.note,
                        system,
                        p.by,
                        at,
                        source,
                        p.risk.map(Risk::as_str),
                        p.original_risk.map(Risk::as_str),
                        fedramp,
                        profile
                    ],
                )
                .map_err(|e| Error::sqlite("recording the remediation plan", e))?;
                super::chain::append(tx, super::chain::Log::Plan, tx.last_insert_rowid(), "")?;
            }
            Ok(())
        })
    }

    /// Every plan record, oldest first, optionally for one control.
    pub(crate) fn plan_history(&self, control: Option<&str>) -> Result<Vec<PlanRow>> {
        let sql = format!(
            "{PLAN_SQL} WHERE (?1 IS NULL OR control_id = ?1) AND (?2 IS NULL OR recorded_at < ?2)
             AND coalesce(profile_id, 1) = ?3 ORDER BY seq"
        );
        let mut st = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.err("reading remediation plans", e))?;
        let rows = st
            .query_map(params![control, self.bound(), self.profile_in_use()], plan_row)
            .map_err(|e| self.err("reading remediation plans", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("reading remediation plans", e))
    }

    /// The plans in force: the newest record per control, with the date of the control's
    /// first plan record (when the weakness was first planned for).
    pub(crate) fn plans_in_force(&self) -> Result<HashMap<String, (PlanRow, String)>> {
        let mut out: HashMap<String, (PlanRow, String)> = HashMap::new();
        for r in self.plan_history(None)? {
            let first = out
                .get(&r.control_id)
                .map_or_else(|| r.at.clone(), |(_, f)| f.clone());
            out.insert(r.control_id.clone(), (r, first));
        }
        Ok(out)
    }
}
