//! The shipped matrices as data (`mappings/*.csv`), checked against the rule they are derived by
//! (`mappings/RULES.md`) and the provider pages they cite (`mappings/sources/*.txt`): stated
//! citations are verbatim, derived cells name an existing clause, quoted words are the page's,
//! claims the pages do not make are marked as expectations, ownership that differs between service
//! models comes with different texts, and every control is present once per service model.
//! The cells issue 25's review challenged are pinned as the rule now decides them, with the texts
//! it asked for (inherited cells tell the customer what to obtain and check, provider duties the
//! pages do not state are expectations in customer texts too, bare metal names the hand-over
//! between tenants, the account's audit trail is the customer's to export and keep).

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{Workdir, field, reference, repo};

/// The providers shipped in `mappings/`: every row of `mappings/providers.csv`, the one list
/// the binary embeds (build.rs) and every check here runs over.
fn providers() -> Vec<String> {
    let mut rdr = csv::Reader::from_path(repo().join("mappings/providers.csv")).unwrap();
    rdr.records().map(|r| r.unwrap()[0].to_string()).collect()
}

/// The words that open an expectation in `provider_responsibility` (RULES.md, rule 13a).
const EXPECTED: &str = "Expected; confirm in the provider's documentation:";

/// One row of a shipped matrix.
struct Cell {
    line: usize,
    control: String,
    service: String,
    ownership: String,
    basis: String,
    citation: String,
    provider: String,
    customer: String,
}

impl Cell {
    fn at(&self, provider: &str) -> String {
        format!(
            "{provider}.csv line {}: {} / {}",
            self.line, self.control, self.service
        )
    }
}

fn cells(provider: &str) -> Vec<Cell> {
    let path = repo().join(format!("mappings/{provider}.csv"));
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let head: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        head,
        [
            "control_id",
            "service_model",
            "ownership",
            "basis",
            "citation",
            "provider_responsibility",
            "customer_responsibility"
        ]
    );
    rdr.records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.unwrap();
            Cell {
                line: i + 2,
                control: r[0].to_string(),
                service: r[1].to_string(),
                ownership: r[2].to_string(),
                basis: r[3].to_string(),
                citation: r[4].to_string(),
                provider: r[5].to_string(),
                customer: r[6].to_string(),
            }
        })
        .collect()
}

/// The provider's page the matrix is built from: the `source` column of `mappings/providers.csv`
/// (`mappings/sources/NAME.txt`).
fn page(provider: &str) -> String {
    let mut rdr = csv::Reader::from_path(repo().join("mappings/providers.csv")).unwrap();
    let source = rdr
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[0] == provider)
        .map(|r| r[3].to_string())
        .unwrap_or_else(|| panic!("{provider} is not in mappings/providers.csv"));
    std::fs::read_to_string(reference(&source)).unwrap()
}

/// A clause label as RULES.md writes it: a number, optionally followed by one lower-case letter.
fn is_label(s: &str) -> bool {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_lowercase());
    s.len() - digits.len() <= 1 && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The clauses RULES.md defines: lines `### Rule N.` (a main clause) and `**Rule Na.**` (a
/// sub-clause), as its introduction documents.
fn clauses() -> BTreeSet<String> {
    let text = std::fs::read_to_string(reference("mappings/RULES.md")).unwrap();
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let label = if let Some(rest) = line.strip_prefix("### Rule ") {
            rest.split_once('.').map(|(n, _)| n)
        } else if let Some(rest) = line.strip_prefix("**Rule ") {
            rest.split_once(".**").map(|(n, _)| n)
        } else {
            None
        };
        if let Some(label) = label {
            assert!(is_label(label), "RULES.md: malformed clause heading: {line}");
            assert!(
                out.insert(label.to_string()),
                "RULES.md defines rule {label} twice"
            );
        }
    }
    out
}

/// The service models each provider offers, from `mappings/providers.csv`.
fn services() -> BTreeMap<String, Vec<String>> {
    let mut rdr = csv::Reader::from_path(repo().join("mappings/providers.csv")).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[2].split(';').map(str::to_string).collect())
        })
        .collect()
}

/// The parts of `text` inside straight double quotes.
fn quotations(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

#[test]
fn rules_md_defines_the_clauses_the_matrices_cite() {
    let c = clauses();
    for label in [
        "1", "2a", "2b", "2c", "4a", "4e", "5", "6", "7", "8a", "8f", "9", "10d", "11a", "13a",
    ] {
        assert!(c.contains(label), "RULES.md lacks rule {label}: {c:?}");
    }
    assert!(is_label("8c") && is_label("12") && !is_label("8cc") && !is_label("c") && !is_label(""));
}

#[test]
fn every_stated_citation_is_verbatim_in_the_providers_page() {
    for provider in &providers() {
        let page = page(provider);
        let stated: Vec<Cell> = cells(provider)
            .into_iter()
            .filter(|c| c.basis == "stated")
            .collect();
        assert!(!stated.is_empty(), "{provider} has no stated cell");
        for c in &stated {
            assert!(
                !c.citation.trim().is_empty(),
                "{}: stated without a citation",
                c.at(provider)
            );
            assert!(
                page.contains(&c.citation),
                "{}: the citation is not in mappings/sources/{provider}.txt: {}",
                c.at(provider),
                c.citation
            );
        }
    }
}

#[test]
fn every_derived_cell_names_a_clause_of_the_rule() {
    let clauses = clauses();
    for provider in &providers() {
        for c in cells(provider).iter().filter(|c| c.basis == "derived") {
            let (label, reason) = c
                .citation
                .strip_prefix("rule ")
                .and_then(|rest| rest.split_once(": "))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: a derived citation reads `rule N: reason`, not {:?}",
                        c.at(provider),
                        c.citation
                    )
                });
            assert!(
                is_label(label),
                "{}: not a clause label: {label:?}",
                c.at(provider)
            );
            assert!(
                clauses.contains(label),
                "{}: cites rule {label}, which mappings/RULES.md does not define",
                c.at(provider)
            );
            assert!(
                !reason.trim().is_empty(),
                "{}: no reason after the clause",
                c.at(provider)
            );
        }
    }
}

#[test]
fn words_in_quotes_are_the_providers_own() {
    for provider in &providers() {
        let page = page(provider);
        for c in cells(provider) {
            for text in [&c.provider, &c.customer] {
                assert!(
                    text.matches('"').count() % 2 == 0,
                    "{}: unbalanced quotes in {text:?}",
                    c.at(provider)
                );
                for q in quotations(text) {
                    assert!(
                        page.contains(q),
                        "{}: {q:?} is quoted but is not in mappings/sources/{provider}.txt",
                        c.at(provider)
                    );
                }
            }
        }
    }
}

#[test]
fn claims_the_pages_do_not_make_are_marked_as_expectations() {
    // Things the review found claimed in the provider's name although neither page says them.
    let unstated = [
        "status page",
        "export",
        "advisor",
        "attestation",
        "vetted",
        "sign-up",
        "audit log",
        "notif",
        // Issue 25: redundancy (DataCrunch PR.IR-03 iaas) and the bare-metal hand-over between
        // tenants are the provider's duties only as expectations.
        "redundan",
        "wipe",
        "flash",
        "baseboard",
    ];
    for provider in &providers() {
        let page = page(provider).to_lowercase();
        for c in cells(provider) {
            let said = c.provider.split(EXPECTED).next().unwrap().to_lowercase();
            for word in unstated {
                assert!(
                    !said.contains(word) || page.contains(word),
                    "{}: provider_responsibility claims {word:?} outside an expectation: {}",
                    c.at(provider),
                    c.provider
                );
            }
            assert!(
                c.provider.matches(EXPECTED).count() <= 1,
                "{}: one expectation per text",
                c.at(provider)
            );
        }
    }
}

#[test]
fn service_models_with_different_ownership_have_different_texts() {
    for provider in &providers() {
        let mut by_control: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
        for c in cells(provider) {
            by_control.entry(c.control.clone()).or_default().push(c);
        }
        let mut differing = 0;
        for (control, cs) in &by_control {
            for (i, a) in cs.iter().enumerate() {
                for b in &cs[i + 1..] {
                    if a.ownership == b.ownership {
                        continue;
                    }
                    differing += 1;
                    let pair = format!(
                        "{provider} {control}: {} ({}) and {} ({})",
                        a.service, a.ownership, b.service, b.ownership
                    );
                    assert_ne!(a.customer, b.customer, "{pair} share a customer text");
                    assert_ne!(a.provider, b.provider, "{pair} share a provider text");
                }
            }
        }
        assert!(
            differing > 0,
            "{provider}: no control differs between service models"
        );
    }
}

#[test]
fn every_control_is_present_once_per_service_model_in_catalogue_order() {
    let w = Workdir::new();
    let controls: Vec<String> = w
        .run(&["controls", "--format", "csv"])
        .ok()
        .csv()
        .iter()
        .map(|r| field(r, "id").to_string())
        .collect();
    assert_eq!(controls.len(), 106);
    let services = services();
    for provider in &providers() {
        let models = &services[provider];
        let got: Vec<(String, String)> = cells(provider)
            .iter()
            .map(|c| (c.control.clone(), c.service.clone()))
            .collect();
        let want: Vec<(String, String)> = controls
            .iter()
            .flat_map(|id| models.iter().map(move |m| (id.clone(), m.clone())))
            .collect();
        assert_eq!(
            got, want,
            "{provider}: rows are not one per control and service model, in order"
        );
        for c in cells(provider) {
            assert!(
                ["inherited", "shared", "customer"].contains(&c.ownership.as_str()),
                "{}: ownership {:?}",
                c.at(provider),
                c.ownership
            );
            assert!(
                ["stated", "derived"].contains(&c.basis.as_str()),
                "{}: basis {:?}",
                c.at(provider),
                c.basis
            );
            assert!(
                !c.provider.trim().is_empty() && !c.customer.trim().is_empty(),
                "{}: empty text",
                c.at(provider)
            );
            assert!(
                !c.provider.contains("VM instance") && !c.customer.contains("VM instance"),
                "{}: DataCrunch's IaaS is \"virtual machine instances\"",
                c.at(provider)
            );
        }
    }
}

/// The display name of each provider, from `mappings/providers.csv`.
fn names() -> BTreeMap<String, String> {
    let mut rdr = csv::Reader::from_path(repo().join("mappings/providers.csv")).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect()
}

fn cell<'a>(cells: &'a [Cell], control: &str, service: &str) -> &'a Cell {
    cells
        .iter()
        .find(|c| c.control == control && c.service == service)
        .unwrap_or_else(|| panic!("no cell {control} / {service}"))
}

/// The part of a text after the expectation marker ("" when there is none).
fn expectation(text: &str) -> &str {
    text.split_once(EXPECTED).map(|(_, e)| e).unwrap_or("")
}

/// The cells issue 25's review challenged, as RULES.md decides them now: provider, control,
/// service model, ownership, basis, and the clause a derived citation opens with.
const REVIEWED: &[(&str, &str, &str, &str, &str, &str)] = &[
    // The provider runs the sign-in, MFA and tokens (rules 10b, 12e), as for DataCrunch.
    ("digitalocean", "PR.AA-03", "paas", "shared", "derived", "10b"),
    ("digitalocean", "PR.AA-03", "saas", "shared", "derived", "10b"),
    ("digitalocean", "PR.AA-04", "paas", "shared", "derived", "10b"),
    ("digitalocean", "PR.AA-04", "saas", "shared", "derived", "10b"),
    ("datacrunch", "PR.AA-03", "saas", "shared", "derived", "10b"),
    // Stated cells whose sentence does not assign the outcome to both parties (rules 11a, 11c).
    ("datacrunch", "GV.SC-02", "bare-metal", "shared", "derived", "6"),
    ("datacrunch", "GV.SC-02", "iaas", "shared", "derived", "6"),
    ("datacrunch", "GV.SC-02", "paas", "shared", "derived", "6"),
    ("datacrunch", "GV.SC-02", "saas", "shared", "derived", "6"),
    ("datacrunch", "GV.SC-02", "model", "shared", "derived", "6"),
    ("digitalocean", "GV.SC-02", "iaas", "shared", "derived", "6"),
    ("digitalocean", "GV.SC-02", "paas", "shared", "derived", "6"),
    ("digitalocean", "GV.SC-02", "saas", "shared", "derived", "6"),
    ("datacrunch", "PR.IR-03", "iaas", "shared", "derived", "8f"),
    ("datacrunch", "PR.AA-01", "iaas", "customer", "derived", "10a"),
    ("digitalocean", "PR.DS-02", "iaas", "shared", "derived", "8a"),
    ("digitalocean", "PR.DS-02", "paas", "shared", "derived", "8a"),
    ("digitalocean", "PR.DS-02", "saas", "inherited", "derived", "8a"),
    ("digitalocean", "PR.DS-10", "iaas", "shared", "derived", "8c"),
    ("digitalocean", "PR.DS-10", "paas", "shared", "derived", "8c"),
    ("digitalocean", "PR.DS-10", "saas", "inherited", "derived", "8c"),
    // The account's audit trail: the customer exports and keeps it (rule 8h).
    ("datacrunch", "PR.PS-04", "saas", "shared", "derived", "8h"),
    ("datacrunch", "PR.PS-04", "model", "shared", "derived", "8h"),
    ("digitalocean", "PR.PS-04", "saas", "shared", "derived", "8h"),
    // Backups where the provider holds state (rule 8e).
    ("datacrunch", "PR.DS-11", "paas", "shared", "derived", "8e"),
    // Bare metal: the hand-over between tenants (rule 8g), the servers the customer holds (7a).
    ("datacrunch", "PR.DS-01", "bare-metal", "shared", "derived", "8g"),
    ("datacrunch", "PR.DS-10", "bare-metal", "shared", "derived", "8g"),
    (
        "datacrunch",
        "PR.PS-03",
        "bare-metal",
        "inherited",
        "derived",
        "7",
    ),
    ("datacrunch", "ID.AM-01", "bare-metal", "shared", "derived", "7a"),
];

#[test]
fn the_cells_the_review_challenged_follow_the_rule() {
    let clauses = clauses();
    for provider in &providers() {
        let cells = cells(provider);
        for &(_, control, service, ownership, basis, clause) in REVIEWED.iter().filter(|r| r.0 == provider) {
            let c = cell(&cells, control, service);
            assert!(clauses.contains(clause), "RULES.md lacks rule {clause}");
            assert_eq!(
                (c.ownership.as_str(), c.basis.as_str()),
                (ownership, basis),
                "{}",
                c.at(provider)
            );
            assert!(
                c.citation.starts_with(&format!("rule {clause}: ")),
                "{}: cites {:?}, not rule {clause}",
                c.at(provider),
                c.citation
            );
        }
    }
    // The customer's part where the provider runs the sign-in is what the customer can do: no
    // "authenticate every user before it reaches the account", no verifying the provider's tokens.
    let names = names();
    for provider in &providers() {
        for c in cells(provider)
            .iter()
            .filter(|c| c.citation.starts_with("rule 10b: ") && c.ownership == "shared")
        {
            assert!(
                !c.customer.contains("Authenticate every") && !c.customer.contains("verify the"),
                "{}: asks the customer to do the provider's check: {}",
                c.at(provider),
                c.customer
            );
            assert!(
                c.provider.starts_with(EXPECTED),
                "{}: neither page says {} runs the sign-in: {}",
                c.at(provider),
                names[provider],
                c.provider
            );
        }
    }
}

#[test]
fn no_inherited_cell_tells_the_customer_none() {
    for provider in &providers() {
        let inherited: Vec<Cell> = cells(provider)
            .into_iter()
            .filter(|c| c.ownership == "inherited")
            .collect();
        assert!(!inherited.is_empty(), "{provider} has no inherited cell");
        for c in &inherited {
            let text = c.customer.to_lowercase();
            assert!(
                !text.starts_with("none"),
                "{}: an inherited cell's customer text says what to obtain and check, not {:?}",
                c.at(provider),
                c.customer
            );
            for word in ["obtain", "attestation", "complementary"] {
                assert!(
                    text.contains(word),
                    "{}: the customer text of an inherited cell names the provider's attestation \
                     and the complementary customer controls it depends on (no {word:?}): {}",
                    c.at(provider),
                    c.customer
                );
            }
        }
    }
}

#[test]
fn a_stated_shared_cell_quotes_a_sentence_that_gives_both_parties_a_part() {
    // Rule 11c. A sentence that names only one party ("any continuity of service that falls
    // outside of our responsibilities") cannot carry a shared cell.
    let names = names();
    for provider in &providers() {
        let name = names[provider].to_lowercase();
        for c in cells(provider)
            .iter()
            .filter(|c| c.basis == "stated" && c.ownership == "shared")
        {
            let words: Vec<String> = c
                .citation
                .to_lowercase()
                .split(|ch: char| !ch.is_alphanumeric())
                .map(str::to_string)
                .collect();
            let has = |w: &[&str]| words.iter().any(|x| w.contains(&x.as_str()));
            assert!(
                has(&[name.as_str(), "we", "our", "us"]) && has(&["you", "your"]),
                "{}: a shared cell stated by a sentence that does not name both parties: {}",
                c.at(provider),
                c.citation
            );
        }
    }
}

#[test]
fn customer_texts_state_no_provider_duty_outside_an_expectation() {
    // "DataCrunch backs up the state it holds" is the provider's duty, which neither page states:
    // in a customer text it reads "Expected; confirm in the provider's documentation: ...", like
    // a provider text (RULES.md, rule 13e). "what DataCrunch reports" names an input, not a duty.
    let names = names();
    let mut checked = 0;
    for provider in &providers() {
        let name = &names[provider];
        for c in cells(provider) {
            let said = c.customer.split(EXPECTED).next().unwrap();
            for (at, _) in said.match_indices(name.as_str()) {
                let before = said[..at].trim_end();
                let after = &said[at + name.len()..];
                let Some(word) = after.strip_prefix(' ') else {
                    continue;
                };
                let word: String = word.chars().take_while(|c| c.is_alphabetic()).collect();
                checked += 1;
                let verb = word.len() > 2 && word.ends_with('s') && word != "services";
                assert!(
                    !verb || before.ends_with("what"),
                    "{}: the customer text says {name} {word} ... outside an expectation: {}",
                    c.at(provider),
                    c.customer
                );
            }
            assert!(
                c.customer.matches(EXPECTED).count() <= 1,
                "{}: one expectation per text",
                c.at(provider)
            );
        }
    }
    assert!(checked > 0, "no customer text names a provider");
}

#[test]
fn bare_metal_names_the_hand_over_between_tenants() {
    // Rule 8g: a dedicated server passes from tenant to tenant with its disks, memory, GPUs and
    // firmware. Neither page says so: the provider texts put it after the expectation marker.
    let cells = cells("datacrunch");
    let expect = |control: &str, words: &[&str]| {
        let c = cell(&cells, control, "bare-metal");
        let e = expectation(&c.provider).to_lowercase();
        for w in words {
            assert!(
                e.contains(w),
                "{}: the expectation does not name {w:?}: {}",
                c.at("datacrunch"),
                c.provider
            );
        }
        assert_ne!(c.ownership, "customer", "{}", c.at("datacrunch"));
    };
    expect("PR.DS-01", &["wipes", "disks", "between tenants"]);
    expect("PR.DS-10", &["gpu memory", "between tenants"]);
    expect(
        "PR.PS-03",
        &[
            "wipes",
            "gpu memory",
            "firmware",
            "baseboard management controller",
        ],
    );
    // The customer records the servers it holds (ID.AM-01 on bare metal is shared, rule 7a).
    let inv = cell(&cells, "ID.AM-01", "bare-metal");
    assert!(
        inv.customer.contains("servers") && inv.customer.starts_with("Record"),
        "{}: {}",
        inv.at("datacrunch"),
        inv.customer
    );
}

#[test]
fn the_accounts_audit_trail_is_the_customers_to_export_and_keep() {
    let services = services();
    for provider in &providers() {
        let cells = cells(provider);
        for service in ["saas", "model"] {
            if !services[provider].iter().any(|s| s == service) {
                continue;
            }
            let c = cell(&cells, "PR.PS-04", service);
            let text = c.customer.to_lowercase();
            assert!(
                text.contains("export") && text.contains("audit trail") && text.contains("keep"),
                "{}: no cell tells the customer to export and keep the account's audit trail: {}",
                c.at(provider),
                c.customer
            );
            assert!(
                c.provider.starts_with(EXPECTED),
                "{}: neither page mentions logs: {}",
                c.at(provider),
                c.provider
            );
        }
    }
}

#[test]
fn the_mappings_readme_says_what_the_matrices_rest_on_and_what_to_prefer() {
    let readme = std::fs::read_to_string(repo().join("mappings/README.md")).unwrap();
    for words in [
        "two short public pages",
        "prefer",
        "CRM",
        "CCM",
        "csfkit mapping import",
    ] {
        assert!(readme.contains(words), "mappings/README.md lacks {words:?}");
    }
    // The count of stated cells it gives is the shipped one.
    let all: Vec<Cell> = providers().iter().flat_map(|p| cells(p)).collect();
    let stated = all.iter().filter(|c| c.basis == "stated").count();
    let claim = format!("{stated} of the {} cells", all.len());
    let flat = crate::util::squeeze(&readme);
    assert!(flat.contains(&claim), "mappings/README.md does not say {claim:?}");
    // The layouts it names are the ones `mapping import` reads.
    let w = Workdir::new();
    let help = w.run(&["mapping", "import", "--help"]).ok().stdout;
    for layout in ["fedramp-crm", "csa-ccm", "oscal-component"] {
        assert!(
            readme.contains(&format!("`{layout}`")),
            "mappings/README.md does not name the layout {layout}"
        );
        assert!(
            help.contains(&format!("{layout}:")),
            "`mapping import --help` lacks {layout}"
        );
    }
}

/// Shipping a provider is `mappings/NAME.csv` and its line in `mappings/providers.csv`: build.rs
/// embeds what that list names, and every check in this file runs over it. So a matrix in
/// `mappings/` that the list leaves out would be neither shipped nor checked: each one is listed,
/// `csfkit providers` ships exactly the list (it lists them by identifier), and `mapping export`
/// gives each file back byte for byte.
#[test]
fn every_matrix_in_mappings_is_shipped_and_checked() {
    let listed = providers();
    let mut files: Vec<String> = std::fs::read_dir(repo().join("mappings"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv") && n != "providers.csv")
        .map(|n| n.trim_end_matches(".csv").to_string())
        .collect();
    files.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(
        files, sorted,
        "every mappings/NAME.csv needs its line in mappings/providers.csv (else it is neither shipped \
         nor checked), and every line its file"
    );
    let w = Workdir::new();
    let mut shipped: Vec<String> = w
        .run(&["providers", "--format", "csv"])
        .ok()
        .csv()
        .iter()
        .filter(|r| field(r, "origin") == "embedded")
        .map(|r| field(r, "id").to_string())
        .collect();
    shipped.sort();
    assert_eq!(
        shipped, sorted,
        "`csfkit providers` does not ship mappings/providers.csv"
    );
    for p in &listed {
        let out = w.run(&["mapping", "export", "--provider", p]).ok().stdout;
        let file = std::fs::read_to_string(repo().join(format!("mappings/{p}.csv"))).unwrap();
        assert!(
            out == file,
            "`mapping export --provider {p}` is not mappings/{p}.csv"
        );
    }
}
