//! Responsibility tables: providers and their matrices, ownership overrides with their
//! append-only history, and the assessment scope.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Catalogue, now_utc};
use crate::error::{Error, Result};
use crate::model::ownership::{
    Answer, Cell, CellSource, Ownership, Service, Tally, join_services, parse_services,
};

/// A provider as stored.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProviderRow {
    /// Identifier (`datacrunch`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Service models the matrix covers, canonical order.
    pub services: Vec<Service>,
    /// Where the matrix came from (URL or file name).
    pub source: String,
    /// SHA-256 of the source file.
    pub source_sha256: String,
    /// `csfkit`, `fedramp-crm` or `csa-ccm`.
    pub layout: String,
    /// `embedded` or `imported`.
    pub origin: String,
    /// When loaded.
    pub loaded_at: String,
    /// Cells stored.
    pub cells: i64,
}

/// What to store for a provider besides its cells.
#[derive(Debug, Clone)]
pub(crate) struct ProviderMeta {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Service models covered.
    pub services: Vec<Service>,
    /// Source (URL or file name).
    pub source: String,
    /// SHA-256 of the source.
    pub source_sha256: String,
    /// Layout it was read from.
    pub layout: String,
}

/// One row of the ownership history.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OverrideRow {
    /// Sequence number (order of changes).
    pub seq: i64,
    /// Provider.
    pub provider: String,
    /// Control.
    pub control_id: String,
    /// Service model.
    pub service: String,
    /// New owner; `None` when the override was withdrawn (back to the matrix).
    pub owner: Option<String>,
    /// The value in force before.
    pub previous: String,
    /// The recorded justification.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When (UTC).
    pub at: String,
}

impl OverrideRow {
    /// The cells of `ownership history` (and the first columns of `ownership-history.csv`).
    pub(crate) fn cells(self) -> Vec<String> {
        vec![
            self.seq.to_string(),
            self.provider,
            self.control_id,
            self.service,
            self.owner.unwrap_or_default(),
            self.previous,
            self.reason,
            self.by,
            self.at,
        ]
    }
}

/// The assessment scope.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Scope {
    /// System name.
    pub system: String,
    /// Provider.
    pub provider: String,
    /// Service models in use.
    pub services: Vec<Service>,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: String,
}

fn sq(ctx: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |e| Error::sqlite(ctx, e)
}

fn services_from(s: &str) -> Vec<Service> {
    parse_services(s).unwrap_or_default()
}

/// Replaces a provider, its cells and the source rows behind its projected cells inside the
/// caller's transaction (the old cells and rows go with the old provider).
pub(super) fn store_provider(
    tx: &Transaction<'_>,
    meta: &ProviderMeta,
    cells: &[Cell],
    sources: &[CellSource],
    origin: &str,
) -> Result<()> {
    tx.execute("DELETE FROM provider WHERE id = ?1", [&meta.id])
        .map_err(sq("removing the previous matrix"))?;
    tx.execute(
        "INSERT INTO provider(id, name, services, source, source_sha256, layout, origin, loaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            meta.id,
            meta.name,
            join_services(&meta.services),
            meta.source,
            meta.source_sha256,
            meta.layout,
            origin,
            now_utc()
        ],
    )
    .map_err(sq("storing the provider"))?;
    let mut st = tx
        .prepare(
            "INSERT INTO responsibility(provider_id, control_id, service, ownership, basis, citation,
                provider_responsibility, customer_responsibility, seq, answers_yes, answers_partial,
                answers_no, answers_unanswered)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .map_err(sq("storing the matrix"))?;
    for (i, c) in cells.iter().enumerate() {
        let t = c.tally;
        st.execute(params![
            meta.id,
            c.control_id,
            c.service.as_str(),
            c.ownership.as_str(),
            c.basis,
            c.citation,
            c.provider_responsibility,
            c.customer_responsibility,
            i as i64,
            t.map(|t| t.yes),
            t.map(|t| t.partial),
            t.map(|t| t.no),
            t.map(|t| t.unanswered),
        ])
        .map_err(sq("storing the matrix"))?;
    }
    let mut st = tx
        .prepare(
            "INSERT INTO responsibility_source(provider_id, control_id, service, seq, reference, answer,
                sheet, source_row, written_id, written_answer, text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .map_err(sq("storing the matrix's sources"))?;
    for (i, r) in sources.iter().enumerate() {
        st.execute(params![
            meta.id,
            r.control_id,
            r.service.as_str(),
            i as i64,
            r.reference,
            r.answer.map_or("unanswered", Answer::as_str),
            r.sheet,
            r.row.map(|n| n as i64),
            r.written_id,
            r.written_answer,
            r.text,
        ])
        .map_err(sq("storing the matrix's sources"))?;
    }
    super::digest::record(tx, super::digest::Subject::Provider, &meta.id)
}

impl Catalogue {
    /// Replaces a provider's matrix atomically (import path).
    pub(crate) fn replace_provider(
        &mut self,
        meta: &ProviderMeta,
        cells: &[Cell],
        sources: &[CellSource],
    ) -> Result<()> {
        self.write("importing the matrix", |tx| {
            store_provider(tx, meta, cells, sources, "imported")
        })
    }

    /// The source rows behind a provider's projected cells of `control`, in the order they
    /// were imported (service model, referenced control, row). Empty for a matrix that was
    /// not projected.
    pub(crate) fn cell_sources(&self, provider: &str, control: &str) -> Result<Vec<CellSource>> {
        let ctx = "reading the matrix's sources";
        let mut st = self
            .conn()
            .prepare(
                "SELECT control_id, service, reference, answer, sheet, source_row, written_id,
                        written_answer, text
                 FROM responsibility_source WHERE provider_id = ?1 AND control_id = ?2 ORDER BY seq",
            )
            .map_err(|e| self.err(ctx, e))?;
        let rows = st
            .query_map([provider, control], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(|e| self.err(ctx, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (control_id, service, reference, answer, sheet, source_row, written_id, written_answer, text) =
                row.map_err(|e| self.err(ctx, e))?;
            let Ok(service) = service.parse::<Service>() else {
                continue;
            };
            out.push(CellSource {
                control_id,
                service,
                reference,
                answer: Answer::parse(&answer),
                sheet,
                row: source_row.and_then(|n| usize::try_from(n).ok()),
                written_id,
                written_answer,
                text,
            });
        }
        Ok(out)
    }

    /// Every provider, by ID.
    pub(crate) fn providers(&self) -> Result<Vec<ProviderRow>> {
        let mut st = self
            .conn()
            .prepare(
                "SELECT p.id, p.name, p.services, p.source, p.source_sha256, p.layout, p.origin, p.loaded_at,
                        (SELECT count(*) FROM responsibility r WHERE r.provider_id = p.id)
                 FROM provider p ORDER BY p.id",
            )
            .map_err(|e| self.err("listing providers", e))?;
        let rows = st
            .query_map([], |r| {
                Ok(ProviderRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    services: services_from(&r.get::<_, String>(2)?),
                    source: r.get(3)?,
                    source_sha256: r.get(4)?,
                    layout: r.get(5)?,
                    origin: r.get(6)?,
                    loaded_at: r.get(7)?,
                    cells: r.get(8)?,
                })
            })
            .map_err(|e| self.err("listing providers", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("listing providers", e))
    }

    /// One provider, or an error listing the known ones.
    pub(crate) fn provider(&self, id: &str) -> Result<ProviderRow> {
        let all = self.providers()?;
        let key = id.trim().to_ascii_lowercase();
        if let Some(p) = all.iter().find(|p| p.id == key) {
            return Ok(p.clone());
        }
        let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        let near: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|i| strsim::levenshtein(i, &key) <= 3)
            .min_by_key(|i| strsim::levenshtein(i, &key))
            .into_iter()
            .collect();
        Err(Error::NotInCatalogue {
            kind: "provider",
            name: id.to_string(),
            hint: format!(
                "{}; known: {} (see `csfkit providers`)",
                if near.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", near[0])
                },
                ids.join(", ")
            ),
        })
    }

    /// The matrix cells of a provider for the given services, in catalogue order.
    pub(crate) fn cells(&self, provider: &str, services: &[Service]) -> Result<Vec<Cell>> {
        let mut st = self
            .conn()
            .prepare(
                "SELECT control_id, service, ownership, basis, citation, provider_responsibility,
                        customer_responsibility, answers_yes, answers_partial, answers_no,
                        answers_unanswered
                 FROM responsibility WHERE provider_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err("reading the matrix", e))?;
        let rows = st
            .query_map([provider], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    [
                        r.get::<_, Option<u32>>(7)?,
                        r.get::<_, Option<u32>>(8)?,
                        r.get::<_, Option<u32>>(9)?,
                        r.get::<_, Option<u32>>(10)?,
                    ],
                ))
            })
            .map_err(|e| self.err("reading the matrix", e))?;
        let mut out = Vec::new();
        for row in rows {
            let (control_id, service, ownership, basis, citation, p, c, counts) =
                row.map_err(|e| self.err("reading the matrix", e))?;
            let Ok(service) = service.parse::<Service>() else {
                continue;
            };
            if !services.contains(&service) {
                continue;
            }
            out.push(Cell {
                control_id,
                service,
                ownership: ownership.parse().unwrap_or(Ownership::Undetermined),
                basis,
                citation,
                provider_responsibility: p,
                customer_responsibility: c,
                tally: match counts {
                    [Some(yes), Some(partial), Some(no), Some(unanswered)] => Some(Tally {
                        yes,
                        partial,
                        no,
                        unanswered,
                    }),
                    _ => None,
                },
            });
        }
        Ok(out)
    }

    /// The overrides in force for a provider, by (control, service).
    pub(crate) fn current_overrides(
        &self,
        provider: &str,
    ) -> Result<HashMap<(String, Service), OverrideRow>> {
        let rows = self.override_history(Some(provider), None)?;
        let mut out: HashMap<(String, Service), OverrideRow> = HashMap::new();
        for r in rows {
            if let Ok(s) = r.service.parse::<Service>() {
                let key = (r.control_id.clone(), s);
                if r.owner.is_some() {
                    out.insert(key, r);
                } else {
                    out.remove(&key);
                }
            }
        }
        Ok(out)
    }

    /// The ownership history, oldest first, optionally for one provider and/or control.
    pub(crate) fn override_history(
        &self,
        provider: Option<&str>,
        control: Option<&str>,
    ) -> Result<Vec<OverrideRow>> {
        let mut st = self
            .conn()
            .prepare(
                "SELECT seq, provider_id, control_id, service, owner, previous, reason, changed_by, changed_at
                 FROM ownership_override
                 WHERE (?1 IS NULL OR provider_id = ?1) AND (?2 IS NULL OR control_id = ?2)
                    AND (?3 IS NULL OR changed_at < ?3) AND coalesce(profile_id, 1) = ?4
                 ORDER BY seq",
            )
            .map_err(|e| self.err("reading the ownership history", e))?;
        let rows = st
            .query_map(
                params![provider, control, self.bound(), self.profile_in_use()],
                |r| {
                    Ok(OverrideRow {
                        seq: r.get(0)?,
                        provider: r.get(1)?,
                        control_id: r.get(2)?,
                        service: r.get(3)?,
                        owner: r.get(4)?,
                        previous: r.get(5)?,
                        reason: r.get(6)?,
                        by: r.get(7)?,
                        at: r.get(8)?,
                    })
                },
            )
            .map_err(|e| self.err("reading the ownership history", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("reading the ownership history", e))
    }

    /// Appends an ownership change (owner `None` withdraws the override) and returns its number
    /// and the ownership in force before it. The ownership before is read inside the same write
    /// transaction as the insert, so changes made at the same moment each record the value the
    /// one before them left.
    pub(crate) fn record_override(
        &mut self,
        provider: &str,
        control: &str,
        service: Service,
        owner: Option<Ownership>,
        reason: &str,
        by: &str,
    ) -> Result<(i64, Ownership)> {
        let profile = self.profile_column();
        self.write("recording the ownership change", |tx| {
            let matrix: String = tx
                .query_row(
                    "SELECT ownership FROM responsibility WHERE provider_id = ?1 AND control_id = ?2 AND service = ?3",
                    params![provider, control, service.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sq("reading the matrix"))?
                .ok_or_else(|| {
                    Error::Data(format!(
                        "{control} / {service} is not in the {provider} matrix"
                    ))
                })?;
            let latest: Option<Option<String>> = tx
                .query_row(
                    "SELECT owner FROM ownership_override WHERE provider_id = ?1 AND control_id = ?2 AND service = ?3
                        AND coalesce(profile_id, 1) = coalesce(?4, 1)
                     ORDER BY seq DESC LIMIT 1",
                    params![provider, control, service.as_str(), profile],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sq("reading the ownership history"))?;
            let overridden = latest.flatten();
            if owner.is_none() && overridden.is_none() {
                return Err(Error::Data(format!(
                    "{control} / {service} has no override to withdraw (it is {matrix} per the {provider} matrix)"
                )));
            }
            let previous: Ownership = overridden
                .as_deref()
                .unwrap_or(&matrix)
                .parse()
                .map_err(|e: crate::error::ValueError| Error::Data(e.message))?;
            tx.execute(
                "INSERT INTO ownership_override(provider_id, control_id, service, owner, previous, reason,
                    changed_by, changed_at, profile_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    provider,
                    control,
                    service.as_str(),
                    owner.map(Ownership::as_str),
                    previous.as_str(),
                    reason,
                    by,
                    now_utc(),
                    profile
                ],
            )
            .map_err(sq("recording the ownership change"))?;
            let seq = tx.last_insert_rowid();
            super::chain::append(tx, super::chain::Log::Ownership, seq, "")?;
            Ok((seq, previous))
        })
    }

    /// The scope of the profile in use, if one is set (the default profile's is `scope`).
    pub(crate) fn scope(&self) -> Result<Option<Scope>> {
        self.scope_of(self.profile_in_use())
    }

    /// The scope of profile `profile`, if one is set.
    pub(crate) fn scope_of(&self, profile: i64) -> Result<Option<Scope>> {
        let sql = if profile == super::DEFAULT_PROFILE {
            "SELECT system, provider_id, services, set_by, set_at FROM scope
                 WHERE id = 1 AND (?1 IS NULL OR set_at < ?1) AND ?2 = 1"
        } else {
            "SELECT system, provider_id, services, set_by, set_at FROM profile
                 WHERE id = ?2 AND system IS NOT NULL AND (?1 IS NULL OR set_at < ?1)"
        };
        self.conn()
            .query_row(sql, params![self.bound(), profile], |r| {
                Ok(Scope {
                    system: r.get(0)?,
                    provider: r.get(1)?,
                    services: services_from(&r.get::<_, String>(2)?),
                    set_by: r.get(3)?,
                    set_at: r.get(4)?,
                })
            })
            .optional()
            .map_err(|e| self.err("reading the scope", e))
    }

    /// When the catalogue is read at a past point in time and the scope reads as none only
    /// because it was set after it: when it was set.
    pub(crate) fn scope_set_later(&self) -> Result<Option<String>> {
        if self.bound().is_none() {
            return Ok(None);
        }
        let sql = if self.profile_in_use() == super::DEFAULT_PROFILE {
            "SELECT set_at FROM scope WHERE id = 1 AND ?1 = 1"
        } else {
            "SELECT set_at FROM profile WHERE id = ?1 AND set_at IS NOT NULL"
        };
        self.conn()
            .query_row(sql, [self.profile_in_use()], |r| r.get(0))
            .optional()
            .map_err(|e| self.err("reading the scope", e))
    }

    /// Sets the scope of the profile in use.
    pub(crate) fn set_scope(
        &mut self,
        system: &str,
        provider: &str,
        services: &[Service],
        by: &str,
    ) -> Result<()> {
        let profile = self.profile_in_use();
        self.write("setting the scope", |tx| {
            if profile != super::DEFAULT_PROFILE {
                return super::profile::set_scope(tx, profile, system, provider, services, by);
            }
            tx.execute(
                "INSERT INTO scope(id, system, provider_id, services, set_by, set_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET system = excluded.system, provider_id = excluded.provider_id,
                    services = excluded.services, set_by = excluded.set_by, set_at = excluded.set_at",
                params![system, provider, join_services(services), by, now_utc()],
            )
            .map_err(sq("setting the scope"))?;
            super::digest::record(tx, super::digest::Subject::Scope, "")
        })
    }
}
