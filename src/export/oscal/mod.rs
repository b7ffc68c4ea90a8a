//! OSCAL 1.2.1 JSON documents of what csfkit holds: the framework as a `catalog`
//! ([`catalog`]), a provider's responsibility matrix as a `component-definition`
//! ([`component`]), and a scope's evidence, gaps and implementation statuses at a date as
//! `assessment-results` ([`results`]).
//!
//! Every document is deterministic: identifiers are name-based (v5) UUIDs in csfkit's namespace,
//! made from stable content, and every timestamp is the as-of date at midnight UTC. Keys are
//! written in the order of typed structures (OSCAL's kebab-case names). Text that OSCAL types as
//! a single line or a plain string (titles, property values) is written on one line, with
//! whitespace runs collapsed; prose (statements, descriptions, remarks) is written exactly.
//! The assessment results stream evidence from the catalogue item by item.

pub(crate) mod catalog;
pub(crate) mod component;
pub(crate) mod results;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::export::format::OSCAL_DIR;
use crate::export::job::{Job, Output, Pass, Written};
use crate::export::package::Staging;
use crate::model::evidence::EvidenceItem;
use crate::model::oscal::{CSFKIT_NS, OSCAL_VERSION};

/// The file names of the three documents (`export::format` lists them for `verify`).
pub(crate) use crate::export::format::{
    OSCAL_ASSESSMENT_RESULTS as ASSESSMENT_RESULTS, OSCAL_CATALOG as CATALOG,
    OSCAL_COMPONENT_DEFINITION as COMPONENT_DEFINITION,
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

/// The three OSCAL documents of `input`'s scope, under `prefix` in the package (`oscal/`, or
/// nothing in the folder of `csfkit oscal export`). The assessment results stream the evidence
/// from the catalogue once more.
pub(crate) fn write_documents(
    cat: &Catalogue,
    input: &results::ResultsInput<'_>,
    staging: &mut Staging,
    prefix: &str,
) -> Result<()> {
    let as_of = input.cov.as_of;
    staging.add_bytes(&format!("{prefix}{CATALOG}"), &catalog::catalog(cat, as_of)?)?;
    staging.add_bytes(
        &format!("{prefix}{COMPONENT_DEFINITION}"),
        &component::component_definition(cat, &input.cov.matrix, as_of)?,
    )?;
    let mut f = staging.create(&format!("{prefix}{ASSESSMENT_RESULTS}"))?;
    // JSON is written token by token: buffer before the staged file hashes and writes it.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut f);
    results::write_assessment_results(cat, input, &mut out)?;
    out.into_inner()
        .map_err(|e| Error::io("writing assessment-results.json", e.into_error()))?;
    staging.close(f)
}

/// `--formats oscal`: the three documents under `oscal/`, written after the shared pass; an
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
        let input = results::ResultsInput {
            cov: job.cov,
            digest: job.digest,
            system: job.system,
            import_ap: "../manifest.json",
            packaged: &packaged,
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
