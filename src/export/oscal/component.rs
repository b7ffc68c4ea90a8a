//! A provider's responsibility matrix as an OSCAL `component-definition`: one `service`
//! component per service model in scope (csfkit's `service-model` property, and the model in
//! the title), each with one implemented requirement per subcategory the matrix holds a cell
//! for. A requirement carries:
//!
//! - the ownership in force: csfkit's `ownership` property, and FedRAMP's `control-origination`
//!   values where they map ([`crate::model::oscal::origination`]); an override in force adds
//!   `matrix-ownership` (the matrix value), `override-reason`, `override-by`, `override-at`;
//! - `basis` (`stated` or `derived`) as a property and the citation as the remarks;
//! - the provider's responsibility as the requirement's description (how the component meets
//!   the control) and the customer's as the description of the statement (`gv.oc-01_smt`)
//!   with the responsible role `customer`. OSCAL allows one statement per statement ID in a
//!   requirement, and a CSF subcategory has one statement, so the two texts cannot both be
//!   statements of it.
//!
//! Who prepared it is apart from the provider: the organisation (`prepared-by`, with csfkit's
//! rules) prepared the document; the provider is named only as the source of the cells it
//! stated (a stated requirement's responsible role `provider`); a derived cell names csfkit's
//! rules (`derived-by`) and the organisation that prepared it.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::export::oscal::actors::{Actors, PREPARED_BY_ROLE};
use crate::export::oscal::{
    CATALOG, Metadata, Prop, ResponsibleParty, ResponsibleRole, Role, one_line, to_bytes, uuid_for,
};
use crate::model::oscal::CONTROL_ORIGINATION;
use crate::model::oscal::{
    CUSTOMER_ROLE, FEDRAMP_NS, PROVIDER_ROLE, origination, statement_id, title_label, token,
};
use crate::model::ownership::Service;
use crate::view::matrix::{Matrix, ServiceCell};

#[derive(Serialize)]
struct Document {
    #[serde(rename = "component-definition")]
    definition: Definition,
}

#[derive(Serialize)]
struct Definition {
    uuid: String,
    metadata: Metadata,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Component {
    uuid: String,
    #[serde(rename = "type")]
    kind: String,
    title: String,
    description: String,
    props: Vec<Prop>,
    responsible_roles: Vec<ResponsibleRole>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    control_implementations: Vec<ControlImplementation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlImplementation {
    uuid: String,
    source: String,
    description: String,
    implemented_requirements: Vec<Requirement>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Requirement {
    uuid: String,
    control_id: String,
    description: String,
    props: Vec<Prop>,
    responsible_roles: Vec<ResponsibleRole>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    statements: Vec<Statement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Statement {
    statement_id: String,
    uuid: String,
    description: String,
    props: Vec<Prop>,
    responsible_roles: Vec<ResponsibleRole>,
}

/// The properties of one cell: origination, ownership, basis, the override in force.
fn cell_props(c: &ServiceCell) -> Vec<Prop> {
    let mut props: Vec<Prop> = origination(c.ownership)
        .iter()
        .map(|v| Prop {
            name: CONTROL_ORIGINATION.into(),
            ns: Some(FEDRAMP_NS.into()),
            value: (*v).into(),
            class: None,
        })
        .collect();
    props.extend(Prop::csfkit("ownership", c.ownership.as_str()));
    props.extend(Prop::csfkit("basis", &c.basis));
    // A cell projected from a FedRAMP CRM or a CCM workbook: how its referenced controls were
    // answered, and the leaning those counts give (none when nothing was answered).
    if let Some(t) = &c.tally {
        for (name, n) in [
            ("answers-yes", t.yes),
            ("answers-partial", t.partial),
            ("answers-no", t.no),
            ("answers-unanswered", t.unanswered),
        ] {
            props.extend(Prop::csfkit(name, &n.to_string()));
        }
        if let Some(l) = t.leaning() {
            props.extend(Prop::csfkit("leaning", l.as_str()));
        }
    }
    if let Some(o) = &c.r#override {
        props.extend(
            [
                Prop::csfkit("matrix-ownership", c.matrix.as_str()),
                Prop::csfkit("override-reason", &o.reason),
                Prop::csfkit("override-by", &o.by),
                Prop::csfkit("override-at", &o.at),
            ]
            .into_iter()
            .flatten(),
        );
    }
    props
}

/// Who a requirement names: the provider as the source of a stated cell; the organisation
/// that prepared the document (with csfkit's rules) for a derived one.
fn source_roles(c: &ServiceCell, actors: &Actors) -> (Vec<ResponsibleRole>, Option<Prop>) {
    if c.basis == "stated" {
        (
            vec![ResponsibleRole::new(
                PROVIDER_ROLE,
                &[actors.provider.uuid.as_str()],
            )],
            None,
        )
    } else {
        (
            vec![ResponsibleRole::new(
                PREPARED_BY_ROLE,
                &[actors.organisation.uuid.as_str()],
            )],
            Prop::csfkit("derived-by", "csfkit"),
        )
    }
}

/// One implemented requirement.
fn requirement(
    provider: &str,
    service: Service,
    control: &str,
    c: &ServiceCell,
    actors: &Actors,
) -> Requirement {
    let key = format!("{provider}|{service}|{control}");
    let statements = if c.customer_responsibility.is_empty() {
        Vec::new()
    } else {
        vec![Statement {
            statement_id: statement_id(control),
            uuid: uuid_for(&format!("customer-responsibility|{key}")),
            description: c.customer_responsibility.clone(),
            props: Prop::csfkit("responsibility", CUSTOMER_ROLE)
                .into_iter()
                .collect(),
            responsible_roles: vec![ResponsibleRole {
                role_id: CUSTOMER_ROLE.into(),
                party_uuids: Vec::new(),
            }],
        }]
    };
    let (responsible_roles, derived) = source_roles(c, actors);
    let mut props = cell_props(c);
    props.extend(derived);
    Requirement {
        uuid: uuid_for(&format!("implemented-requirement|{key}")),
        control_id: token(control),
        description: c.provider_responsibility.clone(),
        props,
        responsible_roles,
        statements,
        remarks: (!c.citation.is_empty()).then(|| c.citation.clone()),
    }
}

/// `component-definition.json`: the matrix of the scope's provider for its service models,
/// overrides in force applied, dated `as_of`; the control implementations point at
/// `catalog.json` beside it.
pub(crate) fn component_definition(
    cat: &Catalogue,
    m: &Matrix,
    as_of: NaiveDate,
    actors: &Actors,
) -> Result<Vec<u8>> {
    let p = &m.provider;
    let stored: HashSet<(String, Service)> = cat
        .cells(&p.id, &m.services)?
        .into_iter()
        .map(|c| (c.control_id, c.service))
        .collect();
    let preparer = actors.organisation.uuid.as_str();
    let (mut stated, mut derived) = (0usize, 0usize);
    let mut components = Vec::new();
    for (i, s) in m.services.iter().enumerate() {
        let mut requirements = Vec::new();
        let mut missing = Vec::new();
        for r in &m.rows {
            let Some(c) = r.cells.get(i) else { continue };
            if stored.contains(&(r.control_id.clone(), *s)) {
                if c.basis == "stated" {
                    stated += 1;
                } else {
                    derived += 1;
                }
                requirements.push(requirement(&p.id, *s, &r.control_id, c, actors));
            } else {
                missing.push(r.control_id.as_str());
            }
        }
        let label = title_label(*s);
        components.push(Component {
            uuid: Actors::service(&p.id, *s),
            kind: "service".into(),
            title: one_line(&format!("{} — {label}", p.name)).unwrap_or_else(|| label.into()),
            description: format!(
                "{} {label} (csfkit service model `{s}`), as the responsibility matrix `{}` describes it: who owns each NIST CSF 2.0 subcategory, the provider's and the customer's responsibility, and the basis with its citation. Matrix source: {} (SHA-256 {}). Prepared by {} with csfkit's rules; {} is the source of the stated cells only.",
                p.name, p.id, p.source, p.source_sha256, actors.organisation.name, p.name
            ),
            props: Prop::csfkit("service-model", s.as_str()).into_iter().collect(),
            responsible_roles: vec![ResponsibleRole::new(PREPARED_BY_ROLE, &[preparer])],
            remarks: (!missing.is_empty()).then(|| {
                format!(
                    "The matrix has no cell for {} of the subcategories; they have no implemented requirement here: {}",
                    missing.len(),
                    missing.join(", ")
                )
            }),
            control_implementations: if requirements.is_empty() {
                Vec::new()
            } else {
                vec![ControlImplementation {
                    uuid: uuid_for(&format!("control-implementation|{}|{s}", p.id)),
                    source: CATALOG.into(),
                    description: format!(
                        "NIST CSF 2.0 subcategories for {} {label}. The requirement's description is the provider's responsibility; the statement with the role `customer` is the customer's; the remarks are the citation.",
                        p.name
                    ),
                    implemented_requirements: requirements,
                }]
            },
        });
    }
    let services = crate::model::ownership::join_services(&m.services).replace(',', ", ");
    let mut metadata = Metadata::new(
        &format!("{}: shared responsibility for NIST CSF 2.0 ({services})", p.name),
        &as_of.to_string(),
        as_of,
    );
    metadata.props.extend(
        [
            Prop::csfkit("provider", &p.id),
            Prop::csfkit("matrix-source", &p.source),
            Prop::csfkit("matrix-sha256", &p.source_sha256),
            Prop::csfkit("matrix-layout", &p.layout),
            Prop::csfkit("cells-stated", &stated.to_string()),
            Prop::csfkit("cells-derived", &derived.to_string()),
        ]
        .into_iter()
        .flatten(),
    );
    metadata.roles = vec![
        Role {
            id: PROVIDER_ROLE.into(),
            title: "Cloud service provider".into(),
        },
        Role {
            id: CUSTOMER_ROLE.into(),
            title: "Cloud service customer".into(),
        },
        Role {
            id: PREPARED_BY_ROLE.into(),
            title: "Prepared by".into(),
        },
    ];
    metadata.parties = vec![actors.organisation.clone(), actors.provider.clone()];
    metadata.responsible_parties = vec![ResponsibleParty {
        role_id: PREPARED_BY_ROLE.into(),
        party_uuids: vec![preparer.to_string()],
    }];
    metadata.remarks = Some(format!(
        "Prepared by {} with csfkit, not issued by {}: {} is the source of the {stated} stated cells only (their requirements name it in the role `provider`); csfkit's rules derived the other {derived} (property `derived-by`). Ownership is csfkit's `ownership` property (inherited, shared, customer, undetermined) with FedRAMP's `control-origination` where it maps: inherited is `inherited`, shared is `inherited` and `customer-configured`, customer is `customer-provided`, undetermined has none. Overrides in force are applied; the matrix value and the reason are kept as properties.",
        actors.organisation.name, p.name, p.name
    ));
    let doc = Definition {
        uuid: String::new(),
        metadata,
        components,
    };
    // The UUID changes with the content (and only with it): a hash over the document without it.
    let content = crate::util::sha256_hex(&serde_json::to_vec(&(&doc.components, &doc.metadata.props))?);
    let doc = Definition {
        uuid: uuid_for(&format!("component-definition|{}|{content}", p.id)),
        ..doc
    };
    to_bytes(&Document { definition: doc })
}
