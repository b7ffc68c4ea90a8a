//! The gaps as an OSCAL `plan-of-action-and-milestones` importing `system-security-plan.json`:
//! one POA&M item per gap (the POA&M row's ID, status and dates as properties), linked to its
//! finding and its risk, which are the assessment results' (the same UUIDs; the plan in force
//! is the risk's remediation, its milestones tasks); and one per assessor result other than
//! satisfied, linked to the assessor's observation, finding and risk. csfkit, which determined
//! the gaps, is a `software` component of the local definitions. OSCAL requires at least one
//! item: with no weakness at all the one item says so (property `no-weakness`).

use serde::Serialize;

use crate::error::Result;
use crate::export::oscal::actors::{Actors, DeterminedBy, Origin};
use crate::export::oscal::assessor::{
    review_finding, review_finding_uuid, review_observation, review_observation_uuid,
};
use crate::export::oscal::results::{
    Finding, Observation, ar_uuid, finding, finding_uuid, reviews_in_scope, risks,
};
use crate::export::oscal::risk::{RiskOut, gap_risk_uuid, review_risk_uuid};
use crate::export::oscal::{ChainInput, Metadata, Prop, SSP, SystemComponent, to_bytes, uuid_for};
use crate::model::review::Outcome;

#[derive(Serialize)]
struct Document {
    #[serde(rename = "plan-of-action-and-milestones")]
    poam: Poam,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Poam {
    uuid: String,
    metadata: Metadata,
    import_ssp: ImportSsp,
    local_definitions: LocalDefinitions,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    observations: Vec<Observation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    risks: Vec<RiskOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    findings: Vec<Finding>,
    poam_items: Vec<Item>,
}

#[derive(Serialize)]
struct ImportSsp {
    href: String,
    remarks: String,
}

#[derive(Serialize)]
struct LocalDefinitions {
    components: [SystemComponent; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Item {
    uuid: String,
    title: String,
    description: String,
    props: Vec<Prop>,
    origins: Vec<Origin>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_findings: Vec<FindingRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_observations: Vec<ObservationRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_risks: Vec<RiskRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct FindingRef {
    finding_uuid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ObservationRef {
    observation_uuid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RiskRef {
    risk_uuid: String,
}

/// The items: one per gap, one per assessor result other than satisfied.
fn items(input: &ChainInput<'_>, ar: &str, actors: &Actors) -> Vec<Item> {
    let cov = input.cov;
    let mut out = Vec::new();
    for (row, _) in cov.gaps() {
        let Some(p) = input.poam.iter().find(|p| p.control_id == row.control_id) else {
            continue;
        };
        let props = [
            DeterminedBy::Csfkit.prop(),
            Prop::csfkit("poam-id", &p.poam_id),
            Prop::csfkit("status", &p.status),
            Prop::csfkit("status-date", &p.status_date.to_string()),
            Prop::csfkit("original-detection-date", &p.detected.to_string()),
            p.due
                .and_then(|d| Prop::csfkit("scheduled-completion-date", &d.to_string())),
            Prop::csfkit("point-of-contact", &p.point_of_contact),
            Prop::csfkit("overall-remediation-plan", &p.remediation_plan),
            Prop::csfkit("planned-milestones", &p.milestones),
            Prop::csfkit("comments", &p.comments),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.push(Item {
            uuid: uuid_for(&format!("poam-item|{ar}|{}", row.control_id)),
            title: p.weakness_name.clone(),
            description: p.weakness_description.clone(),
            props,
            origins: actors.by_tool(),
            related_findings: vec![FindingRef {
                finding_uuid: finding_uuid(ar, &row.control_id),
            }],
            related_observations: Vec::new(),
            related_risks: vec![RiskRef {
                risk_uuid: gap_risk_uuid(ar, &row.control_id),
            }],
        });
    }
    for r in reviews_in_scope(input) {
        if r.outcome != Outcome::OtherThanSatisfied {
            continue;
        }
        let mut props: Vec<Prop> = DeterminedBy::Assessor.prop().into_iter().collect();
        props.extend(r.risk.and_then(|x| Prop::csfkit("risk-rating", x.as_str())));
        out.push(Item {
            uuid: uuid_for(&format!("poam-item|{ar}|review|{}", r.seq)),
            title: format!("{}: the assessor's finding", r.control_id),
            description: if r.finding.trim().is_empty() {
                format!(
                    "The assessor {} found {} other than satisfied.",
                    r.assessor, r.control_id
                )
            } else {
                r.finding.clone()
            },
            props,
            origins: actors.by_assessor(&r.assessor),
            related_findings: vec![FindingRef {
                finding_uuid: review_finding_uuid(ar, r),
            }],
            related_observations: vec![ObservationRef {
                observation_uuid: review_observation_uuid(ar, r),
            }],
            related_risks: vec![RiskRef {
                risk_uuid: review_risk_uuid(ar, r),
            }],
        });
    }
    out
}

/// `plan-of-action-and-milestones.json`: the gaps of `input`'s scope and the assessor's
/// findings, with their plans.
pub(crate) fn poam(input: &ChainInput<'_>, actors: &Actors) -> Result<Vec<u8>> {
    let cov = input.cov;
    let as_of = cov.as_of;
    let ar = ar_uuid(input);
    let open: Vec<_> = reviews_in_scope(input)
        .into_iter()
        .filter(|r| r.outcome == Outcome::OtherThanSatisfied)
        .collect();
    let mut findings: Vec<Finding> = cov
        .gaps()
        .map(|(row, c)| finding(row, c, &ar, &[], actors))
        .collect();
    findings.extend(open.iter().map(|r| review_finding(r, &ar, actors)));
    let observations = open.iter().map(|r| review_observation(r, &ar, actors)).collect();
    let mut items = items(input, &ar, actors);
    if items.is_empty() {
        items.push(Item {
            uuid: uuid_for(&format!("poam-item|{ar}|none")),
            title: format!("No open weakness as of {as_of}"),
            description: "csfkit found no gap and no assessor result other than satisfied in the scope at the as-of date. OSCAL requires at least one POA&M item: this one records that there is none.".into(),
            props: [Prop::csfkit("no-weakness", "true"), DeterminedBy::Csfkit.prop()]
                .into_iter()
                .flatten()
                .collect(),
            origins: actors.by_tool(),
            related_findings: Vec::new(),
            related_observations: Vec::new(),
            related_risks: Vec::new(),
        });
    }
    let mut metadata = actors.metadata(
        &format!(
            "Plan of action and milestones: {}, as of {as_of}",
            actors.organisation.name
        ),
        input,
    );
    metadata.remarks = Some(
        "Written by csfkit: the same gaps, plans and POA&M IDs as poam.csv. The findings and risks are those of assessment-results.json (the same UUIDs).".into(),
    );
    let doc = Poam {
        uuid: uuid_for(&format!("poam|{ar}")),
        metadata,
        import_ssp: ImportSsp {
            href: SSP.into(),
            remarks: "The system security plan beside this file.".into(),
        },
        local_definitions: LocalDefinitions {
            components: [actors.tool_component()],
        },
        observations,
        risks: risks(input, &ar, actors),
        findings,
        poam_items: items,
    };
    to_bytes(&Document { poam: doc })
}
