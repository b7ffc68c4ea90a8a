//! Who determined what, as the OSCAL documents name them: the organisation (the cloud service
//! customer, whose statuses and evidence records are a self-assessment), the provider (the
//! source of the matrix cells it stated), the assessor (each name in the assessor's results)
//! as parties, and csfkit as a tool: a `software` component of the assessment's assets (the
//! assessment plan's, and a POA&M's local definitions), which origins name with the actor type
//! `tool`. A finding or observation says who in its `origins` and in the `determined-by`
//! property: `self-assessment`, `assessor` or `csfkit`.

use serde::Serialize;

use crate::export::oscal::{
    ChainInput, ComponentStatus, Party, Prop, ResponsibleRole, Role, SystemComponent, one_line, uuid_for,
};
use crate::model::oscal::{CUSTOMER_ROLE, PROVIDER_ROLE};
use crate::model::ownership::{Service, join_services};
use crate::model::review::Review;

/// The role of the independent assessor.
pub(crate) const ASSESSOR_ROLE: &str = "assessor";
/// NIST's role of who prepared a document.
pub(crate) const PREPARED_BY_ROLE: &str = "prepared-by";

/// Who determined a finding or made an observation (`determined-by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeterminedBy {
    /// The organisation's own statuses and evidence records.
    SelfAssessment,
    /// An independent assessor's recorded result.
    Assessor,
    /// csfkit's rules over the catalogue (coverage, gaps, attestations).
    Csfkit,
}

impl DeterminedBy {
    /// The `determined-by` property.
    pub(crate) fn prop(self) -> Option<Prop> {
        Prop::csfkit(
            "determined-by",
            match self {
                DeterminedBy::SelfAssessment => "self-assessment",
                DeterminedBy::Assessor => "assessor",
                DeterminedBy::Csfkit => "csfkit",
            },
        )
    }
}

/// An origin: the actors that made an observation or determined a finding or risk.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Origin {
    actors: Vec<Actor>,
}

/// One actor of an origin: a party (with its role) or a tool.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Actor {
    #[serde(rename = "type")]
    kind: &'static str,
    actor_uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_id: Option<&'static str>,
}

/// The parties and the tool of a scope's documents.
pub(crate) struct Actors {
    /// The organisation (the customer).
    pub organisation: Party,
    /// The provider of the services in scope.
    pub provider: Party,
    /// One person per assessor named in the assessor's results, by name.
    pub assessors: Vec<Party>,
    /// csfkit as a tool: its component's UUID.
    pub tool: String,
    /// The assessment platform that uses it.
    pub platform: String,
    /// The customer's system (the SSP's `this-system` component).
    pub this_system: String,
}

impl Actors {
    /// The actors of `input`'s scope.
    pub(crate) fn new(input: &ChainInput<'_>) -> Actors {
        let m = &input.cov.matrix;
        Actors::of(
            input.organization,
            input.system,
            (&m.provider.id, &m.provider.name),
            &m.services,
            input.reviews,
        )
    }

    /// The actors of a scope: the organisation's name (else the system's), the provider's ID
    /// and name, the service models in scope, the assessor's results.
    pub(crate) fn of(
        organization: &str,
        system: Option<&str>,
        (provider_id, provider_name): (&str, &str),
        services: &[Service],
        reviews: &[Review],
    ) -> Actors {
        let name = one_line(organization)
            .or_else(|| {
                system
                    .and_then(one_line)
                    .map(|s| format!("The organisation operating {s}"))
            })
            .unwrap_or_else(|| "The organisation (cloud service customer)".into());
        let organisation = Party {
            uuid: uuid_for(&format!("party|organisation|{name}")),
            kind: "organization".into(),
            name,
            props: Prop::csfkit("party", "organisation").into_iter().collect(),
        };
        let provider = Party {
            uuid: uuid_for(&format!("party|{provider_id}")),
            kind: "organization".into(),
            name: one_line(provider_name).unwrap_or_else(|| provider_id.to_string()),
            props: Prop::csfkit("provider", provider_id).into_iter().collect(),
        };
        let mut names: Vec<String> = reviews.iter().filter_map(|r| one_line(&r.assessor)).collect();
        names.sort();
        names.dedup();
        let assessors = names
            .into_iter()
            .map(|n| Party {
                uuid: assessor_uuid(&n),
                kind: "person".into(),
                name: n,
                props: Prop::csfkit("party", "assessor").into_iter().collect(),
            })
            .collect();
        Actors {
            this_system: uuid_for(&format!(
                "component|this-system|{}|{provider_id}|{}",
                system.unwrap_or(""),
                join_services(services)
            )),
            organisation,
            provider,
            assessors,
            tool: uuid_for("component|csfkit"),
            platform: uuid_for("assessment-platform|csfkit"),
        }
    }

    /// The UUID of the assessor named `name` (as the results give it).
    pub(crate) fn assessor(&self, name: &str) -> Option<&Party> {
        let name = one_line(name)?;
        self.assessors.iter().find(|p| p.name == name)
    }

    /// A self-assessment: the organisation (role `customer`), recorded through csfkit.
    pub(crate) fn self_assessment(&self) -> Vec<Origin> {
        vec![Origin {
            actors: vec![self.party(&self.organisation, CUSTOMER_ROLE), self.tool_actor()],
        }]
    }

    /// csfkit's rules over what the catalogue holds.
    pub(crate) fn by_tool(&self) -> Vec<Origin> {
        vec![Origin {
            actors: vec![self.tool_actor()],
        }]
    }

    /// The assessor named `name`; csfkit's rules when no such assessor is known.
    pub(crate) fn by_assessor(&self, name: &str) -> Vec<Origin> {
        match self.assessor(name) {
            Some(p) => vec![Origin {
                actors: vec![self.party(p, ASSESSOR_ROLE)],
            }],
            None => self.by_tool(),
        }
    }

    /// The organisation (role `customer`): the owner of a plan.
    pub(crate) fn by_organisation(&self) -> Vec<Origin> {
        vec![Origin {
            actors: vec![self.party(&self.organisation, CUSTOMER_ROLE)],
        }]
    }

    fn party(&self, p: &Party, role: &'static str) -> Actor {
        Actor {
            kind: "party",
            actor_uuid: p.uuid.clone(),
            role_id: Some(role),
        }
    }

    fn tool_actor(&self) -> Actor {
        Actor {
            kind: "tool",
            actor_uuid: self.tool.clone(),
            role_id: None,
        }
    }

    /// The roles a document of the chain defines.
    /// The metadata a document of the chain starts from: `title`, dated and versioned by the
    /// as-of date, the catalogue digest, the roles, every party, and the organisation as the
    /// one that prepared it.
    pub(crate) fn metadata(&self, title: &str, input: &ChainInput<'_>) -> crate::export::oscal::Metadata {
        let as_of = input.cov.as_of;
        let mut metadata = crate::export::oscal::Metadata::new(title, &as_of.to_string(), as_of);
        metadata
            .props
            .extend(Prop::csfkit("catalogue-digest", input.digest));
        metadata.roles = Actors::roles();
        metadata.parties = self.parties();
        metadata.responsible_parties = vec![crate::export::oscal::ResponsibleParty {
            role_id: PREPARED_BY_ROLE.into(),
            party_uuids: vec![self.organisation.uuid.clone()],
        }];
        metadata
    }

    pub(crate) fn roles() -> Vec<Role> {
        [
            (CUSTOMER_ROLE, "Cloud service customer (the organisation)"),
            (PROVIDER_ROLE, "Cloud service provider"),
            (ASSESSOR_ROLE, "Independent assessor"),
            (PREPARED_BY_ROLE, "Prepared by"),
        ]
        .into_iter()
        .map(|(id, title)| Role {
            id: id.into(),
            title: title.into(),
        })
        .collect()
    }

    /// The organisation, the provider and every assessor.
    pub(crate) fn parties(&self) -> Vec<Party> {
        let mut out = vec![self.organisation.clone(), self.provider.clone()];
        out.extend(self.assessors.iter().cloned());
        out
    }

    /// csfkit as a `software` component (an assessment asset, a POA&M's local definition).
    pub(crate) fn tool_component(&self) -> SystemComponent {
        let version = env!("CARGO_PKG_VERSION");
        SystemComponent {
            uuid: self.tool.clone(),
            kind: "software".into(),
            title: format!("csfkit {version}"),
            description: "csfkit, the tool that recorded the organisation's evidence and statuses (hashing evidence files, never opening URLs), derived ownership from the provider's matrix by its rules, and judged coverage and gaps. What it determines is marked determined-by csfkit; it examines, interviews and tests nothing.".into(),
            props: [Prop::csfkit("tool", "csfkit"), Prop::nist("version", version)]
                .into_iter()
                .flatten()
                .collect(),
            links: Vec::new(),
            status: ComponentStatus {
                state: "operational".into(),
                remarks: None,
            },
            responsible_roles: vec![ResponsibleRole::new(
                CUSTOMER_ROLE,
                &[self.organisation.uuid.as_str()],
            )],
        }
    }

    /// The UUID of a provider's service component (the same in the component definition and
    /// the SSP).
    pub(crate) fn service(provider: &str, s: Service) -> String {
        uuid_for(&format!("component|{provider}|{s}"))
    }
}

fn assessor_uuid(name: &str) -> String {
    uuid_for(&format!("party|assessor|{name}"))
}
