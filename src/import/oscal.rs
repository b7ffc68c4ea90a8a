//! An OSCAL component definition read as a responsibility matrix (`mapping import --layout
//! oscal-component`): csfkit's own (`csfkit oscal export`) back cell for cell, or a provider's.
//!
//! - Each component is one service model: csfkit's `service-model` property, else the one
//!   model its title names (IaaS, PaaS, SaaS, bare metal, model endpoints), else `--service`.
//! - Each implemented requirement is one cell: its `control-id` must be a CSF 2.0 subcategory
//!   (`gv.oc-01`, read as forgivingly as everywhere else; CSF 1.1 IDs are refused).
//! - Ownership is csfkit's `ownership` property (the matrix value, `matrix-ownership`, when an
//!   override was in force: an override is this catalogue's, not the provider's), else what
//!   FedRAMP's `control-origination` values state ([`ownership_from_origination`]); when both
//!   are given they must agree.
//! - The provider's responsibility is the requirement's description (and the descriptions of
//!   statements without the `customer` role, each after its statement ID); the customer's is
//!   the description of the statements with the role `customer`.
//! - csfkit's `basis` property and the remarks (the citation) are taken as written; without a
//!   `basis`, the cell is `stated` by the document and its citation names the document and the
//!   component (and the requirement's remarks, when it has some).
//!
//! Everything that cannot be mapped is reported with where it is; nothing is guessed and
//! nothing is stored unless the whole file maps.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::catalogue::Catalogue;
use crate::error::{Error, Location, Problem, Result, ValueError};
use crate::import::matrix::BASES;
use crate::import::resolve::{Legacy, Resolver};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::oscal::{
    CONTROL_ORIGINATION, CSFKIT_NS, CUSTOMER_ROLE, FEDRAMP_NS, ownership_from_origination, services_in_title,
};
use crate::model::ownership::{Cell, Ownership, Service, Tally};

#[derive(Debug, Default, Deserialize)]
struct Root {
    #[serde(rename = "component-definition")]
    definition: Option<Definition>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct Definition {
    metadata: Metadata,
    components: Vec<Component>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    title: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct Component {
    uuid: String,
    title: String,
    props: Vec<Prop>,
    control_implementations: Vec<ControlImplementation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct ControlImplementation {
    implemented_requirements: Vec<Requirement>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct Requirement {
    control_id: String,
    description: String,
    props: Vec<Prop>,
    statements: Vec<Statement>,
    remarks: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct Statement {
    statement_id: String,
    description: String,
    props: Vec<Prop>,
    responsible_roles: Vec<RoleRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RoleRef {
    role_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Prop {
    name: String,
    ns: Option<String>,
    value: String,
}

/// The value of csfkit's property `name`, when given.
/// csfkit's properties of a projected cell's tally, in the order of the csfkit layout's columns.
const TALLY_PROPS: [&str; 5] = [
    "answers-yes",
    "answers-partial",
    "answers-no",
    "answers-unanswered",
    "leaning",
];

fn csfkit<'a>(props: &'a [Prop], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name && p.ns.as_deref() == Some(CSFKIT_NS))
        .map(|p| p.value.trim())
}

/// The `control-origination` values, in FedRAMP's namespace (either spelling), NIST's, or none.
fn originations(props: &[Prop]) -> Vec<&str> {
    props
        .iter()
        .filter(|p| {
            p.name == CONTROL_ORIGINATION
                && match p.ns.as_deref() {
                    None => true,
                    Some(ns) => {
                        let ns = ns.trim_end_matches('/');
                        ns == FEDRAMP_NS
                            || ns == FEDRAMP_NS.replacen("https:", "http:", 1)
                            || ns == "http://csrc.nist.gov/ns/oscal"
                    }
                }
        })
        .map(|p| p.value.trim())
        .collect()
}

/// True when `bytes` are JSON (an object) rather than a table: they start with `{`.
pub(crate) fn looks_like_json(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// True when `bytes` hold an OSCAL component definition (JSON with `component-definition`).
pub(crate) fn is_component_definition(bytes: &[u8]) -> bool {
    looks_like_json(bytes) && parse(bytes).is_ok_and(|r| r.definition.is_some())
}

fn parse(bytes: &[u8]) -> std::result::Result<Root, serde_json::Error> {
    serde_json::from_slice(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

/// A component definition's cells, with notes on what was read but not imported.
#[derive(Debug, Clone)]
pub(crate) struct OscalCells {
    /// Cells in catalogue order, then service-model order.
    pub cells: Vec<Cell>,
    /// Said to the user: overrides left out, and the like.
    pub notes: Vec<String>,
}

/// Reads the component definition in `bytes` (`file` names it in messages) into cells.
/// `service` is the service model of components whose property and title do not give one.
pub(crate) fn import_component(
    cat: &Catalogue,
    file: &str,
    bytes: &[u8],
    service: Option<Service>,
) -> Result<OscalCells> {
    let root = parse(bytes).map_err(|e| Error::BadInput {
        at: Location::in_file(file),
        message: format!(
            "not an OSCAL component definition (OSCAL JSON with a `component-definition` object): {e}"
        ),
    })?;
    let Some(def) = root.definition else {
        return Err(Error::BadInput {
            at: Location::in_file(file),
            message:
                "not an OSCAL component definition: the JSON has no `component-definition` object at the top"
                    .into(),
        });
    };
    let resolver = Resolver::load(cat, DEFAULT_FRAMEWORK)?;
    let mut problems = Vec::new();
    let at = |place: String| Location {
        file: format!("{file}, {place}"),
        ..Location::default()
    };
    if def.components.is_empty() {
        problems.push(Problem {
            location: at("component-definition".into()),
            value: None,
            message: "it defines no components; csfkit reads one component per service model".into(),
        });
    }
    let mut cells: Vec<Cell> = Vec::new();
    let mut seen: HashMap<(String, Service), String> = HashMap::new();
    let mut overrides = 0;
    for comp in &def.components {
        let name = if comp.title.trim().is_empty() {
            comp.uuid.clone()
        } else {
            comp.title.trim().to_string()
        };
        let here = format!("component `{name}`");
        let s = match component_service(comp, service) {
            Ok(s) => s,
            Err(m) => {
                problems.push(Problem {
                    location: at(here),
                    value: (!m.value.is_empty()).then_some(m.value),
                    message: m.message,
                });
                continue;
            }
        };
        for ci in &comp.control_implementations {
            for req in &ci.implemented_requirements {
                let place = format!("{here}, control `{}`", req.control_id.trim());
                let mut bad = |found: Refusals| {
                    for (value, message) in found {
                        problems.push(Problem {
                            location: at(place.clone()),
                            value,
                            message,
                        });
                    }
                };
                let stated = match read_requirement(&resolver, &def.metadata.title, &name, req) {
                    Ok(r) => r,
                    Err(found) => {
                        bad(found);
                        continue;
                    }
                };
                let control = stated.control;
                if let Some(first) = seen.insert((control.clone(), s), name.clone()) {
                    bad(vec![(
                        None,
                        format!("{control} / {s} is already given by component `{first}`"),
                    )]);
                    continue;
                }
                let tally = match requirement_tally(req, stated.ownership) {
                    Ok(t) => t,
                    Err(found) => {
                        bad(found);
                        continue;
                    }
                };
                overrides += usize::from(stated.overridden);
                let (provider, customer) = texts(req);
                cells.push(Cell {
                    control_id: control,
                    service: s,
                    ownership: stated.ownership,
                    basis: stated.basis,
                    citation: stated.citation,
                    provider_responsibility: provider,
                    customer_responsibility: customer,
                    tally,
                });
            }
        }
    }
    if problems.is_empty() && cells.is_empty() {
        problems.push(Problem {
            location: at("component-definition".into()),
            value: None,
            message: "its components hold no implemented requirements, so there is no cell to import".into(),
        });
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: file.to_string(),
            problems,
            more: 0,
        });
    }
    let order: BTreeMap<&str, usize> = resolver
        .subcategories()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    cells.sort_by_key(|c| (order.get(c.control_id.as_str()).copied(), c.service));
    let mut notes = Vec::new();
    if overrides > 0 {
        notes.push(format!(
            "{overrides} requirement{} record an ownership override of the catalogue that exported them (`matrix-ownership`); the matrix value was imported, not the override",
            if overrides == 1 { "" } else { "s" }
        ));
    }
    Ok(OscalCells { cells, notes })
}

/// What is wrong with a requirement: each offending value (when there is one) and why.
type Refusals = Vec<(Option<String>, String)>;

/// What a requirement states about its cell, before its tally.
struct Stated {
    control: String,
    ownership: Ownership,
    /// The ownership was a `matrix-ownership` under an override (the matrix value is taken).
    overridden: bool,
    basis: String,
    citation: String,
}

/// A requirement's control (a CSF 2.0 subcategory), ownership, basis and citation (`title` is
/// the definition's, `component` the component's name, for a citation csfkit traces itself).
fn read_requirement(
    resolver: &Resolver,
    title: &str,
    component: &str,
    req: &Requirement,
) -> std::result::Result<Stated, Refusals> {
    let one = |value: Option<&str>, message: String| vec![(value.map(str::to_string), message)];
    let control = match resolver.subcategories_for(
        &req.control_id,
        Legacy::Refuse(" (a matrix needs CSF 2.0 subcategories)"),
    ) {
        Ok(found) => found.ids.into_iter().next().unwrap_or_default(),
        Err(m) => {
            return Err(one(
                None,
                format!("not a NIST CSF 2.0 subcategory: {}", m.message),
            ));
        }
    };
    let (ownership, overridden) = requirement_ownership(req).map_err(|m| {
        one(
            (!m.value.is_empty()).then_some(m.value.as_str()),
            m.message.clone(),
        )
    })?;
    let (basis, citation) = match csfkit(&req.props, "basis") {
        Some(b) if BASES.contains(&b) => (b.to_string(), req.remarks.clone().unwrap_or_default()),
        Some(b) => {
            return Err(one(
                Some(b),
                "csfkit's `basis` must be `stated` or `derived`".into(),
            ));
        }
        None => (
            "stated".to_string(),
            trace(title, component, req.remarks.as_deref()),
        ),
    };
    if basis == "stated" && citation.trim().is_empty() {
        return Err(one(
            None,
            "a `stated` basis needs a citation (the requirement's remarks)".into(),
        ));
    }
    Ok(Stated {
        control,
        ownership,
        overridden,
        basis,
        citation,
    })
}

/// The tally of a projected cell, as csfkit writes it (`answers-*` properties); it must give
/// the `ownership` the requirement states, and only a projected cell may be undetermined.
fn requirement_tally(
    req: &Requirement,
    ownership: Ownership,
) -> std::result::Result<Option<Tally>, Refusals> {
    let tally_props = TALLY_PROPS.map(|n| csfkit(&req.props, n).unwrap_or(""));
    match crate::import::matrix::parse_tally(tally_props) {
        Ok(Some(t)) if t.ownership() != ownership => Err(vec![(
            Some(ownership.as_str().to_string()),
            format!(
                "its tally (`answers-*` properties) {} gives {}, not the `ownership` it states",
                t.counts(),
                t.ownership()
            ),
        )]),
        Ok(None) if ownership == Ownership::Undetermined => Err(vec![(
            Some("undetermined".to_string()),
            "`undetermined` is only for a cell projected from referenced controls (with `answers-*` properties); a cell a matrix states or derives is inherited, shared or customer".into(),
        )]),
        Ok(t) => Ok(t),
        Err(found) => Err(found
            .into_iter()
            .map(|(i, value, message)| (Some(value), format!("property `{}`: {message}", TALLY_PROPS[i])))
            .collect()),
    }
}

/// The service model of a component: csfkit's property, else its title, else `fallback`.
fn component_service(
    comp: &Component,
    fallback: Option<Service>,
) -> std::result::Result<Service, ValueError> {
    if let Some(v) = csfkit(&comp.props, "service-model") {
        return v.parse::<Service>();
    }
    match (services_in_title(&comp.title).as_slice(), fallback) {
        ([one], _) => Ok(*one),
        (_, Some(s)) => Ok(s),
        ([], None) => Err(ValueError::new(
            "",
            "cannot tell its service model: no csfkit `service-model` property and its title names none of IaaS, PaaS, SaaS, bare metal, model endpoints; pass --service",
        )),
        (several, None) => Err(ValueError::new(
            "",
            format!(
                "cannot tell its service model: its title names {}; pass --service",
                several
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
    }
}

/// The ownership of a cell, and whether an override was recorded (its matrix value is taken).
fn requirement_ownership(req: &Requirement) -> std::result::Result<(Ownership, bool), ValueError> {
    let origination = originations(&req.props);
    let stated = if origination.is_empty() {
        None
    } else {
        Some(ownership_from_origination(&origination)?)
    };
    let Some(value) = csfkit(&req.props, "ownership") else {
        return stated.map(|o| (o, false)).ok_or_else(|| {
            ValueError::new(
                "",
                "no ownership: neither csfkit's `ownership` property nor a FedRAMP `control-origination`",
            )
        });
    };
    let in_force: Ownership = value.parse()?;
    if let Some(o) = stated {
        if o != in_force {
            return Err(ValueError::new(
                origination.join(", "),
                format!(
                    "control-origination {} states {o}, but csfkit's `ownership` says {in_force}",
                    origination.join(" + ")
                ),
            ));
        }
    }
    match csfkit(&req.props, "matrix-ownership") {
        Some(m) => Ok((m.parse()?, true)),
        None => Ok((in_force, false)),
    }
}

/// (provider responsibility, customer responsibility) of a requirement.
fn texts(req: &Requirement) -> (String, String) {
    let is_customer = |s: &Statement| {
        s.responsible_roles.iter().any(|r| r.role_id == CUSTOMER_ROLE)
            || csfkit(&s.props, "responsibility") == Some(CUSTOMER_ROLE)
    };
    let mut provider = req.description.clone();
    let mut customer: Vec<&str> = Vec::new();
    for s in &req.statements {
        if is_customer(s) {
            customer.push(&s.description);
        } else if !s.description.trim().is_empty() {
            if !provider.is_empty() {
                provider.push_str("\n\n");
            }
            provider.push_str(&format!("{}: {}", s.statement_id, s.description));
        }
    }
    (provider, customer.join("\n\n"))
}

/// The citation of a cell whose document gives no csfkit basis: the document and component.
fn trace(title: &str, component: &str, remarks: Option<&str>) -> String {
    let mut t = format!(
        "OSCAL component definition `{}`, component `{component}`",
        title.trim()
    );
    if let Some(r) = remarks.map(str::trim).filter(|r| !r.is_empty()) {
        t.push_str(&format!(": {r}"));
    }
    t
}
