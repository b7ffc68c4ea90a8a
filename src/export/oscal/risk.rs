//! The risks the assessment results and the POA&M share (the same UUIDs in both): one per gap,
//! determined by csfkit, with the plan in force as its remediation (milestones as tasks, the due
//! date as the deadline) and the plan's rating when it gives one (`plan --risk`); and one per
//! assessor result other than satisfied, determined by the assessor, with the assessor's rating.
//! A rating is a characterization with the facet `risk` (NIST's namespace) whose origin is who
//! rated it; without a rating there is no characterization.

use serde::Serialize;

use crate::export::oscal::actors::{Actors, DeterminedBy, Origin};
use crate::export::oscal::{Prop, one_line, timestamp, uuid_for};
use crate::model::plan::{PlanRow, PlanStatus};
use crate::model::review::{Review, Risk};
use crate::view::coverage::ControlCoverage;
use crate::view::matrix::MatrixRow;
use crate::view::poam::{PlanState, PoamRow};

/// NIST's namespace of risk facets.
const NIST_FACETS: &str = "http://csrc.nist.gov/ns/oscal";

/// An OSCAL risk.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct RiskOut {
    pub uuid: String,
    title: String,
    description: String,
    statement: String,
    props: Vec<Prop>,
    status: &'static str,
    origins: Vec<Origin>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    characterizations: Vec<Characterization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remediations: Vec<Response>,
}

#[derive(Debug, Clone, Serialize)]
struct Characterization {
    origin: Origin,
    facets: [Facet; 1],
}

#[derive(Debug, Clone, Serialize)]
struct Facet {
    name: &'static str,
    system: &'static str,
    value: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct Response {
    uuid: String,
    lifecycle: &'static str,
    title: String,
    description: String,
    props: Vec<Prop>,
    origins: Vec<Origin>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tasks: Vec<Task>,
}

#[derive(Debug, Clone, Serialize)]
struct Task {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    timing: Timing,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Timing {
    on_date: OnDate,
}

#[derive(Debug, Clone, Serialize)]
struct OnDate {
    date: String,
}

fn rated(rating: Option<Risk>, origins: Vec<Origin>) -> Vec<Characterization> {
    rating
        .into_iter()
        .zip(origins)
        .map(|(r, origin)| Characterization {
            origin,
            facets: [Facet {
                name: "risk",
                system: NIST_FACETS,
                value: r.as_str(),
            }],
        })
        .collect()
}

/// The UUID of the risk of `control`'s gap in the results `ar_uuid`.
pub(crate) fn gap_risk_uuid(ar_uuid: &str, control: &str) -> String {
    uuid_for(&format!("risk|gap|{ar_uuid}|{control}"))
}

/// The UUID of the risk of an assessor result.
pub(crate) fn review_risk_uuid(ar_uuid: &str, r: &Review) -> String {
    uuid_for(&format!("risk|review|{ar_uuid}|{}", r.seq))
}

/// The risk of a gap: `poam` is its POA&M row, `plan` the plan in force, `rating` the plan's.
pub(crate) fn gap_risk(
    ar_uuid: &str,
    row: &MatrixRow,
    c: &ControlCoverage,
    poam: Option<&PoamRow>,
    plan: Option<&PlanRow>,
    rating: Option<Risk>,
    actors: &Actors,
) -> RiskOut {
    let reasons = c.gaps.join("; ");
    let status = match poam.map(|p| p.state) {
        Some(PlanState::Planned | PlanState::Overdue) => "remediating",
        Some(PlanState::RiskAccepted) => "deviation-approved",
        _ => "open",
    };
    let mut props: Vec<Prop> = [
        DeterminedBy::Csfkit.prop(),
        poam.and_then(|p| Prop::csfkit("poam-id", &p.poam_id)),
        poam.and_then(|p| Prop::csfkit("poam-status", &p.status)),
    ]
    .into_iter()
    .flatten()
    .collect();
    props.extend(rating.and_then(|r| Prop::csfkit("risk-rating", r.as_str())));
    let remediations = plan
        .map(|p| {
            let key = format!("{ar_uuid}|{}|{}", row.control_id, p.seq);
            vec![Response {
                uuid: uuid_for(&format!("remediation|{key}")),
                lifecycle: if p.status == PlanStatus::Closed {
                    "completed"
                } else {
                    "planned"
                },
                title: format!("Remediation plan for {}", row.control_id),
                description: if p.action.trim().is_empty() {
                    "The plan records no action.".into()
                } else {
                    p.action.clone()
                },
                props: [
                    Prop::csfkit("plan-status", p.status.as_str()),
                    Prop::csfkit("point-of-contact", &p.owner),
                ]
                .into_iter()
                .flatten()
                .collect(),
                origins: actors.by_organisation(),
                tasks: p
                    .milestones
                    .iter()
                    .enumerate()
                    .map(|(i, m)| Task {
                        uuid: uuid_for(&format!("milestone|{key}|{i}")),
                        kind: "milestone",
                        title: one_line(&m.text).unwrap_or_else(|| format!("Milestone {}", i + 1)),
                        timing: Timing {
                            on_date: OnDate {
                                date: timestamp(m.date),
                            },
                        },
                    })
                    .collect(),
            }]
        })
        .unwrap_or_default();
    RiskOut {
        uuid: gap_risk_uuid(ar_uuid, &row.control_id),
        title: format!(
            "{}: {}",
            row.control_id,
            c.gaps.first().map_or("gap", String::as_str)
        ),
        description: poam.map_or_else(
            || format!("{} Gap: {reasons}.", row.title.trim_end()),
            |p| p.weakness_description.clone(),
        ),
        statement: format!(
            "Until the gap is closed, the organisation cannot show that {} is met ({reasons}). csfkit determined the gap from the catalogue by its rules; the risk is not rated unless a plan rates it.",
            row.control_id
        ),
        props,
        status,
        origins: actors.by_tool(),
        characterizations: rated(rating, actors.by_organisation()),
        deadline: plan.map(|p| timestamp(p.due)),
        remediations,
    }
}

/// The risk of an assessor result other than satisfied, rated as the assessor rated it.
pub(crate) fn review_risk(ar_uuid: &str, r: &Review, actors: &Actors) -> RiskOut {
    let finding = one_line(&r.finding).unwrap_or_else(|| "other than satisfied".into());
    let mut props: Vec<Prop> = DeterminedBy::Assessor.prop().into_iter().collect();
    props.extend(r.risk.and_then(|x| Prop::csfkit("risk-rating", x.as_str())));
    RiskOut {
        uuid: review_risk_uuid(ar_uuid, r),
        title: format!("{}: {finding}", r.control_id),
        description: format!(
            "The assessor {} found {} other than satisfied on {} ({}).",
            r.assessor, r.control_id, r.assessed_on, r.source_place
        ),
        statement: if r.finding.trim().is_empty() {
            format!("{} is other than satisfied.", r.control_id)
        } else {
            r.finding.clone()
        },
        props,
        status: "open",
        origins: actors.by_assessor(&r.assessor),
        characterizations: rated(r.risk, actors.by_assessor(&r.assessor)),
        deadline: None,
        remediations: Vec::new(),
    }
}
