//! Provider attestations: the report or certificate (a SOC 2 Type II report, an ISO/IEC 27001
//! certificate) that stands behind the controls a customer inherits from its provider, with the
//! period it covers and a bridge letter's end, and when one is in force.

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::ownership::{Service, join_services};

/// One recorded attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Attestation {
    /// Its number in the catalogue (`#1`).
    pub seq: i64,
    /// The provider it attests for.
    pub provider: String,
    /// What it is: `SOC 2 Type II`, `ISO/IEC 27001 certificate`, ...
    pub kind: String,
    /// First day of the period it covers.
    pub period_start: NaiveDate,
    /// Last day of the period it covers.
    pub period_end: NaiveDate,
    /// Who issued it (the audit firm, the certification body).
    pub issuer: String,
    /// The service models it covers.
    pub services: Vec<Service>,
    /// The last day a bridge letter carries it past its period, if there is one.
    pub bridge_until: Option<NaiveDate>,
    /// The file's path as given, or the URL as given.
    pub location: String,
    /// `file` (hashed when recorded) or `url` (recorded, never fetched).
    pub location_kind: String,
    /// The file's absolute path when it was recorded.
    pub file_path: Option<String>,
    /// The file's SHA-256 when it was recorded.
    pub file_sha256: Option<String>,
    /// Its size.
    pub file_size: Option<i64>,
    /// A note (scope, exceptions, the complementary user entity controls it names).
    pub note: String,
    /// Who recorded it.
    pub by: String,
    /// When (UTC, RFC 3339).
    pub at: String,
}

/// Where an attestation stands at a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Its period (or its bridge letter) covers the date.
    InForce,
    /// Its period begins after the date.
    NotYet,
    /// Its period and its bridge letter ended before the date.
    Ended,
}

impl Standing {
    /// Lower-case name (`attestations.csv`, `attestation list`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Standing::InForce => "in-force",
            Standing::NotYet => "not-yet",
            Standing::Ended => "ended",
        }
    }
}

impl Attestation {
    /// The last day it stands: the bridge letter's end when there is one, else its period's.
    pub(crate) fn stands_until(&self) -> NaiveDate {
        self.bridge_until
            .map_or(self.period_end, |b| b.max(self.period_end))
    }

    /// Where it stands at `as_of`: in force from the first day of its period to the last day of
    /// its period or of its bridge letter, whichever is later.
    pub(crate) fn standing(&self, as_of: NaiveDate) -> Standing {
        if as_of < self.period_start {
            Standing::NotYet
        } else if as_of > self.stands_until() {
            Standing::Ended
        } else {
            Standing::InForce
        }
    }

    /// True when it covers `service` and stands at `as_of`.
    pub(crate) fn covers(&self, provider: &str, service: Service, as_of: NaiveDate) -> bool {
        self.provider == provider
            && self.services.contains(&service)
            && self.standing(as_of) == Standing::InForce
    }

    /// Its period as written on the command line: `2025-10-01..2026-09-30`.
    pub(crate) fn period(&self) -> String {
        format!("{}..{}", self.period_start, self.period_end)
    }

    /// One line naming it: `attestation #1: SOC 2 Type II, Deloitte, 2025-10-01..2026-09-30,
    /// bridge letter to 2026-12-31`.
    pub(crate) fn label(&self) -> String {
        let bridge = self
            .bridge_until
            .map(|b| format!(", bridge letter to {b}"))
            .unwrap_or_default();
        format!(
            "attestation #{}: {}, {}, {}{bridge}",
            self.seq,
            self.kind,
            self.issuer,
            self.period()
        )
    }

    /// Its cells as `attestation list` shows them at `as_of`, and as attestations.csv gives
    /// them with `packaged`, where its file is in the package (a column of its own, before
    /// the note).
    pub(crate) fn cells(&self, as_of: NaiveDate, packaged: Option<&str>) -> Vec<String> {
        let mut cells = vec![
            self.seq.to_string(),
            self.provider.clone(),
            self.kind.clone(),
            self.issuer.clone(),
            self.period_start.to_string(),
            self.period_end.to_string(),
            self.bridge_until.map(|d| d.to_string()).unwrap_or_default(),
            self.services_text(),
            self.standing(as_of).as_str().to_string(),
            self.location.clone(),
            self.location_kind.clone(),
            self.file_sha256.clone().unwrap_or_default(),
            self.file_size.map(|s| s.to_string()).unwrap_or_default(),
        ];
        cells.extend(packaged.map(str::to_string));
        cells.extend([self.note.clone(), self.by.clone(), self.at.clone()]);
        cells
    }

    /// The service models it covers, `iaas,model`.
    pub(crate) fn services_text(&self) -> String {
        join_services(&self.services)
    }
}

/// An attestation to record.
#[derive(Debug, Clone)]
pub(crate) struct NewAttestation {
    /// The provider.
    pub provider: String,
    /// What it is.
    pub kind: String,
    /// The period it covers.
    pub period: (NaiveDate, NaiveDate),
    /// Who issued it.
    pub issuer: String,
    /// The service models it covers.
    pub services: Vec<Service>,
    /// A bridge letter's last day.
    pub bridge_until: Option<NaiveDate>,
    /// The file's path or the URL, as given.
    pub location: String,
    /// For a file: its absolute path, SHA-256 and size.
    pub file: Option<(String, String, u64)>,
    /// A note.
    pub note: String,
    /// Who records it.
    pub by: String,
}

/// `--period START..END`: two dates, the first on or before the second.
pub(crate) fn parse_period(s: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let Some((a, b)) = s.trim().split_once("..") else {
        return Err(format!(
            "`{s}` is not a period; expected START..END, e.g. 2025-10-01..2026-09-30"
        ));
    };
    let start = crate::util::parse_date_arg(a.trim()).map_err(|e| format!("the period's start: {e}"))?;
    let end = crate::util::parse_date_arg(b.trim()).map_err(|e| format!("the period's end: {e}"))?;
    if end < start {
        return Err(format!(
            "the period `{s}` ends before it starts; expected START..END with START on or before END"
        ));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn soc2(bridge: Option<&str>) -> Attestation {
        Attestation {
            seq: 1,
            provider: "datacrunch".into(),
            kind: "SOC 2 Type II".into(),
            period_start: d("2025-10-01"),
            period_end: d("2026-09-30"),
            issuer: "Audit firm".into(),
            services: vec![Service::Iaas],
            bridge_until: bridge.map(d),
            location: "https://trust.example/soc2".into(),
            location_kind: "url".into(),
            file_path: None,
            file_sha256: None,
            file_size: None,
            note: String::new(),
            by: "a".into(),
            at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn an_attestation_stands_over_its_period_and_its_bridge_letter() {
        let a = soc2(None);
        assert_eq!(a.standing(d("2025-09-30")), Standing::NotYet);
        assert_eq!(a.standing(d("2025-10-01")), Standing::InForce);
        assert_eq!(a.standing(d("2026-09-30")), Standing::InForce);
        assert_eq!(a.standing(d("2026-10-01")), Standing::Ended);
        let bridged = soc2(Some("2026-12-31"));
        assert_eq!(bridged.standing(d("2026-12-31")), Standing::InForce);
        assert_eq!(bridged.standing(d("2027-01-01")), Standing::Ended);
        assert!(bridged.covers("datacrunch", Service::Iaas, d("2026-11-01")));
        assert!(!bridged.covers("datacrunch", Service::Model, d("2026-11-01")));
        assert!(!bridged.covers("digitalocean", Service::Iaas, d("2026-11-01")));
        assert_eq!(
            bridged.label(),
            "attestation #1: SOC 2 Type II, Audit firm, 2025-10-01..2026-09-30, bridge letter to 2026-12-31"
        );
    }

    #[test]
    fn periods_are_two_dates_in_order() {
        assert_eq!(
            parse_period("2025-10-01..2026-09-30").unwrap(),
            (d("2025-10-01"), d("2026-09-30"))
        );
        assert!(
            parse_period("2026-09-30..2025-10-01")
                .unwrap_err()
                .contains("ends before")
        );
        assert!(parse_period("2025-10-01").unwrap_err().contains("START..END"));
        assert!(parse_period("2025-10-01..soon").unwrap_err().contains("end"));
    }
}
