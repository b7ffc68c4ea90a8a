//! The per-function summary of a coverage with the remediation state of its gaps: what
//! `csfkit status` prints and the workbook's Summary sheet holds, one line per function and a
//! total.

use crate::view::coverage::{Coverage, FunctionSummary};
use crate::view::poam::{self, PlanCounts, PoamRow};

#[cfg(test)]
/// The columns, in order (`csfkit status --format csv` and the Summary sheet).
pub(crate) const COLUMNS: [&str; 26] = [
    "function",
    "controls",
    "inherited",
    "shared",
    "customer",
    "undetermined",
    "shared_provider_led",
    "shared_balanced",
    "shared_customer_led",
    "shared_untallied",
    "evidence_current",
    "evidence_outdated",
    "evidence_none",
    "evidence_current_mapped_only",
    "implemented",
    "not_implemented",
    "not_applicable",
    "not_assessed",
    "gaps",
    "gaps_planned",
    "gaps_overdue",
    "gaps_risk_accepted",
    "gaps_unplanned",
    "evidence_current_direct",
    "inherited_attested",
    "inheritance_gaps",
];

/// One line per function (catalogue order), then `total`, as text cells in [`COLUMNS`] order.
pub(crate) fn rows(cov: &Coverage, poam: &[PoamRow]) -> Vec<Vec<String>> {
    let lines = cov.by_function();
    let total = FunctionSummary::total("total", &lines);
    let line = |f: &FunctionSummary, plans: PlanCounts| {
        let (o, e, st) = (&f.ownership, &f.evidence, &f.status);
        vec![
            f.function.clone(),
            o.total().to_string(),
            o.inherited.to_string(),
            o.shared.to_string(),
            o.customer.to_string(),
            o.undetermined.to_string(),
            f.shared_cells.provider_led.to_string(),
            f.shared_cells.balanced.to_string(),
            f.shared_cells.customer_led.to_string(),
            f.shared_cells.untallied.to_string(),
            e.current.to_string(),
            e.outdated.to_string(),
            e.none.to_string(),
            e.current_mapped_only.to_string(),
            st.implemented.to_string(),
            st.not_implemented.to_string(),
            st.not_applicable.to_string(),
            st.not_assessed.to_string(),
            f.gaps.to_string(),
            plans.planned.to_string(),
            plans.overdue.to_string(),
            plans.risk_accepted.to_string(),
            plans.unplanned.to_string(),
            e.current_direct.to_string(),
            f.inherited_attested.to_string(),
            f.inheritance_gaps.to_string(),
        ]
    };
    let mut out: Vec<Vec<String>> = lines
        .iter()
        .map(|f| line(f, poam::counts(poam.iter().filter(|r| r.function == f.function))))
        .collect();
    out.push(line(&total, poam::counts(poam)));
    out
}
