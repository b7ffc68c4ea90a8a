//! Claims an assessor must judge rather than accept, as the reports show them: how far a row
//! mapped from another framework's ID spreads (NIST's fan-out, the subcategories it was offered
//! for, a retarget in force), rows that are placeholders rather than evidence, and the provider
//! attestation in force behind each inherited and shared cell.
//!
//! [`Claims`] is read from the catalogue once per command; nothing here reads the clock.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::{Catalogue, RetargetRow, TrackerRow};
use crate::error::Result;
use crate::model::attestation::Attestation;
use crate::model::crosswalk::{RefFramework, base_control};
use crate::model::evidence::{EvidenceItem, MappedFrom, is_placeholder};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::{Ownership, Service};
use crate::view::matrix::Matrix;

/// How many CSF 2.0 subcategories cite each control of the referenced frameworks (SP 800-53,
/// ISO/IEC 27001 Annex A, CCM) in NIST's informative references: the fan-out of a row keyed by
/// it. (The importer reads the same references to place the rows; this counts them.)
#[derive(Debug, Clone, Default)]
pub(crate) struct FanOut {
    counts: HashMap<(RefFramework, String), usize>,
}

impl FanOut {
    /// Counts the references of the CSF 2.0 catalogue.
    pub(crate) fn load(cat: &Catalogue) -> Result<FanOut> {
        let mut citing: HashMap<(RefFramework, String), HashSet<String>> = HashMap::new();
        for f in RefFramework::REFERENCED {
            let Some(source) = f.reference_source() else {
                continue;
            };
            for (subcategory, refs) in cat.references_by_source(DEFAULT_FRAMEWORK, source)? {
                for r in refs {
                    if let Some(key) = f.reference_key(&r) {
                        citing.entry((f, key)).or_default().insert(subcategory.clone());
                    }
                }
            }
        }
        Ok(FanOut {
            counts: citing.into_iter().map(|(k, v)| (k, v.len())).collect(),
        })
    }

    /// The number of subcategories the ID a row was keyed by stands for (an SP 800-53
    /// enhancement nobody cites as its base control, as the importer read it); None for a row
    /// that was not mapped through NIST's references.
    pub(crate) fn of(&self, m: &MappedFrom) -> Option<usize> {
        if !RefFramework::REFERENCED.contains(&m.framework) {
            return None;
        }
        let key = m.framework.key(&crate::ids::clean(&m.id), true)?;
        let get = |k: &str| self.counts.get(&(m.framework, k.to_string())).copied();
        get(&key).or_else(|| base_control(&key).and_then(get))
    }
}

/// Whether an evidence row counts as evidence for its control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    /// It counts (by its freshness).
    Yes,
    /// Neither a collection date nor a location: a placeholder, never evidence.
    Placeholder,
    /// Its tracker row was retargeted (record `seq`) to other subcategories.
    NotOffered(i64),
}

impl Counted {
    /// Why it does not count, for a column (`placeholder`, `retargeted away (#3)`); empty when
    /// it counts.
    pub(crate) fn reason(self) -> String {
        match self {
            Counted::Yes => String::new(),
            Counted::Placeholder => "placeholder: no collection date and no location".into(),
            Counted::NotOffered(seq) => format!("retargeted to other subcategories (retarget #{seq})"),
        }
    }
}

/// The attestation in force behind one cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AttestationRef {
    /// Its number.
    pub seq: i64,
    /// Its one-line label ([`Attestation::label`]).
    pub label: String,
}

/// What the reports need to mark claims as claims.
#[derive(Debug, Clone, Default)]
pub(crate) struct Claims {
    fanout: FanOut,
    /// The retarget in force per tracker row.
    retargets: HashMap<TrackerRow, RetargetRow>,
    /// Every retarget record, oldest first.
    pub retarget_log: Vec<RetargetRow>,
    /// Every attestation recorded, oldest first.
    pub attestations: Vec<Attestation>,
}

impl Claims {
    /// Reads the fan-out, the retargets and the attestations.
    pub(crate) fn load(cat: &Catalogue) -> Result<Claims> {
        let retarget_log = cat.retargets()?;
        let retargets = retarget_log.iter().map(|r| (r.row.clone(), r.clone())).collect();
        Ok(Claims {
            fanout: FanOut::load(cat)?,
            retargets,
            retarget_log,
            attestations: cat.attestations(None)?,
        })
    }

    /// The attestations alone (what [`Claims::attach`] needs), for a matrix without evidence.
    pub(crate) fn attestations_of(cat: &Catalogue) -> Result<Claims> {
        Ok(Claims {
            attestations: cat.attestations(None)?,
            ..Claims::default()
        })
    }

    /// The retarget in force for the tracker row `e` came from, if any.
    pub(crate) fn retarget_of(&self, e: &EvidenceItem) -> Option<&RetargetRow> {
        if self.retargets.is_empty() {
            return None;
        }
        self.retargets.get(&TrackerRow {
            batch_id: e.batch_id,
            source_sheet: e.source_sheet.clone(),
            source_row: e.source_row,
        })
    }

    /// Whether `e` counts as evidence for its control.
    pub(crate) fn counted(&self, e: &EvidenceItem) -> Counted {
        if is_placeholder(e) {
            return Counted::Placeholder;
        }
        match self.retarget_of(e) {
            Some(r) if !r.targets.contains(&e.control_id) => Counted::NotOffered(r.seq),
            _ => Counted::Yes,
        }
    }

    /// How far a mapped row spreads, in words: `IR-4: 24 subcategories` (NIST's whole fan-out),
    /// `IR-4: 2 of 24 subcategories, offered for RS.MA-02, RS.AN-03` (narrowed by the tracker),
    /// with the retarget in force when there is one; empty for a row keyed by its CSF 2.0 ID.
    pub(crate) fn targets_text(&self, e: &EvidenceItem) -> String {
        self.targets(e, true)
    }

    /// [`Claims::targets_text`] without who retargeted the row, when and why (the report's
    /// appendix, where every row of a tracker row repeats it).
    pub(crate) fn targets_short(&self, e: &EvidenceItem) -> String {
        self.targets(e, false)
    }

    fn targets(&self, e: &EvidenceItem, full: bool) -> String {
        let Some(m) = &e.mapped else {
            return String::new();
        };
        let fanout = self.fanout.of(m);
        let retarget = self.retarget_of(e);
        let narrowed: Option<&[String]> = retarget
            .map(|r| r.targets.as_slice())
            .or(m.offered_for.as_deref());
        let count = match (narrowed, fanout) {
            (Some(t), Some(n)) => format!("{} of {n} subcategories", t.len()),
            (None, Some(n)) => format!("{n} subcategor{}", if n == 1 { "y" } else { "ies" }),
            (Some(t), None) => format!("{} subcategor{}", t.len(), if t.len() == 1 { "y" } else { "ies" }),
            (None, None) => return String::new(),
        };
        let mut notes = Vec::new();
        if let Some(o) = &m.offered_for {
            notes.push(format!("offered for {}", o.join(", ")));
        }
        match retarget {
            Some(r) if full => notes.push(format!(
                "retargeted to {} (retarget #{} by {} at {}: {})",
                r.targets.join(", "),
                r.seq,
                r.by,
                r.at,
                r.reason
            )),
            Some(r) => notes.push(format!(
                "retargeted to {} (retarget #{})",
                r.targets.join(", "),
                r.seq
            )),
            None => {}
        }
        if notes.is_empty() {
            format!("{}: {count}", m.id)
        } else {
            format!("{}: {count}, {}", m.id, notes.join("; "))
        }
    }

    /// The attestation in force at `as_of` for `provider`'s `service`: of those whose period
    /// (or bridge letter) covers the date, the one that stands longest, then the newest.
    pub(crate) fn in_force(
        &self,
        provider: &str,
        service: Service,
        as_of: NaiveDate,
    ) -> Option<&Attestation> {
        self.attestations
            .iter()
            .filter(|a| a.covers(provider, service, as_of))
            .max_by_key(|a| (a.stands_until(), a.seq))
    }

    /// Names the attestation in force on every inherited and shared cell of `m` at `as_of`.
    pub(crate) fn attach(&self, m: &mut Matrix, as_of: NaiveDate) {
        let provider = m.provider.id.clone();
        for r in &mut m.rows {
            for c in &mut r.cells {
                c.attestation = match c.ownership {
                    Ownership::Inherited | Ownership::Shared => self
                        .in_force(&provider, c.service, as_of)
                        .map(|a| AttestationRef {
                            seq: a.seq,
                            label: a.label(),
                        }),
                    Ownership::Customer | Ownership::Undetermined => None,
                };
            }
        }
    }

    /// Why `provider`'s `service` has no attestation in force at `as_of`: none recorded, or
    /// the newest one that covers it ended (or has not begun).
    pub(crate) fn why_none(&self, provider: &str, service: Service, as_of: NaiveDate) -> String {
        let last = self
            .attestations
            .iter()
            .filter(|a| a.provider == provider && a.services.contains(&service))
            .max_by_key(|a| (a.stands_until(), a.seq));
        match last {
            None => format!("{service}: no attestation recorded for {provider}"),
            Some(a) if a.period_start > as_of => {
                format!("{service}: {} begins after {as_of}", a.label())
            }
            Some(a) => format!(
                "{service}: {} ended {} (before {as_of})",
                a.label(),
                a.stands_until()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn att(seq: i64, period: (&str, &str), bridge: Option<&str>, services: &[Service]) -> Attestation {
        Attestation {
            seq,
            provider: "datacrunch".into(),
            kind: "SOC 2 Type II".into(),
            period_start: d(period.0),
            period_end: d(period.1),
            issuer: "Audit firm".into(),
            services: services.to_vec(),
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
    fn the_attestation_in_force_is_the_one_standing_longest_and_its_absence_says_why() {
        let claims = Claims {
            attestations: vec![
                att(
                    1,
                    ("2025-01-01", "2025-12-31"),
                    Some("2026-12-31"),
                    &[Service::Iaas],
                ),
                att(
                    2,
                    ("2026-01-01", "2026-06-30"),
                    None,
                    &[Service::Iaas, Service::Model],
                ),
                att(3, ("2027-01-01", "2027-12-31"), None, &[Service::Paas]),
            ],
            ..Claims::default()
        };
        let at = |s: &str, date: &str| {
            claims
                .in_force("datacrunch", s.parse().unwrap(), d(date))
                .map(|a| a.seq)
        };
        assert_eq!(
            at("iaas", "2026-03-01"),
            Some(1),
            "its bridge letter stands longest"
        );
        assert_eq!(at("model", "2026-03-01"), Some(2));
        assert_eq!(at("model", "2026-07-01"), None);
        assert_eq!(at("iaas", "2027-01-01"), None);
        assert_eq!(
            claims.in_force("digitalocean", Service::Iaas, d("2026-03-01")),
            None
        );
        let why = |s: Service, date: &str| claims.why_none("datacrunch", s, d(date));
        assert_eq!(
            why(Service::Model, "2026-07-01"),
            "model: attestation #2: SOC 2 Type II, Audit firm, 2026-01-01..2026-06-30 ended 2026-06-30 (before 2026-07-01)"
        );
        assert!(why(Service::Paas, "2026-07-01").ends_with("begins after 2026-07-01"));
        assert_eq!(
            why(Service::Saas, "2026-07-01"),
            "saas: no attestation recorded for datacrunch"
        );
    }
}
