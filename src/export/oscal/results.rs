//! A scope's coverage at a date as OSCAL `assessment-results` importing `assessment-plan.json`:
//! one `result` dated the as-of date, with
//!
//! - one observation per evidence item, a record of the organisation's (origin: the
//!   organisation through csfkit; method `UNKNOWN`, since nobody examined it; `determined-by`
//!   `self-assessment`): its `relevant-evidence` points at the
//!   evidence (a URL as recorded; a file as its copy in the package, else as the path recorded
//!   at import, relative to that import's evidence root) and carries the file's SHA-256 as the
//!   `sha256` property; the item's dates, freshness and provenance are properties;
//! - one finding per control that is a gap (`not-satisfied`, reason `fail`, each gap reason a
//!   `gap-reason` property), per inherited control (`satisfied`, reason `provider-attested`,
//!   when a provider attestation is in force for every service model, named by an `attestation`
//!   property per service model; else `not-satisfied`, reason `no-attestation`, with an
//!   `inheritance-gap` property: an inheritance gap, not a gap) and per other control with an
//!   implementation status recorded (`satisfied`, reason `pass` or `not-applicable`); the
//!   `evidence-state` property says whether its current evidence is keyed by its own CSF ID
//!   (`current`) or only mapped from another framework's ID (`current-mapped-only`); its target is the
//!   control's statement, with the implementation status when the records in force agree on
//!   one, and every record as an `implementation-status` property (class: its service model);
//!   the control's observations are its related observations.
//!
//! Who determined each finding is in its `origins` and its `determined-by` property: a control
//! with an implementation status and no gap is the organisation's self-assessment (never a
//! method), a gap, an inheritance gap and a provider-attested control csfkit's (the tool). Each
//! gap relates its risk ([`crate::export::oscal::risk`]). Each assessor result
//! ([`crate::model::review::Review`]) is an observation with the assessor's method and sample
//! and a finding of its own (origin: the assessor's party), relating a risk when other than
//! satisfied, rated as the assessor rated it.
//!
//! The observations are written as the evidence streams from the catalogue, one at a time.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::{Error as _, SerializeSeq};

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::export::oscal::actors::{Actors, DeterminedBy, Origin};
use crate::export::oscal::assessor::{review_finding, review_observation};
use crate::export::oscal::plan::SubjectRef;
use crate::export::oscal::risk::{RiskOut, gap_risk, gap_risk_uuid, review_risk};
use crate::export::oscal::{
    ASSESSMENT_PLAN, ChainInput, Metadata, Prop, ReviewedControls, one_line, timestamp, uri_reference,
    uuid_for,
};
use crate::model::evidence::{EvidenceItem, freshness};
use crate::model::oscal::{statement_id, token};
use crate::model::ownership::{Ownership, join_services};
use crate::model::review::{Outcome, Review};
use crate::view::coverage::{ControlCoverage, Coverage, needs_customer_evidence};
use crate::view::matrix::MatrixRow;

#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "assessment-results")]
    results: AssessmentResults<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct AssessmentResults<'a> {
    uuid: String,
    metadata: Metadata,
    import_ap: ImportAp,
    results: [ResultOut<'a>; 1],
}

#[derive(Serialize)]
struct ImportAp {
    href: String,
    remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResultOut<'a> {
    uuid: String,
    title: String,
    description: String,
    start: String,
    end: String,
    props: Vec<Prop>,
    reviewed_controls: ReviewedControls,
    #[serde(skip_serializing_if = "Observations::is_empty")]
    observations: Observations<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    risks: Vec<RiskOut>,
    #[serde(skip_serializing_if = "Findings::is_empty")]
    findings: Findings<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Observation {
    pub(crate) uuid: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) props: Vec<Prop>,
    pub(crate) methods: [String; 1],
    pub(crate) origins: Vec<Origin>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) subjects: Vec<SubjectRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) relevant_evidence: Vec<RelevantEvidence>,
    /// When the evidence was collected (its row's date; the as-of date when it has none).
    pub(crate) collected: String,
    /// Its valid-until date, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expires: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct RelevantEvidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) href: Option<String>,
    pub(crate) description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) props: Vec<Prop>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Finding {
    pub(crate) uuid: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) props: Vec<Prop>,
    pub(crate) origins: Vec<Origin>,
    pub(crate) target: Target,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) related_observations: Vec<Related>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) related_risks: Vec<RelatedRisk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Target {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) target_id: String,
    pub(crate) status: TargetStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) implementation_status: Option<ImplementationStatus>,
}

#[derive(Serialize)]
pub(crate) struct TargetStatus {
    pub(crate) state: &'static str,
    pub(crate) reason: &'static str,
}

#[derive(Serialize)]
pub(crate) struct ImplementationStatus {
    pub(crate) state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Related {
    pub(crate) observation_uuid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct RelatedRisk {
    pub(crate) risk_uuid: String,
}

/// The observation UUIDs of each control, filled while the observations are written and read
/// by the findings written after them.
type RelatedIds = RefCell<HashMap<String, Vec<uuid::Uuid>>>;

/// The observations, serialised as the evidence streams from the catalogue.
struct Observations<'a> {
    cat: &'a Catalogue,
    input: &'a ChainInput<'a>,
    actors: &'a Actors,
    ar_uuid: &'a str,
    related: &'a RelatedIds,
    /// A catalogue error met while serialising (serde's error type cannot carry it).
    failure: &'a RefCell<Option<Error>>,
}

impl Observations<'_> {
    fn is_empty(&self) -> bool {
        // Every item is observed, also those the counts leave out.
        self.input.cov.listed() == 0 && reviews_in_scope(self.input).is_empty()
    }
}

impl Serialize for Observations<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        let mut write_error = None;
        let read = self.cat.each_evidence(|e| {
            let o = observation(&e, self.input, self.actors)?;
            // A finding relates the observations it counted: not mapped ones under --no-mapped,
            // not placeholders, not rows retargeted to other subcategories.
            let cov = self.input.cov;
            let counted = !(cov.no_mapped && crate::view::coverage::is_mapped(&e))
                && cov.claims.counted(&e) == crate::view::claims::Counted::Yes;
            if let (true, Ok(u)) = (counted, uuid::Uuid::parse_str(&o.uuid)) {
                self.related
                    .borrow_mut()
                    .entry(e.control_id.clone())
                    .or_default()
                    .push(u);
            }
            seq.serialize_element(&o).map_err(|err| {
                write_error = Some(err);
                // Replaced by the write error below; never reaches the user.
                Error::Failed("writing an observation".into())
            })
        });
        if let Some(err) = write_error {
            return Err(err);
        }
        if let Err(e) = read {
            let msg = e.to_string();
            *self.failure.borrow_mut() = Some(e);
            return Err(S::Error::custom(msg));
        }
        for r in reviews_in_scope(self.input) {
            seq.serialize_element(&review_observation(r, self.ar_uuid, self.actors))?;
        }
        seq.end()
    }
}

/// The findings, written after the observations (whose UUIDs they relate).
struct Findings<'a> {
    input: &'a ChainInput<'a>,
    actors: &'a Actors,
    ar_uuid: &'a str,
    related: &'a RelatedIds,
}

impl Findings<'_> {
    fn is_empty(&self) -> bool {
        !self
            .input
            .cov
            .controls
            .iter()
            .any(|c| has_finding(self.input.cov, c))
            && reviews_in_scope(self.input).is_empty()
    }
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let cov = self.input.cov;
        let mut seq = serializer.serialize_seq(None)?;
        for c in cov.controls.iter().filter(|c| has_finding(cov, c)) {
            let row = &cov.matrix.rows[c.row];
            let related = self
                .related
                .borrow()
                .get(&row.control_id)
                .cloned()
                .unwrap_or_default();
            seq.serialize_element(&finding(row, c, self.ar_uuid, &related, self.actors))?;
        }
        for r in reviews_in_scope(self.input) {
            seq.serialize_element(&review_finding(r, self.ar_uuid, self.actors))?;
        }
        seq.end()
    }
}

/// The assessor's results for controls of the scope, in the order given.
pub(crate) fn reviews_in_scope<'a>(input: &ChainInput<'a>) -> Vec<&'a Review> {
    let rows = &input.cov.matrix.rows;
    input
        .reviews
        .iter()
        .filter(|r| rows.iter().any(|row| row.control_id == r.control_id))
        .collect()
}

/// Whether a control has a finding in the results (a gap, an inherited control, a status).
pub(crate) fn has_finding(cov: &Coverage, c: &ControlCoverage) -> bool {
    let row = &cov.matrix.rows[c.row];
    !c.gaps.is_empty() || !row.assessments.is_empty() || row.effective == Ownership::Inherited
}

/// What a control's finding says: state, reason, and the words for them.
fn determination(row: &MatrixRow, c: &ControlCoverage) -> (&'static str, &'static str, String) {
    if !c.gaps.is_empty() {
        return ("not-satisfied", "fail", format!("Gap: {}.", c.gaps.join("; ")));
    }
    if let Some(why) = &c.inheritance_gap {
        return (
            "not-satisfied",
            "no-attestation",
            format!(
                "Inheritance gap (not a customer gap): the control is inherited from the provider, but no provider attestation is in force for it: {why}."
            ),
        );
    }
    if !needs_customer_evidence(row) {
        return (
            "satisfied",
            "provider-attested",
            format!(
                "No gap: the control is inherited from the provider, provider-attested by {}.",
                row.attestation_text()
            ),
        );
    }
    if row.assessments.iter().all(|a| a.status == "not-applicable") {
        return (
            "satisfied",
            "not-applicable",
            "No gap: not applicable, with the justification recorded.".into(),
        );
    }
    (
        "satisfied",
        "pass",
        format!(
            "No gap: current evidence ({} item{}) and an implementation status that achieves the outcome.",
            c.current,
            if c.current == 1 { "" } else { "s" }
        ),
    )
}

/// The UUID of `control`'s finding in the results `ar_uuid`.
pub(crate) fn finding_uuid(ar_uuid: &str, control: &str) -> String {
    uuid_for(&format!("finding|{ar_uuid}|{control}"))
}

/// Who determined a control's finding: the organisation's status when there is no gap and it
/// is not inherited (a self-assessment), else csfkit's rules.
fn determined_by(reason: &str) -> DeterminedBy {
    match reason {
        "pass" | "not-applicable" => DeterminedBy::SelfAssessment,
        _ => DeterminedBy::Csfkit,
    }
}

/// A control's finding (the POA&M repeats a gap's, with the same UUID and no observations).
pub(crate) fn finding(
    row: &MatrixRow,
    c: &ControlCoverage,
    ar_uuid: &str,
    related: &[uuid::Uuid],
    actors: &Actors,
) -> Finding {
    let (state, reason, words) = determination(row, c);
    let who = determined_by(reason);
    let mut props: Vec<Prop> = [
        Prop::csfkit("ownership", row.effective.as_str()),
        Prop::csfkit("evidence-state", c.state_text(row)),
        Prop::csfkit("evidence-current", &c.current.to_string()),
        Prop::csfkit("evidence-current-direct", &c.current_direct.to_string()),
        Prop::csfkit("evidence-current-mapped", &c.current_mapped().to_string()),
        Prop::csfkit("evidence-items", &c.evidence.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    props.extend(who.prop());
    props.extend(c.gaps.iter().filter_map(|g| Prop::csfkit("gap-reason", g)));
    if let Some(why) = &c.inheritance_gap {
        props.extend(Prop::csfkit("inheritance-gap", why));
    }
    // The attestation in force behind each inherited and shared cell, classed by its model.
    for cell in row
        .cells
        .iter()
        .filter(|x| matches!(x.ownership, Ownership::Inherited | Ownership::Shared))
    {
        let named = cell
            .attestation
            .as_ref()
            .map_or_else(|| "none in force".to_string(), |a| a.label.clone());
        props.extend(Prop::csfkit("attestation", &named).map(|p| p.with_class(cell.service.as_str())));
    }
    for a in &row.assessments {
        props.extend(
            Prop::csfkit("implementation-status", &a.status)
                .map(|p| p.with_class(a.service.as_deref().unwrap_or("all-service-models"))),
        );
    }
    let states: Vec<&str> = row.assessments.iter().map(|a| a.status.as_str()).collect();
    let note = row.status_note();
    let implementation_status = match states.first() {
        Some(first) if states.iter().all(|s| s == first) => Some(ImplementationStatus {
            state: (*first).to_string(),
            remarks: (!note.is_empty()).then(|| note.clone()),
        }),
        _ => None,
    };
    // The notes go with the target's status; when the records disagree, on the finding.
    let remarks = (implementation_status.is_none() && !note.is_empty()).then_some(note);
    let status = row.status();
    let ownership = row
        .cells
        .iter()
        .map(|s| format!("{}: {}", s.service, s.ownership))
        .collect::<Vec<_>>()
        .join(", ");
    Finding {
        uuid: finding_uuid(ar_uuid, &row.control_id),
        title: format!(
            "{}: {}",
            row.control_id,
            match (state, reason) {
                ("satisfied", _) => "no gap",
                (_, "no-attestation") => "inheritance gap",
                _ => "gap",
            }
        ),
        description: format!(
            "{} — ownership {} ({ownership}); implementation status: {}; evidence: {} current of {} ({} keyed by the control's own CSF ID, {} mapped from another framework's ID). {words}",
            row.control_id,
            row.effective,
            if status.is_empty() {
                "not assessed".into()
            } else {
                status
            },
            c.current,
            c.evidence,
            c.current_direct,
            c.current_mapped()
        ),
        props,
        origins: match who {
            DeterminedBy::SelfAssessment => actors.self_assessment(),
            _ => actors.by_tool(),
        },
        target: Target {
            kind: "statement-id",
            target_id: statement_id(&row.control_id),
            status: TargetStatus { state, reason },
            implementation_status,
        },
        related_observations: related
            .iter()
            .map(|u| Related {
                observation_uuid: u.to_string(),
            })
            .collect(),
        related_risks: if c.gaps.is_empty() {
            Vec::new()
        } else {
            vec![RelatedRisk {
                risk_uuid: gap_risk_uuid(ar_uuid, &row.control_id),
            }]
        },
        remarks,
    }
}

/// The risks of the results: one per gap, one per assessor result other than satisfied.
pub(crate) fn risks(input: &ChainInput<'_>, ar_uuid: &str, actors: &Actors) -> Vec<RiskOut> {
    let cov = input.cov;
    let mut out: Vec<RiskOut> = cov
        .gaps()
        .map(|(row, c)| {
            let poam = input.poam.iter().find(|p| p.control_id == row.control_id);
            let plan = input.plans.get(&row.control_id).map(|(p, _)| p);
            gap_risk(
                ar_uuid,
                row,
                c,
                poam,
                plan,
                (input.plan_risk)(&row.control_id),
                actors,
            )
        })
        .collect();
    out.extend(
        reviews_in_scope(input)
            .into_iter()
            .filter(|r| r.outcome == Outcome::OtherThanSatisfied)
            .map(|r| review_risk(ar_uuid, r, actors)),
    );
    out
}

/// The observation of one evidence item.
fn observation(e: &EvidenceItem, input: &ChainInput<'_>, actors: &Actors) -> Result<Observation> {
    let cov = input.cov;
    let content = crate::util::sha256_hex(&serde_json::to_vec(e)?);
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let props: Vec<Prop> = [
        Prop::csfkit("evidence-id", &e.id.to_string()),
        Prop::csfkit("control-id", &token(&e.control_id)),
        Prop::csfkit("evidence-type", &e.evidence_type),
        Prop::csfkit("owner", &e.owner),
        Prop::csfkit("collected-on", &date(e.collected_on)),
        Prop::csfkit("valid-until", &date(e.valid_until)),
        Prop::csfkit("freshness", freshness(e, cov.as_of, cov.stale_days).as_str()),
        Prop::csfkit("source-system", &e.source_system),
        Prop::csfkit("source-file", &e.source_file),
        Prop::csfkit("source-sheet", &e.source_sheet),
        Prop::csfkit("source-row", &e.source_row.to_string()),
        Prop::csfkit("batch", &e.batch_id.to_string()),
        // The ID as the tracker wrote it, when NIST's references (or the CSF 1.1 crosswalk)
        // mapped it onto this control: a claim for the assessor to judge.
        Prop::csfkit("mapped-from", e.mapped.as_ref().map_or("", |m| m.id.as_str())),
        Prop::csfkit(
            "mapped-framework",
            e.mapped.as_ref().map_or("", |m| m.framework.as_str()),
        ),
        // How far it spreads: NIST's fan-out, the subcategories it was offered for.
        Prop::csfkit("targets", &cov.claims.targets_text(e)),
        // Why it is not counted (a placeholder, retargeted to other subcategories).
        Prop::csfkit("not-counted", &cov.claims.counted(e).reason()),
        // The organisation's record: nobody examined it (csfkit hashed the file at import).
        DeterminedBy::SelfAssessment.prop(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let loc = &e.location;
    let (href, description, mut evidence_props) = match e.location_kind.as_str() {
        "url" => (
            Some(uri_reference(loc, false)),
            format!("URL `{loc}`, as recorded at import; csfkit did not fetch it."),
            Vec::new(),
        ),
        "file" => {
            let sha = e.file_sha256.clone().unwrap_or_default();
            let size = e.file_size.map(|s| format!(", {s} bytes")).unwrap_or_default();
            match (input.packaged)(e) {
                Some(copy) => (
                    Some(uri_reference(&copy, true)),
                    format!(
                        "File `{loc}` (import batch {}), SHA-256 {sha}{size} at import; the link is its copy in this package, re-hashed at export.",
                        e.batch_id
                    ),
                    Vec::new(),
                ),
                None => (
                    Some(uri_reference(&loc.replace('\\', "/"), true)),
                    format!(
                        "File `{loc}`, relative to the evidence root of import batch {}, SHA-256 {sha}{size} at import.",
                        e.batch_id
                    ),
                    Vec::new(),
                ),
            }
        }
        "missing" => (
            Some(uri_reference(&loc.replace('\\', "/"), true)),
            format!(
                "File `{loc}` was missing from the evidence root when import batch {} read it; there is no hash.",
                e.batch_id
            ),
            Vec::new(),
        ),
        _ => (
            None,
            "No location was recorded for this evidence.".to_string(),
            Vec::new(),
        ),
    };
    evidence_props.extend(Prop::csfkit("location-kind", &e.location_kind));
    if let Some(sha) = &e.file_sha256 {
        evidence_props.extend(Prop::csfkit("sha256", sha));
    }
    Ok(Observation {
        uuid: uuid_for(&format!("observation|{}|{content}", e.id)),
        title: one_line(&e.title).unwrap_or_else(|| format!("Evidence {}", e.id)),
        description: if e.description.trim().is_empty() {
            format!("Evidence {} for {}: {}", e.id, e.control_id, e.title)
        } else {
            e.description.clone()
        },
        props,
        methods: ["UNKNOWN".into()],
        origins: actors.self_assessment(),
        subjects: Vec::new(),
        relevant_evidence: vec![RelevantEvidence {
            href,
            description,
            props: evidence_props,
        }],
        collected: timestamp(e.collected_on.unwrap_or(cov.as_of)),
        expires: e.valid_until.map(timestamp),
    })
}

/// The UUID of the assessment results of `input` (the POA&M names their findings and risks by
/// UUIDs made from it).
pub(crate) fn ar_uuid(input: &ChainInput<'_>) -> String {
    let cov = input.cov;
    let m = &cov.matrix;
    let services = join_services(&m.services);
    // Documents that count differently get other identifiers (the seed of a default export
    // is unchanged); so do results with the assessor's.
    let counted = if cov.no_mapped { "|no-mapped" } else { "" };
    let reviews = if input.reviews.is_empty() {
        String::new()
    } else {
        let seqs: Vec<String> = input.reviews.iter().map(|r| r.seq.to_string()).collect();
        format!("|reviews {}", seqs.join(","))
    };
    uuid_for(&format!(
        "assessment-results|{}|{}|{services}|{}|{}{counted}{reviews}",
        input.digest, m.provider.id, cov.as_of, cov.stale_days
    ))
}

/// Writes `assessment-results.json` to `out`, streaming the evidence from the catalogue (call
/// inside a read snapshot, so that it is the evidence the coverage counted).
pub(crate) fn write_assessment_results(
    cat: &Catalogue,
    input: &ChainInput<'_>,
    actors: &Actors,
    out: &mut impl Write,
) -> Result<()> {
    let cov = input.cov;
    let m = &cov.matrix;
    let as_of = cov.as_of;
    let services = join_services(&m.services);
    let ar_uuid = ar_uuid(input);
    let scope = format!(
        "{}{} ({})",
        input.system.map(|s| format!("{s}, ")).unwrap_or_default(),
        m.provider.name,
        services.replace(',', ", ")
    );
    let mut metadata = Metadata::new(
        &format!("csfkit assessment results: {scope}, as of {as_of}"),
        &as_of.to_string(),
        as_of,
    );
    metadata
        .props
        .extend(Prop::csfkit("catalogue-digest", input.digest));
    metadata.roles = Actors::roles();
    metadata.parties = actors.parties();
    // The period: the as-of date, widened to the assessor's results.
    let (start, end) = input.period();
    let mut props: Vec<Prop> = [
        input.system.and_then(|s| Prop::csfkit("system", s)),
        Prop::csfkit("provider", &m.provider.id),
        Prop::csfkit("stale-days", &cov.stale_days.to_string()),
        // --no-mapped: the findings count only evidence keyed by its CSF ID.
        cov.no_mapped
            .then(|| Prop::csfkit("evidence-counted", "direct-only"))
            .flatten(),
    ]
    .into_iter()
    .flatten()
    .collect();
    props.extend(
        m.services
            .iter()
            .filter_map(|s| Prop::csfkit("service-model", s.as_str())),
    );
    let related: RelatedIds = RefCell::new(HashMap::new());
    let failure = RefCell::new(None);
    let doc = Document {
        results: AssessmentResults {
            uuid: ar_uuid.clone(),
            metadata,
            import_ap: ImportAp {
                href: ASSESSMENT_PLAN.into(),
                remarks: "The assessment plan beside this file: it imports the system security plan, which imports the profile of catalog.json.".into(),
            },
            results: [ResultOut {
                uuid: uuid_for(&format!("result|{ar_uuid}")),
                title: format!("Evidence coverage of {scope} as of {as_of}"),
                description: format!(
                    "csfkit's coverage of every NIST CSF 2.0 subcategory for {scope}, judged at {as_of} with evidence older than {} days stale. A customer, shared or undetermined control is a gap when it lacks current evidence, is not assessed or not implemented, or its ownership is undetermined; not-applicable controls (with a justification) are not gaps. An inherited control is provider-attested when a provider attestation recorded in the catalogue is in force for every service model in scope, else an inheritance gap (not-satisfied, reason no-attestation), which is not a customer gap. Current evidence is direct (keyed by the control's own CSF ID) or mapped only (from another framework's ID through NIST's informative references): a claim to judge. Placeholder rows (no collection date, no location) and rows retargeted to other subcategories are observed, never counted. One observation per evidence item (the organisation's record: method UNKNOWN, nobody examined it; csfkit hashes files and never opens URLs); one finding per gap (not-satisfied, reason fail, determined by csfkit, with its risk), per inherited control (determined by csfkit) and per other control with an implementation status recorded (the organisation's self-assessment, determined-by self-assessment: no method is claimed). Each assessor result recorded with csfkit review import is an observation with the assessor's method and a finding of its own whose origin is the assessor's party.",
                    cov.stale_days
                ),
                start: timestamp(start),
                end: timestamp(end),
                props,
                reviewed_controls: ReviewedControls::of(input),
                observations: Observations {
                    cat,
                    input,
                    actors,
                    ar_uuid: &ar_uuid,
                    related: &related,
                    failure: &failure,
                },
                risks: risks(input, &ar_uuid, actors),
                findings: Findings {
                    input,
                    actors,
                    ar_uuid: &ar_uuid,
                    related: &related,
                },
            }],
        },
    };
    let written = serde_json::to_writer_pretty(&mut *out, &doc);
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    written.map_err(|e| Error::io("writing assessment-results.json", std::io::Error::from(e)))?;
    out.write_all(b"\n")
        .map_err(|e| Error::io("writing assessment-results.json", e))
}
