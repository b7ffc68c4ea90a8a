//! OSCAL 1.2.1 JSON documents of what csfkit holds, a chain whose every link resolves: the
//! framework as a `catalog` ([`catalog`]), its CSF 2.0 selection as a `profile` ([`profile`]),
//! a provider's responsibility matrix as a `component-definition` ([`component`]), the scope as
//! a `system-security-plan` importing the profile ([`ssp`]), the assessment as an
//! `assessment-plan` importing the SSP ([`plan`]), a scope's evidence, gaps, implementation
//! statuses and the assessor's results at a date as `assessment-results` importing the plan
//! ([`results`]), and the gaps as a `plan-of-action-and-milestones` ([`poam`]). Who determined
//! what (the organisation, the assessor, csfkit as a tool) is in [`actors`]; the risks the
//! results and the POA&M share are in [`risk`].
//!
//! Every document is deterministic: identifiers are name-based (v5) UUIDs in csfkit's namespace,
//! made from stable content, and every timestamp is the as-of date at midnight UTC. Keys are
//! written in the order of typed structures (OSCAL's kebab-case names). Text that OSCAL types as
//! a single line or a plain string (titles, property values) is written on one line, with
//! whitespace runs collapsed; prose (statements, descriptions, remarks) is written exactly.
//! The assessment results stream evidence from the catalogue item by item.

pub(crate) mod actors;
pub(crate) mod assessor;
pub(crate) mod catalog;
pub(crate) mod component;
pub(crate) mod plan;
pub(crate) mod poam;
pub(crate) mod profile;
pub(crate) mod results;
pub(crate) mod risk;
pub(crate) mod ssp;

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::export::format::OSCAL_DIR;
use crate::export::job::{Job, Output, Pass, Written};
use crate::export::package::Staging;
use crate::model::evidence::EvidenceItem;
use crate::model::oscal::{CSFKIT_NS, OSCAL_VERSION};
use crate::model::plan::PlanRow;
use crate::model::review::{Review, Risk};
use crate::view::coverage::Coverage;
use crate::view::poam::PoamRow;

/// The file names of the documents (`export::format` lists them for `verify`).
pub(crate) use crate::export::format::{
    OSCAL_ASSESSMENT_PLAN as ASSESSMENT_PLAN, OSCAL_ASSESSMENT_RESULTS as ASSESSMENT_RESULTS,
    OSCAL_CATALOG as CATALOG, OSCAL_COMPONENT_DEFINITION as COMPONENT_DEFINITION, OSCAL_POAM as POAM,
    OSCAL_PROFILE as PROFILE, OSCAL_SSP as SSP,
};

/// csfkit's UUID namespace: the v5 UUID of its property namespace in RFC 4122's URL namespace.
fn namespace() -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, CSFKIT_NS.as_bytes())
}

/// A name-based (v5) UUID in csfkit's namespace: the same name gives the same UUID.
pub(crate) fn uuid_for(name: &str) -> String {
    uuid::Uuid::new_v5(&namespace(), name.as_bytes()).to_string()
}

/// The as-of date as an OSCAL timestamp (OSCAL requires a time zone): midnight UTC.
pub(crate) fn timestamp(as_of: NaiveDate) -> String {
    format!("{as_of}T00:00:00Z")
}

/// `s` on one line, as OSCAL's single-line and string types require (no line breaks, no
/// leading or trailing whitespace): whitespace runs become one space. None when nothing is left.
pub(crate) fn one_line(s: &str) -> Option<String> {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// A property (`prop`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Prop {
    /// Name (a token).
    pub name: String,
    /// Namespace; none for NIST's own names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    /// Value (one line).
    pub value: String,
    /// Sub-type (a token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

impl Prop {
    /// A property in NIST's namespace (`label`).
    pub(crate) fn nist(name: &str, value: &str) -> Option<Prop> {
        Some(Prop {
            name: name.into(),
            ns: None,
            value: one_line(value)?,
            class: None,
        })
    }

    /// A property in csfkit's namespace; none when `value` is blank.
    pub(crate) fn csfkit(name: &str, value: &str) -> Option<Prop> {
        Some(Prop {
            name: name.into(),
            ns: Some(CSFKIT_NS.into()),
            value: one_line(value)?,
            class: None,
        })
    }

    /// The same property with a class.
    pub(crate) fn with_class(mut self, class: &str) -> Prop {
        self.class = Some(class.into());
        self
    }
}

/// A link.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Link {
    /// URI reference.
    pub href: String,
    /// Relation (a token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    /// Text (one line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A role of the metadata.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Role {
    /// Identifier (a token).
    pub id: String,
    /// Title.
    pub title: String,
}

/// A party of the metadata.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Party {
    /// UUID.
    pub uuid: String,
    /// `organization` or `person`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Name.
    pub name: String,
    /// Properties.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
}

/// The parties that play a role for the whole document (`responsible-parties`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct ResponsibleParty {
    /// The role (one of the metadata's roles).
    pub role_id: String,
    /// The parties (of the metadata).
    pub party_uuids: Vec<String>,
}

/// A role responsible for something, with the parties that play it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct ResponsibleRole {
    /// The role (one of the metadata's roles).
    pub role_id: String,
    /// The parties (of the metadata).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub party_uuids: Vec<String>,
}

impl ResponsibleRole {
    /// `role` played by `parties`.
    pub(crate) fn new(role: &str, parties: &[&str]) -> ResponsibleRole {
        ResponsibleRole {
            role_id: role.into(),
            party_uuids: parties.iter().map(|p| (*p).to_string()).collect(),
        }
    }
}

/// A component of a system (SSP), of an assessment's assets (AP) or a POA&M's local
/// definitions: the system, a provider's service, csfkit as a tool.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct SystemComponent {
    /// UUID.
    pub uuid: String,
    /// `this-system`, `service`, `software`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Properties.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    /// Links (the component definition a provider's service is described in).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Its state.
    pub status: ComponentStatus,
    /// Who is responsible for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responsible_roles: Vec<ResponsibleRole>,
}

/// The state of a component (`operational`, `other` with why).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ComponentStatus {
    /// The state.
    pub state: String,
    /// Why, when `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

/// A control selected by its ID (`include-controls`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct ControlRef {
    /// The control (a catalog control ID, `gv.oc-01`).
    pub control_id: String,
}

/// The controls of `input`'s scope, by their catalog IDs, in matrix order.
pub(crate) fn scope_controls(input: &ChainInput<'_>) -> Vec<ControlRef> {
    input
        .cov
        .matrix
        .rows
        .iter()
        .map(|r| ControlRef {
            control_id: crate::model::oscal::token(&r.control_id),
        })
        .collect()
}

/// `reviewed-controls` of an assessment plan or result: every control of the scope.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct ReviewedControls {
    /// What they are.
    pub description: String,
    /// The selection.
    pub control_selections: [IncludeControls; 1],
}

/// A selection of controls by ID.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct IncludeControls {
    /// The controls.
    pub include_controls: Vec<ControlRef>,
}

impl ReviewedControls {
    /// Every control of `input`'s scope, reviewed.
    pub(crate) fn of(input: &ChainInput<'_>) -> ReviewedControls {
        ReviewedControls {
            description: "Every active NIST CSF 2.0 subcategory of the profile (profile.json), selected from catalog.json.".into(),
            control_selections: [IncludeControls {
                include_controls: scope_controls(input),
            }],
        }
    }
}

/// Document metadata.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Metadata {
    /// Title (one line).
    pub title: String,
    /// The as-of date.
    pub published: String,
    /// The as-of date.
    pub last_modified: String,
    /// Document version.
    pub version: String,
    /// Always [`OSCAL_VERSION`].
    pub oscal_version: String,
    /// Properties.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    /// Roles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Parties.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// The parties that play a role for the whole document (`prepared-by`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responsible_parties: Vec<ResponsibleParty>,
    /// Remarks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl Metadata {
    /// Metadata dated `as_of`.
    pub(crate) fn new(title: &str, version: &str, as_of: NaiveDate) -> Metadata {
        Metadata {
            title: one_line(title).unwrap_or_else(|| "csfkit".into()),
            published: timestamp(as_of),
            last_modified: timestamp(as_of),
            version: one_line(version).unwrap_or_else(|| as_of.to_string()),
            oscal_version: OSCAL_VERSION.into(),
            props: Vec::new(),
            roles: Vec::new(),
            parties: Vec::new(),
            responsible_parties: Vec::new(),
            remarks: None,
        }
    }
}

/// Pretty JSON and a newline, as csfkit writes every JSON file.
pub(crate) fn to_bytes(value: &impl Serialize) -> crate::error::Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(value)?;
    out.push(b'\n');
    Ok(out)
}

/// `s` as a URI reference: characters a URI may hold are kept (a `%` only before two hex
/// digits), everything else is percent-encoded as UTF-8. With `path`, `:` `?` `#` and the other
/// delimiters are encoded too, so a file path reads as one relative path.
pub(crate) fn uri_reference(s: &str, path: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, &b) in bytes.iter().enumerate() {
        let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let keep = unreserved
            || b == b'/'
            || (!path && b":?#[]@!$&'()*+,;=".contains(&b))
            || (!path
                && b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the OSCAL documents of a scope are written from.
pub(crate) struct ChainInput<'a> {
    /// Coverage of the scope at the as-of date.
    pub cov: &'a Coverage,
    /// The catalogue digest (frameworks, matrix rows, evidence) the documents reflect.
    pub digest: &'a str,
    /// System in scope, when it came from the recorded scope.
    pub system: Option<&'a str>,
    /// The organisation (`--organization`; empty when not given).
    pub organization: &'a str,
    /// The evidence file copied into the package for an item, relative to the document.
    pub packaged: &'a dyn Fn(&EvidenceItem) -> Option<String>,
    /// The assessor's results (`csfkit review import`).
    pub reviews: &'a [Review],
    /// The POA&M rows: one per gap, with its plan.
    pub poam: &'a [PoamRow],
    /// The plans in force: control -> (newest record, timestamp of the first record).
    pub plans: &'a HashMap<String, (PlanRow, String)>,
    /// The risk a plan rates for a control's gap (`plan --risk`), when it rates one.
    pub plan_risk: &'a dyn Fn(&str) -> Option<Risk>,
}

impl ChainInput<'_> {
    /// The assessment's period: the as-of date, widened to the assessor's results.
    pub(crate) fn period(&self) -> (chrono::NaiveDate, chrono::NaiveDate) {
        let as_of = self.cov.as_of;
        let dates = self.reviews.iter().map(|r| r.assessed_on);
        (
            dates.clone().min().map_or(as_of, |d| d.min(as_of)),
            dates.max().map_or(as_of, |d| d.max(as_of)),
        )
    }
}

/// The OSCAL documents of `input`'s scope, under `prefix` in the package (`oscal/`, or nothing
/// in the folder of `csfkit oscal export`). The assessment results stream the evidence from
/// the catalogue once more. Every document links the others by their names beside it.
pub(crate) fn write_documents(
    cat: &Catalogue,
    input: &ChainInput<'_>,
    staging: &mut Staging,
    prefix: &str,
) -> Result<()> {
    let as_of = input.cov.as_of;
    let actors = actors::Actors::new(input);
    staging.add_bytes(&format!("{prefix}{CATALOG}"), &catalog::catalog(cat, as_of)?)?;
    staging.add_bytes(&format!("{prefix}{PROFILE}"), &profile::profile(input)?)?;
    staging.add_bytes(
        &format!("{prefix}{COMPONENT_DEFINITION}"),
        &component::component_definition(cat, &input.cov.matrix, as_of, &actors)?,
    )?;
    staging.add_bytes(
        &format!("{prefix}{SSP}"),
        &ssp::system_security_plan(input, &actors)?,
    )?;
    staging.add_bytes(
        &format!("{prefix}{ASSESSMENT_PLAN}"),
        &plan::assessment_plan(input, &actors)?,
    )?;
    let mut f = staging.create(&format!("{prefix}{ASSESSMENT_RESULTS}"))?;
    // JSON is written token by token: buffer before the staged file hashes and writes it.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut f);
    results::write_assessment_results(cat, input, &actors, &mut out)?;
    out.into_inner()
        .map_err(|e| Error::io("writing assessment-results.json", e.into_error()))?;
    staging.close(f)?;
    staging.add_bytes(&format!("{prefix}{POAM}"), &poam::poam(input, &actors)?)
}

/// `--formats oscal`: the documents under `oscal/`, written after the shared pass; an
/// observation links the evidence file's copy in the package (`../evidence/...`) when it is in.
pub(crate) struct OscalOutput;

impl Output for OscalOutput {
    fn finish(
        self: Box<Self>,
        job: &Job<'_>,
        pass: &Pass,
        staging: &mut Staging,
        _written: &mut Written,
    ) -> Result<()> {
        let packaged = |e: &EvidenceItem| pass.files.packaged(e).map(|p| format!("../{p}"));
        let input = ChainInput {
            cov: job.cov,
            digest: job.digest,
            system: job.system,
            organization: &job.opts.organization,
            packaged: &packaged,
            reviews: job.reviews,
            poam: job.poam,
            plans: job.plans,
            plan_risk: &|c| job.plans.get(c).and_then(|(p, _)| p.risk),
        };
        write_documents(job.cat, &input, staging, OSCAL_DIR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_name_based_version_5() {
        let a = uuid_for("catalog|x");
        assert_eq!(a, uuid_for("catalog|x"));
        assert_ne!(a, uuid_for("catalog|y"));
        assert_eq!(&a[14..15], "5");
        assert!("89ab".contains(&a[19..20]));
    }

    #[test]
    fn text_for_single_line_fields_and_uri_references() {
        assert_eq!(one_line("  a\n b\t c ").as_deref(), Some("a b c"));
        assert_eq!(one_line(" \n "), None);
        assert_eq!(
            uri_reference("evidence/my file.pdf", true),
            "evidence/my%20file.pdf"
        );
        assert_eq!(uri_reference("C:/x/ü.pdf", true), "C%3A/x/%C3%BC.pdf");
        assert_eq!(
            uri_reference("https://grc.example/x?a=1&b=%20 c", false),
            "https://grc.example/x?a=1&b=%20%20c"
        );
        assert_eq!(
            timestamp(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
            "2026-11-24T00:00:00Z"
        );
    }
}
