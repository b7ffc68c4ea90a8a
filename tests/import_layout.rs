//! Issue 23, the import side: the evidence tracker layout (`evidence import --layout`, the header
//! names of every field in one place and listed by `--help`), and errors that name their place
//! (the file, the sheet, the row) the way every other problem does.

use crate::util::Workdir;

/// Each field and the header names `evidence import --help` lists for it under `layout`, read
/// from the help text: `Layout NAME ...`, then a line per field (`  field  Name, Name,`) and
/// the lines continuing it (indented further).
fn help_names(w: &Workdir, layout: &str) -> Vec<(String, Vec<String>)> {
    let help = w.run(&["evidence", "import", "--help"]).ok().stdout;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if let Some(rest) = line.strip_prefix("Layout ") {
            inside = rest.split([' ', ':']).next() == Some(layout);
            continue;
        }
        inside &= line.starts_with("  ");
        if !inside {
            continue;
        }
        let names = |text: &str| -> Vec<String> {
            text.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect()
        };
        if line.as_bytes().get(2).is_some_and(|b| *b != b' ') {
            let (field, rest) = line.trim_start().split_once(' ').unwrap_or((line.trim(), ""));
            out.push((field.to_string(), names(rest)));
        } else if let Some((_, list)) = out.last_mut() {
            list.extend(names(line));
        }
    }
    out
}

#[test]
fn every_header_name_the_help_lists_is_read_as_its_field() {
    let w = Workdir::new();
    let fields = help_names(&w, "csfkit");
    let listed: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        listed,
        [
            "control_id",
            "title",
            "description",
            "evidence_type",
            "owner",
            "collected_on",
            "valid_until",
            "location",
            "source_system"
        ],
        "--help lists the csfkit layout's fields in order"
    );
    assert!(fields.iter().all(|(_, names)| names.len() >= 4), "{fields:?}");
    // Round r puts each field's r-th name in the header row (the control and the title by
    // their own names once their names run out), and the import says where each column went.
    let rounds = fields.iter().map(|(_, n)| n.len()).max().unwrap_or(0);
    for r in 0..rounds {
        let mut header = Vec::new();
        let mut expected = Vec::new();
        for (field, names) in &fields {
            match names.get(r) {
                Some(n) => {
                    header.push(n.clone());
                    expected.push(format!("`{n}` -> {field}"));
                }
                None if field == "control_id" || field == "title" => header.push(field.clone()),
                None => {}
            }
        }
        let row: Vec<&str> = header
            .iter()
            .map(|h| match h.as_str() {
                _ if fields[0].1.contains(h) || h == "control_id" => "GV.OC-01",
                _ if fields[1].1.contains(h) || h == "title" => "Policy",
                _ if fields[5].1.contains(h) || fields[6].1.contains(h) => "2026-01-01",
                _ => "x",
            })
            .collect();
        let csv = format!("{}\r\n{}\r\n", header.join(","), row.join(","));
        w.write("t.csv", &csv);
        let run = w.run(&["evidence", "import", "t.csv", "--dry-run"]).ok();
        for e in &expected {
            assert!(run.stderr.contains(e), "round {r}: {e} not in\n{}", run.stderr);
        }
        assert!(
            !run.stderr.contains("extra attribute"),
            "round {r}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn layout_csfkit_is_the_default_and_an_unknown_layout_is_refused() {
    let tracker = "Evidence tracker, Q3\r\n\r\nCSF 2.0 ID,Evidence Name,Next Review,Evidence Link,Tool,Reviewer\r\n\
GV.OC-01,Mission statement,2027-01-31,https://intranet/mission,Confluence,ann\r\n\
PR.AA-01,Access review,2027-03-31,https://intranet/iam,Okta,bob\r\n";
    let listing = |args: &[&str]| {
        let w = Workdir::new();
        w.write("tracker.csv", tracker);
        let mut import = vec!["evidence", "import", "tracker.csv", "--collector", "tester"];
        import.extend_from_slice(args);
        let run = w.run(&import).ok();
        assert!(run.stderr.contains("2 new evidence rows"), "{}", run.stderr);
        w.run(&["evidence", "list", "--format", "csv"]).ok().stdout
    };
    let default = listing(&[]);
    assert!(
        default.contains("Mission statement") && default.contains("2027-03-31"),
        "{default}"
    );
    assert_eq!(listing(&["--layout", "csfkit"]), default);
    let w = Workdir::new();
    w.write("tracker.csv", tracker);
    w.run(&["evidence", "import", "tracker.csv", "--layout", "servicenow"])
        .code(2)
        .stderr_has("--layout")
        .stderr_has("csfkit");
    assert!(!w.db().exists(), "a refused flag creates no catalogue");
}

#[test]
fn header_problems_name_the_file_sheet_and_row_like_every_other_problem() {
    let w = Workdir::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("Q3").unwrap();
    ws.write(0, 0, "Evidence tracker").unwrap();
    ws.write(2, 0, "Control ID").unwrap();
    ws.write(2, 1, "Title").unwrap();
    ws.write(3, 0, "GV.OC-01").unwrap();
    ws.write(3, 1, "Policy").unwrap();
    wb.save(w.path().join("tracker.xlsx")).unwrap();
    w.run(&["evidence", "import", "tracker.xlsx", "--header-row", "2"])
        .code(65)
        .stderr_has("tracker.xlsx, sheet `Q3`, row 2: the header row (--header-row 2) is empty");
    w.run(&["evidence", "import", "tracker.xlsx", "--header-row", "9"])
        .code(65)
        .stderr_has(
            "tracker.xlsx, sheet `Q3`, row 9: the header row (--header-row 9) is empty or beyond the last row",
        );
    // A matrix whose --sheet is not there: the file is named, as in every problem.
    w.run(&[
        "mapping",
        "import",
        "tracker.xlsx",
        "--provider",
        "acme",
        "--layout",
        "csfkit",
        "--sheet",
        "Nope",
    ])
    .code(65)
    .stderr_has("tracker.xlsx: no sheet `Nope`; sheets: Q3");
    w.run(&["evidence", "import", "tracker.xlsx"]).ok();
}
