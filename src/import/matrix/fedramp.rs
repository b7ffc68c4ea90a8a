//! A FedRAMP CRM workbook: `Control ID` and `Can Be Inherited from CSP` (Yes, Partial, No) for
//! one service model, projected onto CSF 2.0 through the SP 800-53 references.

use super::common::{Imported, no_id, pick, references};
use super::projection::{Answers, SourceRow, project};
use crate::catalogue::Catalogue;
use crate::error::{Error, Location, Problem, Result, ValueError};
use crate::import::layout::header_key;
use crate::import::reader::RawTable;
use crate::model::crosswalk::sp800_53_key;
use crate::model::ownership::{Answer, Service};

/// Reads a FedRAMP CRM answer (`Yes`, `Partial`, `No`, blank).
pub(crate) fn fedramp_answer(s: &str) -> std::result::Result<Option<Answer>, ValueError> {
    match header_key(s).as_str() {
        "" => Ok(None),
        "yes" | "y" => Ok(Some(Answer::Yes)),
        "partial" | "partially" => Ok(Some(Answer::Partial)),
        "no" | "n" => Ok(Some(Answer::No)),
        _ => Err(ValueError::new(s.trim(), "expected Yes, Partial, No or blank")),
    }
}

/// (column of Control ID, header row index, column of the answer, column of the text)
pub(super) fn fedramp_header(t: &RawTable) -> Option<(usize, usize, usize, Option<usize>)> {
    let (h, cols) = t.find_header(&["Control ID", "Can Be Inherited from CSP"])?;
    let text = t.rows[h]
        .1
        .iter()
        .position(|c| header_key(c).starts_with("specificinheritance"));
    Some((h, cols[0], cols[1], text))
}

/// Reads a FedRAMP CRM (the filled-in worksheet, or `sheet`) and projects its answers for
/// `service` onto CSF 2.0.
pub(crate) fn import_fedramp(
    cat: &Catalogue,
    tables: &[RawTable],
    sheet: Option<&str>,
    service: Service,
) -> Result<Imported> {
    // Prefer the worksheet that was actually filled in when several baselines are present.
    let answered = |t: &RawTable| {
        fedramp_header(t).is_some_and(|(h, _, a, _)| {
            t.rows[h + 1..]
                .iter()
                .any(|(_, r)| r.get(a).is_some_and(|v| !v.trim().is_empty()))
        })
    };
    let t = if sheet.is_none() && tables.iter().filter(|t| answered(t)).count() == 1 {
        tables.iter().find(|t| answered(t)).unwrap_or(&tables[0])
    } else {
        pick(tables, sheet, |t| fedramp_header(t).is_some(), "FedRAMP CRM")?
    };
    let Some((h, id_col, ans_col, text_col)) = fedramp_header(t) else {
        return Err(Error::NoHeader {
            at: Location::in_file(t.file.as_str()).in_sheet(t.sheet.clone()),
            message: "no header row with `Control ID` and `Can Be Inherited from CSP`".into(),
        });
    };
    let mut answers = Answers::default();
    let mut problems = Vec::new();
    let header = &t.rows[h].1;
    for (row_no, row) in &t.rows[h + 1..] {
        let id = row.get(id_col).map(|s| s.trim()).unwrap_or("");
        let loc = |col: usize| Location {
            file: t.file.clone(),
            sheet: t.sheet.clone(),
            row: Some(*row_no),
            column: header.get(col).cloned(),
        };
        if id.is_empty() {
            let answer = row.get(ans_col).map(|s| s.trim()).unwrap_or("");
            if !answer.is_empty() {
                problems.push(no_id(loc(id_col), answer));
            }
            continue;
        }
        // The whole cell: `AC-3, AC-5` or `AC-2.1` must not be counted as AC-3 or AC-2.
        let Some(key) = crate::model::crosswalk::sp800_53_exact_key(id) else {
            problems.push(Problem {
                location: loc(id_col),
                value: Some(id.to_string()),
                message:
                    "expected one SP 800-53 control per row, such as AC-2, AC-2(a), AC-2(1) or AC-2(1)(a)"
                        .into(),
            });
            continue;
        };
        answers.seen.insert(key.clone());
        let raw = row.get(ans_col).map(|s| s.as_str()).unwrap_or("");
        match fedramp_answer(raw) {
            Ok(Some(a)) => answers.parts.entry(key.clone()).or_default().push(a),
            Ok(None) => {}
            Err(refused) => problems.push(refused.at(loc(ans_col))),
        }
        let text = text_col
            .and_then(|tc| row.get(tc))
            .map(|s| s.trim())
            .unwrap_or("");
        answers.rows.entry(key.clone()).or_default().push(SourceRow {
            sheet: t.sheet.clone().unwrap_or_default(),
            row: *row_no,
            written_id: id.to_string(),
            written_answer: raw.trim().to_string(),
            text: text.to_string(),
        });
        if !text.is_empty() {
            let v = answers.texts.entry(key).or_default();
            if !v.iter().any(|x| x == text) {
                v.push(text.to_string());
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: t.file.clone(),
            problems,
            more: 0,
        });
    }
    let refs = references(cat, "SP 800-53 Rev 5.2.0", sp800_53_key)?;
    let source = format!("FedRAMP CRM ({})", t.sheet.clone().unwrap_or_default());
    let p = project(&refs, &answers, service, &source);
    Ok(Imported {
        cells: p.cells,
        sources: p.sources,
        sheet: t.sheet.clone(),
    })
}
