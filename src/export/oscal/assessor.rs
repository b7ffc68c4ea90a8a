//! The assessor's results in OSCAL: each result recorded by `csfkit review import`
//! ([`Review`]) is an observation with the assessor's method (`EXAMINE`, `INTERVIEW`, `TEST`)
//! and sample, whose subject is the system, and a finding of its own, both with the assessor's
//! party (role `assessor`) as their origin and `determined-by` `assessor`; a result other than
//! satisfied relates its risk ([`crate::export::oscal::risk::review_risk`]), rated as the
//! assessor rated it. Where the result came from (file, SHA-256, sheet and row) and who
//! recorded it are properties.

use crate::export::oscal::actors::{Actors, DeterminedBy};
use crate::export::oscal::plan::SubjectRef;
use crate::export::oscal::results::{Finding, Observation, Related, RelatedRisk, Target, TargetStatus};
use crate::export::oscal::risk::review_risk_uuid;
use crate::export::oscal::{Prop, one_line, timestamp, uuid_for};
use crate::model::oscal::{statement_id, token};
use crate::model::review::{Outcome, Review};

/// The UUID of an assessor result's finding.
pub(crate) fn review_finding_uuid(ar_uuid: &str, r: &Review) -> String {
    uuid_for(&format!("finding|{ar_uuid}|review|{}", r.seq))
}

pub(crate) fn review_observation_uuid(ar_uuid: &str, r: &Review) -> String {
    uuid_for(&format!("observation|{ar_uuid}|review|{}", r.seq))
}

/// Where an assessor result came from and who recorded it, as properties.
fn review_props(r: &Review) -> Vec<Prop> {
    [
        DeterminedBy::Assessor.prop(),
        Prop::csfkit("control-id", &token(&r.control_id)),
        Prop::csfkit("assessor", &r.assessor),
        Prop::csfkit("assessor-method", r.method.as_str()),
        Prop::csfkit("sample", &r.sample),
        Prop::csfkit("result", r.outcome.as_str()),
        Prop::csfkit("assessed-on", &r.assessed_on.to_string()),
        Prop::csfkit("review-seq", &r.seq.to_string()),
        Prop::csfkit("source-file", &r.source_file),
        Prop::csfkit("source-sha256", &r.source_sha256),
        Prop::csfkit("source-place", &r.source_place),
        Prop::csfkit("recorded-by", &r.recorded_by),
        Prop::csfkit("recorded-at", &r.recorded_at),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The observation of an assessor result: the assessor's method, sample and words.
pub(crate) fn review_observation(r: &Review, ar_uuid: &str, actors: &Actors) -> Observation {
    let sample = one_line(&r.sample).unwrap_or_else(|| "no sample recorded".into());
    Observation {
        uuid: review_observation_uuid(ar_uuid, r),
        title: format!("{}: the assessor's {}", r.control_id, r.method.as_str()),
        description: format!(
            "{} assessed {} by {} on {} (sample: {sample}): {}.{}",
            r.assessor,
            r.control_id,
            r.method.as_str(),
            r.assessed_on,
            r.outcome.as_str(),
            if r.finding.trim().is_empty() {
                String::new()
            } else {
                format!(" Finding: {}", r.finding.trim())
            }
        ),
        props: review_props(r),
        methods: [r.method.as_str().to_uppercase()],
        origins: actors.by_assessor(&r.assessor),
        subjects: vec![SubjectRef {
            subject_uuid: actors.this_system.clone(),
            kind: "component",
        }],
        relevant_evidence: Vec::new(),
        collected: timestamp(r.assessed_on),
        expires: None,
    }
}

/// The finding of an assessor result: the assessor's party determined it with their method.
pub(crate) fn review_finding(r: &Review, ar_uuid: &str, actors: &Actors) -> Finding {
    let (state, reason) = match r.outcome {
        Outcome::Satisfied => ("satisfied", "pass"),
        Outcome::OtherThanSatisfied => ("not-satisfied", "fail"),
        Outcome::NotApplicable => ("satisfied", "not-applicable"),
    };
    let mut props = review_props(r);
    props.extend(r.risk.and_then(|x| Prop::csfkit("risk-rating", x.as_str())));
    Finding {
        uuid: review_finding_uuid(ar_uuid, r),
        title: format!("{}: the assessor's result, {}", r.control_id, r.outcome.as_str()),
        description: format!(
            "The assessor {} assessed {} by {} on {}: {}. Recorded by {} at {} from `{}` ({}, SHA-256 {}).{}",
            r.assessor,
            r.control_id,
            r.method.as_str(),
            r.assessed_on,
            r.outcome.as_str(),
            r.recorded_by,
            r.recorded_at,
            r.source_file,
            r.source_place,
            r.source_sha256,
            if r.finding.trim().is_empty() {
                String::new()
            } else {
                format!(" Finding: {}", r.finding.trim())
            }
        ),
        props,
        origins: actors.by_assessor(&r.assessor),
        target: Target {
            kind: "statement-id",
            target_id: statement_id(&r.control_id),
            status: TargetStatus { state, reason },
            implementation_status: None,
        },
        related_observations: vec![Related {
            observation_uuid: review_observation_uuid(ar_uuid, r),
        }],
        related_risks: if r.outcome == Outcome::OtherThanSatisfied {
            vec![RelatedRisk {
                risk_uuid: review_risk_uuid(ar_uuid, r),
            }]
        } else {
            Vec::new()
        },
        remarks: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::{Value, json};

    use super::*;
    use crate::export::oscal::risk::review_risk;
    use crate::model::ownership::Service;
    use crate::model::review::{Method, Risk};

    fn review(seq: i64, outcome: Outcome, risk: Option<Risk>) -> Review {
        Review {
            seq,
            control_id: "PR.AA-05".into(),
            method: Method::Test,
            sample: "3 of 40 leavers".into(),
            outcome,
            finding: if outcome == Outcome::OtherThanSatisfied {
                "Two leavers kept access for 30 days".into()
            } else {
                String::new()
            },
            risk,
            assessor: "R. Assessor".into(),
            assessed_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            source_file: "audit-workbook.xlsx".into(),
            source_sha256: "ab".repeat(32),
            source_place: "Test results row 12".into(),
            recorded_by: "lead".into(),
            recorded_at: "2026-11-21T09:00:00Z".into(),
        }
    }

    fn to_json(v: &impl serde::Serialize) -> Value {
        serde_json::to_value(v).unwrap()
    }

    /// NIST's assessment-results schema (tests/data/oscal/), format checks on.
    fn ar_schema() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/oscal/oscal_assessment-results_schema.json"
        );
        let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    }

    #[test]
    fn an_assessor_result_is_the_assessors_finding_with_their_method_and_rated_risk() {
        let reviews = [
            review(7, Outcome::OtherThanSatisfied, Some(Risk::High)),
            review(8, Outcome::Satisfied, None),
        ];
        let actors = Actors::of(
            "Acme GmbH",
            Some("Payments"),
            ("datacrunch", "DataCrunch"),
            &[Service::Iaas],
            &reviews,
        );
        let assessor = actors.assessor("R. Assessor").unwrap();
        assert_eq!(assessor.kind, "person");
        let ar = "11111111-1111-5111-8111-111111111111";
        let (bad, good) = (&reviews[0], &reviews[1]);
        let observation = to_json(&review_observation(bad, ar, &actors));
        let finding = to_json(&review_finding(bad, ar, &actors));
        let risk = to_json(&review_risk(ar, bad, &actors));
        let by_assessor =
            json!([{"actors": [{"type": "party", "actor-uuid": assessor.uuid, "role-id": "assessor"}]}]);
        assert_eq!(observation["methods"], json!(["TEST"]));
        assert_eq!(observation["origins"], by_assessor);
        assert_eq!(
            observation["subjects"][0]["subject-uuid"],
            actors.this_system.as_str()
        );
        assert_eq!(finding["origins"], by_assessor);
        assert_eq!(
            finding["target"]["status"],
            json!({"state": "not-satisfied", "reason": "fail"})
        );
        assert_eq!(finding["target"]["target-id"], "pr.aa-05_smt");
        assert_eq!(
            finding["related-observations"][0]["observation-uuid"],
            observation["uuid"]
        );
        assert_eq!(finding["related-risks"][0]["risk-uuid"], risk["uuid"]);
        let determined = |v: &Value| {
            v["props"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["name"] == "determined-by")
                .map(|p| p["value"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(determined(&finding), [json!("assessor")]);
        assert_eq!(determined(&observation), [json!("assessor")]);
        assert_eq!(risk["origins"], by_assessor);
        assert_eq!(risk["characterizations"][0]["origin"], by_assessor[0]);
        assert_eq!(
            risk["characterizations"][0]["facets"][0],
            json!({"name": "risk", "system": "http://csrc.nist.gov/ns/oscal", "value": "high"})
        );
        assert_eq!(risk["statement"], "Two leavers kept access for 30 days");
        // Satisfied: no risk; not applicable: satisfied for that reason.
        let ok = to_json(&review_finding(good, ar, &actors));
        assert_eq!(
            ok["target"]["status"],
            json!({"state": "satisfied", "reason": "pass"})
        );
        assert!(ok.get("related-risks").is_none());
        let na = to_json(&review_finding(
            &review(9, Outcome::NotApplicable, None),
            ar,
            &actors,
        ));
        assert_eq!(na["target"]["status"]["reason"], "not-applicable");
        // An unrated result other than satisfied has a risk without a characterization.
        let unrated = to_json(&review_risk(
            ar,
            &review(10, Outcome::OtherThanSatisfied, None),
            &actors,
        ));
        assert!(unrated.get("characterizations").is_none());

        // The pieces make valid assessment results, with the assessor as a party.
        let doc = json!({"assessment-results": {
            "uuid": ar,
            "metadata": {
                "title": "t", "last-modified": "2026-11-24T00:00:00Z", "version": "1", "oscal-version": "1.2.1",
                "roles": [{"id": "assessor", "title": "Independent assessor"}],
                "parties": [to_json(assessor)],
            },
            "import-ap": {"href": "assessment-plan.json"},
            "results": [{
                "uuid": "22222222-2222-5222-8222-222222222222",
                "title": "t", "description": "d", "start": "2026-11-24T00:00:00Z",
                "reviewed-controls": {"control-selections": [{"include-all": {}}]},
                "observations": [observation, to_json(&review_observation(good, ar, &actors))],
                "risks": [risk, unrated],
                "findings": [finding, ok, na],
            }],
        }});
        let errors: Vec<String> = ar_schema()
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}
