//! The assessment as an OSCAL `assessment-plan` importing `system-security-plan.json`: the
//! scope's controls reviewed, the system and the provider's services as subjects, the parties
//! (the organisation, the provider, each assessor named in the assessor's results), csfkit as
//! the tool of the assessment's assets, the activities (the organisation's self-assessment,
//! csfkit's coverage rules, and the assessor's methods: examine, interview, test) and one task
//! whose timing is the period: from the earliest assessor result (or the as-of date) to the
//! as-of date (or the latest assessor result). The assessment results import this plan.

use serde::Serialize;

use crate::error::Result;
use crate::export::oscal::actors::{ASSESSOR_ROLE, Actors, DeterminedBy};
use crate::export::oscal::{
    ChainInput, Metadata, Prop, ResponsibleParty, ResponsibleRole, ReviewedControls, SSP, SystemComponent,
    to_bytes, uuid_for,
};
use crate::model::oscal::CUSTOMER_ROLE;
use crate::model::review::Method;

#[derive(Serialize)]
struct Document {
    #[serde(rename = "assessment-plan")]
    plan: Plan,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Plan {
    uuid: String,
    metadata: Metadata,
    import_ssp: Href,
    local_definitions: LocalDefinitions,
    reviewed_controls: ReviewedControls,
    assessment_subjects: [Subjects; 1],
    assessment_assets: Assets,
    tasks: [Task; 1],
}

#[derive(Serialize)]
struct Href {
    href: String,
}

#[derive(Serialize)]
struct LocalDefinitions {
    activities: Vec<Activity>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Activity {
    uuid: String,
    title: String,
    description: String,
    props: Vec<Prop>,
    responsible_roles: Vec<ResponsibleRole>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Subjects {
    #[serde(rename = "type")]
    kind: &'static str,
    include_subjects: Vec<SubjectRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct SubjectRef {
    pub subject_uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Assets {
    components: [SystemComponent; 1],
    assessment_platforms: [Platform; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Platform {
    uuid: String,
    title: String,
    uses_components: [UsesComponent; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct UsesComponent {
    component_uuid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Task {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    description: String,
    timing: Timing,
    associated_activities: Vec<Associated>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Timing {
    within_date_range: Range,
}

#[derive(Serialize)]
struct Range {
    start: String,
    end: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Associated {
    activity_uuid: String,
    subjects: [AllSubjects; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct AllSubjects {
    #[serde(rename = "type")]
    kind: &'static str,
    include_all: Empty,
}

#[derive(Serialize)]
struct Empty {}

/// The UUID of the activity of an assessor's method.
pub(crate) fn method_activity(plan_uuid: &str, m: Method) -> String {
    uuid_for(&format!("activity|{plan_uuid}|{}", m.as_str()))
}

/// The UUID of the assessment plan of `input`'s scope.
pub(crate) fn plan_uuid(input: &ChainInput<'_>, actors: &Actors) -> String {
    uuid_for(&format!(
        "assessment-plan|{}|{}|{}",
        input.digest, actors.this_system, input.cov.as_of
    ))
}

/// The subjects of the assessment: the system and the provider's services (SSP components).
pub(crate) fn subjects(input: &ChainInput<'_>, actors: &Actors) -> Vec<SubjectRef> {
    let m = &input.cov.matrix;
    let mut out = vec![SubjectRef {
        subject_uuid: actors.this_system.clone(),
        kind: "component",
    }];
    out.extend(m.services.iter().map(|s| SubjectRef {
        subject_uuid: Actors::service(&m.provider.id, *s),
        kind: "component",
    }));
    out
}

fn activities(plan: &str, actors: &Actors) -> Vec<Activity> {
    let organisation = actors.organisation.uuid.as_str();
    let assessors: Vec<&str> = actors.assessors.iter().map(|p| p.uuid.as_str()).collect();
    let mut out = vec![
        Activity {
            uuid: uuid_for(&format!("activity|{plan}|self-assessment")),
            title: "The organisation's self-assessment".into(),
            description: "The organisation records its evidence (csfkit hashes each file at import and never opens a URL) and an implementation status per control. A finding from these records is a self-assessment (determined-by self-assessment): nobody examined, interviewed or tested, and no method is claimed for it.".into(),
            props: DeterminedBy::SelfAssessment.prop().into_iter().collect(),
            responsible_roles: vec![ResponsibleRole::new(CUSTOMER_ROLE, &[organisation])],
        },
        Activity {
            uuid: uuid_for(&format!("activity|{plan}|csfkit")),
            title: "csfkit's coverage rules".into(),
            description: "csfkit judges each control's evidence at the as-of date (current, expired, stale; direct or mapped from another framework's ID), derives gaps and inheritance gaps, and which provider attestation is in force (determined-by csfkit).".into(),
            props: DeterminedBy::Csfkit.prop().into_iter().collect(),
            responsible_roles: vec![ResponsibleRole::new(CUSTOMER_ROLE, &[organisation])],
        },
    ];
    for m in Method::ALL {
        let upper = m.as_str().to_uppercase();
        out.push(Activity {
            uuid: method_activity(plan, m),
            title: format!("The assessor's {} of the controls", m.as_str()),
            description: format!(
                "An independent assessor assesses controls by {} (NIST SP 800-53A method {upper}) and records the method, the sample, the result, the finding and the risk in the Test results sheet of the workbook; `csfkit review import` records them (determined-by assessor).",
                match m {
                    Method::Examine => "examining documents, records and configurations",
                    Method::Interview => "interviewing the people responsible",
                    Method::Test => "testing the control",
                }
            ),
            props: [Prop::nist("method", &upper), DeterminedBy::Assessor.prop()]
                .into_iter()
                .flatten()
                .collect(),
            responsible_roles: vec![ResponsibleRole::new(ASSESSOR_ROLE, &assessors)],
        });
    }
    out
}

/// `assessment-plan.json`: the assessment of `input`'s scope, importing the SSP.
pub(crate) fn assessment_plan(input: &ChainInput<'_>, actors: &Actors) -> Result<Vec<u8>> {
    let as_of = input.cov.as_of;
    let uuid = plan_uuid(input, actors);
    let (start, end) = input.period();
    let mut metadata = actors.metadata(
        &format!(
            "Assessment plan: NIST CSF 2.0 for {}, as of {as_of}",
            actors.organisation.name
        ),
        input,
    );
    if !actors.assessors.is_empty() {
        metadata.responsible_parties.push(ResponsibleParty {
            role_id: ASSESSOR_ROLE.into(),
            party_uuids: actors.assessors.iter().map(|p| p.uuid.clone()).collect(),
        });
    }
    metadata.remarks = Some(
        "Written by csfkit. The assessor parties are those named in the assessor's results recorded in the catalogue (`csfkit review import`); without them the assessor role has no party yet.".into(),
    );
    let activities = activities(&uuid, actors);
    let associated = activities
        .iter()
        .map(|a| Associated {
            activity_uuid: a.uuid.clone(),
            subjects: [AllSubjects {
                kind: "component",
                include_all: Empty {},
            }],
        })
        .collect();
    let doc = Plan {
        uuid: uuid.clone(),
        metadata,
        import_ssp: Href { href: SSP.into() },
        local_definitions: LocalDefinitions { activities },
        reviewed_controls: ReviewedControls::of(input),
        assessment_subjects: [Subjects {
            kind: "component",
            include_subjects: subjects(input, actors),
        }],
        assessment_assets: Assets {
            components: [actors.tool_component()],
            assessment_platforms: [Platform {
                uuid: actors.platform.clone(),
                title: "csfkit".into(),
                uses_components: [UsesComponent {
                    component_uuid: actors.tool.clone(),
                }],
            }],
        },
        tasks: [Task {
            uuid: uuid_for(&format!("task|{uuid}")),
            kind: "action",
            title: format!("Assessment of NIST CSF 2.0 as of {as_of}"),
            description: "The period of the assessment: from the earliest assessor result (or the as-of date) to the as-of date (or the latest assessor result). Evidence freshness is judged at the as-of date.".into(),
            timing: Timing {
                within_date_range: Range {
                    start: crate::export::oscal::timestamp(start),
                    end: crate::export::oscal::timestamp(end),
                },
            },
            associated_activities: associated,
        }],
    };
    to_bytes(&Document { plan: doc })
}
