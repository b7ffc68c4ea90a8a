//! Issue 29: the evidence import's memory stays flat when a file's rows are refused. The
//! error lists the first problems and counts the rest; `--errors-out` still gets every
//! rejected row (streamed through a temporary file, not kept in memory).

use crate::util::{Workdir, have_tool};

const HEADER: &str =
    "control_id,title,description,evidence_type,owner,collected_on,valid_until,location,source_system\n";
const ROW: &str = "GV.OC-01,Policy,The access policy as approved,policy,alice,2026-01-05,2027-01-05,https://x.example/p,GRC\n";

/// A CSV of `rows` identical evidence rows: every row after the first is a duplicate.
fn repeated(w: &Workdir, name: &str, rows: usize) -> std::path::PathBuf {
    let mut text = String::with_capacity(HEADER.len() + rows * ROW.len());
    text.push_str(HEADER);
    for _ in 0..rows {
        text.push_str(ROW);
    }
    w.write(name, text)
}

/// Peak resident memory (KiB) of one `evidence import FILE --errors-out ERRORS`, as GNU time
/// measures it; asserts the import refused the file (exit 65) and returns its stderr too.
fn import_peak(w: &Workdir, file: &str, errors: &str) -> (u64, String) {
    let rss = w.path().join(format!("{file}.rss"));
    let mut c = std::process::Command::new("time");
    c.arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss)
        .arg(crate::util::bin())
        .args([
            "evidence",
            "import",
            file,
            "--evidence-root",
            ".",
            "--errors-out",
            errors,
        ])
        .current_dir(w.path())
        .env("CSFKIT_DB", w.db())
        .env("NO_COLOR", "1");
    let out = c.output().expect("run time csfkit");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(65), "{stderr}");
    let kib = std::fs::read_to_string(&rss).unwrap();
    let kib = kib.lines().last().unwrap().trim().parse().unwrap();
    (kib, stderr)
}

#[test]
fn refused_rows_are_counted_and_streamed_not_kept() {
    if !have_tool("time") {
        return;
    }
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let (small, big) = (5_000, 100_000);
    repeated(&w, "small.csv", small);
    repeated(&w, "big.csv", big);
    let (small_kib, _) = import_peak(&w, "small.csv", "small-errors.csv");
    let (big_kib, stderr) = import_peak(&w, "big.csv", "big-errors.csv");

    // The error: every problem counted, the first 100 listed, the rest counted on one line.
    assert!(
        stderr.contains(&format!(
            "big.csv: {} problems found, nothing was changed",
            big - 1
        )),
        "{stderr}"
    );
    let listed = stderr
        .lines()
        .filter(|l| l.contains("duplicate of row 2"))
        .count();
    assert_eq!(listed, 100, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "... and {} more (the import's --errors-out FILE",
            big - 1 - 100
        )),
        "{stderr}"
    );

    // The errors file: every refused row, in order, with its reason and row number.
    let mut r = csv::Reader::from_path(w.path().join("big-errors.csv")).unwrap();
    let head = r.headers().unwrap().clone();
    assert_eq!(head.get(0), Some("control_id"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), big - 1);
    for (i, rec) in rows.iter().enumerate() {
        let n = rec.get(rec.len() - 1).unwrap();
        assert_eq!(n, (i + 3).to_string(), "row numbers in order");
        assert!(
            rec.get(rec.len() - 2).unwrap().contains("duplicate of row 2"),
            "{rec:?}"
        );
        assert_eq!(rec.get(1), Some("Policy"));
    }

    // Memory: twenty times the refused rows may not cost their copies (about 140 MB more for
    // 100,000 rows when each is kept); the sorted content keys and buffers grow a little.
    let grown_mib = big_kib.saturating_sub(small_kib) / 1024;
    assert!(
        grown_mib < 30,
        "peak memory grew by {grown_mib} MiB from {small} to {big} refused rows ({small_kib} KiB -> {big_kib} KiB)"
    );

    // Nothing was stored.
    let listed = w.run(&["evidence", "list", "--format", "csv"]).ok().stdout;
    assert_eq!(listed.lines().count(), 1, "{listed}");
}
