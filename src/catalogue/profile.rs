//! Organizational Profiles (NIST SP 1301): the profiles of a catalogue with their scope and
//! priority scale, the profile in use, each profile's current and target outcomes and its Tiers
//! (NIST SP 1302). Outcomes and Tiers are append-only, the newest per element (per aspect) in
//! force.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Catalogue, now_utc};
use crate::error::{Error, Result};
use crate::model::ownership::{Service, join_services};

/// The number of the default profile: the catalogue's scope as it was before profiles.
pub(crate) const DEFAULT_PROFILE: i64 = 1;

/// The `meta` key naming the profile `profile use` chose.
const IN_USE: &str = "profile_in_use";

/// One profile.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProfileRow {
    /// Its number.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Its priority scale, highest first (empty: none declared).
    pub priorities: Vec<String>,
    /// Who created it.
    pub created_by: String,
    /// When (UTC).
    pub created_at: String,
}

/// A profile's outcome for one CSF 2.0 element, as recorded.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub(crate) struct NewOutcome {
    /// The function, category or subcategory.
    pub element_id: String,
    /// Included in the profile (None: not said).
    pub included: Option<bool>,
    /// Why it is included or not, or why its target is what it is.
    pub rationale: String,
    /// Target priority, a value of the profile's scale ('' none).
    pub target_priority: String,
    /// Target CSF Tier as written in the template ('' none).
    pub target_tier: String,
    /// The target outcome in the organisation's words, or the target internal practices.
    pub target_outcome: String,
    /// Notes.
    pub notes: String,
    /// The template's other columns by their name (see `model::profile::TEMPLATE`).
    pub fields: BTreeMap<String, String>,
}

/// An outcome record in force.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OutcomeRow {
    /// Order of records.
    pub seq: i64,
    /// What was recorded.
    #[serde(flatten)]
    pub outcome: NewOutcome,
    /// Who.
    pub by: String,
    /// When (UTC).
    pub at: String,
    /// `cli` or `import <file> (<sha256>)`.
    pub source: String,
}

/// A profile's Tier for one aspect, in force.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TierRow {
    /// `governance` (cybersecurity risk governance) or `management` (risk management).
    pub aspect: String,
    /// Current Tier, 1-4.
    pub current: Option<u8>,
    /// Target Tier, 1-4.
    pub target: Option<u8>,
    /// Note.
    pub note: String,
    /// Who.
    pub by: String,
    /// When (UTC).
    pub at: String,
}

fn profile_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProfileRow> {
    let priorities: String = r.get(3)?;
    Ok(ProfileRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        priorities: split_scale(&priorities),
        created_by: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// A stored priority scale as its values, highest first.
fn split_scale(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

/// Sets the scope of a profile other than the default, in the caller's transaction.
pub(super) fn set_scope(
    tx: &Transaction<'_>,
    profile: i64,
    system: &str,
    provider: &str,
    services: &[Service],
    by: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE profile SET system = ?2, provider_id = ?3, services = ?4, set_by = ?5, set_at = ?6 WHERE id = ?1",
        params![profile, system, provider, join_services(services), by, now_utc()],
    )
    .map_err(|e| Error::sqlite("setting the profile's scope", e))?;
    Ok(())
}

const PROFILE_SQL: &str = "SELECT id, name, description, priorities, created_by, created_at FROM profile";

impl Catalogue {
    /// Reads and writes profile `id` from now on (see [`Catalogue::profile_in_use`]).
    pub(crate) fn use_profile(&mut self, id: i64) {
        self.profile = id;
    }

    /// Every profile, by number.
    pub(crate) fn profiles(&self) -> Result<Vec<ProfileRow>> {
        let mut st = self
            .conn()
            .prepare(&format!("{PROFILE_SQL} ORDER BY id"))
            .map_err(|e| self.err("reading the profiles", e))?;
        let rows = st
            .query_map([], profile_row)
            .map_err(|e| self.err("reading the profiles", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("reading the profiles", e))
    }

    /// The profile named `name` (exactly, or ignoring case), or an error naming the profiles
    /// there are.
    pub(crate) fn profile_named(&self, name: &str) -> Result<ProfileRow> {
        let all = self.profiles()?;
        let wanted = name.trim();
        if let Some(p) = all.iter().find(|p| p.name == wanted) {
            return Ok(p.clone());
        }
        if let Some(p) = all.iter().find(|p| p.name.eq_ignore_ascii_case(wanted)) {
            return Ok(p.clone());
        }
        Err(Error::NotInCatalogue {
            kind: "profile",
            name: wanted.to_string(),
            hint: format!(
                "; the profiles are {} (`csfkit profile list`; make one with `csfkit profile create NAME`)",
                all.iter()
                    .map(|p| format!("`{}`", p.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    /// The profile in use.
    pub(crate) fn current_profile(&self) -> Result<ProfileRow> {
        self.conn()
            .query_row(
                &format!("{PROFILE_SQL} WHERE id = ?1"),
                [self.profile],
                profile_row,
            )
            .map_err(|e| self.err("reading the profile", e))
    }

    /// The name `profile use` recorded, if any.
    pub(crate) fn profile_chosen(&self) -> Result<Option<String>> {
        self.meta(IN_USE)
    }

    /// Records `name` as the profile commands use when no `--profile` is given.
    pub(crate) fn choose_profile(&mut self, name: &str) -> Result<()> {
        self.write("choosing the profile in use", |tx| {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![IN_USE, name],
            )
            .map_err(|e| Error::sqlite("choosing the profile in use", e))?;
            Ok(())
        })
    }

    /// Creates a profile with its scope (system, provider, service models) if given; returns
    /// its number. A name already taken (ignoring case) is refused.
    pub(crate) fn create_profile(
        &mut self,
        name: &str,
        description: &str,
        priorities: &[String],
        scope: Option<(&str, &str, &[Service])>,
        by: &str,
    ) -> Result<i64> {
        self.write("creating the profile", |tx| {
            let taken: Option<String> = tx
                .query_row(
                    "SELECT name FROM profile WHERE lower(name) = lower(?1)",
                    [name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| Error::sqlite("reading the profiles", e))?;
            if let Some(t) = taken {
                return Err(Error::Data(format!(
                    "a profile named `{t}` exists already; choose another name or use it with `csfkit profile use {t}`"
                )));
            }
            let at = now_utc();
            tx.execute(
                "INSERT INTO profile(name, description, priorities, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, description, priorities.join(","), by, at],
            )
            .map_err(|e| Error::sqlite("creating the profile", e))?;
            let id = tx.last_insert_rowid();
            if let Some((system, provider, services)) = scope {
                set_scope(tx, id, system, provider, services, by)?;
            }
            Ok(id)
        })
    }

    /// Every outcome record of the profile in use, oldest first, optionally for one element.
    pub(crate) fn outcome_history(&self, element: Option<&str>) -> Result<Vec<OutcomeRow>> {
        let mut st = self
            .conn()
            .prepare(
                "SELECT seq, element_id, included, rationale, target_priority, target_tier, target_outcome,
                    notes, fields, recorded_by, recorded_at, source
                 FROM profile_outcome WHERE profile_id = ?1 AND (?2 IS NULL OR element_id = ?2)
                    AND (?3 IS NULL OR recorded_at < ?3)
                 ORDER BY seq",
            )
            .map_err(|e| self.err("reading the profile's outcomes", e))?;
        let rows = st
            .query_map(params![self.profile, element, self.bound()], |r| {
                let fields: String = r.get(8)?;
                Ok(OutcomeRow {
                    seq: r.get(0)?,
                    outcome: NewOutcome {
                        element_id: r.get(1)?,
                        included: r.get::<_, Option<i64>>(2)?.map(|v| v != 0),
                        rationale: r.get(3)?,
                        target_priority: r.get(4)?,
                        target_tier: r.get(5)?,
                        target_outcome: r.get(6)?,
                        notes: r.get(7)?,
                        fields: serde_json::from_str(&fields).map_err(|_| {
                            rusqlite::Error::FromSqlConversionFailure(
                                8,
                                rusqlite::types::Type::Text,
                                "not a stored field list".into(),
                            )
                        })?,
                    },
                    by: r.get(9)?,
                    at: r.get(10)?,
                    source: r.get(11)?,
                })
            })
            .map_err(|e| self.err("reading the profile's outcomes", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("reading the profile's outcomes", e))
    }

    /// The outcomes of the profile in use in force: the newest record per element.
    pub(crate) fn outcomes_in_force(&self) -> Result<BTreeMap<String, OutcomeRow>> {
        let mut out = BTreeMap::new();
        for r in self.outcome_history(None)? {
            out.insert(r.outcome.element_id.clone(), r);
        }
        Ok(out)
    }

    /// Appends outcome records for the profile in use in one transaction.
    pub(crate) fn record_outcomes(&mut self, source: &str, by: &str, rows: &[NewOutcome]) -> Result<()> {
        let profile = self.profile;
        self.write("recording the profile's outcomes", |tx| {
            let at = now_utc();
            for o in rows {
                let fields = serde_json::to_string(&o.fields)
                    .map_err(|e| Error::Bug(format!("storing outcome fields: {e}")))?;
                tx.execute(
                    "INSERT INTO profile_outcome(profile_id, element_id, included, rationale, target_priority,
                        target_tier, target_outcome, notes, fields, recorded_by, recorded_at, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    params![
                        profile,
                        o.element_id,
                        o.included.map(i64::from),
                        o.rationale,
                        o.target_priority,
                        o.target_tier,
                        o.target_outcome,
                        o.notes,
                        fields,
                        by,
                        at,
                        source
                    ],
                )
                .map_err(|e| Error::sqlite("recording the profile's outcomes", e))?;
            }
            Ok(())
        })
    }

    /// The Tiers of the profile in use in force, governance first.
    pub(crate) fn tiers_in_force(&self) -> Result<Vec<TierRow>> {
        let mut st = self
            .conn()
            .prepare(
                "SELECT aspect, current, target, note, recorded_by, recorded_at FROM profile_tier
                 WHERE profile_id = ?1 AND (?2 IS NULL OR recorded_at < ?2) ORDER BY seq",
            )
            .map_err(|e| self.err("reading the profile's tiers", e))?;
        let rows = st
            .query_map(params![self.profile, self.bound()], |r| {
                Ok(TierRow {
                    aspect: r.get(0)?,
                    current: r.get(1)?,
                    target: r.get(2)?,
                    note: r.get(3)?,
                    by: r.get(4)?,
                    at: r.get(5)?,
                })
            })
            .map_err(|e| self.err("reading the profile's tiers", e))?;
        let mut latest: BTreeMap<String, TierRow> = BTreeMap::new();
        for r in rows {
            let r = r.map_err(|e| self.err("reading the profile's tiers", e))?;
            latest.insert(r.aspect.clone(), r);
        }
        // `governance` sorts before `management`.
        Ok(latest.into_values().collect())
    }

    /// Appends a Tier record for the profile in use.
    pub(crate) fn record_tier(
        &mut self,
        aspect: &str,
        current: Option<u8>,
        target: Option<u8>,
        note: &str,
        by: &str,
    ) -> Result<()> {
        let profile = self.profile;
        self.write("recording the profile's tier", |tx| {
            tx.execute(
                "INSERT INTO profile_tier(profile_id, aspect, current, target, note, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![profile, aspect, current, target, note, by, now_utc()],
            )
            .map_err(|e| Error::sqlite("recording the profile's tier", e))?;
            Ok(())
        })
    }
}
