//! OSCAL 1.2.1: the catalog, component definition and assessment results validated against
//! NIST's JSON schemas (`tests/data/oscal/`) for a catalogue with evidence (a file, a file whose
//! name needs percent-encoding, a URL, none), an ownership override, statuses (not-applicable,
//! and per service model) and gaps; the catalog's 106 statements equal the catalogue's text;
//! the same input gives the same bytes; a component definition reads back as a provider cell for
//! cell, a provider's own is mapped through FedRAMP's control-origination, and what cannot be
//! mapped is refused with its place; `verify` requires the OSCAL files of a package.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::util::{Workdir, field, reference};

/// A validator for one of NIST's schemas, with format checks on (date-time, uri, uri-reference).
fn validator(schema: &str) -> jsonschema::Validator {
    let path = reference(&format!("tests/data/oscal/{schema}"));
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{schema:?} does not compile: {e}"))
}

/// The errors of `doc` against `schema`, as `path: message` lines.
fn errors(schema: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    schema
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[track_caller]
fn assert_valid(schema: &str, file: &Path) {
    let doc = json(file);
    let found = errors(&validator(schema), &doc);
    assert!(
        found.is_empty(),
        "{} does not validate against {schema}:\n{}",
        file.display(),
        found.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn json(file: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(file).unwrap())
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()))
}

const DOCS: [(&str, &str); 3] = [
    ("catalog.json", "oscal_catalog_schema.json"),
    ("component-definition.json", "oscal_component_schema.json"),
    ("assessment-results.json", "oscal_assessment-results_schema.json"),
];

/// Evidence of every location kind, a scope, an override, statuses and gaps.
fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("evidence/policy.pdf", b"%PDF-1.4 access control policy");
    w.write("evidence/board minutes ü.txt", "minutes");
    w.write(
        "tracker.csv",
        "control_id,title,description,owner,collected_on,valid_until,location\n\
PR.AA-01,Zugriffsprüfung – Ελληνικά,Quarterly access review,Anna,2026-01-05,2027-01-05,evidence/policy.pdf\n\
PR.AA-05,Access review export,,Bob,2025-01-05,2025-06-30,https://grc.example/x?a=1&b=two words\n\
DE.CM-01,SIEM rules,\"multi\nline\",Chloé,2026-03-01,,\n\
GV.OC-01,Board minutes,,Dana,2026-02-01,,evidence/board minutes ü.txt\n\
RS.MA-01,Runbook,,Eve,2026-02-01,,evidence/never.txt\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas,model");
    w.run(&[
        "ownership",
        "set",
        "PR.AA-06",
        "--service",
        "iaas",
        "--owner",
        "customer",
        "--reason",
        "We run our own data centre cage\n(second line)",
        "--by",
        "A. Auditor",
    ])
    .ok();
    w.run(&[
        "assess",
        "PR.AA-01",
        "--status",
        "implemented",
        "--note",
        "SSO with MFA",
    ])
    .ok();
    w.run(&[
        "assess",
        "DE.CM-02",
        "--status",
        "not-applicable",
        "--note",
        "No premises of our own",
    ])
    .ok();
    w.run(&["assess", "DE.CM-01", "--status", "partial", "--service", "iaas"])
        .ok();
    w.run(&[
        "assess",
        "DE.CM-01",
        "--status",
        "implemented",
        "--service",
        "model",
    ])
    .ok();
    w
}

fn oscal_export(w: &Workdir, out: &str, extra: &[&str]) {
    let mut args = vec!["oscal", "export", "--out", out, "--as-of", "2026-11-24"];
    args.extend_from_slice(extra);
    // Generated at a fixed time, so that two exports can be compared byte for byte.
    let mut c = w.cmd(&args);
    c.env("SOURCE_DATE_EPOCH", crate::util::SOURCE_DATE_EPOCH);
    w.run_cmd(c).ok();
}

fn props<'a>(v: &'a Value, name: &str) -> Vec<&'a str> {
    v["props"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|p| p["name"] == name)
                .filter_map(|p| p["value"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_three_documents_validate_against_nist_oscal_1_2_1_in_a_folder_and_a_package() {
    let w = setup();
    oscal_export(&w, "oscal", &[]);
    w.run(&[
        "export",
        "--out",
        "pkg",
        "--as-of",
        "2026-11-24",
        "--formats",
        "pdf,csv,oscal",
        "--include-files",
    ])
    .ok();
    for (file, schema) in DOCS {
        assert_valid(schema, &w.path().join("oscal").join(file));
        assert_valid(schema, &w.path().join("pkg/oscal").join(file));
    }
    let manifest = json(&w.path().join("pkg/manifest.json"));
    assert_eq!(
        manifest["parameters"]["formats"],
        serde_json::json!(["pdf", "csv", "oscal"])
    );
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for (file, _) in DOCS {
        assert!(listed.contains(&format!("oscal/{file}").as_str()), "{listed:?}");
    }

    // Assessment results: one observation per evidence item, with its link and hash.
    let ar = json(&w.path().join("pkg/oscal/assessment-results.json"));
    let result = &ar["assessment-results"]["results"][0];
    assert_eq!(result["start"], "2026-11-24T00:00:00Z");
    let observations = result["observations"].as_array().unwrap();
    assert_eq!(observations.len(), 5);
    let by_title = |t: &str| {
        observations
            .iter()
            .find(|o| o["title"] == t)
            .unwrap_or_else(|| panic!("no observation {t}"))
    };
    let policy = by_title("Zugriffsprüfung – Ελληνικά");
    let evidence = &policy["relevant-evidence"][0];
    let sha = props(evidence, "sha256");
    assert_eq!(sha.len(), 1);
    assert_eq!(sha[0].len(), 64);
    // The organisation's record: nobody examined it (issue 26), so no method is claimed.
    assert_eq!(policy["methods"], serde_json::json!(["UNKNOWN"]));
    // With --include-files the link is the copy in the package, which is there.
    let href = evidence["href"].as_str().unwrap();
    assert!(href.starts_with("../evidence/"), "{href}");
    assert!(w.path().join("pkg/oscal").join(href).is_file(), "{href}");
    assert_eq!(
        by_title("Access review export")["relevant-evidence"][0]["href"],
        "https://grc.example/x?a=1&b=two%20words"
    );
    assert_eq!(
        by_title("Board minutes")["relevant-evidence"][0]["href"]
            .as_str()
            .map(|h| h.ends_with("board%20minutes%20%C3%BC.txt")),
        Some(true)
    );
    assert!(
        by_title("SIEM rules")["relevant-evidence"][0]
            .get("href")
            .is_none()
    );
    assert_eq!(props(by_title("SIEM rules"), "freshness"), ["current"]);
    assert_eq!(props(by_title("Access review export"), "freshness"), ["expired"]);
    // Outside a package a file is linked by the path recorded at import.
    let folder = json(&w.path().join("oscal/assessment-results.json"));
    let hrefs: Vec<&str> = folder["assessment-results"]["results"][0]["observations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["relevant-evidence"][0]["href"].as_str())
        .collect();
    assert!(hrefs.contains(&"evidence/policy.pdf"), "{hrefs:?}");

    // One not-satisfied finding per gap, with its reasons; the statuses on the targets.
    let findings = result["findings"].as_array().unwrap();
    let gaps = csv::Reader::from_path(w.path().join("pkg/gaps.csv"))
        .unwrap()
        .into_records()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    // (Inherited controls without an attestation are not-satisfied for another reason,
    // `no-attestation`: inheritance gaps, not gaps.)
    let not_satisfied: Vec<&Value> = findings
        .iter()
        .filter(|f| f["target"]["status"]["state"] == "not-satisfied")
        .filter(|f| f["target"]["status"]["reason"] == "fail")
        .collect();
    assert_eq!(not_satisfied.len(), gaps.len());
    for g in &gaps {
        let id = &g[0];
        let f = not_satisfied
            .iter()
            .find(|f| f["title"].as_str().unwrap().starts_with(&format!("{id}:")))
            .unwrap_or_else(|| panic!("no finding for gap {id}"));
        assert_eq!(f["target"]["target-id"], format!("{}_smt", id.to_lowercase()));
        let reasons = props(f, "gap-reason");
        assert!(!reasons.is_empty(), "{id}");
        assert_eq!(reasons.join("; "), &g[6], "{id}");
    }
    let finding = |id: &str| {
        findings
            .iter()
            .find(|f| f["title"].as_str().unwrap().starts_with(&format!("{id}:")))
            .unwrap_or_else(|| panic!("no finding for {id}"))
    };
    let na = finding("DE.CM-02");
    assert_eq!(na["target"]["status"]["state"], "satisfied");
    assert_eq!(na["target"]["implementation-status"]["state"], "not-applicable");
    assert_eq!(
        na["target"]["implementation-status"]["remarks"],
        "No premises of our own"
    );
    let ok = finding("PR.AA-01");
    assert_eq!(ok["target"]["implementation-status"]["state"], "implemented");
    assert_eq!(ok["related-observations"].as_array().unwrap().len(), 1);
    // Statuses that differ per service model are each a property, classed by the model.
    let mixed = finding("DE.CM-01");
    assert!(mixed["target"].get("implementation-status").is_none());
    let classes: Vec<(&str, &str)> = mixed["props"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "implementation-status")
        .map(|p| (p["class"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    assert_eq!(classes, [("iaas", "partial"), ("model", "implemented")]);

    // Component definition: the override in force, with the matrix value and its reason.
    let cd = json(&w.path().join("oscal/component-definition.json"));
    let components = cd["component-definition"]["components"].as_array().unwrap();
    assert_eq!(components.len(), 2);
    let iaas = &components[0];
    assert_eq!(props(iaas, "service-model"), ["iaas"]);
    let reqs = iaas["control-implementations"][0]["implemented-requirements"]
        .as_array()
        .unwrap();
    assert_eq!(reqs.len(), 106);
    let req = reqs.iter().find(|r| r["control-id"] == "pr.aa-06").unwrap();
    assert_eq!(props(req, "ownership"), ["customer"]);
    assert_eq!(props(req, "matrix-ownership"), ["inherited"]);
    assert_eq!(props(req, "control-origination"), ["customer-provided"]);
    assert_eq!(
        props(req, "override-reason"),
        ["We run our own data centre cage (second line)"]
    );
}

#[test]
fn the_validator_enforces_the_unicode_token_patterns_and_timestamps() {
    // NIST's TokenDatatype is ^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$: the validator must read \p{L}
    // (letters of any script pass, a leading digit or a space fails), or it proves nothing.
    let w = Workdir::new();
    oscal_export(&w, "o", &["--provider", "digitalocean"]);
    let schema = validator("oscal_catalog_schema.json");
    let doc = json(&w.path().join("o/catalog.json"));
    assert!(errors(&schema, &doc).is_empty());
    let with = |pointer: &str, value: &str| {
        let mut d = doc.clone();
        *d.pointer_mut(pointer).unwrap() = Value::String(value.into());
        errors(&schema, &d)
    };
    let id = "/catalog/groups/0/groups/0/controls/0/id";
    assert_eq!(doc.pointer(id).unwrap(), "gv.oc-01");
    assert!(
        with(id, "ελληνικά.контроль-01").is_empty(),
        "letters of any script are a token"
    );
    assert!(
        !with(id, "1gv.oc-01").is_empty(),
        "a leading digit is not a token"
    );
    assert!(!with(id, "gv oc-01").is_empty(), "a space is not a token");
    let modified = "/catalog/metadata/last-modified";
    assert!(
        !with(modified, "2026-11-24T00:00:00").is_empty(),
        "a timestamp needs a zone"
    );
    assert!(!with("/catalog/uuid", "not-a-uuid").is_empty());
    let href = "/catalog/groups/0/groups/0/controls/0/links/0/href";
    assert!(with(href, "evidence/a%20b.pdf").is_empty());
    assert!(
        !with(href, "evidence/a b.pdf").is_empty(),
        "a URI reference has no spaces"
    );
}

#[test]
fn the_catalog_holds_the_106_subcategories_with_nists_exact_text() {
    let w = Workdir::new();
    oscal_export(&w, "o", &["--provider", "datacrunch"]);
    let doc = json(&w.path().join("o/catalog.json"));
    let catalog = &doc["catalog"];
    let mut controls = BTreeMap::new();
    let (mut examples, mut links, mut categories) = (0, 0, 0);
    let functions = catalog["groups"].as_array().unwrap();
    assert_eq!(functions.len(), 6);
    for f in functions {
        assert_eq!(f["class"], "function");
        for c in f["groups"].as_array().unwrap() {
            categories += 1;
            assert_eq!(c["class"], "category");
            for control in c["controls"].as_array().unwrap() {
                let label = props(control, "label")[0].to_string();
                assert_eq!(control["id"], label.to_lowercase());
                let parts = control["parts"].as_array().unwrap();
                assert_eq!(parts[0]["name"], "statement");
                assert_eq!(parts[0]["id"], format!("{}_smt", label.to_lowercase()));
                examples += parts.iter().filter(|p| p["name"] == "example").count();
                links += control["links"].as_array().map_or(0, Vec::len);
                controls.insert(label, parts[0]["prose"].as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(categories, 22);
    assert_eq!(controls.len(), 106);
    assert_eq!(examples, 363);
    // Every informative reference of a subcategory is a link to its source's resource.
    let resources: BTreeMap<String, String> = catalog["back-matter"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("#{}", r["uuid"].as_str().unwrap()),
                r["title"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(resources.values().any(|t| t == "SP 800-53 Rev 5.2.0"));
    let detail = w.run(&["control", "GV.OC-01", "--format", "json"]).ok().json();
    let gv_oc_01 = &functions[0]["groups"][0]["controls"][0];
    let got: Vec<String> = gv_oc_01["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}: {}",
                resources[l["href"].as_str().unwrap()],
                l["text"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        got.contains(&"SP 800-53 Rev 5.2.0: PM-11".to_string()),
        "{got:?}\n{detail}"
    );
    assert!(links > 5000, "{links}");
    // The statements are the catalogue's text, which the framework tests hold equal to NIST's.
    let listed = w.run(&["controls", "--format", "csv"]).ok().csv();
    assert_eq!(listed.len(), 106);
    for r in &listed {
        assert_eq!(controls[field(r, "id")], field(r, "text"), "{}", field(r, "id"));
    }
}

#[test]
fn the_same_catalogue_and_date_give_the_same_bytes() {
    let w = setup();
    oscal_export(&w, "a", &[]);
    oscal_export(&w, "b", &[]);
    for (file, _) in DOCS.iter().chain(&[("manifest.json", "")]) {
        assert_eq!(
            std::fs::read(w.path().join("a").join(file)).unwrap(),
            std::fs::read(w.path().join("b").join(file)).unwrap(),
            "{file} differs"
        );
    }
    // Every timestamp is the as-of date; another date changes the dates and the results' UUID.
    w.run(&["oscal", "export", "--out", "c", "--as-of", "2026-12-01"])
        .ok();
    let ar = |dir: &str| json(&w.path().join(dir).join("assessment-results.json"));
    assert_eq!(
        ar("c")["assessment-results"]["metadata"]["last-modified"],
        "2026-12-01T00:00:00Z"
    );
    assert_ne!(
        ar("a")["assessment-results"]["uuid"],
        ar("c")["assessment-results"]["uuid"]
    );
    let cat = |dir: &str| json(&w.path().join(dir).join("catalog.json"));
    assert_eq!(cat("a")["catalog"]["uuid"], cat("c")["catalog"]["uuid"]);
}

#[test]
fn a_component_definition_reads_back_as_a_provider_cell_for_cell() {
    let w = setup();
    // Every service model of the provider, with the override of setup() in force.
    oscal_export(&w, "dc", &["--provider", "datacrunch"]);
    w.run(&[
        "mapping",
        "import",
        "dc/component-definition.json",
        "--layout",
        "oscal-component",
        "--provider",
        "copy",
    ])
    .ok()
    .stderr_has("imported provider `copy`: 530 cells for bare-metal,iaas,paas,saas,model")
    .stderr_has("the matrix value was imported, not the override");
    let original = w
        .run(&["mapping", "export", "--provider", "datacrunch"])
        .ok()
        .stdout;
    let copy = w.run(&["mapping", "export", "--provider", "copy"]).ok().stdout;
    assert_eq!(original.lines().count(), 531);
    for (a, b) in original.lines().zip(copy.lines()) {
        assert_eq!(a, b);
    }
    assert_eq!(original, copy);
    // The layout is detected from the content, and a second import replaces.
    w.run(&[
        "mapping",
        "import",
        "dc/component-definition.json",
        "--provider",
        "copy",
    ])
    .ok()
    .stderr_has("replaced provider `copy`");
    let providers = w.run(&["providers", "--format", "json"]).ok().json();
    let copy = providers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "copy")
        .unwrap();
    assert_eq!(copy["layout"], "oscal-component");
}

/// A provider's component definition in FedRAMP's vocabulary, as another tool would write it.
fn provider_definition(components: Value) -> Value {
    serde_json::json!({
        "component-definition": {
            "uuid": "0f4c9f4e-6a52-4b7e-9d43-3b1d2d1c0a01",
            "metadata": {
                "title": "Acme Cloud component definition",
                "last-modified": "2026-10-01T00:00:00Z",
                "version": "1.0",
                "oscal-version": "1.2.1"
            },
            "components": components
        }
    })
}

fn requirement(control: &str, origination: &[&str], description: &str) -> Value {
    let props: Vec<Value> = origination
        .iter()
        .map(|o| serde_json::json!({"name": "control-origination", "ns": "https://fedramp.gov/ns/oscal", "value": o}))
        .collect();
    serde_json::json!({
        "uuid": "6e1d7d8a-0b5c-4c8e-8f3a-1c2d3e4f5a6b",
        "control-id": control,
        "description": description,
        "props": props
    })
}

fn component(title: &str, requirements: Vec<Value>) -> Value {
    serde_json::json!({
        "uuid": "4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
        "type": "service",
        "title": title,
        "description": "A service.",
        "control-implementations": [{
            "uuid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "source": "https://example.com/csf-catalog.json",
            "description": "CSF 2.0",
            "implemented-requirements": requirements
        }]
    })
}

#[test]
fn a_providers_component_definition_maps_fedramp_control_origination() {
    let w = Workdir::new();
    let doc = provider_definition(serde_json::json!([
        component(
            "Acme IaaS",
            vec![
                requirement(
                    "pr.aa-06",
                    &["sp-corporate", "sp-system"],
                    "Badge readers at every door."
                ),
                requirement(
                    "pr.ds-01",
                    &["sp-system", "customer-configured"],
                    "Encryption at rest is on; keys are the customer's."
                ),
                requirement("GV.OC-01", &["customer-provided"], ""),
            ]
        ),
        component(
            "Acme Platform as a Service",
            vec![requirement("pr.aa-06", &["inherited"], "Same data centres.")]
        )
    ]));
    let file = w.write("acme.json", serde_json::to_vec_pretty(&doc).unwrap());
    assert_valid("oscal_component_schema.json", &file);
    w.run(&["mapping", "import", "acme.json", "--provider", "acme"])
        .ok()
        .stderr_has("iaas: 3 controls: 1 inherited, 1 shared, 1 customer")
        .stderr_has("paas: 1 controls: 1 inherited");
    let cells = w.run(&["mapping", "export", "--provider", "acme"]).ok().csv();
    let cell = |id: &str, s: &str| {
        cells
            .iter()
            .find(|r| field(r, "control_id") == id && field(r, "service_model") == s)
            .unwrap_or_else(|| panic!("no {id} {s}"))
    };
    assert_eq!(field(cell("PR.AA-06", "iaas"), "ownership"), "inherited");
    assert_eq!(field(cell("PR.DS-01", "iaas"), "ownership"), "shared");
    assert_eq!(field(cell("GV.OC-01", "iaas"), "ownership"), "customer");
    assert_eq!(field(cell("PR.AA-06", "paas"), "ownership"), "inherited");
    let c = cell("PR.DS-01", "iaas");
    assert_eq!(field(c, "basis"), "stated");
    assert_eq!(
        field(c, "citation"),
        "OSCAL component definition `Acme Cloud component definition`, component `Acme IaaS`"
    );
    assert_eq!(
        field(c, "provider_responsibility"),
        "Encryption at rest is on; keys are the customer's."
    );
}

#[test]
fn what_cannot_be_mapped_is_reported_with_its_place_and_nothing_is_stored() {
    let w = Workdir::new();
    // Not OSCAL at all: named, exit 65, whether the layout is given or detected.
    w.write("other.json", r#"{"catalog": {"uuid": "x"}}"#);
    w.run(&[
        "mapping",
        "import",
        "other.json",
        "--provider",
        "x",
        "--layout",
        "oscal-component",
    ])
    .code(65)
    .stderr_has("other.json: not an OSCAL component definition");
    w.run(&["mapping", "import", "other.json", "--provider", "x"])
        .code(65)
        .stderr_has("not an OSCAL component definition");
    w.write("broken.json", "{\"component-definition\": ");
    w.run(&[
        "mapping",
        "import",
        "broken.json",
        "--provider",
        "x",
        "--layout",
        "oscal-component",
    ])
    .code(65)
    .stderr_has("broken.json");
    // An SP 800-53 control, a CSF 1.1 ID, a category, an unknown origination, no ownership at
    // all, and a component whose service model cannot be told: each reported where it is.
    let doc = provider_definition(serde_json::json!([
        component(
            "Acme IaaS",
            vec![
                requirement("ac-2", &["sp-system"], "x"),
                requirement("pr.ac-1", &["sp-system"], "x"),
                requirement("gv.oc", &["sp-system"], "x"),
                requirement("pr.aa-01", &["hybrid"], "x"),
                requirement("pr.aa-02", &[], "x"),
            ]
        ),
        component(
            "Acme object storage",
            vec![requirement("pr.aa-06", &["inherited"], "x")]
        )
    ]));
    w.write("bad.json", serde_json::to_vec(&doc).unwrap());
    let r = w
        .run(&["mapping", "import", "bad.json", "--provider", "bad"])
        .code(65);
    for needle in [
        "bad.json: 6 problems found, nothing was changed",
        "bad.json, component `Acme IaaS`, control `ac-2`: not a NIST CSF 2.0 subcategory",
        "control `pr.ac-1`: not a NIST CSF 2.0 subcategory: `PR.AC-1` is a CSF 1.1 ID",
        "control `gv.oc`: not a NIST CSF 2.0 subcategory",
        "control `pr.aa-01`: `hybrid`: `hybrid` is not a control-origination value",
        "control `pr.aa-02`: no ownership",
        "bad.json, component `Acme object storage`: cannot tell its service model",
    ] {
        assert!(
            r.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            r.stderr
        );
    }
    let providers = w.run(&["providers", "--format", "csv"]).ok().csv();
    assert!(providers.iter().all(|p| field(p, "id") != "bad"));
    // A definition whose components hold no requirements has nothing to import.
    let empty = provider_definition(serde_json::json!([{
        "uuid": "4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
        "type": "service",
        "title": "Acme IaaS",
        "description": "A service."
    }]));
    w.write("empty.json", serde_json::to_vec(&empty).unwrap());
    w.run(&["mapping", "import", "empty.json", "--provider", "empty"])
        .code(65)
        .stderr_has("no implemented requirements");
    // --service names the model of a component whose title does not.
    let one = provider_definition(serde_json::json!([component(
        "Acme object storage",
        vec![requirement("pr.aa-06", &["inherited"], "x")]
    )]));
    w.write("one.json", serde_json::to_vec(&one).unwrap());
    w.run(&[
        "mapping",
        "import",
        "one.json",
        "--provider",
        "one",
        "--service",
        "iaas",
    ])
    .ok()
    .stderr_has("iaas: 1 controls: 1 inherited");
}

#[test]
fn verify_requires_the_oscal_files_and_force_replaces_only_a_csfkit_folder() {
    let w = setup();
    w.run(&[
        "export",
        "--out",
        "pkg",
        "--as-of",
        "2026-11-24",
        "--formats",
        "csv,oscal",
    ])
    .ok();
    w.run(&["verify", "pkg"]).ok().stdout_has("OK");
    std::fs::remove_file(w.path().join("pkg/oscal/component-definition.json")).unwrap();
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("missing: oscal/component-definition.json");
    // The OSCAL folder of `oscal export` is checked the same way.
    oscal_export(&w, "o", &[]);
    w.run(&["verify", "o"]).ok();
    std::fs::remove_file(w.path().join("o/catalog.json")).unwrap();
    w.run(&["verify", "o"])
        .code(1)
        .stderr_has("missing: catalog.json");
    // A manifest that leaves an OSCAL file out is caught even when the file is gone too.
    let m = w.path().join("o/manifest.json");
    let mut manifest = json(&m);
    manifest["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["path"] != "catalog.json");
    std::fs::write(&m, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    w.run(&["verify", "o"])
        .code(1)
        .stderr_has("does not list `catalog.json`");
    // --out must not exist, --force replaces only what csfkit wrote.
    w.run(&["oscal", "export", "--out", "pkg", "--as-of", "2026-11-24"])
        .code(73)
        .stderr_has("--force");
    w.write("mine/notes.txt", "mine");
    w.run(&["oscal", "export", "--out", "mine", "--force"])
        .code(73)
        .stderr_has("no csfkit manifest.json");
    assert!(w.path().join("mine/notes.txt").exists());
    oscal_export(&w, "pkg", &["--force"]);
    w.run(&["verify", "pkg"]).ok();
    assert!(!w.path().join("pkg/gaps.csv").exists());
}

#[test]
fn undetermined_and_missing_cells_validate_and_round_trip_too() {
    let w = Workdir::new();
    // A FedRAMP CRM answers a few SP 800-53 controls: most subcategories stay undetermined,
    // which FedRAMP's vocabulary cannot state (no control-origination is written).
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Moderate CRM Worksheet").unwrap();
    for (c, h) in [
        "Control ID",
        "Can Be Inherited from CSP",
        "Specific Inheritance and Customer Agency/CSP Responsibilities",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, answer, text)) in [
        (
            "AC-2",
            "No",
            "Customer manages agency accounts.\nAnd reviews them.",
        ),
        ("PE-3", "Yes", ""),
        ("PM-11", "Partial", "  Mission defined by the agency  "),
    ]
    .iter()
    .enumerate()
    {
        let row = r as u32 + 1;
        ws.write_string(row, 0, *id).unwrap();
        ws.write_string(row, 1, *answer).unwrap();
        ws.write_string(row, 2, *text).unwrap();
    }
    wb.save(w.path().join("crm.xlsx")).unwrap();
    w.run(&[
        "mapping",
        "import",
        "crm.xlsx",
        "--provider",
        "gov",
        "--layout",
        "fedramp-crm",
        "--service",
        "saas",
    ])
    .ok();
    // A csfkit matrix with two cells only: the other subcategories have no requirement.
    w.write(
        "tiny.csv",
        "control_id,service_model,ownership,basis,citation,provider_responsibility,customer_responsibility\n\
GV.OC-01,iaas,customer,derived,rule 5,,Define the mission\n\
PR.AA-06,iaas,inherited,stated,\"The provider says: \"\"badges\"\"\",Badge readers,\n",
    );
    w.run(&["mapping", "import", "tiny.csv", "--provider", "tiny"])
        .ok();
    for provider in ["gov", "tiny"] {
        oscal_export(&w, provider, &["--provider", provider]);
        for (file, schema) in DOCS {
            assert_valid(schema, &w.path().join(provider).join(file));
        }
        let copy = format!("{provider}-copy");
        w.run(&[
            "mapping",
            "import",
            &format!("{provider}/component-definition.json"),
            "--provider",
            &copy,
        ])
        .ok();
        assert_eq!(
            w.run(&["mapping", "export", "--provider", provider]).ok().stdout,
            w.run(&["mapping", "export", "--provider", &copy]).ok().stdout,
            "{provider}"
        );
    }
    let cd = json(&w.path().join("gov/component-definition.json"));
    let reqs =
        cd["component-definition"]["components"][0]["control-implementations"][0]["implemented-requirements"]
            .as_array()
            .unwrap();
    let undetermined: Vec<&Value> = reqs
        .iter()
        .filter(|r| props(r, "ownership") == ["undetermined"])
        .collect();
    assert!(undetermined.len() > 90, "{}", undetermined.len());
    assert!(
        undetermined
            .iter()
            .all(|r| props(r, "control-origination").is_empty())
    );
    // A projected cell carries its tally: PM-11 answered Partial makes the subcategories citing
    // it shared, one partial answer each (the round trip above read the tallies back).
    let shared: Vec<&Value> = reqs
        .iter()
        .filter(|r| props(r, "ownership") == ["shared"])
        .collect();
    assert!(!shared.is_empty());
    for r in &shared {
        assert_eq!(props(r, "answers-partial"), ["1"], "{r}");
        assert_eq!(props(r, "leaning"), ["balanced"], "{r}");
    }
    assert!(undetermined.iter().all(|r| props(r, "leaning").is_empty()));
    assert!(undetermined.iter().all(|r| props(r, "answers-yes") == ["0"]));
    // A tally that does not give the stated ownership is refused, naming the requirement.
    let mut edited = cd.clone();
    let first_shared = edited["component-definition"]["components"][0]["control-implementations"][0]
        ["implemented-requirements"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| props(r, "ownership") == ["shared"])
        .unwrap();
    let first_props = first_shared["props"].as_array_mut().unwrap();
    first_props.retain(|p| p["name"] != "leaning");
    for p in first_props.iter_mut() {
        if p["name"] == "answers-partial" {
            p["value"] = Value::from("0");
        }
    }
    w.write("edited.json", serde_json::to_string_pretty(&edited).unwrap());
    w.run(&["mapping", "import", "edited.json", "--provider", "edited"])
        .code(65)
        .stderr_has("not the `ownership` it states");
    assert!(
        !w.run(&["providers", "--format", "csv"])
            .ok()
            .stdout
            .contains("edited")
    );
    let tiny = json(&w.path().join("tiny/component-definition.json"));
    let component = &tiny["component-definition"]["components"][0];
    assert_eq!(
        component["control-implementations"][0]["implemented-requirements"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        component["remarks"]
            .as_str()
            .unwrap()
            .starts_with("The matrix has no cell for 104 of the subcategories")
    );
}

#[test]
fn oscal_xml_and_yaml_are_named_as_such() {
    let w = Workdir::new();
    w.write(
        "cd.xml",
        "<?xml version=\"1.0\"?>\n<component-definition xmlns=\"http://csrc.nist.gov/ns/oscal/1.0\" uuid=\"x\"/>\n",
    );
    w.write("cd.yaml", "component-definition:\n  uuid: x\n");
    for f in ["cd.xml", "cd.yaml"] {
        w.run(&["mapping", "import", f, "--provider", "acme"])
            .code(65)
            .stderr_has("csfkit reads OSCAL component definitions in their JSON form only");
    }
}
