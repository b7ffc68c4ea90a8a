//! The shipped matrices as data (`mappings/*.csv`), checked against the rule they are derived by
//! (`mappings/RULES.md`) and the provider pages they cite (`mappings/sources/*.txt`): stated
//! citations are verbatim, derived cells name an existing clause, quoted words are the page's,
//! claims the pages do not make are marked as expectations, ownership that differs between service
//! models comes with different texts, and every control is present once per service model.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{Workdir, field, reference, repo};

/// The providers shipped in `mappings/`.
const PROVIDERS: [&str; 2] = ["datacrunch", "digitalocean"];

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

fn page(provider: &str) -> String {
    std::fs::read_to_string(reference(&format!("mappings/sources/{provider}.txt"))).unwrap()
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
    for provider in PROVIDERS {
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
    for provider in PROVIDERS {
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
    for provider in PROVIDERS {
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
    ];
    for provider in PROVIDERS {
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
    for provider in PROVIDERS {
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
    for provider in PROVIDERS {
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
