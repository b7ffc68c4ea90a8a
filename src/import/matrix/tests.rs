//! Tests of the matrix import: ID keys, the projection rule, the csfkit layout's tally
//! columns, the answer vocabularies.

use super::ccm::ccm_answer;
use super::csfkit::CSFKIT_TALLY_HEADER;
use super::fedramp::fedramp_answer;
use super::projection::{Answers, SourceRow, project};
use super::*;
use crate::error::ValueError;
use crate::model::crosswalk::{ccm_key, sp800_53_key};
use crate::model::ownership::Answer;
use crate::model::ownership::{Ownership, Service, Tally};

#[test]
fn sp800_53_ids_normalise_to_control_or_enhancement() {
    assert_eq!(sp800_53_key("AC-2(a)").as_deref(), Some("AC-2"));
    assert_eq!(sp800_53_key("AC-02").as_deref(), Some("AC-2"));
    assert_eq!(sp800_53_key("AC-2(1)").as_deref(), Some("AC-2(1)"));
    assert_eq!(sp800_53_key("ac-02 (01)(a)").as_deref(), Some("AC-2(1)"));
    assert_eq!(sp800_53_key("CM-07(02)").as_deref(), Some("CM-7(2)"));
    assert_eq!(sp800_53_key("Control ID"), None);
    assert_eq!(ccm_key("bcr-1").as_deref(), Some("BCR-01"));
    assert_eq!(ccm_key("A&A-02").as_deref(), Some("A&A-02"));
}

#[test]
fn projection_follows_the_rule() {
    let refs = vec![
        ("A".to_string(), vec!["AC-2".to_string(), "AC-3".to_string()]),
        ("B".to_string(), vec!["AC-2".to_string()]),
        ("C".to_string(), vec!["PE-3".to_string()]),
        ("D".to_string(), vec!["AC-3".to_string(), "PE-3".to_string()]),
        ("E".to_string(), vec!["SI-4".to_string()]),
    ];
    let mut a = Answers::default();
    a.parts.insert("AC-2".into(), vec![Answer::No, Answer::No]);
    a.parts.insert("AC-3".into(), vec![Answer::Yes, Answer::No]);
    a.parts.insert("PE-3".into(), vec![Answer::Yes]);
    a.rows.insert(
        "AC-3".into(),
        vec![
            SourceRow {
                sheet: "CRM".into(),
                row: 7,
                written_id: "AC-3(a)".into(),
                written_answer: "Yes".into(),
                text: String::new(),
            },
            SourceRow {
                sheet: "CRM".into(),
                row: 8,
                written_id: "AC-3(b)".into(),
                written_answer: "No".into(),
                text: "Customer part.".into(),
            },
        ],
    );
    let p = project(&refs, &a, Service::Iaas, "CRM");
    let cells = p.cells;
    let o: Vec<Ownership> = cells.iter().map(|c| c.ownership).collect();
    use Ownership::*;
    assert_eq!(o, vec![Shared, Customer, Inherited, Shared, Undetermined]);
    assert_eq!(cells[0].citation, "CRM: AC-2 No, AC-3 Partial");
    let t = |yes, partial, no, unanswered| {
        Some(Tally {
            yes,
            partial,
            no,
            unanswered,
        })
    };
    assert_eq!(cells[0].tally, t(0, 1, 1, 0));
    assert_eq!(cells[3].tally, t(1, 1, 0, 0));
    assert_eq!(cells[4].tally, t(0, 0, 0, 1));
    // A: AC-2 has no row (listed once, without one), AC-3 has two rows.
    let a_sources: Vec<(&str, Option<usize>, Option<Answer>)> = p
        .sources
        .iter()
        .filter(|s| s.control_id == "A")
        .map(|s| (s.reference.as_str(), s.row, s.answer))
        .collect();
    assert_eq!(
        a_sources,
        vec![
            ("AC-2", None, Some(Answer::No)),
            ("AC-3", Some(7), Some(Answer::Partial)),
            ("AC-3", Some(8), Some(Answer::Partial)),
        ]
    );
}

#[test]
fn a_reference_cited_twice_is_counted_once_and_families_not_at_all() {
    let keys: Vec<String> = ["AC-02", "CP", "AC-2(a)", "AC-03", "AC-2"]
        .iter()
        .filter_map(|r| sp800_53_key(r))
        .collect();
    assert_eq!(keys, vec!["AC-2", "AC-2", "AC-3", "AC-2"]);
    let mut a = Answers::default();
    a.parts.insert("AC-2".into(), vec![Answer::Yes]);
    let p = project(&[("A".to_string(), keys)], &a, Service::Iaas, "CRM");
    assert_eq!(
        p.cells[0].tally,
        Some(Tally {
            yes: 1,
            partial: 0,
            no: 0,
            unanswered: 1
        })
    );
    assert_eq!(ccm_key("DSP"), None);
}

#[test]
fn a_tally_is_read_checked_against_the_ownership_and_optional() {
    let table = |csv: &str| crate::import::reader::csv_table("m.csv", csv.as_bytes().to_vec()).unwrap();
    let ok = |s: &str| -> std::result::Result<String, ValueError> { Ok(s.to_string()) };
    let head = CSFKIT_HEADER.join(",");
    let old = parse_csfkit(&table(&format!("{head}\nA,iaas,customer,derived,,p,c\n")), &ok).unwrap();
    assert_eq!(old[0].tally, None);
    let tally = CSFKIT_TALLY_HEADER.join(",");
    let new = parse_csfkit(
        &table(&format!(
            "{head},{tally}\nA,iaas,shared,stated,x,p,c,1,0,2,0,\nB,iaas,customer,derived,,p,c,,,,,\n"
        )),
        &ok,
    )
    .unwrap();
    assert_eq!(new[0].tally.map(|t| t.counts()), Some("1/0/2".to_string()));
    assert_eq!(new[1].tally, None);
    let partial_header = parse_csfkit(&table(&format!("{head},answers_yes\n")), &ok).unwrap_err();
    assert!(partial_header[0].message.contains("missing: answers_partial"));
}

#[test]
fn answers_read_both_vocabularies() {
    assert_eq!(fedramp_answer(" yes "), Ok(Some(Answer::Yes)));
    assert_eq!(fedramp_answer(""), Ok(None));
    assert!(fedramp_answer("maybe").is_err());
    assert_eq!(ccm_answer("Cloud service provider-owned"), Ok(Some(Answer::Yes)));
    assert_eq!(ccm_answer("Shared CSP and CSC"), Ok(Some(Answer::Partial)));
    assert_eq!(ccm_answer("CSC-Owned"), Ok(Some(Answer::No)));
}
