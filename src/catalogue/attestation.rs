//! The attestation table: provider attestations, append-only, each record linked into the
//! history chain.

use chrono::NaiveDate;
use rusqlite::params;

use super::{Catalogue, now_utc};
use crate::error::{Error, Result};
use crate::model::attestation::{Attestation, NewAttestation};
use crate::model::ownership::{join_services, parse_services};

const ATTESTATION_SQL: &str = "SELECT seq, provider_id, attestation_type, period_start, period_end, issuer,
        services, bridge_until, location, location_kind, file_path, file_sha256, file_size, note,
        recorded_by, recorded_at FROM attestation";

fn attestation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Attestation> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("not a stored {what}").into(),
        )
    };
    let date = |i: usize| -> rusqlite::Result<NaiveDate> {
        let s: String = r.get(i)?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| bad(i, "date"))
    };
    let bridge: Option<String> = r.get(7)?;
    let services: String = r.get(6)?;
    Ok(Attestation {
        seq: r.get(0)?,
        provider: r.get(1)?,
        kind: r.get(2)?,
        period_start: date(3)?,
        period_end: date(4)?,
        issuer: r.get(5)?,
        services: parse_services(&services).map_err(|_| bad(6, "list of service models"))?,
        bridge_until: match bridge {
            Some(b) => Some(NaiveDate::parse_from_str(&b, "%Y-%m-%d").map_err(|_| bad(7, "date"))?),
            None => None,
        },
        location: r.get(8)?,
        location_kind: r.get(9)?,
        file_path: r.get(10)?,
        file_sha256: r.get(11)?,
        file_size: r.get(12)?,
        note: r.get(13)?,
        by: r.get(14)?,
        at: r.get(15)?,
    })
}

impl Catalogue {
    /// Records an attestation (with its history-chain link) in one transaction; returns its
    /// number.
    pub(crate) fn record_attestation(&mut self, a: &NewAttestation) -> Result<i64> {
        self.write("recording the attestation", |tx| {
            tx.execute(
                "INSERT INTO attestation(provider_id, attestation_type, period_start, period_end, issuer,
                    services, bridge_until, location, location_kind, file_path, file_sha256, file_size,
                    note, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    a.provider,
                    a.kind,
                    a.period.0.to_string(),
                    a.period.1.to_string(),
                    a.issuer,
                    join_services(&a.services),
                    a.bridge_until.map(|d| d.to_string()),
                    a.location,
                    if a.file.is_some() { "file" } else { "url" },
                    a.file.as_ref().map(|f| f.0.as_str()),
                    a.file.as_ref().map(|f| f.1.as_str()),
                    a.file.as_ref().map(|f| f.2 as i64),
                    a.note,
                    a.by,
                    now_utc(),
                ],
            )
            .map_err(|e| Error::sqlite("recording the attestation", e))?;
            let seq = tx.last_insert_rowid();
            super::chain::append(tx, super::chain::Log::Attestation, seq, "")?;
            Ok(seq)
        })
    }

    /// Every attestation, oldest first, optionally of one provider.
    pub(crate) fn attestations(&self, provider: Option<&str>) -> Result<Vec<Attestation>> {
        // At a point in time (catalogue::AsOf), one recorded after it is not there yet.
        let sql = format!(
            "{ATTESTATION_SQL} WHERE (?1 IS NULL OR provider_id = ?1) AND (?2 IS NULL OR recorded_at < ?2) ORDER BY seq"
        );
        let mut st = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.err("reading attestations", e))?;
        let rows = st
            .query_map(params![provider, self.bound()], attestation_row)
            .map_err(|e| self.err("reading attestations", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("reading attestations", e))
    }
}
