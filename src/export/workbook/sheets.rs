//! What each sheet of the workbook holds: its columns (the same as its CSV file's, with how
//! each is written) and its rows, made from the export's reading.

use crate::export::job::Job;
use crate::view::poam::PoamRow;

/// How a column is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// Text, this wide (characters), wrapped.
    Text(f64),
    /// Text that does not wrap (hashes), this wide.
    Code(f64),
    /// A whole number (text when it is not one).
    Number,
    /// A date cell (text when it is not an ISO date Excel can hold).
    Date,
    /// Text filled by its value (ownership, freshness, plan status), this wide.
    Fill(f64),
}

/// A column: its header and how it is written.
pub(crate) type Col = (&'static str, Kind);

/// A history sheet: its name, columns and rows.
pub(crate) type HistorySheet<'a> = (&'a str, &'a [Col], Vec<Vec<String>>);

/// What goes into the workbook besides the evidence rows, all as text cells in column order.
pub(crate) struct Tables<'a> {
    /// Summary: the per-function table (`csfkit status` columns).
    pub summary: (&'a [Col], Vec<Vec<String>>),
    /// Summary, below the table: the cover facts (label, value).
    pub facts: Vec<(String, String)>,
    /// Matrix: the rows of control-matrix.csv, without the columns of service models out of
    /// scope and the tally columns empty in every row.
    pub matrix: (Vec<Col>, Vec<Vec<String>>),
    /// Test results: one row per control with its text, ownership, the organisation's status
    /// and evidence, and the assessor's columns (their result in force filled in).
    pub test_results: (&'a [Col], Vec<Vec<String>>),
    /// Closed POA&M Items: the rows of the plans closed whose gap is gone.
    pub closed_poam: (&'a [Col], Vec<Vec<String>>),
    /// The paper size of every sheet's print setup (Excel's number: 9 A4, 1 Letter).
    pub paper: u8,
    /// Gaps: the rows of gaps.csv.
    pub gaps: (&'a [Col], Vec<Vec<String>>),
    /// Evidence: the columns of evidence-index.csv (rows come one at a time).
    pub evidence: &'a [Col],
    /// The trackers' own columns kept as extra attributes (every import batch's, in name
    /// order): the Evidence sheet spreads the `extras` cell into one column each.
    pub evidence_extras: Vec<String>,
    /// POA&M: the rows of poam.csv.
    pub poam: (&'a [Col], Vec<Vec<String>>),
    /// The history sheets (name, columns, rows), after the POA&M: the rows of the history
    /// files.
    pub history: Vec<HistorySheet<'a>>,
    /// Inheritance gaps: the rows of inheritance-gaps.csv.
    pub inheritance_gaps: (&'a [Col], Vec<Vec<String>>),
    /// Attestations: the rows of attestations.csv.
    pub attestations: (&'a [Col], Vec<Vec<String>>),
}

/// Every sheet but the evidence rows (which come one at a time in the shared pass).
pub(crate) fn tables<'a>(job: &Job<'a>) -> Tables<'a> {
    let (cov, cover, poam) = (job.cov, job.cover, job.poam);
    let m = &cov.matrix;
    let facts = vec![
        ("Title".to_string(), cover.title.clone()),
        ("Organisation".into(), cover.organization.clone()),
        ("System".into(), cover.system.clone()),
        (
            "Provider".into(),
            format!("{} ({})", m.provider.name, m.provider.id),
        ),
        (
            "Service models".into(),
            crate::model::ownership::join_services(&m.services),
        ),
        ("As of".into(), cov.as_of.to_string()),
        ("Generated at".into(), cover.generated_at.clone()),
        (
            "Evidence is stale after (days)".into(),
            cov.stale_days.to_string(),
        ),
        ("Framework".into(), cover.frameworks.join("; ")),
        (
            "Responsibility matrix".into(),
            format!("{} ({})", m.provider.name, m.provider.source),
        ),
        ("Catalogue digest (SHA-256)".into(), cover.digest.clone()),
        ("Controls".into(), m.rows.len().to_string()),
        ("Evidence items".into(), cov.evidence_items.to_string()),
        ("Gaps".into(), cov.gaps().count().to_string()),
        (
            "Inheritance gaps".into(),
            format!(
                "{} inherited controls without a provider attestation in force (Inheritance gaps sheet; not among the gaps)",
                cov.inheritance_gaps().count()
            ),
        ),
        (
            "Evidence rows not counted".into(),
            format!(
                "{} placeholders (no collection date and no location), {} retargeted to other subcategories",
                cov.placeholders, cov.not_offered
            ),
        ),
        (
            "Evidence mapped from other frameworks".into(),
            if cov.no_mapped {
                format!(
                    "{} rows left out of the coverage (--no-mapped); listed in the Evidence sheet",
                    cov.mapped_left_out
                )
            } else {
                format!(
                    "{} of the rows counted (SP 800-53, ISO/IEC 27001 or CCM IDs read through NIST's informative references)",
                    cov.mapped_items
                )
            },
        ),
        ("Produced by".into(), format!("csfkit {}", cover.version)),
    ];
    Tables {
        summary: (&SUMMARY_COLS, crate::view::summary::rows(cov, poam)),
        facts,
        matrix: matrix_sheet(cov, job.reviews),
        test_results: (&TEST_RESULTS_COLS, test_result_rows(cov, job.reviews)),
        closed_poam: (&POAM_COLS, job.closed_poam.iter().map(PoamRow::cells).collect()),
        paper: match job.opts.paper {
            crate::pdf::Paper::A4 => 9,
            crate::pdf::Paper::Letter => 1,
        },
        gaps: (&GAP_COLS, crate::export::csv::gap_rows(cov)),
        evidence: &EVIDENCE_COLS,
        evidence_extras: extra_columns(job),
        poam: (&POAM_COLS, poam.iter().map(PoamRow::cells).collect()),
        history: job
            .history
            .tables
            .iter()
            .map(|t| (t.sheet, t.cols, t.rows.clone()))
            .collect(),
        inheritance_gaps: (
            &INHERITANCE_GAP_COLS,
            crate::export::claims::inheritance_gap_rows(cov),
        ),
        attestations: (
            &ATTESTATION_COLS,
            crate::export::claims::attestation_rows(cov, job.attestation_files),
        ),
    }
}

/// The Summary sheet's table: the `csfkit status` columns.
pub(crate) const SUMMARY_COLS: [Col; 26] = [
    ("function", Kind::Text(30.0)),
    ("controls", Kind::Number),
    ("inherited", Kind::Number),
    ("shared", Kind::Number),
    ("customer", Kind::Number),
    ("undetermined", Kind::Number),
    ("shared_provider_led", Kind::Number),
    ("shared_balanced", Kind::Number),
    ("shared_customer_led", Kind::Number),
    ("shared_untallied", Kind::Number),
    ("evidence_current", Kind::Number),
    ("evidence_outdated", Kind::Number),
    ("evidence_none", Kind::Number),
    ("evidence_current_mapped_only", Kind::Number),
    ("implemented", Kind::Number),
    ("not_implemented", Kind::Number),
    ("not_applicable", Kind::Number),
    ("not_assessed", Kind::Number),
    ("gaps", Kind::Number),
    ("gaps_planned", Kind::Number),
    ("gaps_overdue", Kind::Number),
    ("gaps_risk_accepted", Kind::Number),
    ("gaps_unplanned", Kind::Number),
    ("evidence_current_direct", Kind::Number),
    ("inherited_attested", Kind::Number),
    ("inheritance_gaps", Kind::Number),
];

/// The Matrix sheet: the columns of control-matrix.csv ([`matrix_cols`] adds the tally
/// columns).
pub(crate) const MATRIX_COLS: [Col; 23] = [
    ("control_id", Kind::Text(12.0)),
    ("title", Kind::Text(50.0)),
    ("function", Kind::Text(9.0)),
    ("category", Kind::Text(10.0)),
    ("bare_metal", Kind::Fill(13.0)),
    ("iaas", Kind::Fill(13.0)),
    ("paas", Kind::Fill(13.0)),
    ("saas", Kind::Fill(13.0)),
    ("model", Kind::Fill(13.0)),
    ("effective", Kind::Fill(13.0)),
    ("overridden", Kind::Text(12.0)),
    ("override_reason", Kind::Text(40.0)),
    ("status", Kind::Text(16.0)),
    ("status_note", Kind::Text(40.0)),
    ("evidence_count", Kind::Number),
    ("evidence_current", Kind::Number),
    ("evidence_state", Kind::Fill(18.0)),
    ("gap", Kind::Text(6.0)),
    ("gap_reasons", Kind::Text(40.0)),
    ("basis", Kind::Text(40.0)),
    ("provider_responsibility", Kind::Text(45.0)),
    ("customer_responsibility", Kind::Text(45.0)),
    ("citation", Kind::Text(40.0)),
];

/// The Matrix sheet's columns: [`MATRIX_COLS`], then the tally columns of control-matrix.csv
/// (counts as numbers, the leaning as text), then its claim columns.
pub(crate) fn matrix_cols() -> Vec<Col> {
    let mut cols = MATRIX_COLS.to_vec();
    for per_service in crate::export::csv::MATRIX_TALLY_COLUMNS {
        for name in per_service {
            let kind = if name.ends_with("_leaning") {
                Kind::Text(16.0)
            } else {
                Kind::Number
            };
            cols.push((name, kind));
        }
    }
    cols.extend(crate::export::history::MATRIX_STATUS_COLS);
    cols.extend(MATRIX_CLAIM_COLS);
    cols.extend(MATRIX_ASSESSOR_COLS);
    cols
}

/// The Matrix sheet's last columns: the assessor's result in force
/// ([`crate::view::review::MATRIX_COLUMNS`]).
pub(crate) const MATRIX_ASSESSOR_COLS: [Col; 5] = [
    ("assessor_result", Kind::Fill(20.0)),
    ("assessor_risk", Kind::Fill(10.0)),
    ("assessor_finding", Kind::Text(40.0)),
    ("assessor", Kind::Text(18.0)),
    ("assessor_date", Kind::Date),
];

/// The Matrix sheet: the columns and rows of control-matrix.csv, leaving out the columns of
/// the service models out of scope and the tally columns that are empty in every row (the
/// CSV keeps every column, for scripts that read them by position).
fn matrix_sheet(
    cov: &crate::view::coverage::Coverage,
    reviews: &[crate::model::review::Review],
) -> (Vec<Col>, Vec<Vec<String>>) {
    let cols = matrix_cols();
    let rows = crate::export::csv::matrix_rows(cov, reviews);
    let in_scope: Vec<&str> = cov.matrix.services.iter().map(|s| s.as_str()).collect();
    let service_col = |name: &str| {
        crate::model::ownership::Service::ALL
            .iter()
            .find(|s| s.as_str().replace('-', "_") == name)
            .copied()
    };
    let tallies: Vec<&str> = crate::export::csv::MATRIX_TALLY_COLUMNS
        .iter()
        .flatten()
        .copied()
        .collect();
    let keep: Vec<usize> = cols
        .iter()
        .enumerate()
        .filter(|(i, (name, _))| {
            if let Some(s) = service_col(name) {
                return in_scope.contains(&s.as_str());
            }
            !tallies.contains(name) || rows.iter().any(|r| r.get(*i).is_some_and(|v| !v.is_empty()))
        })
        .map(|(i, _)| i)
        .collect();
    (
        keep.iter().map(|i| cols[*i]).collect(),
        rows.into_iter()
            .map(|r| {
                keep.iter()
                    .map(|i| r.get(*i).cloned().unwrap_or_default())
                    .collect()
            })
            .collect(),
    )
}

/// The Test results sheet: the control, what the package says of it, then the assessor's
/// columns ([`crate::model::review::ASSESSOR_COLUMNS`], with validation lists) that `review
/// import` reads back.
pub(crate) const TEST_RESULTS_COLS: [Col; 15] = [
    ("Control ID", Kind::Text(12.0)),
    ("Control", Kind::Text(50.0)),
    ("Function", Kind::Text(9.0)),
    ("Ownership", Kind::Fill(13.0)),
    ("Organisation's status", Kind::Text(16.0)),
    ("Status by", Kind::Text(16.0)),
    ("Evidence", Kind::Text(24.0)),
    ("Customer responsibility", Kind::Text(45.0)),
    ("Method", Kind::Text(11.0)),
    ("Sample", Kind::Text(24.0)),
    ("Result", Kind::Fill(20.0)),
    ("Finding", Kind::Text(40.0)),
    ("Risk", Kind::Fill(10.0)),
    ("Assessor", Kind::Text(18.0)),
    ("Date", Kind::Date),
];

/// The index of the first assessor column of [`TEST_RESULTS_COLS`].
#[cfg(test)]
pub(crate) const FIRST_ASSESSOR_COL: usize = 8;

/// The rows of the Test results sheet: every control of the matrix (customer, shared,
/// inherited, undetermined), with the assessor's result in force filled in.
fn test_result_rows(
    cov: &crate::view::coverage::Coverage,
    reviews: &[crate::model::review::Review],
) -> Vec<Vec<String>> {
    let in_force = crate::view::review::in_force(reviews);
    cov.matrix
        .rows
        .iter()
        .zip(&cov.controls)
        .map(|(r, c)| {
            let mut row = vec![
                r.control_id.clone(),
                r.title.clone(),
                r.function.clone(),
                r.effective.to_string(),
                r.status(),
                crate::export::history::status_fields(r)[0].clone(),
                format!("{} current of {} ({})", c.current, c.evidence, c.state_text(r)),
                r.joined(|x| &x.customer_responsibility),
            ];
            match in_force.get(r.control_id.as_str()) {
                Some(v) => row.extend([
                    v.method.as_str().to_string(),
                    v.sample.clone(),
                    v.outcome.as_str().to_string(),
                    v.finding.clone(),
                    v.risk.map(|k| k.as_str().to_string()).unwrap_or_default(),
                    v.assessor.clone(),
                    v.assessed_on.to_string(),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 7)),
            }
            row
        })
        .collect()
}

/// The Matrix sheet's last columns: those of control-matrix.csv after the status columns.
pub(crate) const MATRIX_CLAIM_COLS: [Col; 6] = [
    ("evidence_current_direct", Kind::Number),
    ("evidence_current_mapped", Kind::Number),
    ("evidence_placeholders", Kind::Number),
    ("evidence_not_offered", Kind::Number),
    ("attestation", Kind::Text(45.0)),
    ("inheritance_gap", Kind::Text(45.0)),
];

/// The Inheritance gaps sheet: the columns of inheritance-gaps.csv.
pub(crate) const INHERITANCE_GAP_COLS: [Col; 6] = [
    ("control_id", Kind::Text(12.0)),
    ("title", Kind::Text(50.0)),
    ("provider", Kind::Text(14.0)),
    ("services", Kind::Text(14.0)),
    ("reasons", Kind::Text(60.0)),
    ("customer_responsibility", Kind::Text(50.0)),
];

/// The Attestations sheet: the columns of attestations.csv.
pub(crate) const ATTESTATION_COLS: [Col; 17] = [
    ("attestation", Kind::Number),
    ("provider", Kind::Text(14.0)),
    ("type", Kind::Text(20.0)),
    ("issuer", Kind::Text(20.0)),
    ("period_start", Kind::Date),
    ("period_end", Kind::Date),
    ("bridge_until", Kind::Date),
    ("services", Kind::Text(14.0)),
    ("standing", Kind::Fill(11.0)),
    ("location", Kind::Text(35.0)),
    ("location_kind", Kind::Text(10.0)),
    ("file_sha256", Kind::Code(20.0)),
    ("file_size", Kind::Number),
    ("packaged_file", Kind::Text(30.0)),
    ("note", Kind::Text(40.0)),
    ("recorded_by", Kind::Text(16.0)),
    ("recorded_at", Kind::Text(20.0)),
];

/// The Gaps sheet: the columns of gaps.csv.
pub(crate) const GAP_COLS: [Col; 7] = [
    ("control_id", Kind::Text(12.0)),
    ("title", Kind::Text(50.0)),
    ("effective", Kind::Fill(13.0)),
    ("status", Kind::Text(16.0)),
    ("evidence_state", Kind::Fill(18.0)),
    ("evidence_count", Kind::Number),
    ("reasons", Kind::Text(50.0)),
];

/// The most extra columns the Evidence sheet spreads; a catalogue whose trackers kept more keeps
/// them as one `extras` cell (JSON), as evidence-index.csv does.
const MAX_EXTRA_COLUMNS: usize = 60;

/// The tracker columns the import batches of the package kept as extra attributes (their
/// recorded header maps name them `extra`), sorted; none when they are more than
/// [`MAX_EXTRA_COLUMNS`] or the batches cannot be read.
fn extra_columns(job: &Job<'_>) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    for b in job.cat.batches().unwrap_or_default() {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&b.columns) {
            names.extend(
                m.into_iter()
                    .filter(|(_, v)| v.as_str() == Some("extra"))
                    .map(|(k, _)| k),
            );
        }
    }
    if names.len() > MAX_EXTRA_COLUMNS {
        return Vec::new();
    }
    names.into_iter().collect()
}

/// The Evidence sheet: the columns of evidence-index.csv.
pub(crate) const EVIDENCE_COLS: [Col; 26] = [
    ("evidence_id", Kind::Number),
    ("control_id", Kind::Text(12.0)),
    ("title", Kind::Text(35.0)),
    ("description", Kind::Text(45.0)),
    ("evidence_type", Kind::Text(14.0)),
    ("owner", Kind::Text(16.0)),
    ("collected_on", Kind::Date),
    ("valid_until", Kind::Date),
    ("freshness", Kind::Fill(11.0)),
    ("location", Kind::Text(35.0)),
    ("location_kind", Kind::Text(10.0)),
    ("file_sha256", Kind::Code(20.0)),
    ("file_size", Kind::Number),
    ("source_system", Kind::Text(16.0)),
    ("extras", Kind::Text(30.0)),
    ("source_file", Kind::Text(24.0)),
    ("source_sha256", Kind::Code(20.0)),
    ("source_sheet", Kind::Text(14.0)),
    ("source_row", Kind::Number),
    ("batch", Kind::Number),
    ("packaged_file", Kind::Text(30.0)),
    ("mapped_from", Kind::Text(14.0)),
    ("mapped_framework", Kind::Text(14.0)),
    ("targets", Kind::Text(40.0)),
    ("counted", Kind::Text(8.0)),
    ("not_counted_reason", Kind::Text(35.0)),
];

/// The POA&M and Closed POA&M Items sheets: the columns of poam.csv.
pub(crate) const POAM_COLS: [Col; 28] = [
    ("POAM ID", Kind::Text(16.0)),
    ("Controls", Kind::Text(12.0)),
    ("Weakness Name", Kind::Text(40.0)),
    ("Weakness Description", Kind::Text(60.0)),
    ("Point of Contact", Kind::Text(18.0)),
    ("Overall Remediation Plan", Kind::Text(45.0)),
    ("Original Detection Date", Kind::Date),
    ("Scheduled Completion Date", Kind::Date),
    ("Planned Milestones", Kind::Text(45.0)),
    ("Status", Kind::Fill(14.0)),
    ("Status Date", Kind::Date),
    ("Comments", Kind::Text(40.0)),
    ("Weakness Detector Source", Kind::Text(20.0)),
    ("Weakness Source Identifier", Kind::Text(20.0)),
    ("Asset Identifier", Kind::Text(20.0)),
    ("Resources Required", Kind::Text(20.0)),
    ("Milestone Changes", Kind::Text(30.0)),
    ("Vendor Dependency", Kind::Text(12.0)),
    ("Last Vendor Check-in Date", Kind::Date),
    ("Vendor Dependent Product Name", Kind::Text(20.0)),
    ("Original Risk Rating", Kind::Text(12.0)),
    ("Adjusted Risk Rating", Kind::Text(12.0)),
    ("Risk Adjustment", Kind::Text(12.0)),
    ("False Positive", Kind::Text(10.0)),
    ("Operational Requirement", Kind::Text(12.0)),
    ("Deviation Rationale", Kind::Text(30.0)),
    ("Supporting Documents", Kind::Text(30.0)),
    ("Auto-Approve", Kind::Text(10.0)),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cols: &[Col]) -> Vec<&str> {
        cols.iter().map(|(n, _)| *n).collect()
    }

    #[test]
    fn the_test_results_sheet_has_the_assessor_columns_review_import_reads() {
        assert_eq!(
            names(&TEST_RESULTS_COLS[FIRST_ASSESSOR_COL..]),
            crate::model::review::ASSESSOR_COLUMNS
        );
    }

    #[test]
    fn sheets_have_the_columns_of_their_csv_files() {
        assert_eq!(names(&matrix_cols()), crate::export::csv::matrix_header());
        assert_eq!(names(&GAP_COLS), crate::export::csv::GAP_COLUMNS);
        assert_eq!(names(&EVIDENCE_COLS), crate::export::csv::EVIDENCE_COLUMNS);
        assert_eq!(names(&POAM_COLS), crate::view::poam::POAM_COLUMNS);
        assert_eq!(names(&SUMMARY_COLS), crate::view::summary::COLUMNS);
        assert_eq!(
            names(&INHERITANCE_GAP_COLS),
            crate::export::claims::INHERITANCE_GAP_COLUMNS
        );
        assert_eq!(
            names(&ATTESTATION_COLS),
            crate::export::claims::ATTESTATION_COLUMNS
        );
    }
}
