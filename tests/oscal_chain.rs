//! Issue 26 item 3: the OSCAL chain. A package's and `csfkit oscal export`'s seven documents
//! (catalog, profile, component definition, system security plan, assessment plan, assessment
//! results, POA&M) validate against NIST's 1.2.1 schemas (`tests/data/oscal/`), and a resolver
//! here walks them: every `import-*` href and link to another document names a file beside it of
//! the right model, every control ID is the profile's selection of the catalog, every UUID
//! reference (parties, roles, components, subjects, actors, observations, risks, findings,
//! activities) resolves in the document or what it imports. Who determined what: a
//! self-assessed finding claims no method and no assessor; the component definition names who
//! prepared it apart from the provider, which is named on stated cells only; the POA&M holds
//! one item per gap, linked to the results' finding and risk, the plan's milestones as tasks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::util::{Workdir, reference};

/// A validator for one of NIST's schemas, format checks on.
fn validator(schema: &str) -> jsonschema::Validator {
    let path = reference(&format!("tests/data/oscal/{schema}"));
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{schema:?} does not compile: {e}"))
}

/// Each document, its root key and the schema it validates against (profile, assessment plan
/// and POA&M against NIST's complete schema, which holds every model).
const DOCS: [(&str, &str, &str); 7] = [
    ("catalog.json", "catalog", "oscal_catalog_schema.json"),
    ("profile.json", "profile", "oscal_complete_schema.json"),
    (
        "component-definition.json",
        "component-definition",
        "oscal_component_schema.json",
    ),
    (
        "system-security-plan.json",
        "system-security-plan",
        "oscal_ssp_schema.json",
    ),
    (
        "assessment-plan.json",
        "assessment-plan",
        "oscal_complete_schema.json",
    ),
    (
        "assessment-results.json",
        "assessment-results",
        "oscal_assessment-results_schema.json",
    ),
    (
        "plan-of-action-and-milestones.json",
        "plan-of-action-and-milestones",
        "oscal_complete_schema.json",
    ),
];

fn json(file: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display())))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()))
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

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// Evidence, a scope, statuses, gaps with and without a plan (with milestones).
fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("evidence/policy.pdf", b"%PDF-1.4 access control policy");
    w.write(
        "tracker.csv",
        "control_id,title,description,owner,collected_on,valid_until,location\n\
PR.AA-01,Access review,Quarterly access review,Anna,2026-01-05,2027-01-05,evidence/policy.pdf\n\
PR.AA-05,Access review export,,Bob,2025-01-05,2025-06-30,https://grc.example/x\n\
GV.OC-01,Board minutes,,Dana,2026-02-01,,\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas,model");
    w.run(&[
        "assess",
        "PR.AA-01",
        "--status",
        "implemented",
        "--note",
        "SSO with MFA",
    ])
    .ok();
    w.run(&["assess", "GV.OC-01", "--status", "implemented"]).ok();
    w.run(&[
        "assess",
        "GV.OC-02",
        "--status",
        "not-applicable",
        "--note",
        "No premises",
    ])
    .ok();
    w.run(&[
        "plan",
        "PR.AA-05",
        "--due",
        "2027-03-31",
        "--owner",
        "J. Doe",
        "--action",
        "Renew the access review export",
        "--milestone",
        "2027-01-15: export scheduled",
        "--milestone",
        "2027-03-01: first export reviewed",
    ])
    .ok();
    w
}

fn export_both(w: &Workdir) {
    w.run(&["oscal", "export", "--out", "oscal", "--as-of", "2026-11-24"])
        .ok();
    w.run(&[
        "export",
        "--out",
        "pkg",
        "--as-of",
        "2026-11-24",
        "--formats",
        "csv,oscal",
        "--organization",
        "Acme GmbH",
    ])
    .ok();
}

/// The documents of a folder by their root key.
fn load(dir: &Path) -> BTreeMap<&'static str, Value> {
    DOCS.iter()
        .map(|(file, root, _)| {
            let doc = json(&dir.join(file));
            assert!(doc.get(*root).is_some(), "{file} has no `{root}`");
            (*root, doc[*root].clone())
        })
        .collect()
}

/// What a document defines that others refer to.
#[derive(Default, Debug)]
struct Defined {
    parties: BTreeSet<String>,
    roles: BTreeSet<String>,
    components: BTreeSet<String>,
    observations: BTreeSet<String>,
    risks: BTreeSet<String>,
    findings: BTreeSet<String>,
    activities: BTreeSet<String>,
}

fn strings<'a>(items: &'a [Value], key: &str) -> impl Iterator<Item = String> + 'a {
    let key = key.to_string();
    items
        .iter()
        .filter_map(move |i| i[&key].as_str().map(String::from))
}

fn defined(doc: &Value) -> Defined {
    let mut d = Defined::default();
    d.parties
        .extend(strings(arr(&doc["metadata"]["parties"]), "uuid"));
    d.roles.extend(strings(arr(&doc["metadata"]["roles"]), "id"));
    for list in [
        &doc["system-implementation"]["components"],
        &doc["assessment-assets"]["components"],
        &doc["local-definitions"]["components"],
        &doc["components"],
    ] {
        d.components.extend(strings(arr(list), "uuid"));
    }
    d.activities
        .extend(strings(arr(&doc["local-definitions"]["activities"]), "uuid"));
    let mut scopes = vec![doc];
    scopes.extend(arr(&doc["results"]));
    for s in scopes {
        d.observations.extend(strings(arr(&s["observations"]), "uuid"));
        d.risks.extend(strings(arr(&s["risks"]), "uuid"));
        d.findings.extend(strings(arr(&s["findings"]), "uuid"));
    }
    d
}

/// Every reference in `v`, as (kind, value, where).
fn references(v: &Value, path: &str, out: &mut Vec<(String, String, String)>) {
    match v {
        Value::Object(map) => {
            if let (Some(kind), Some(uuid)) = (map.get("type").and_then(Value::as_str), map.get("actor-uuid"))
            {
                out.push((
                    format!("actor:{kind}"),
                    uuid.as_str().unwrap().into(),
                    path.into(),
                ));
            }
            for (k, x) in map {
                let here = format!("{path}/{k}");
                match (k.as_str(), x) {
                    ("party-uuids", Value::Array(a)) => {
                        out.extend(
                            a.iter()
                                .map(|u| ("party".into(), u.as_str().unwrap().into(), here.clone())),
                        );
                    }
                    ("role-id" | "role-ids", _) => {
                        let ids: Vec<&str> = match x {
                            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                            _ => x.as_str().into_iter().collect(),
                        };
                        out.extend(ids.into_iter().map(|r| ("role".into(), r.into(), here.clone())));
                    }
                    (
                        "component-uuid" | "subject-uuid" | "observation-uuid" | "risk-uuid" | "finding-uuid"
                        | "activity-uuid",
                        Value::String(s),
                    ) => out.push((k.clone(), s.clone(), here.clone())),
                    _ => references(x, &here, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                references(x, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Checks every UUID and role reference of `doc` against what it and its imports define.
fn resolve(name: &str, doc: &Value, scope: &[&Defined]) {
    let mut refs = Vec::new();
    references(doc, name, &mut refs);
    assert!(!refs.is_empty(), "{name} refers to nothing");
    let any = |f: &dyn Fn(&Defined) -> &BTreeSet<String>, v: &str| scope.iter().any(|d| f(d).contains(v));
    for (kind, value, place) in refs {
        let ok = match kind.as_str() {
            "party" | "actor:party" => any(&|d| &d.parties, &value),
            "role" => any(&|d| &d.roles, &value),
            "component-uuid" | "subject-uuid" | "actor:tool" => any(&|d| &d.components, &value),
            "observation-uuid" => any(&|d| &d.observations, &value),
            "risk-uuid" => any(&|d| &d.risks, &value),
            "finding-uuid" => any(&|d| &d.findings, &value),
            "activity-uuid" => any(&|d| &d.activities, &value),
            other => panic!("{place}: a reference of kind {other} this resolver does not know"),
        };
        assert!(
            ok,
            "{place}: {kind} `{value}` does not resolve in {name} or what it imports"
        );
    }
}

/// The catalog's control IDs and statement part IDs.
fn catalog_ids(catalog: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    fn walk(v: &Value, controls: &mut BTreeSet<String>, parts: &mut BTreeSet<String>) {
        for g in arr(&v["groups"]) {
            walk(g, controls, parts);
        }
        for c in arr(&v["controls"]) {
            controls.insert(c["id"].as_str().unwrap().into());
            parts.extend(strings(arr(&c["parts"]), "id"));
            walk(c, controls, parts);
        }
    }
    let (mut controls, mut parts) = (BTreeSet::new(), BTreeSet::new());
    walk(catalog, &mut controls, &mut parts);
    (controls, parts)
}

/// The whole chain of the documents in `dir`: schemas, hrefs, control IDs, UUIDs.
fn check_chain(dir: &Path) -> BTreeMap<&'static str, Value> {
    for (file, _, schema) in DOCS {
        let doc = json(&dir.join(file));
        let errors: Vec<String> = validator(schema)
            .iter_errors(&doc)
            .take(20)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} against {schema}:\n{}",
            dir.join(file).display(),
            errors.join("\n")
        );
    }
    let docs = load(dir);
    // Every import names the document of the right model beside it.
    let imports = [
        (
            "profile",
            docs["profile"]["imports"][0]["href"].clone(),
            "catalog.json",
        ),
        (
            "system-security-plan",
            docs["system-security-plan"]["import-profile"]["href"].clone(),
            "profile.json",
        ),
        (
            "assessment-plan",
            docs["assessment-plan"]["import-ssp"]["href"].clone(),
            "system-security-plan.json",
        ),
        (
            "assessment-results",
            docs["assessment-results"]["import-ap"]["href"].clone(),
            "assessment-plan.json",
        ),
        (
            "plan-of-action-and-milestones",
            docs["plan-of-action-and-milestones"]["import-ssp"]["href"].clone(),
            "system-security-plan.json",
        ),
    ];
    for (from, href, to) in imports {
        assert_eq!(href, to, "{from} imports {href}");
        assert!(dir.join(to).is_file(), "{from}: {to} is not beside it");
    }
    for ci in arr(&docs["component-definition"]["components"]) {
        for impl_ in arr(&ci["control-implementations"]) {
            assert_eq!(impl_["source"], "catalog.json");
        }
    }
    for c in arr(&docs["system-security-plan"]["system-implementation"]["components"]) {
        for l in arr(&c["links"]) {
            let href = l["href"].as_str().unwrap();
            assert!(
                dir.join(href).is_file(),
                "the SSP links {href}, which is not beside it"
            );
            assert!(
                json(&dir.join(href)).get("component-definition").is_some(),
                "{href}"
            );
        }
    }
    // Control IDs: the profile selects from the catalog; the rest name the profile's controls.
    let (controls, parts) = catalog_ids(&docs["catalog"]);
    let selected: BTreeSet<String> = arr(&docs["profile"]["imports"][0]["include-controls"][0]["with-ids"])
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(selected.len(), 106);
    assert!(
        selected.is_subset(&controls),
        "{:?}",
        selected.difference(&controls).collect::<Vec<_>>()
    );
    let ssp_ids: BTreeSet<String> = strings(
        arr(&docs["system-security-plan"]["control-implementation"]["implemented-requirements"]),
        "control-id",
    )
    .collect();
    assert_eq!(ssp_ids, selected);
    for ci in arr(&docs["component-definition"]["components"]) {
        for r in arr(&ci["control-implementations"][0]["implemented-requirements"]) {
            assert!(
                selected.contains(r["control-id"].as_str().unwrap()),
                "{}",
                r["control-id"]
            );
        }
    }
    let ar = &docs["assessment-results"];
    let result = &ar["results"][0];
    for reviewed in [
        &docs["assessment-plan"]["reviewed-controls"],
        &result["reviewed-controls"],
    ] {
        let ids: BTreeSet<String> = strings(
            arr(&reviewed["control-selections"][0]["include-controls"]),
            "control-id",
        )
        .collect();
        assert_eq!(ids, selected);
    }
    let mut targets = 0;
    for f in arr(&result["findings"])
        .iter()
        .chain(arr(&docs["plan-of-action-and-milestones"]["findings"]))
    {
        let t = f["target"]["target-id"].as_str().unwrap();
        assert!(
            parts.contains(t),
            "finding target {t} is no statement of the catalog"
        );
        assert!(selected.contains(t.trim_end_matches("_smt")), "{t}");
        targets += 1;
    }
    assert!(targets > 0);
    // UUID references, each in the document and what it imports.
    let d: BTreeMap<&str, Defined> = docs.iter().map(|(k, v)| (*k, defined(v))).collect();
    let chain = |names: &[&'static str]| names.iter().map(|n| &d[n]).collect::<Vec<&Defined>>();
    resolve(
        "component-definition",
        &docs["component-definition"],
        &chain(&["component-definition"]),
    );
    resolve(
        "system-security-plan",
        &docs["system-security-plan"],
        &chain(&["system-security-plan", "profile"]),
    );
    resolve(
        "assessment-plan",
        &docs["assessment-plan"],
        &chain(&["assessment-plan", "system-security-plan"]),
    );
    resolve(
        "assessment-results",
        &docs["assessment-results"],
        &chain(&["assessment-results", "assessment-plan", "system-security-plan"]),
    );
    resolve(
        "plan-of-action-and-milestones",
        &docs["plan-of-action-and-milestones"],
        &chain(&["plan-of-action-and-milestones", "system-security-plan"]),
    );
    docs
}

#[test]
fn the_seven_documents_validate_and_every_link_resolves_in_a_folder_and_a_package() {
    let w = setup();
    export_both(&w);
    check_chain(&w.path().join("oscal"));
    let docs = check_chain(&w.path().join("pkg/oscal"));
    // The manifest lists them and verify checks them.
    let manifest = json(&w.path().join("pkg/manifest.json"));
    let listed: Vec<&str> = arr(&manifest["files"])
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for (file, _, _) in DOCS {
        assert!(
            listed.contains(&format!("oscal/{file}").as_str()),
            "{file} not in {listed:?}"
        );
    }
    w.run(&["verify", "pkg"]).ok();
    w.run(&["verify", "oscal"]).ok();
    // The same catalogue and date give the same bytes, every document.
    w.run(&["oscal", "export", "--out", "again", "--as-of", "2026-11-24"])
        .ok();
    for (file, _, _) in DOCS {
        let read = |d: &str| std::fs::read(w.path().join(d).join(file)).unwrap();
        assert!(read("oscal") == read("again"), "{file} differs");
    }
    std::fs::remove_file(w.path().join("oscal/assessment-plan.json")).unwrap();
    w.run(&["verify", "oscal"])
        .code(1)
        .stderr_has("assessment-plan.json");

    // The organisation is a party by its name, apart from the provider.
    let ssp = &docs["system-security-plan"];
    let names: Vec<String> = strings(arr(&ssp["metadata"]["parties"]), "name").collect();
    assert_eq!(names, ["Acme GmbH", "DataCrunch"]);
    assert_eq!(ssp["system-characteristics"]["system-name"], "Payments");
    // The provider's services are leveraged components; an inherited cell is inherited.
    let components = arr(&ssp["system-implementation"]["components"]);
    assert_eq!(components.len(), 3);
    assert_eq!(components[0]["type"], "this-system");
    for c in &components[1..] {
        assert_eq!(props(c, "implementation-point"), ["external"]);
    }
    let reqs = arr(&ssp["control-implementation"]["implemented-requirements"]);
    let req = |id: &str| reqs.iter().find(|r| r["control-id"] == id).unwrap();
    let inherited = req("pr.aa-06");
    assert_eq!(props(inherited, "ownership"), ["inherited"]);
    assert!(
        arr(&inherited["by-components"])
            .iter()
            .all(|b| b["inherited"].is_array())
    );
    let with_status = req("pr.aa-01");
    let mine = arr(&with_status["by-components"])
        .iter()
        .find(|b| b["component-uuid"] == components[0]["uuid"])
        .unwrap();
    assert_eq!(mine["implementation-status"]["state"], "implemented");
    assert_eq!(props(mine, "determined-by"), ["self-assessment"]);
}

#[test]
fn who_determined_each_finding_and_no_self_assessment_claims_a_method() {
    let w = setup();
    export_both(&w);
    let docs = load(&w.path().join("pkg/oscal"));
    let ap = &docs["assessment-plan"];
    let tool = ap["assessment-assets"]["components"][0]["uuid"].as_str().unwrap();
    assert_eq!(ap["assessment-assets"]["components"][0]["type"], "software");
    let organisation = ap["metadata"]["parties"][0]["uuid"].as_str().unwrap();
    let result = &docs["assessment-results"]["results"][0];
    let observations: BTreeMap<&str, &Value> = arr(&result["observations"])
        .iter()
        .map(|o| (o["uuid"].as_str().unwrap(), o))
        .collect();
    // The organisation's evidence records: no method claimed, the organisation through csfkit.
    for o in observations.values() {
        assert_eq!(o["methods"], serde_json::json!(["UNKNOWN"]), "{}", o["title"]);
        assert_eq!(props(o, "determined-by"), ["self-assessment"]);
    }
    let findings = arr(&result["findings"]);
    let by_title = |id: &str| {
        findings
            .iter()
            .find(|f| f["title"].as_str().unwrap().starts_with(&format!("{id}:")))
            .unwrap()
    };
    let actors = |f: &Value| -> Vec<(String, String)> {
        arr(&f["origins"])
            .iter()
            .flat_map(|o| arr(&o["actors"]))
            .map(|a| {
                (
                    a["type"].as_str().unwrap().into(),
                    a["actor-uuid"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let pass = by_title("PR.AA-01");
    assert_eq!(pass["target"]["status"]["reason"], "pass");
    assert_eq!(props(pass, "determined-by"), ["self-assessment"]);
    assert_eq!(
        actors(pass),
        [
            ("party".to_string(), organisation.to_string()),
            ("tool".into(), tool.into())
        ]
    );
    let mut self_assessed = BTreeSet::new();
    for f in findings {
        let who = props(f, "determined-by");
        assert_eq!(who.len(), 1, "{}", f["title"]);
        match who[0] {
            "self-assessment" => {
                self_assessed.insert(
                    f["title"]
                        .as_str()
                        .unwrap()
                        .split(':')
                        .next()
                        .unwrap()
                        .to_string(),
                );
                for r in arr(&f["related-observations"]) {
                    let o = observations[r["observation-uuid"].as_str().unwrap()];
                    assert!(
                        !arr(&o["methods"])
                            .iter()
                            .any(|m| m == "EXAMINE" || m == "TEST" || m == "INTERVIEW")
                    );
                }
            }
            "csfkit" => assert_eq!(
                actors(f),
                [("tool".to_string(), tool.to_string())],
                "{}",
                f["title"]
            ),
            other => panic!("{other}"),
        }
    }
    // The controls with a status recorded, less those that are gaps all the same.
    let gaps: BTreeSet<String> = csv::Reader::from_path(w.path().join("pkg/gaps.csv"))
        .unwrap()
        .into_records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let expected: BTreeSet<String> = ["PR.AA-01", "GV.OC-01", "GV.OC-02"]
        .into_iter()
        .filter(|c| !gaps.contains(*c))
        .map(String::from)
        .collect();
    assert!(expected.contains("PR.AA-01") && expected.contains("GV.OC-02"));
    assert_eq!(self_assessed, expected);
    // A gap is csfkit's, with its risk.
    let gap = by_title("PR.AA-05");
    assert_eq!(gap["target"]["status"]["state"], "not-satisfied");
    let risk_uuid = gap["related-risks"][0]["risk-uuid"].as_str().unwrap();
    let risk = arr(&result["risks"])
        .iter()
        .find(|r| r["uuid"] == risk_uuid)
        .unwrap();
    assert_eq!(risk["status"], "remediating");
    assert_eq!(risk["deadline"], "2027-03-31T00:00:00Z");
    assert!(
        risk.get("characterizations").is_none(),
        "a plan without a rating rates nothing"
    );
}

#[test]
fn the_poam_has_an_item_per_gap_linked_to_its_finding_and_risk_with_milestones_as_tasks() {
    let w = setup();
    export_both(&w);
    let docs = load(&w.path().join("pkg/oscal"));
    let poam = &docs["plan-of-action-and-milestones"];
    let rows = csv::Reader::from_path(w.path().join("pkg/poam.csv"))
        .unwrap()
        .into_records()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    let items = arr(&poam["poam-items"]);
    assert_eq!(items.len(), rows.len());
    assert!(rows.len() > 10, "{}", rows.len());
    let result = &docs["assessment-results"]["results"][0];
    let ar_findings: BTreeSet<&str> = arr(&result["findings"])
        .iter()
        .filter_map(|f| f["uuid"].as_str())
        .collect();
    let ar_risks: BTreeSet<&str> = arr(&result["risks"])
        .iter()
        .filter_map(|r| r["uuid"].as_str())
        .collect();
    for (item, row) in items.iter().zip(&rows) {
        assert_eq!(props(item, "poam-id"), [&row[0]]);
        let f = item["related-findings"][0]["finding-uuid"].as_str().unwrap();
        let r = item["related-risks"][0]["risk-uuid"].as_str().unwrap();
        assert!(ar_findings.contains(f) && ar_risks.contains(r), "{}", &row[0]);
        let finding = arr(&poam["findings"]).iter().find(|x| x["uuid"] == f).unwrap();
        assert_eq!(finding["target"]["status"]["state"], "not-satisfied");
        assert_eq!(
            finding["target"]["target-id"],
            format!("{}_smt", row[1].to_lowercase())
        );
    }
    let planned = items
        .iter()
        .find(|i| props(i, "poam-id") == ["POAM-PR.AA-05"])
        .unwrap();
    let risk_uuid = planned["related-risks"][0]["risk-uuid"].as_str().unwrap();
    let risk = arr(&poam["risks"])
        .iter()
        .find(|r| r["uuid"] == risk_uuid)
        .unwrap();
    let remediation = &risk["remediations"][0];
    assert_eq!(remediation["description"], "Renew the access review export");
    let tasks: Vec<(&str, &str, &str)> = arr(&remediation["tasks"])
        .iter()
        .map(|t| {
            (
                t["type"].as_str().unwrap(),
                t["title"].as_str().unwrap(),
                t["timing"]["on-date"]["date"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tasks,
        [
            ("milestone", "export scheduled", "2027-01-15T00:00:00Z"),
            ("milestone", "first export reviewed", "2027-03-01T00:00:00Z")
        ]
    );
}

#[test]
fn the_component_definition_names_who_prepared_it_apart_from_the_provider() {
    let w = setup();
    export_both(&w);
    let docs = load(&w.path().join("pkg/oscal"));
    let cd = &docs["component-definition"];
    let parties = arr(&cd["metadata"]["parties"]);
    let uuid_of = |name: &str| {
        parties.iter().find(|p| p["name"] == name).unwrap()["uuid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (acme, provider) = (uuid_of("Acme GmbH"), uuid_of("DataCrunch"));
    let prepared: Vec<(&str, Vec<&str>)> = arr(&cd["metadata"]["responsible-parties"])
        .iter()
        .map(|r| {
            (
                r["role-id"].as_str().unwrap(),
                arr(&r["party-uuids"]).iter().filter_map(Value::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(prepared, [("prepared-by", vec![acme.as_str()])]);
    let (mut stated, mut derived) = (0, 0);
    for c in arr(&cd["components"]) {
        assert_ne!(
            c["responsible-roles"][0]["party-uuids"][0],
            provider.as_str(),
            "the service's preparer is not the provider"
        );
        for r in arr(&c["control-implementations"][0]["implemented-requirements"]) {
            let who = &r["responsible-roles"][0];
            match props(r, "basis")[0] {
                "stated" => {
                    stated += 1;
                    assert_eq!(
                        (who["role-id"].as_str(), who["party-uuids"][0].as_str()),
                        (Some("provider"), Some(provider.as_str()))
                    );
                }
                _ => {
                    derived += 1;
                    assert_eq!(props(r, "derived-by"), ["csfkit"]);
                    assert_ne!(who["party-uuids"][0], provider.as_str());
                }
            }
        }
    }
    assert!(stated > 0 && derived > 0, "{stated} {derived}");
    assert_eq!(props(&cd["metadata"], "cells-stated"), [stated.to_string()]);
    assert_eq!(props(&cd["metadata"], "cells-derived"), [derived.to_string()]);
}

#[test]
fn the_resolver_refuses_a_dangling_reference_and_an_import_of_the_manifest() {
    let w = setup();
    w.run(&["oscal", "export", "--out", "oscal", "--as-of", "2026-11-24"])
        .ok();
    let dir = w.path().join("oscal");
    let file = dir.join("assessment-results.json");
    let original = std::fs::read(&file).unwrap();
    check_chain(&dir);
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut doc: Value = serde_json::from_slice(&original).unwrap();
        edit(&mut doc["assessment-results"]);
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        let d = dir.clone();
        let caught = std::panic::catch_unwind(move || {
            check_chain(&d);
        });
        assert!(caught.is_err(), "the resolver let a broken chain pass");
    };
    // A finding relating a risk the results do not hold (still valid against the schema).
    broken(&|ar| {
        let findings = ar["results"][0]["findings"].as_array_mut().unwrap();
        let gap = findings
            .iter_mut()
            .find(|f| f.get("related-risks").is_some())
            .unwrap();
        gap["related-risks"][0]["risk-uuid"] = "00000000-0000-5000-8000-000000000000".into();
    });
    // An origin naming a party no document defines.
    broken(&|ar| {
        let findings = ar["results"][0]["findings"].as_array_mut().unwrap();
        findings[0]["origins"][0]["actors"][0]["actor-uuid"] = "00000000-0000-5000-8000-000000000001".into();
    });
    // The results importing the manifest, as csfkit 0.3.0 before issue 26 wrote them.
    broken(&|ar| ar["import-ap"]["href"] = "manifest.json".into());
}

/// The assessor's results (`review import`) and a plan's rating (`plan --risk`) reach the
/// chain: the assessor's finding is theirs, with the method they recorded and their rating, the
/// gap's risk carries the plan's rating, and every link still resolves (issue 26, wired at the
/// merge of review import and the OSCAL chain).
#[test]
fn an_assessors_result_and_a_plans_rating_reach_the_chain() {
    let w = setup();
    w.run(&["plan", "PR.AA-05", "--risk", "high"]).ok();
    w.write(
        "results.csv",
        "\u{feff}Control ID,Method,Sample,Result,Finding,Risk,Assessor,Date\r\n\
PR.AA-01,test,5 of 40 admin accounts,other than satisfied,MFA not enforced for two admins,moderate,R. Assessor,2026-11-19\r\n\
GV.OC-01,interview,CISO,satisfied,,,R. Assessor,2026-11-19\r\n",
    );
    w.run(&["review", "import", "results.csv"]).ok();
    export_both(&w);
    check_chain(&w.path().join("oscal"));
    let docs = check_chain(&w.path().join("pkg/oscal"));
    let result = &docs["assessment-results"]["results"][0];
    let parties = arr(&docs["assessment-results"]["metadata"]["parties"]);
    let assessor = parties
        .iter()
        .find(|p| p["name"] == "R. Assessor")
        .expect("the assessor is a party");
    let assessor_uuid = assessor["uuid"].as_str().unwrap();
    let by_assessor: Vec<&Value> = arr(&result["findings"])
        .iter()
        .filter(|f| props(f, "determined-by") == ["assessor"])
        .collect();
    assert_eq!(by_assessor.len(), 2, "one finding per assessor result");
    for f in &by_assessor {
        let actor = &f["origins"][0]["actors"][0];
        assert_eq!(actor["type"], "party");
        assert_eq!(actor["actor-uuid"], assessor_uuid);
    }
    let fail = by_assessor
        .iter()
        .find(|f| f["target"]["target-id"] == "pr.aa-01_smt")
        .expect("the assessor's finding on PR.AA-01");
    assert_eq!(fail["target"]["status"]["state"], "not-satisfied");
    let observation_uuid = fail["related-observations"][0]["observation-uuid"]
        .as_str()
        .unwrap();
    let observation = arr(&result["observations"])
        .iter()
        .find(|o| o["uuid"] == observation_uuid)
        .unwrap();
    assert_eq!(observation["methods"], serde_json::json!(["TEST"]));
    let rating = |risk_uuid: &str| -> String {
        let risk = arr(&result["risks"])
            .iter()
            .find(|r| r["uuid"] == risk_uuid)
            .unwrap();
        risk["characterizations"][0]["facets"][0]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        rating(fail["related-risks"][0]["risk-uuid"].as_str().unwrap()),
        "moderate"
    );
    // The gap's risk carries the plan's rating.
    let gap = arr(&result["findings"])
        .iter()
        .find(|f| f["target"]["target-id"] == "pr.aa-05_smt" && props(f, "determined-by") == ["csfkit"])
        .expect("the gap's finding");
    assert_eq!(
        rating(gap["related-risks"][0]["risk-uuid"].as_str().unwrap()),
        "high"
    );
    // The POA&M holds an item for the assessor's finding too.
    let poam = &docs["plan-of-action-and-milestones"];
    let fail_uuid = fail["uuid"].as_str().unwrap();
    assert!(
        arr(&poam["poam-items"])
            .iter()
            .any(|i| arr(&i["related-findings"])
                .iter()
                .any(|r| r["finding-uuid"] == fail_uuid)),
        "no POA&M item for the assessor's finding"
    );
}
