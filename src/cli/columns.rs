//! The columns of every listing, declared once: the help text (`CSV/JSON columns: ...`), the
//! table (which columns it shows), the CSV header and the JSON keys (which are numbers) all
//! come from these lists.

use crate::output::{Column, columns_help};

/// `csfkit evidence list`.
pub(super) const EVIDENCE_LIST: &[Column] = &[
    Column::number("id"),
    Column::text("control_id"),
    Column::text("title"),
    Column::text("evidence_type").csv_only(),
    Column::text("owner"),
    Column::text("collected_on"),
    Column::text("valid_until"),
    Column::text("freshness"),
    Column::text("location"),
    Column::text("location_kind").csv_only(),
    Column::text("file_sha256").csv_only(),
    Column::text("source_file").csv_only(),
    Column::text("source_sheet").csv_only(),
    Column::number("source_row"),
    Column::number("batch"),
    Column::text("mapped_from").note("the ID as the tracker wrote it, when not a CSF 2.0 ID"),
    Column::text("mapped_framework")
        .csv_only()
        .note("csf1.1|sp800-53|iso27001|ccm"),
    Column::text("targets").note(
        "a mapped row's spread: `IR-4: 24 subcategories`, or how many it was offered or retargeted for",
    ),
    Column::text("counted").note("yes, or no for a placeholder or a row retargeted away"),
    Column::text("not_counted_reason").csv_only(),
];

/// `csfkit evidence batches`.
pub(super) const EVIDENCE_BATCHES: &[Column] = &[
    Column::number("batch"),
    Column::text("source_file"),
    Column::text("source_sha256"),
    Column::number("source_size").csv_only(),
    Column::text("format").csv_only(),
    Column::text("sheet"),
    Column::number("header_row").csv_only(),
    Column::text("collector"),
    Column::text("imported_at"),
    Column::number("rows_read"),
    Column::number("imported"),
    Column::number("already"),
    Column::number("rejected"),
    Column::text("source_path").csv_only(),
    Column::text("evidence_root").csv_only(),
];

/// `csfkit attestation list`.
pub(super) const ATTESTATION_LIST: &[Column] = &[
    Column::number("attestation"),
    Column::text("provider"),
    Column::text("type"),
    Column::text("issuer"),
    Column::text("period_start"),
    Column::text("period_end"),
    Column::text("bridge_until"),
    Column::text("services"),
    Column::text("standing").note("in-force|ended|not-yet, at --as-of"),
    Column::text("location"),
    Column::text("location_kind").csv_only().note("file|url"),
    Column::text("file_sha256").csv_only(),
    Column::number("file_size").csv_only(),
    Column::text("note").csv_only(),
    Column::text("recorded_by"),
    Column::text("recorded_at").csv_only(),
];

/// One record shown in full (`evidence show`, `control --format csv`): a field and its value.
pub(super) const FIELD_VALUE: &[Column] = &[Column::text("field"), Column::text("value")];

/// `csfkit assess history`.
pub(super) const ASSESS_HISTORY: &[Column] = &[
    Column::number("seq"),
    Column::text("control_id"),
    Column::text("service"),
    Column::text("status"),
    Column::text("note"),
    Column::text("system"),
    Column::text("by"),
    Column::text("at"),
    Column::text("source"),
];

/// `csfkit ownership history`.
pub(super) const OWNERSHIP_HISTORY: &[Column] = &[
    Column::number("seq"),
    Column::text("provider"),
    Column::text("control_id"),
    Column::text("service"),
    Column::text("owner").note("empty when withdrawn"),
    Column::text("previous"),
    Column::text("reason"),
    Column::text("by"),
    Column::text("at"),
];

/// `csfkit providers`.
pub(super) const PROVIDERS: &[Column] = &[
    Column::text("id"),
    Column::text("name"),
    Column::text("services"),
    Column::number("cells"),
    Column::text("layout"),
    Column::text("origin"),
    Column::text("source"),
    Column::text("source_sha256").csv_only(),
    Column::text("loaded_at").csv_only(),
];

/// `csfkit frameworks`.
pub(super) const FRAMEWORKS: &[Column] = &[
    Column::text("id"),
    Column::text("name"),
    Column::text("version"),
    Column::number("functions"),
    Column::number("categories"),
    Column::number("subcategories"),
    Column::number("withdrawn"),
    Column::text("source"),
    Column::text("source_sha256").csv_only(),
    Column::text("source_date"),
    Column::text("origin").note("embedded|imported"),
    Column::text("loaded_at").csv_only(),
];

/// `csfkit framework diff`.
pub(super) const FRAMEWORK_DIFF: &[Column] = &[
    Column::text("id"),
    Column::text("change").note("changed|added|removed"),
    Column::text("old_text"),
    Column::text("new_text"),
];

/// `csfkit controls`.
pub(super) const CONTROLS: &[Column] = &[
    Column::text("id"),
    Column::text("function"),
    Column::text("category"),
    Column::text("text").note("the official text, exactly as published"),
];

/// `csfkit crosswalk` and `csfkit control AC-2`: another framework's control and a CSF 2.0
/// subcategory citing it.
pub(super) const CROSSWALK: &[Column] = &[
    Column::text("from"),
    Column::text("framework")
        .csv_only()
        .note("csf1.1|sp800-53|iso27001|ccm"),
    Column::text("control_id"),
    Column::text("text").note("the subcategory's official text"),
];

/// `csfkit scope show`.
pub(super) const SCOPE: &[Column] = &[
    Column::text("system"),
    Column::text("provider"),
    Column::text("services"),
    Column::text("set_by"),
    Column::text("set_at"),
];

/// `csfkit profile list`.
pub(super) const PROFILE_LIST: &[Column] = &[
    Column::text("in_use").note("`*` on the profile commands use"),
    Column::text("name"),
    Column::text("description"),
    Column::text("system"),
    Column::text("provider"),
    Column::text("services"),
    Column::text("priorities").note("the profile's priority scale, highest first"),
    Column::text("created_by").csv_only(),
    Column::text("created_at").csv_only(),
];

/// `csfkit profile show`: the profile's scope, scale and Tiers, one value a row.
pub(super) const PROFILE_SHOW: &[Column] = &[Column::text("field"), Column::text("value")];

/// `csfkit profile outcomes`: the current and target outcomes in force.
pub(super) const PROFILE_OUTCOMES: &[Column] = &[
    Column::text("outcome").note("a CSF 2.0 function, category or subcategory"),
    Column::text("included").note("yes, no, or empty when not said"),
    Column::text("current_status").note("today's statuses of the profile's assessments"),
    Column::text("target_priority"),
    Column::text("target_tier").csv_only(),
    Column::text("target_outcome"),
    Column::text("rationale"),
    Column::text("notes").csv_only(),
    Column::text("adopted_priority")
        .csv_only()
        .note("the priority a community profile gave (`profile adopt`)"),
    Column::text("deviation").note("a change to an adopted priority, with its rationale"),
    Column::text("recorded_by").csv_only(),
    Column::text("recorded_at").csv_only(),
    Column::text("source").csv_only(),
];

/// `csfkit profile gaps`: included subcategories short of their target, highest priority first.
pub(super) const PROFILE_GAPS: &[Column] = &[
    Column::text("outcome"),
    Column::text("target_priority"),
    Column::text("current_status").note("the profile's statuses in force, or `not assessed`"),
    Column::text("target_outcome"),
    Column::text("evidence")
        .note("the evidence state in the profile's scope (current, stale, expired, none, ...)"),
    Column::text("plan_due"),
    Column::text("plan_status"),
    Column::text("plan_action").csv_only(),
];

/// `csfkit profile diff A B`: one row per outcome and field that differ.
pub(super) const PROFILE_DIFF: &[Column] = &[
    Column::text("outcome"),
    Column::text("field").note("included, target_priority, target, current_status"),
    Column::text("a").note("the first profile (or the profile at the first date)"),
    Column::text("b").note("the second profile (or the profile at the second date)"),
];

/// `csfkit status`: per function, then a total.
pub(super) const STATUS: &[Column] = &[
    Column::text("function"),
    Column::number("controls"),
    Column::number("inherited"),
    Column::number("shared"),
    Column::number("customer"),
    Column::number("undetermined"),
    Column::number("shared_provider_led").note("shared cells, one per service model, by leaning"),
    Column::number("shared_balanced"),
    Column::number("shared_customer_led"),
    Column::number("shared_untallied").note("shared cells a matrix states, not projected"),
    Column::number("evidence_current"),
    Column::number("evidence_outdated"),
    Column::number("evidence_none"),
    Column::number("evidence_current_mapped_only")
        .csv_only()
        .note("of evidence_current: current evidence only mapped from another framework"),
    Column::number("implemented"),
    Column::number("not_implemented"),
    Column::number("not_applicable"),
    Column::number("not_assessed"),
    Column::number("gaps"),
    Column::number("gaps_planned").note("gaps with an open plan due on or after the as-of date"),
    Column::number("gaps_overdue").note("gaps whose open plan is past its due date"),
    Column::number("gaps_risk_accepted").csv_only(),
    Column::number("gaps_unplanned").note("gaps with no plan, or whose plan was closed"),
    Column::number("evidence_current_direct")
        .csv_only()
        .note("of evidence_current: current evidence keyed by the control's own CSF ID"),
    Column::number("inherited_attested")
        .csv_only()
        .note("inherited controls with a provider attestation in force"),
    Column::number("inheritance_gaps")
        .note("inherited controls without one (not among gaps; `attestation add`)"),
];

/// `csfkit plan list`: the plan in force per control (or, with --all, every record).
pub(super) const PLAN_LIST: &[Column] = &[
    Column::number("seq"),
    Column::text("control_id"),
    Column::text("status").note("open|closed|risk-accepted"),
    Column::text("state").note("planned|overdue|closed|risk-accepted, as of --as-of"),
    Column::text("due"),
    Column::text("owner"),
    Column::text("action"),
    Column::text("milestones").csv_only(),
    Column::text("note"),
    Column::text("system").csv_only(),
    Column::text("by"),
    Column::text("at").csv_only(),
    Column::text("source").csv_only(),
    Column::text("risk")
        .csv_only()
        .note("low|moderate|high (plan --risk), or empty"),
];

/// `csfkit review list`.
pub(super) const REVIEW_LIST: &[Column] = &[
    Column::number("seq"),
    Column::text("control_id"),
    Column::text("method").note("examine|interview|test"),
    Column::text("sample").csv_only(),
    Column::text("result").note("satisfied|other than satisfied|not applicable"),
    Column::text("finding"),
    Column::text("risk").note("low|moderate|high, or empty"),
    Column::text("assessor"),
    Column::text("assessed_on"),
    Column::text("in_force").note("yes for the newest result of its control"),
    Column::text("source_file").csv_only(),
    Column::text("source_sha256").csv_only(),
    Column::text("source_place").csv_only(),
    Column::text("recorded_by").csv_only(),
    Column::text("recorded_at").csv_only(),
];

/// `csfkit check`.
pub(super) const CHECK: &[Column] = &[
    Column::text("log").note(
        "sqlite, foreign-keys, the seven history logs, then framework:ID, provider:ID and scope (the loaded data), with --against against:LOG",
    ),
    Column::number("records").note("records or rows checked (foreign-keys: rows with a broken key)"),
    Column::text("head").note(
        "the newest link (an export's manifest.json records it); for loaded data, the SHA-256 of its table digests",
    ),
    Column::text("status").note("ok, damaged, broken, changed, unrecorded or removed; against:LOG ok, cut or rewritten"),
];

/// `csfkit matrix` before the service-model columns (one per service model in scope).
pub(super) const MATRIX_LEAD: &[Column] = &[
    Column::text("control_id"),
    Column::text("title"),
    Column::text("function").csv_only(),
    Column::text("category").csv_only(),
];

/// `csfkit matrix` after the service-model columns.
pub(super) const MATRIX_TAIL: &[Column] = &[
    Column::text("effective"),
    Column::text("status"),
    Column::text("status_note").csv_only(),
    Column::text("overridden").csv_only(),
    Column::text("basis"),
    Column::text("provider_responsibility").csv_only(),
    Column::text("customer_responsibility").csv_only(),
    Column::text("citation").csv_only(),
];

/// The five tally columns of one service model (`iaas_answers_yes`, ...), empty for a cell
/// that was not projected.
macro_rules! tally_columns {
    ($s:literal) => {
        [
            Column::number(concat!($s, "_answers_yes")).csv_only(),
            Column::number(concat!($s, "_answers_partial")).csv_only(),
            Column::number(concat!($s, "_answers_no")).csv_only(),
            Column::number(concat!($s, "_answers_unanswered")).csv_only(),
            Column::text(concat!($s, "_leaning")).csv_only(),
        ]
    };
}

/// `csfkit matrix` after [`MATRIX_TAIL`]: the tally columns of each service model in scope,
/// indexed like `Service::ALL` (the table shows the tally inside the ownership cell).
pub(super) const MATRIX_TALLY: [[Column; 5]; 5] = [
    tally_columns!("bare_metal"),
    tally_columns!("iaas"),
    tally_columns!("paas"),
    tally_columns!("saas"),
    tally_columns!("model"),
];

/// `csfkit control ID --provider P`: each service model's cell, each referenced control with
/// its answer, and the row of the CRM or CCM it came from.
/// The table shape (one per service model, under the cell's line) shows the reference columns.
pub(super) const CONTROL_SOURCES: &[Column] = &[
    Column::text("control_id").csv_only(),
    Column::text("provider").csv_only(),
    Column::text("service").csv_only(),
    Column::text("ownership").csv_only().note("in force"),
    Column::text("matrix")
        .csv_only()
        .note("the matrix value, before any override"),
    Column::number("answers_yes").csv_only(),
    Column::number("answers_partial").csv_only(),
    Column::number("answers_no").csv_only(),
    Column::number("answers_unanswered").csv_only(),
    Column::text("leaning").csv_only(),
    Column::text("reference").note("the referenced control, normalised"),
    Column::text("answer").note("yes|partial|no|unanswered, combined over its rows"),
    Column::text("sheet"),
    Column::number("row").note("as the spreadsheet shows it; empty when the source has none"),
    Column::text("written_id"),
    Column::text("written_answer"),
    Column::text("text"),
];

/// Help text: the examples (and notes) given, then the columns of the listing.
pub(super) fn help(text: &str, columns: &[Column]) -> String {
    format!("{text}\n\n{}", columns_help(columns))
}

/// Help text: the examples, the columns, then `more` (exit status and the like).
pub(super) fn help_then(text: &str, columns: &[Column], more: &str) -> String {
    format!("{}\n{more}", help(text, columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_columns_are_the_summary_columns() {
        let names: Vec<&str> = STATUS.iter().map(|c| c.name).collect();
        assert_eq!(names, crate::view::summary::COLUMNS);
    }
}
