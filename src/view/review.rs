//! The assessor's results as the package shows them beside the organisation's statuses: the
//! result in force per control (the newest recorded), and its cells in the matrix.

use std::collections::HashMap;

use crate::model::review::Review;

/// The columns `control-matrix.csv` (and the Matrix sheet) end with: the assessor's result in
/// force for the control (`review import`), the risk they rated, their finding, who and when.
pub(crate) const MATRIX_COLUMNS: [&str; 5] = [
    "assessor_result",
    "assessor_risk",
    "assessor_finding",
    "assessor",
    "assessor_date",
];

/// The newest assessor result per control (`reviews` oldest first, as the catalogue gives them).
pub(crate) fn in_force(reviews: &[Review]) -> HashMap<&str, &Review> {
    let mut out = HashMap::new();
    for r in reviews {
        out.insert(r.control_id.as_str(), r);
    }
    out
}

/// The [`MATRIX_COLUMNS`] of one control: empty when no assessor result is recorded.
pub(crate) fn matrix_fields(r: Option<&Review>) -> [String; 5] {
    match r {
        None => Default::default(),
        Some(r) => [
            r.outcome.as_str().to_string(),
            r.risk.map(|k| k.as_str().to_string()).unwrap_or_default(),
            r.finding.clone(),
            r.assessor.clone(),
            r.assessed_on.to_string(),
        ],
    }
}

/// One assessor result in a line, as the PDF dossier and index.html show it: the outcome, the
/// method and sample, the finding and risk, who and when, and where it was read from.
pub(crate) fn summary(r: &Review) -> String {
    let mut s = format!("{} ({}", r.outcome.as_str(), r.method.as_str());
    if !r.sample.is_empty() {
        s.push_str(&format!(", sample: {}", r.sample));
    }
    s.push(')');
    if !r.finding.is_empty() {
        s.push_str(&format!("; finding: {}", r.finding));
    }
    if let Some(k) = r.risk {
        s.push_str(&format!("; risk {}", k.as_str()));
    }
    s.push_str(&format!(
        " — by {} on {} (review #{}, {}, {})",
        r.assessor, r.assessed_on, r.seq, r.source_file, r.source_place
    ));
    s
}
