//! The framework as an OSCAL `catalog`: functions and categories as groups, subcategories as
//! controls. A control's `id` is its CSF ID in lower case (`gv.oc-01`, an OSCAL token), its
//! `label` property the exact CSF spelling; its `statement` part holds NIST's text exactly, its
//! implementation examples are `example` parts, and its informative references are links
//! (`rel: reference`, the reference as the link text) to one back-matter resource per reference
//! source (titled `SP 800-53 Rev 5.2.0`, `CCMv4.0`, ...).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::{Catalogue, ControlDetail};
use crate::error::{Error, Result};
use crate::export::oscal::{Link, Metadata, Prop, one_line, to_bytes, uuid_for};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::oscal::{statement_id, token};

#[derive(Serialize)]
struct Document {
    catalog: Catalog,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Catalog {
    uuid: String,
    metadata: Metadata,
    groups: Vec<Group>,
    #[serde(skip_serializing_if = "Option::is_none")]
    back_matter: Option<BackMatter>,
}

#[derive(Serialize)]
struct Group {
    id: String,
    class: String,
    title: String,
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parts: Vec<Part>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<Group>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    controls: Vec<Control>,
}

#[derive(Serialize)]
struct Control {
    id: String,
    class: String,
    title: String,
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    parts: Vec<Part>,
}

#[derive(Serialize)]
struct Part {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    prose: String,
}

#[derive(Serialize)]
struct BackMatter {
    resources: Vec<Resource>,
}

#[derive(Serialize)]
struct Resource {
    uuid: String,
    title: String,
    description: String,
}

/// Links to the reference sources, one per informative reference, collecting the sources.
fn reference_links(detail: &ControlDetail, sources: &mut BTreeMap<String, String>) -> Vec<Link> {
    detail
        .references
        .iter()
        .filter_map(|(source, reference)| {
            let uuid = sources
                .entry(source.clone())
                .or_insert_with(|| uuid_for(&format!("reference-source|{source}")))
                .clone();
            Some(Link {
                href: format!("#{uuid}"),
                rel: Some("reference".into()),
                text: Some(one_line(reference)?),
            })
        })
        .collect()
}

/// The overview part of a function or category (its CSF text), when it has one.
fn overview(detail: &ControlDetail) -> Vec<Part> {
    if detail.text.trim().is_empty() {
        return Vec::new();
    }
    vec![Part {
        id: format!("{}_ovw", token(&detail.id)),
        name: "overview".into(),
        props: Vec::new(),
        prose: detail.text.clone(),
    }]
}

fn detail(cat: &Catalogue, id: &str) -> Result<ControlDetail> {
    cat.control_detail(DEFAULT_FRAMEWORK, id)?
        .ok_or_else(|| Error::Failed(format!("the catalogue lists `{id}` but has no record of it")))
}

/// The group of a function or category, without its members.
fn group(detail: &ControlDetail, class: &str, title: &str, sources: &mut BTreeMap<String, String>) -> Group {
    Group {
        id: token(&detail.id),
        class: class.into(),
        title: one_line(title).unwrap_or_else(|| detail.id.clone()),
        props: Prop::nist("label", &detail.id).into_iter().collect(),
        links: reference_links(detail, sources),
        parts: overview(detail),
        groups: Vec::new(),
        controls: Vec::new(),
    }
}

/// `catalog.json`: every active element of the default framework (CSF 2.0), dated `as_of`.
pub(crate) fn catalog(cat: &Catalogue, as_of: NaiveDate) -> Result<Vec<u8>> {
    let fw = cat
        .frameworks()?
        .into_iter()
        .find(|f| f.id == DEFAULT_FRAMEWORK)
        .ok_or_else(|| Error::Data(format!("framework `{DEFAULT_FRAMEWORK}` is not in the catalogue")))?;
    let ids = cat.element_ids(DEFAULT_FRAMEWORK)?;
    let level = |l: &str| ids.get(l).cloned().unwrap_or_default();
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    let mut functions: Vec<Group> = Vec::new();
    for f in level("function") {
        let d = detail(cat, &f)?;
        let title = d
            .function
            .as_ref()
            .map_or(f.as_str(), |(_, t)| t.as_str())
            .to_string();
        functions.push(group(&d, "function", &title, &mut sources));
    }
    let mut categories: Vec<(String, Group)> = Vec::new();
    for c in level("category") {
        let d = detail(cat, &c)?;
        let title = d
            .category
            .as_ref()
            .map_or(c.as_str(), |(_, t)| t.as_str())
            .to_string();
        let function = d.function.as_ref().map(|(id, _)| id.clone()).unwrap_or_default();
        categories.push((function, group(&d, "category", &title, &mut sources)));
    }
    for s in level("subcategory") {
        let d = detail(cat, &s)?;
        let mut parts = vec![Part {
            id: statement_id(&s),
            name: "statement".into(),
            props: Vec::new(),
            prose: d.text.clone(),
        }];
        for (i, (label, text)) in d.examples.iter().enumerate() {
            parts.push(Part {
                id: format!("{}_ex{}", token(&s), i + 1),
                name: "example".into(),
                props: Prop::nist("label", label).into_iter().collect(),
                prose: text.clone(),
            });
        }
        let control = Control {
            id: token(&s),
            class: "subcategory".into(),
            title: s.clone(),
            props: Prop::nist("label", &s).into_iter().collect(),
            links: reference_links(&d, &mut sources),
            parts,
        };
        let category = d.category.as_ref().map(|(id, _)| id.as_str()).unwrap_or_default();
        let Some((_, g)) = categories.iter_mut().find(|(_, g)| g.id == token(category)) else {
            return Err(Error::Failed(format!(
                "`{s}` belongs to no category of the catalogue"
            )));
        };
        g.controls.push(control);
    }
    for (function, g) in categories {
        let Some(f) = functions.iter_mut().find(|f| f.id == token(&function)) else {
            return Err(Error::Failed(format!(
                "category `{}` belongs to no function of the catalogue",
                g.id
            )));
        };
        f.groups.push(g);
    }
    let mut metadata = Metadata::new(&format!("{} {}", fw.name, fw.version), &fw.version, as_of);
    metadata.props.extend(
        [
            Prop::csfkit("framework", &fw.id),
            Prop::csfkit("source", &fw.source),
            Prop::csfkit("source-sha256", &fw.source_sha256),
            fw.source_date
                .as_deref()
                .and_then(|d| Prop::csfkit("source-date", d)),
        ]
        .into_iter()
        .flatten(),
    );
    metadata.remarks = Some(format!(
        "The {} {} catalogue as csfkit holds it, from `{}` (SHA-256 {}). Statements and implementation examples are NIST's text, exactly. Each informative reference is a link to the back-matter resource of its source.",
        fw.name, fw.version, fw.source, fw.source_sha256
    ));
    let resources: Vec<Resource> = sources
        .into_iter()
        .map(|(title, uuid)| Resource {
            uuid,
            description: format!("Informative reference source `{title}`, as the NIST export names it."),
            title,
        })
        .collect();
    to_bytes(&Document {
        catalog: Catalog {
            uuid: uuid_for(&format!("catalog|{}|{}", fw.id, fw.source_sha256)),
            metadata,
            groups: functions,
            back_matter: (!resources.is_empty()).then_some(BackMatter { resources }),
        },
    })
}
