//! Evidence coverage of a scope at a date: which customer and shared controls have current
//! evidence keyed by their own CSF ID, current evidence only mapped from another framework's ID,
//! only expired or stale evidence, or none, and which are gaps; which inherited controls have a
//! provider attestation in force, and which are inheritance gaps (kept apart from the gaps).
//! Placeholder rows and rows retargeted to other subcategories are listed, never counted.
//!
//! Computation over a [`Matrix`] and evidence items; [`of_scope`] feeds it from the catalogue
//! as the evidence streams. `csfkit status` prints it and the export renders it. Nothing here
//! reads the clock: the as-of date comes from the caller.

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::assessment::Status;
use crate::model::evidence::{EvidenceItem, Freshness, freshness};
use crate::model::ownership::{Leaning, Ownership};
use crate::view::claims::{Claims, Counted};
use crate::view::matrix::{Matrix, MatrixRow};

/// Evidence collected more than this many days before the as-of date is stale, unless a
/// command is told otherwise (`--stale-days`).
pub(crate) const DEFAULT_STALE_DAYS: i64 = 365;

/// Evidence state of one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum EvidenceState {
    /// At least one current item keyed by the control's own CSF ID (or a CSF 1.1 ID, read
    /// through NIST's crosswalk as it always was).
    Current,
    /// Current items, but every one mapped from another framework's ID through NIST's
    /// informative references: a claim for the assessor to judge.
    CurrentMappedOnly,
    /// Items, but all expired or stale.
    OnlyOutdated,
    /// No evidence.
    None,
}

impl EvidenceState {
    /// Lower-case name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EvidenceState::Current => "current",
            EvidenceState::CurrentMappedOnly => "current-mapped-only",
            EvidenceState::OnlyOutdated => "expired-or-stale",
            EvidenceState::None => "none",
        }
    }
}

/// An inherited control's state: its provider attestation in force for every service model.
pub(crate) const PROVIDER_ATTESTED: &str = "provider-attested";
/// An inherited control's state: no attestation in force for some service model in scope.
pub(crate) const INHERITED_NO_ATTESTATION: &str = "inherited-no-attestation";

/// One control with its evidence state and gap reasons.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ControlCoverage {
    /// Index into the matrix rows.
    pub row: usize,
    /// Evidence items for the control.
    pub evidence: usize,
    /// Current items.
    pub current: usize,
    /// Current items keyed by the control's own CSF ID (not mapped from another framework).
    pub current_direct: usize,
    /// Expired items.
    pub expired: usize,
    /// Stale items.
    pub stale: usize,
    /// Placeholder rows (no collection date, no location): listed, not counted.
    pub placeholders: usize,
    /// Rows whose tracker row was retargeted to other subcategories: listed, not counted.
    pub not_offered: usize,
    /// The state.
    pub state: EvidenceState,
    /// Why the control is a gap (empty when it is not one).
    pub gaps: Vec<String>,
    /// For an inherited control without a provider attestation in force for every service
    /// model in scope, why (one reason per such service model): an inheritance gap, kept apart
    /// from `gaps` (never in gaps.csv or the POA&M).
    pub inheritance_gap: Option<String>,
}

impl ControlCoverage {
    /// Current items mapped from another framework's ID.
    pub(crate) fn current_mapped(&self) -> usize {
        self.current - self.current_direct
    }

    /// The state as the matrix shows it: for an inherited control `provider-attested` or
    /// `inherited-no-attestation`, else the evidence state.
    pub(crate) fn state_text(&self, row: &MatrixRow) -> &'static str {
        if row.effective == Ownership::Inherited {
            if self.inheritance_gap.is_some() {
                INHERITED_NO_ATTESTATION
            } else {
                PROVIDER_ATTESTED
            }
        } else {
            self.state.as_str()
        }
    }
}

/// Coverage of a whole scope.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Coverage {
    /// The date everything is judged at.
    pub as_of: NaiveDate,
    /// Evidence older than this many days is stale.
    pub stale_days: i64,
    /// The matrix.
    pub matrix: Matrix,
    /// One entry per matrix row, same order.
    pub controls: Vec<ControlCoverage>,
    /// Number of evidence items counted (also those of controls outside the matrix).
    pub evidence_items: usize,
    /// Of those, items mapped from another framework's ID through NIST's references.
    pub mapped_items: usize,
    /// Coverage leaves mapped items out (`--no-mapped`).
    pub no_mapped: bool,
    /// Mapped items left out under `no_mapped`.
    pub mapped_left_out: usize,
    /// Items collected after the as-of date: listed as not yet collected, not counted.
    pub not_yet_collected: usize,
    /// Placeholder rows, listed and not counted.
    pub placeholders: usize,
    /// Rows retargeted away from their control, listed and not counted.
    pub not_offered: usize,
    /// The claims behind it: fan-out, retargets, attestations (not serialised).
    #[serde(skip)]
    pub claims: Claims,
}

/// True for an item whose control came from another framework's ID through NIST's informative
/// references (SP 800-53, ISO/IEC 27001, CCM). A CSF 1.1 ID read through NIST's CSF 1.1 -> 2.0
/// crosswalk counts as direct, as it always has.
pub(crate) fn is_mapped(e: &EvidenceItem) -> bool {
    e.mapped
        .as_ref()
        .is_some_and(|m| crate::model::crosswalk::RefFramework::REFERENCED.contains(&m.framework))
}

/// Does the customer have to evidence this control?
pub(crate) fn needs_customer_evidence(row: &MatrixRow) -> bool {
    matches!(
        row.effective,
        Ownership::Customer | Ownership::Shared | Ownership::Undetermined
    )
}

fn statuses(row: &MatrixRow) -> Vec<Status> {
    row.assessments
        .iter()
        .filter_map(|a| a.status.parse().ok())
        .collect()
}

/// Per matrix row, the evidence counted and not counted.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    items: usize,
    current: usize,
    expired: usize,
    stale: usize,
    current_direct: usize,
    placeholders: usize,
    not_offered: usize,
}

/// Builds a [`Coverage`] from evidence items fed one at a time (e.g. straight from a database
/// query), so the items themselves are never held: only a tally per control.
pub(crate) struct CoverageBuilder {
    matrix: Matrix,
    as_of: NaiveDate,
    stale_days: i64,
    index: std::collections::HashMap<String, usize>,
    tallies: Vec<Tally>,
    items: usize,
    mapped_items: usize,
    no_mapped: bool,
    mapped_left_out: usize,
    not_yet_collected: usize,
    placeholders: usize,
    not_offered: usize,
    claims: Claims,
}

impl CoverageBuilder {
    /// Starts counting evidence for `matrix` at `as_of`.
    pub(crate) fn new(matrix: Matrix, as_of: NaiveDate, stale_days: i64) -> Self {
        let index = matrix
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.control_id.clone(), i))
            .collect();
        let tallies = vec![Tally::default(); matrix.rows.len()];
        CoverageBuilder {
            matrix,
            as_of,
            stale_days,
            index,
            tallies,
            items: 0,
            mapped_items: 0,
            no_mapped: false,
            mapped_left_out: 0,
            not_yet_collected: 0,
            placeholders: 0,
            not_offered: 0,
            claims: Claims::default(),
        }
    }

    /// Judges with `claims`: placeholders and retargeted rows are not counted, the
    /// attestations in force stand behind the inherited and shared cells.
    pub(crate) fn with_claims(mut self, claims: Claims) -> Self {
        self.claims = claims;
        self
    }

    /// Leaves evidence mapped from other frameworks out of the coverage (`--no-mapped`).
    pub(crate) fn without_mapped(mut self, no_mapped: bool) -> Self {
        self.no_mapped = no_mapped;
        self
    }

    /// Counts one evidence item; one collected after the as-of date is not evidence yet and
    /// is not counted.
    pub(crate) fn add(&mut self, e: &EvidenceItem) {
        let fresh = freshness(e, self.as_of, self.stale_days);
        if fresh == Freshness::NotYetCollected {
            self.not_yet_collected += 1;
            return;
        }
        let mapped = is_mapped(e);
        if mapped && self.no_mapped {
            self.mapped_left_out += 1;
            return;
        }
        let row = self.index.get(&e.control_id).copied();
        match self.claims.counted(e) {
            Counted::Yes => {}
            Counted::Placeholder => {
                self.placeholders += 1;
                if let Some(i) = row {
                    self.tallies[i].placeholders += 1;
                }
                return;
            }
            Counted::NotOffered(_) => {
                self.not_offered += 1;
                if let Some(i) = row {
                    self.tallies[i].not_offered += 1;
                }
                return;
            }
        }
        self.items += 1;
        if mapped {
            self.mapped_items += 1;
        }
        let Some(i) = row else {
            return;
        };
        let t = &mut self.tallies[i];
        t.items += 1;
        match fresh {
            Freshness::Current => {
                t.current += 1;
                if !mapped {
                    t.current_direct += 1;
                }
            }
            Freshness::Expired => t.expired += 1,
            Freshness::Stale => t.stale += 1,
            // Returned above (not yet collected) or by Counted::Placeholder.
            Freshness::NotYetCollected | Freshness::Placeholder => {}
        }
    }

    /// Judges every control.
    pub(crate) fn finish(mut self) -> Coverage {
        self.claims.attach(&mut self.matrix, self.as_of);
        let mut controls = Vec::with_capacity(self.matrix.rows.len());
        for (i, (row, t)) in self.matrix.rows.iter().zip(&self.tallies).enumerate() {
            let (n, current, current_direct) = (t.items, t.current, t.current_direct);
            let state = if current_direct > 0 {
                EvidenceState::Current
            } else if current > 0 {
                EvidenceState::CurrentMappedOnly
            } else if n > 0 {
                EvidenceState::OnlyOutdated
            } else {
                EvidenceState::None
            };
            let mut gaps = Vec::new();
            let st = statuses(row);
            let not_applicable = !st.is_empty() && st.iter().all(|s| *s == Status::NotApplicable);
            if needs_customer_evidence(row) && !not_applicable {
                match state {
                    EvidenceState::Current | EvidenceState::CurrentMappedOnly => {}
                    EvidenceState::OnlyOutdated => gaps.push("only expired or stale evidence".to_string()),
                    EvidenceState::None => gaps.push("no evidence".to_string()),
                }
                if row.effective == Ownership::Undetermined {
                    gaps.push("ownership undetermined".to_string());
                }
                if st.is_empty() {
                    gaps.push("not assessed".to_string());
                } else if !st.iter().all(|s| s.is_done()) {
                    gaps.push(format!("not implemented ({})", row.status()));
                }
            }
            let inheritance_gap = (row.effective == Ownership::Inherited && !not_applicable)
                .then(|| {
                    row.cells
                        .iter()
                        .filter(|c| c.attestation.is_none())
                        .map(|c| {
                            self.claims
                                .why_none(&self.matrix.provider.id, c.service, self.as_of)
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|reasons| !reasons.is_empty())
                .map(|reasons| reasons.join("; "));
            controls.push(ControlCoverage {
                row: i,
                evidence: n,
                current,
                current_direct,
                expired: t.expired,
                stale: t.stale,
                placeholders: t.placeholders,
                not_offered: t.not_offered,
                state,
                gaps,
                inheritance_gap,
            });
        }
        Coverage {
            as_of: self.as_of,
            stale_days: self.stale_days,
            matrix: self.matrix,
            controls,
            evidence_items: self.items,
            mapped_items: self.mapped_items,
            no_mapped: self.no_mapped,
            mapped_left_out: self.mapped_left_out,
            not_yet_collected: self.not_yet_collected,
            placeholders: self.placeholders,
            not_offered: self.not_offered,
            claims: self.claims,
        }
    }
}

/// Coverage of a scope at a date, counting evidence as it streams from the catalogue (what
/// `csfkit status` shows); without mapped evidence with `no_mapped`.
pub(crate) fn of_scope(
    cat: &crate::catalogue::Catalogue,
    scope: &crate::view::Scope,
    as_of: NaiveDate,
    stale_days: i64,
    no_mapped: bool,
) -> crate::error::Result<Coverage> {
    let m = crate::view::matrix::build(cat, &scope.provider, &scope.services)?;
    let mut b = CoverageBuilder::new(m, as_of, stale_days)
        .without_mapped(no_mapped)
        .with_claims(Claims::load(cat)?);
    cat.each_evidence(|e| {
        b.add(&e);
        Ok(())
    })?;
    Ok(b.finish())
}

impl Coverage {
    /// Controls that are gaps.
    pub(crate) fn gaps(&self) -> impl Iterator<Item = (&MatrixRow, &ControlCoverage)> {
        self.controls
            .iter()
            .filter(|c| !c.gaps.is_empty())
            .map(|c| (&self.matrix.rows[c.row], c))
    }

    /// Inherited controls without a provider attestation in force: the inheritance gaps.
    pub(crate) fn inheritance_gaps(&self) -> impl Iterator<Item = (&MatrixRow, &ControlCoverage)> {
        self.controls
            .iter()
            .filter(|c| c.inheritance_gap.is_some())
            .map(|c| (&self.matrix.rows[c.row], c))
    }

    /// Every evidence row read: counted, placeholders, retargeted away and (under `--no-mapped`)
    /// mapped rows left out; what the evidence appendix and the observations list.
    pub(crate) fn listed(&self) -> usize {
        self.evidence_items + self.mapped_left_out + self.placeholders + self.not_offered
    }

    /// Per function (catalogue order): controls by effective ownership, evidence coverage of
    /// the customer and shared controls, their implementation status, and the gaps.
    pub(crate) fn by_function(&self) -> Vec<FunctionSummary> {
        let mut out: Vec<FunctionSummary> = Vec::new();
        for c in &self.controls {
            let r = &self.matrix.rows[c.row];
            if out.last().is_none_or(|f| f.function != r.function) {
                out.push(FunctionSummary {
                    function: r.function.clone(),
                    ..FunctionSummary::default()
                });
            }
            let Some(f) = out.last_mut() else { continue };
            f.ownership.add(r.effective);
            for cell in r.cells.iter().filter(|c| c.ownership == Ownership::Shared) {
                f.shared_cells.add(cell.tally.and_then(|t| t.leaning()));
            }
            if !c.gaps.is_empty() {
                f.gaps += 1;
            }
            if r.effective == Ownership::Inherited {
                if c.inheritance_gap.is_some() {
                    f.inheritance_gaps += 1;
                } else {
                    f.inherited_attested += 1;
                }
            }
            if !needs_customer_evidence(r) {
                continue;
            }
            f.evidence.add(c.state);
            f.status.add(&statuses(r));
        }
        out
    }
}

/// Controls counted by effective ownership.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct OwnershipCounts {
    /// Inherited from the provider.
    pub inherited: usize,
    /// Shared.
    pub shared: usize,
    /// The customer's.
    pub customer: usize,
    /// Not answered by the matrix.
    pub undetermined: usize,
}

impl OwnershipCounts {
    fn add(&mut self, o: Ownership) {
        match o {
            Ownership::Inherited => self.inherited += 1,
            Ownership::Shared => self.shared += 1,
            Ownership::Customer => self.customer += 1,
            Ownership::Undetermined => self.undetermined += 1,
        }
    }

    /// All controls counted.
    pub(crate) fn total(&self) -> usize {
        self.inherited + self.shared + self.customer + self.undetermined
    }

    /// The controls the customer must carry: shared, customer and undetermined.
    pub(crate) fn customer_carried(&self) -> usize {
        self.shared + self.customer + self.undetermined
    }
}

/// Shared cells (one per control and service model, ownership in force) counted by the
/// leaning of their tally; a shared cell a matrix states itself has no tally (`untallied`).
/// A projected cell whose ownership is overridden to shared is counted by the leaning of its
/// referenced controls, which the override does not change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct LeaningCounts {
    /// More Yes than Partial and No together.
    pub provider_led: usize,
    /// Neither side ahead.
    pub balanced: usize,
    /// More No than Yes and Partial together.
    pub customer_led: usize,
    /// Without a tally (not projected).
    pub untallied: usize,
}

impl LeaningCounts {
    fn add(&mut self, l: Option<Leaning>) {
        match l {
            Some(Leaning::ProviderLed) => self.provider_led += 1,
            Some(Leaning::Balanced) => self.balanced += 1,
            Some(Leaning::CustomerLed) => self.customer_led += 1,
            // A shared cell always has an answer; no leaning means no tally.
            None => self.untallied += 1,
        }
    }

    /// Shared cells with a tally.
    pub(crate) fn tallied(&self) -> usize {
        self.provider_led + self.balanced + self.customer_led
    }
}

/// Customer and shared controls counted by evidence state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct EvidenceCounts {
    /// At least one current item, direct or mapped.
    pub current: usize,
    /// Items, all expired or stale.
    pub outdated: usize,
    /// No evidence.
    pub none: usize,
    /// Of `current`, controls whose current evidence is all mapped from another framework.
    pub current_mapped_only: usize,
    /// Of `current`, controls with current evidence keyed by their own CSF ID.
    pub current_direct: usize,
}

impl EvidenceCounts {
    fn add(&mut self, s: EvidenceState) {
        match s {
            EvidenceState::Current => {
                self.current += 1;
                self.current_direct += 1;
            }
            EvidenceState::CurrentMappedOnly => {
                self.current += 1;
                self.current_mapped_only += 1;
            }
            EvidenceState::OnlyOutdated => self.outdated += 1,
            EvidenceState::None => self.none += 1,
        }
    }
}

/// Customer and shared controls counted by implementation status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct StatusCounts {
    /// Implemented, alternative, or not applicable for some service models and done for the rest.
    pub implemented: usize,
    /// Partial or planned somewhere.
    pub not_implemented: usize,
    /// Not applicable everywhere.
    pub not_applicable: usize,
    /// No record.
    pub not_assessed: usize,
}

impl StatusCounts {
    fn add(&mut self, statuses: &[Status]) {
        if statuses.is_empty() {
            self.not_assessed += 1;
        } else if statuses.iter().all(|s| *s == Status::NotApplicable) {
            self.not_applicable += 1;
        } else if statuses.iter().all(|s| s.is_done()) {
            self.implemented += 1;
        } else {
            self.not_implemented += 1;
        }
    }
}

/// One function's line of the summary (or the total, with `function` = `total`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct FunctionSummary {
    /// Function code (GV, ID, ...).
    pub function: String,
    /// Controls by effective ownership.
    pub ownership: OwnershipCounts,
    /// Shared cells by the leaning of their referenced controls.
    pub shared_cells: LeaningCounts,
    /// Customer and shared controls by evidence state.
    pub evidence: EvidenceCounts,
    /// Customer and shared controls by implementation status.
    pub status: StatusCounts,
    /// Controls that are gaps.
    pub gaps: usize,
    /// Inherited controls with a provider attestation in force for every service model.
    pub inherited_attested: usize,
    /// Inherited controls without one: inheritance gaps (not among `gaps`).
    pub inheritance_gaps: usize,
}

impl FunctionSummary {
    /// The sum of `lines`, named `name`.
    pub(crate) fn total(name: &str, lines: &[FunctionSummary]) -> FunctionSummary {
        let mut t = FunctionSummary {
            function: name.to_string(),
            ..FunctionSummary::default()
        };
        for l in lines {
            let (o, e, s) = (&l.ownership, &l.evidence, &l.status);
            t.ownership.inherited += o.inherited;
            t.ownership.shared += o.shared;
            t.ownership.customer += o.customer;
            t.ownership.undetermined += o.undetermined;
            let (a, b) = (&mut t.shared_cells, &l.shared_cells);
            a.provider_led += b.provider_led;
            a.balanced += b.balanced;
            a.customer_led += b.customer_led;
            a.untallied += b.untallied;
            t.evidence.current += e.current;
            t.evidence.outdated += e.outdated;
            t.evidence.none += e.none;
            t.evidence.current_mapped_only += e.current_mapped_only;
            t.evidence.current_direct += e.current_direct;
            t.status.implemented += s.implemented;
            t.status.not_implemented += s.not_implemented;
            t.status.not_applicable += s.not_applicable;
            t.status.not_assessed += s.not_assessed;
            t.gaps += l.gaps;
            t.inherited_attested += l.inherited_attested;
            t.inheritance_gaps += l.inheritance_gaps;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(collected: Option<&str>, valid: Option<&str>) -> EvidenceItem {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        EvidenceItem {
            id: 1,
            control_id: "GV.OC-01".into(),
            title: String::new(),
            description: String::new(),
            evidence_type: String::new(),
            owner: String::new(),
            collected_on: collected.map(d),
            valid_until: valid.map(d),
            location: "https://grc.example/ev".into(),
            location_kind: "url".into(),
            file_sha256: None,
            file_size: None,
            source_system: String::new(),
            extras: String::new(),
            source_file: String::new(),
            source_sha256: String::new(),
            source_sheet: String::new(),
            source_row: 2,
            batch_id: 1,
            mapped: None,
        }
    }

    #[test]
    fn freshness_at_a_date() {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        assert_eq!(
            freshness(&item(Some("2026-06-01"), None), as_of, 365),
            Freshness::Current
        );
        assert_eq!(
            freshness(&item(Some("2026-06-01"), Some("2026-06-29")), as_of, 365),
            Freshness::Expired
        );
        assert_eq!(
            freshness(&item(Some("2026-06-01"), Some("2026-06-30")), as_of, 365),
            Freshness::Current
        );
        assert_eq!(
            freshness(&item(Some("2025-06-29"), None), as_of, 365),
            Freshness::Stale
        );
        assert_eq!(freshness(&item(None, None), as_of, 365), Freshness::Stale);
        // Neither a date nor a location: a placeholder, whatever its validity says.
        let mut placeholder = item(None, Some("2027-01-01"));
        placeholder.location = " ".into();
        assert_eq!(freshness(&placeholder, as_of, 365), Freshness::Placeholder);
        assert_eq!(
            freshness(&item(None, Some("2027-01-01")), as_of, 365),
            Freshness::Current
        );
    }
}
