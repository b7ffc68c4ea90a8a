//! The scope as an OSCAL `system-security-plan` importing `profile.json`: the customer's system
//! (`this-system`, the organisation responsible) and the provider's service per service model
//! in scope as a leveraged component (`implementation-point` `external`, the same UUID as in
//! `component-definition.json`, linked to it). Each subcategory is an implemented requirement
//! with csfkit's `ownership` and FedRAMP's `control-origination`, and by component:
//!
//! - a service whose cell is inherited or shared: what the system inherits (`inherited`, the
//!   provider's responsibility) and the attestation in force;
//! - the system, when any cell is shared, customer or undetermined, or a status is recorded: the
//!   customer's part per service model (the customer's responsibility; `satisfied` for a shared
//!   cell) and the implementation status the organisation recorded (a self-assessment).

use serde::Serialize;

use crate::error::Result;
use crate::export::oscal::actors::{Actors, DeterminedBy};
use crate::export::oscal::{
    COMPONENT_DEFINITION, ChainInput, ComponentStatus, Link, Metadata, PROFILE, Prop, ResponsibleRole,
    SystemComponent, one_line, to_bytes, uuid_for,
};
use crate::model::oscal::{
    CONTROL_ORIGINATION, CUSTOMER_ROLE, FEDRAMP_NS, PROVIDER_ROLE, origination, title_label, token,
};
use crate::model::ownership::{Ownership, join_services};
use crate::view::matrix::{MatrixRow, ServiceCell};

#[derive(Serialize)]
struct Document {
    #[serde(rename = "system-security-plan")]
    ssp: Ssp,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Ssp {
    uuid: String,
    metadata: Metadata,
    import_profile: Href,
    system_characteristics: Characteristics,
    system_implementation: Implementation,
    control_implementation: ControlImplementation,
}

#[derive(Serialize)]
struct Href {
    href: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Characteristics {
    system_ids: [SystemId; 1],
    system_name: String,
    description: String,
    props: Vec<Prop>,
    system_information: SystemInformation,
    status: ComponentStatus,
    authorization_boundary: Described,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SystemId {
    identifier_type: &'static str,
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SystemInformation {
    information_types: [InformationType; 1],
}

#[derive(Serialize)]
struct InformationType {
    uuid: String,
    title: String,
    description: String,
}

#[derive(Serialize)]
struct Described {
    description: String,
}

#[derive(Serialize)]
struct Implementation {
    components: Vec<SystemComponent>,
    remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlImplementation {
    description: String,
    implemented_requirements: Vec<Requirement>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Requirement {
    uuid: String,
    control_id: String,
    props: Vec<Prop>,
    by_components: Vec<ByComponent>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ByComponent {
    component_uuid: String,
    uuid: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    implementation_status: Option<State>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inherited: Vec<Part>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    satisfied: Vec<Part>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_roles: Vec<ResponsibleRole>,
}

#[derive(Serialize)]
struct State {
    state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Part {
    uuid: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_roles: Vec<ResponsibleRole>,
}

/// The FedRAMP `control-origination` properties of an ownership.
pub(crate) fn origination_props(o: Ownership) -> Vec<Prop> {
    origination(o)
        .iter()
        .map(|v| Prop {
            name: CONTROL_ORIGINATION.into(),
            ns: Some(FEDRAMP_NS.into()),
            value: (*v).into(),
            class: None,
        })
        .collect()
}

fn or_default(text: &str, default: impl FnOnce() -> String) -> String {
    if text.trim().is_empty() {
        default()
    } else {
        text.to_string()
    }
}

/// What the system inherits from the provider's service for one cell.
fn service_part(input: &ChainInput<'_>, actors: &Actors, row: &MatrixRow, c: &ServiceCell) -> ByComponent {
    let p = &input.cov.matrix.provider;
    let label = title_label(c.service);
    let key = format!("{}|{}|{}", p.id, c.service, row.control_id);
    let provider_text = or_default(&c.provider_responsibility, || {
        format!(
            "{} {label} meets {} for the system; the matrix gives no text.",
            p.name, row.control_id
        )
    });
    let mut props: Vec<Prop> = [
        Prop::csfkit("ownership", c.ownership.as_str()),
        Prop::csfkit("basis", &c.basis),
    ]
    .into_iter()
    .flatten()
    .collect();
    let attestation = c
        .attestation
        .as_ref()
        .map_or_else(|| "none in force".to_string(), |a| a.label.clone());
    props.extend(Prop::csfkit("attestation", &attestation));
    ByComponent {
        component_uuid: Actors::service(&p.id, c.service),
        uuid: uuid_for(&format!("ssp-by-component|{key}")),
        description: provider_text.clone(),
        props,
        implementation_status: None,
        inherited: vec![Part {
            uuid: uuid_for(&format!("ssp-inherited|{key}")),
            description: provider_text,
            responsible_roles: vec![ResponsibleRole::new(
                PROVIDER_ROLE,
                &[actors.provider.uuid.as_str()],
            )],
        }],
        satisfied: Vec::new(),
        responsible_roles: Vec::new(),
    }
}

/// The customer's part of one control: per service model whose cell is not inherited.
fn system_part(input: &ChainInput<'_>, actors: &Actors, row: &MatrixRow) -> Option<ByComponent> {
    let own: Vec<&ServiceCell> = row
        .cells
        .iter()
        .filter(|c| c.ownership != Ownership::Inherited)
        .collect();
    if own.is_empty() && row.assessments.is_empty() {
        return None;
    }
    let key = format!("{}|{}", actors.this_system, row.control_id);
    let mut lines = Vec::new();
    let mut satisfied = Vec::new();
    for c in &own {
        let label = title_label(c.service);
        let text = match c.ownership {
            Ownership::Undetermined => format!(
                "ownership undetermined: the matrix does not say who meets {}",
                row.control_id
            ),
            _ => or_default(&c.customer_responsibility, || {
                "the matrix gives no text for the customer's part".into()
            }),
        };
        lines.push(format!("{label} ({}): {text}", c.ownership));
        if c.ownership == Ownership::Shared {
            satisfied.push(Part {
                uuid: uuid_for(&format!("ssp-satisfied|{key}|{}", c.service)),
                description: format!(
                    "The customer's part of {} {label}: {text}",
                    input.cov.matrix.provider.name
                ),
                responsible_roles: vec![ResponsibleRole::new(
                    CUSTOMER_ROLE,
                    &[actors.organisation.uuid.as_str()],
                )],
            });
        }
    }
    if own.is_empty() {
        lines.push("Inherited from the provider for every service model in scope; the organisation recorded a status.".into());
    }
    let mut props: Vec<Prop> = Vec::new();
    for a in &row.assessments {
        props.extend(
            Prop::csfkit("implementation-status", &a.status)
                .map(|p| p.with_class(a.service.as_deref().unwrap_or("all-service-models"))),
        );
    }
    if !row.assessments.is_empty() {
        props.extend(DeterminedBy::SelfAssessment.prop());
    }
    let first = row.assessments.first().map(|a| a.status.as_str());
    let note = row.status_note();
    let implementation_status = first
        .filter(|f| row.assessments.iter().all(|a| a.status == *f))
        .map(|f| State {
            state: f.to_string(),
            remarks: (!note.is_empty()).then_some(note),
        });
    Some(ByComponent {
        component_uuid: actors.this_system.clone(),
        uuid: uuid_for(&format!("ssp-by-component|{key}")),
        description: lines.join("\n\n"),
        props,
        implementation_status,
        inherited: Vec::new(),
        satisfied,
        responsible_roles: vec![ResponsibleRole::new(
            CUSTOMER_ROLE,
            &[actors.organisation.uuid.as_str()],
        )],
    })
}

fn requirement(input: &ChainInput<'_>, actors: &Actors, row: &MatrixRow) -> Requirement {
    let mut props = origination_props(row.effective);
    props.extend(Prop::csfkit("ownership", row.effective.as_str()));
    props.extend(Prop::nist("label", &row.control_id));
    let mut by_components: Vec<ByComponent> = row
        .cells
        .iter()
        .filter(|c| matches!(c.ownership, Ownership::Inherited | Ownership::Shared))
        .map(|c| service_part(input, actors, row, c))
        .collect();
    by_components.extend(system_part(input, actors, row));
    if by_components.is_empty() {
        // No cell and no status: the system owns it until the matrix says otherwise.
        by_components.push(ByComponent {
            component_uuid: actors.this_system.clone(),
            uuid: uuid_for(&format!(
                "ssp-by-component|{}|{}",
                actors.this_system, row.control_id
            )),
            description: format!(
                "The matrix has no cell for {}: who meets it is not recorded.",
                row.control_id
            ),
            props: Vec::new(),
            implementation_status: None,
            inherited: Vec::new(),
            satisfied: Vec::new(),
            responsible_roles: Vec::new(),
        });
    }
    Requirement {
        uuid: uuid_for(&format!(
            "ssp-requirement|{}|{}",
            actors.this_system, row.control_id
        )),
        control_id: token(&row.control_id),
        props,
        by_components,
    }
}

/// The system's components: itself and the provider's service per service model.
fn components(input: &ChainInput<'_>, actors: &Actors, name: &str) -> Vec<SystemComponent> {
    let p = &input.cov.matrix.provider;
    let mut out = vec![SystemComponent {
        uuid: actors.this_system.clone(),
        kind: "this-system".into(),
        title: name.to_string(),
        description: format!(
            "The organisation's system in scope, on {}'s services; the organisation is responsible for the customer's part of every control.",
            p.name
        ),
        props: Vec::new(),
        links: Vec::new(),
        status: ComponentStatus {
            state: "other".into(),
            remarks: Some("csfkit does not record the system's operational state.".into()),
        },
        responsible_roles: vec![ResponsibleRole::new(
            CUSTOMER_ROLE,
            &[actors.organisation.uuid.as_str()],
        )],
    }];
    for s in &input.cov.matrix.services {
        let label = title_label(*s);
        out.push(SystemComponent {
            uuid: Actors::service(&p.id, *s),
            kind: "service".into(),
            title: one_line(&format!("{} — {label}", p.name)).unwrap_or_else(|| label.into()),
            description: format!(
                "{} {label}: a leveraged external service. What the system inherits from it is in each requirement's by-component; the matrix is in component-definition.json (the same component UUID).",
                p.name
            ),
            props: [
                Prop::nist("implementation-point", "external"),
                Prop::csfkit("service-model", s.as_str()),
                Prop::csfkit("provider", &p.id),
            ]
            .into_iter()
            .flatten()
            .collect(),
            links: vec![Link {
                href: COMPONENT_DEFINITION.into(),
                rel: Some("related".into()),
                text: Some("The provider's responsibility matrix as a component definition".into()),
            }],
            status: ComponentStatus {
                state: "operational".into(),
                remarks: None,
            },
            responsible_roles: vec![ResponsibleRole::new(PROVIDER_ROLE, &[actors.provider.uuid.as_str()])],
        });
    }
    out
}

/// `system-security-plan.json`: `input`'s scope as a system, importing `profile.json`.
pub(crate) fn system_security_plan(input: &ChainInput<'_>, actors: &Actors) -> Result<Vec<u8>> {
    let cov = input.cov;
    let m = &cov.matrix;
    let as_of = cov.as_of;
    let services = join_services(&m.services).replace(',', ", ");
    let name = input.system.and_then(one_line).unwrap_or_else(|| {
        format!(
            "{}'s system on {} ({services})",
            actors.organisation.name, m.provider.name
        )
    });
    let mut metadata = actors.metadata(&format!("System security plan: {name}, as of {as_of}"), input);
    // The plan names no assessor.
    metadata.parties = vec![actors.organisation.clone(), actors.provider.clone()];
    metadata.remarks = Some(
        "Written by csfkit from the organisation's catalogue: the scope, the provider's responsibility matrix (overrides in force applied) and the organisation's implementation statuses. csfkit records no information types, impact levels or authorisation: they are not claimed here.".into(),
    );
    let mut props: Vec<Prop> = [
        input.system.and_then(|s| Prop::csfkit("system", s)),
        Prop::csfkit("provider", &m.provider.id),
    ]
    .into_iter()
    .flatten()
    .collect();
    props.extend(
        m.services
            .iter()
            .filter_map(|s| Prop::csfkit("service-model", s.as_str())),
    );
    let requirements: Vec<Requirement> = m.rows.iter().map(|r| requirement(input, actors, r)).collect();
    let doc = Ssp {
        uuid: uuid_for(&format!("ssp|{}|{}|{as_of}", input.digest, actors.this_system)),
        metadata,
        import_profile: Href { href: PROFILE.into() },
        system_characteristics: Characteristics {
            system_ids: [SystemId {
                identifier_type: "https://ietf.org/rfc/rfc4122",
                id: actors.this_system.clone(),
            }],
            system_name: name.clone(),
            description: format!(
                "{name}: the organisation's use of {} ({services}) as recorded in csfkit, assessed against every NIST CSF 2.0 subcategory.",
                m.provider.name
            ),
            props,
            system_information: SystemInformation {
                information_types: [InformationType {
                    uuid: uuid_for(&format!("information-type|{}", actors.this_system)),
                    title: "Information the system processes".into(),
                    description: "Not recorded: csfkit holds no information types or impact levels for the system.".into(),
                }],
            },
            status: ComponentStatus {
                state: "other".into(),
                remarks: Some("csfkit does not record the system's operational state.".into()),
            },
            authorization_boundary: Described {
                description: format!(
                    "The scope recorded in csfkit: the organisation's system and {}'s service models {services}. csfkit records no authorisation boundary beyond it.",
                    m.provider.name
                ),
            },
        },
        system_implementation: Implementation {
            components: components(input, actors, &name),
            remarks: "The provider's services are leveraged (implementation-point external); each requirement says per service model what the system inherits and what the customer does.".into(),
        },
        control_implementation: ControlImplementation {
            description: "Each NIST CSF 2.0 subcategory by component: what the system inherits from the provider's service (inherited cells, and the provider's part of shared ones) and the customer's part (shared, customer and undetermined cells), with the implementation status the organisation recorded (a self-assessment, not an assessor's result).".into(),
            implemented_requirements: requirements,
        },
    };
    to_bytes(&Document { ssp: doc })
}
