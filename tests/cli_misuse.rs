//! Misuse, as a careless or hostile user would try it: `--force` on folders csfkit did not
//! write, signals during an export, broken CSV quoting, closed pipes and full devices, packages
//! built to fool `verify`, concurrent writers, formula injection in every CSV, a first use
//! raced by eight commands, read-only catalogues, exit codes, the history chains, backups.
//! Each test failed on the binary before the fix (`CSFKIT_TEST_BIN` runs an older build).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Workdir, bin, field, sha256_file};

const TRACKER: &str = "control_id,title,description,owner,collected_on,location\n\
PR.AA-01,=HYPERLINK(\"http://evil.example\"),\tTAB first,Anna,2026-01-05,evidence/policy.pdf\n\
DE.CM-01,SIEM rules,+1+1,@admin,2026-03-01,\n";

fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("evidence/policy.pdf", b"%PDF-1.4 policy");
    w.write("tracker.csv", TRACKER);
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas,model");
    w
}

fn export(w: &Workdir, out: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec!["export", "--out", out, "--as-of", "2026-11-24"];
    args.extend_from_slice(extra);
    w.run(&args)
}

/// Every file under `dir`, relative, sorted, with its SHA-256.
fn tree(dir: &Path) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, sha256_file(&p)));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-") || n.contains(".old-"))
        .collect()
}

#[test]
fn force_replaces_only_a_previous_package_or_an_empty_folder() {
    let w = setup();
    // A folder of the user's: refused, left exactly as it was.
    w.write("mine/notes.txt", "precious");
    w.write("mine/sub/more.txt", "also precious");
    let before = tree(&w.path().join("mine"));
    export(&w, "mine", &["--force"])
        .code(73)
        .stderr_has("no csfkit manifest.json")
        .stderr_has("nothing was changed");
    assert_eq!(tree(&w.path().join("mine")), before);
    // `.`, the catalogue's own folder (by absolute path) and a folder holding the catalogue.
    let db_before = sha256_file(&w.db());
    export(&w, ".", &["--force"]).code(73);
    let abs = w.path().to_str().unwrap().to_string();
    export(&w, &abs, &["--force"]).code(73);
    assert!(w.db().exists());
    assert_eq!(sha256_file(&w.db()), db_before);
    w.write("sub/keep.txt", "x");
    let db2 = w.path().join("sub/c.db");
    let r = w.run_cmd({
        let mut c = w.cmd(&[
            "export",
            "--out",
            "sub",
            "--force",
            "--as-of",
            "2026-11-24",
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
        ]);
        c.env("CSFKIT_DB", &db2);
        c
    });
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr.contains("catalogue") || r.stderr.contains("keep.txt"),
        "{}",
        r.stderr
    );
    assert!(db2.exists() && w.path().join("sub/keep.txt").exists());
    // A file that is not a csfkit zip, with --zip --force.
    w.write("report.zip", "not a zip at all");
    export(&w, "report.zip", &["--zip", "--force"])
        .code(73)
        .stderr_has("not a zip");
    assert_eq!(
        std::fs::read_to_string(w.path().join("report.zip")).unwrap(),
        "not a zip at all"
    );
    // A device (as root this used to replace /dev/full with a file).
    if Path::new("/dev/full").exists() {
        export(&w, "/dev/full", &["--zip", "--force"]).code(73);
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
    // An empty folder, then the package it became, are replaced.
    std::fs::create_dir(w.path().join("empty")).unwrap();
    export(&w, "empty", &["--force"]).ok();
    export(&w, "empty", &["--force"]).ok();
    w.run(&["verify", "empty"]).ok();
    export(&w, "pkg.zip", &["--zip"]).ok();
    export(&w, "pkg.zip", &["--zip", "--force"]).ok();
    w.run(&["verify", "pkg.zip"]).ok();
    // A folder package where a zip is asked for, and the reverse, are refused.
    export(&w, "empty", &["--zip", "--force"]).code(73);
    export(&w, "pkg.zip", &["--force"]).code(73);
    assert!(leftovers(w.path()).is_empty(), "{:?}", leftovers(w.path()));
}

#[test]
fn leftovers_of_a_killed_export_are_cleared_by_the_next_export_to_the_same_path() {
    let w = setup();
    export(&w, "pkg", &[]).ok();
    // A staging folder of a process that no longer runs (csfkit's marker inside)...
    w.write(
        ".pkg.partial-4000000/.csfkit-partial",
        "csfkit export in progress\n",
    );
    w.write(".pkg.partial-4000000/report.pdf", "half");
    // ...a folder of the same shape without the marker (not csfkit's: kept)...
    w.write(".pkg.partial-4000001/notes.txt", "mine");
    // ...and a previous package set aside during a replacement that was killed.
    std::fs::rename(w.path().join("pkg"), w.path().join(".pkg.old-4000002")).unwrap();
    export(&w, "pkg", &["--force"]).ok();
    w.run(&["verify", "pkg"]).ok();
    assert!(!w.path().join(".pkg.partial-4000000").exists());
    assert!(w.path().join(".pkg.partial-4000001/notes.txt").exists());
    assert!(!w.path().join(".pkg.old-4000002").exists());
}

/// Writes an evidence tracker of `n` rows, enough for an export that takes a while.
fn big_tracker(w: &Workdir, n: usize) {
    let mut s = String::from("control_id,title,description,owner,collected_on\n");
    let ids = [
        "GV.OC-01", "PR.AA-01", "DE.CM-01", "RS.MA-01", "ID.AM-01", "PR.DS-01",
    ];
    for i in 0..n {
        s.push_str(&format!(
            "{},Evidence {i},A long description of evidence item number {i} for the appendix,Owner {},2026-0{}-1{}\n",
            ids[i % ids.len()],
            i % 17,
            1 + i % 9,
            i % 10
        ));
    }
    w.write("big.csv", s);
    w.run(&["evidence", "import", "big.csv"]).ok();
}

#[test]
fn a_signal_during_an_export_removes_what_it_staged() {
    let w = Workdir::new();
    big_tracker(&w, 40_000);
    w.run(&[
        "scope",
        "set",
        "--system",
        "S",
        "--provider",
        "datacrunch",
        "--services",
        "iaas",
    ])
    .ok();
    // 128 + the signal's number, as a shell reports a process the signal ended.
    for (sig, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let out = format!("pkg-{sig}");
        let mut child = w
            .std_cmd(&["export", "--out", &out, "--as-of", "2026-11-24"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the staging folder exists, then signal.
        let start = Instant::now();
        while leftovers(w.path()).is_empty() && start.elapsed() < Duration::from_secs(60) {
            assert!(
                child.try_wait().unwrap().is_none(),
                "SIG{sig}: the export ended before it staged anything"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        let pid = child.id().to_string();
        Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(
            status.code(),
            Some(code),
            "SIG{sig}: the export was not interrupted, or not with 128 + the signal"
        );
        assert!(
            leftovers(w.path()).is_empty(),
            "SIG{sig}: {:?}",
            leftovers(w.path())
        );
        assert!(!w.path().join(&out).exists());
    }
    // kill -9 cannot be caught: the staging folder stays, and the next export clears it.
    let mut child = w
        .std_cmd(&["export", "--out", "pkg", "--as-of", "2026-11-24"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while leftovers(w.path()).is_empty() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!leftovers(w.path()).is_empty());
    export(&w, "pkg", &["--formats", "csv"]).ok();
    assert!(leftovers(w.path()).is_empty(), "{:?}", leftovers(w.path()));
}

#[test]
fn a_csv_quote_never_closed_is_refused_naming_its_line() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let db_before = sha256_file(&w.db());
    let mut s = String::from("control_id,title\n");
    for i in 2..10 {
        s.push_str(&format!("GV.OC-01,Row {i}\n"));
    }
    s.push_str("GV.OC-01,\"Row 10 opens a quote\n");
    for i in 11..=2000 {
        s.push_str(&format!("GV.OC-01,Row {i}\n"));
    }
    w.write("quote.csv", s);
    w.run(&["evidence", "import", "quote.csv"])
        .code(65)
        .stderr_has("line 10: a quoted field starts here and is never closed");
    w.run(&["assess", "import", "quote.csv"])
        .code(65)
        .stderr_has("line 10");
    assert_eq!(sha256_file(&w.db()), db_before);
    // More fields than the header: reported, not stored under an invented column name.
    w.write(
        "wide.csv",
        "control_id,title\nGV.OC-01,ok\nPR.AA-01,Firewall, rules v2\n",
    );
    w.run(&["evidence", "import", "wide.csv"])
        .code(65)
        .stderr_has("row 3")
        .stderr_has("beyond the header's last column");
    assert_eq!(sha256_file(&w.db()), db_before);
    w.run(&["evidence", "import", "wide.csv", "--skip-invalid"]).ok();
    let rows = w.run(&["evidence", "list", "--format", "csv"]).ok().csv();
    assert_eq!(rows.len(), 1);
    assert_eq!(field(&rows[0], "title"), "ok");
}

/// Runs the binary with its stdout closed before it writes; returns (exit code, stderr).
fn with_closed_stdout(w: &Workdir, args: &[&str]) -> (i32, String) {
    let mut child = w
        .std_cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the binary with stdout on /dev/full.
fn to_dev_full(w: &Workdir, args: &[&str]) -> (i32, String) {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = w
        .std_cmd(args)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_is_success_and_a_full_device_is_exit_74() {
    let w = setup();
    export(&w, "pkg", &[]).ok();
    let commands: &[&[&str]] = &[
        &["completions", "bash"],
        &["verify", "pkg"],
        &["controls", "--format", "csv"],
        &["control", "GV.OC-01"],
        &["mapping", "export", "--provider", "datacrunch"],
        &["evidence", "list", "--format", "json"],
        &["matrix", "--provider", "datacrunch", "--services", "iaas"],
        &["check"],
    ];
    for args in commands {
        let (code, stderr) = with_closed_stdout(&w, args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(code, 0, "{args:?} with a closed pipe: {stderr}");
        if Path::new("/dev/full").exists() {
            let (code, stderr) = to_dev_full(&w, args);
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert_eq!(code, 74, "{args:?} > /dev/full: {stderr}");
        }
    }
}

/// The SHA-256 of manifest.json that an export printed on stderr.
fn printed_manifest_sha(stderr: &str) -> String {
    let at = stderr
        .find("manifest.json SHA-256 ")
        .expect("export prints the manifest hash");
    stderr[at + 22..at + 22 + 64].to_string()
}

#[test]
fn verify_cannot_be_fooled_or_stalled() {
    let w = setup();
    let run = export(&w, "pkg", &[]).ok();
    let sha = printed_manifest_sha(&run.stderr);
    w.run(&["verify", "pkg", "--manifest-sha256", &sha]).ok();
    // The manifest's own metadata: a changed as-of date keeps every file hash valid; SHA256SUMS
    // catches it, and once SHA256SUMS is rewritten too, only the printed hash does.
    let mpath = w.path().join("pkg/manifest.json");
    let spath = w.path().join("pkg/SHA256SUMS");
    let original = std::fs::read_to_string(&mpath).unwrap();
    let sums = std::fs::read_to_string(&spath).unwrap();
    let changed = original.replace("2026-11-24", "2027-01-01");
    std::fs::write(&mpath, &changed).unwrap();
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("`SHA256SUMS` gives `manifest.json`");
    let new_sha = crate::util::sha256_file(&mpath);
    std::fs::write(&spath, sums.replace(&sha, &new_sha)).unwrap();
    w.run(&["verify", "pkg"]).ok();
    w.run(&["verify", "pkg", "--manifest-sha256", &sha])
        .code(1)
        .stderr_has("--manifest-sha256");
    std::fs::write(&mpath, &original).unwrap();
    std::fs::write(&spath, &sums).unwrap();
    // A manifest that lists nothing, in a folder that holds nothing else.
    std::fs::create_dir(w.path().join("hollow")).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&original).unwrap();
    m["files"] = serde_json::json!([]);
    w.write("hollow/manifest.json", serde_json::to_vec_pretty(&m).unwrap());
    w.run(&["verify", "hollow"]).code(1).stderr_has("lists no files");
    // A manifest that leaves out a file every package has, with the file gone too.
    let mut m: serde_json::Value = serde_json::from_str(&original).unwrap();
    m["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["path"] != "gaps.csv");
    export(&w, "short", &[]).ok();
    std::fs::remove_file(w.path().join("short/gaps.csv")).unwrap();
    w.write("short/manifest.json", serde_json::to_vec_pretty(&m).unwrap());
    w.run(&["verify", "short"])
        .code(1)
        .stderr_has("does not list `gaps.csv`");
    // A FIFO and a link to /dev/zero where files should be: refused at once, never opened.
    export(&w, "fifo", &[]).ok();
    let fifo = w.path().join("fifo/evidence-index.csv");
    std::fs::remove_file(&fifo).unwrap();
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let start = Instant::now();
    let r = w.run_cmd({
        let mut c = w.cmd(&["verify", "fifo"]);
        c.timeout(Duration::from_secs(30));
        c
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(20));
    export(&w, "zero", &[]).ok();
    let gaps = w.path().join("zero/gaps.csv");
    std::fs::remove_file(&gaps).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &gaps).unwrap();
    let r = w.run_cmd({
        let mut c = w.cmd(&["verify", "zero"]);
        c.timeout(Duration::from_secs(30));
        c
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
}

/// A copy of the zip at `src` where the member `a` is renamed to `b` (same length), in the
/// local header and the central directory, so that the zip holds two members named `b`.
fn rename_member(src: &Path, dst: &Path, a: &str, b: &str) {
    assert_eq!(a.len(), b.len());
    let mut bytes = std::fs::read(src).unwrap();
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    let mut n = 0;
    while i + a.len() <= bytes.len() {
        if &bytes[i..i + a.len()] == a {
            bytes[i..i + a.len()].copy_from_slice(b);
            n += 1;
        }
        i += 1;
    }
    assert!(n >= 2, "member name found {n} times");
    std::fs::write(dst, bytes).unwrap();
}

#[test]
fn verify_refuses_a_zip_with_two_members_of_one_name() {
    let w = setup();
    export(&w, "pkg", &[]).ok();
    // A zip whose first `gaps.csv` is tampered and whose second is the original.
    let dir = w.path().join("pkg");
    let f = std::fs::File::create(w.path().join("two.zip")).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("gaps.xyz", opts).unwrap();
    std::io::Write::write_all(&mut z, b"control_id\r\nnothing to see\r\n").unwrap();
    for name in [
        "control-matrix.csv",
        "evidence-index.csv",
        "gaps.csv",
        "manifest.json",
        "report.pdf",
    ] {
        z.start_file(name, opts).unwrap();
        std::io::Write::write_all(&mut z, &std::fs::read(dir.join(name)).unwrap()).unwrap();
    }
    z.finish().unwrap();
    rename_member(
        &w.path().join("two.zip"),
        &w.path().join("dup.zip"),
        "gaps.xyz",
        "gaps.csv",
    );
    w.run(&["verify", "dup.zip"])
        .code(1)
        .stderr_has("two or more members with the same name");
}

#[test]
fn include_files_never_blocks_on_a_fifo_or_follows_a_link_swapped_in_after_import() {
    let w = setup();
    let policy = w.path().join("evidence/policy.pdf");
    std::fs::remove_file(&policy).unwrap();
    assert!(Command::new("mkfifo").arg(&policy).status().unwrap().success());
    let r = w.run_cmd({
        let mut c = w.cmd(&[
            "export",
            "--out",
            "pkg",
            "--include-files",
            "--as-of",
            "2026-11-24",
        ]);
        c.timeout(Duration::from_secs(60));
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
    std::fs::remove_file(&policy).unwrap();
    w.write("outside.txt", "secret outside the evidence root");
    std::os::unix::fs::symlink(w.path().join("outside.txt"), &policy).unwrap();
    export(&w, "pkg2", &["--include-files"])
        .ok()
        .stderr_has("symbolic link");
    assert!(!w.path().join("pkg2/evidence").exists());
}

#[test]
fn concurrent_overrides_record_a_true_history() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let owners = [
        "shared",
        "customer",
        "inherited",
        "shared",
        "customer",
        "inherited",
        "shared",
        "customer",
    ];
    let children: Vec<_> = owners
        .iter()
        .enumerate()
        .map(|(i, o)| {
            w.std_cmd(&[
                "ownership",
                "set",
                "PR.AA-01",
                "--service",
                "iaas",
                "--owner",
                o,
                "--reason",
                &format!("change {i}"),
                "--provider",
                "datacrunch",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let rows = w
        .run(&["ownership", "history", "PR.AA-01", "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(rows.len(), 8);
    // Each change's `previous` is the owner the change before it set; the first one's is the
    // shipped matrix value (customer).
    let mut expect = "customer".to_string();
    for r in &rows {
        assert_eq!(field(r, "previous"), expect, "change {}", field(r, "seq"));
        expect = field(r, "owner").to_string();
    }
    w.run(&["check"]).ok();
}

#[test]
fn every_csv_csfkit_writes_is_neutralised_unless_raw() {
    let w = setup();
    w.run(&[
        "scope",
        "set",
        "--system",
        "@SUM(A1)",
        "--provider",
        "datacrunch",
        "--services",
        "iaas",
    ])
    .ok();
    w.run(&[
        "ownership",
        "set",
        "PR.AA-01",
        "--service",
        "iaas",
        "--owner",
        "shared",
        "--reason",
        "=cmd|' /C calc'!A0",
    ])
    .ok();
    w.run(&["assess", "PR.AA-01", "--status", "implemented", "--note", "+1+1"])
        .ok();
    let csv = |args: &[&str]| w.run(args).ok().stdout;
    let listing = csv(&["evidence", "list", "--format", "csv"]);
    assert!(listing.contains("'=HYPERLINK"), "{listing}");
    assert!(listing.contains("'@admin"), "{listing}");
    assert!(
        !listing.contains(",=HYPERLINK") && !listing.contains("\"=HYPERLINK"),
        "{listing}"
    );
    let raw = csv(&["evidence", "list", "--format", "csv", "--raw-csv"]);
    assert!(raw.contains("\"=HYPERLINK"), "{raw}");
    assert!(csv(&["ownership", "history", "--format", "csv"]).contains("'=cmd"));
    assert!(csv(&["assess", "history", "--format", "csv"]).contains("'+1+1"));
    assert!(csv(&["scope", "show", "--format", "csv"]).contains("'@SUM(A1)"));
    // A leading TAB is stored as typed and neutralised on the way out.
    let show = w.run(&["evidence", "show", "1", "--format", "json"]).ok().json();
    let desc = show
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["field"] == "description")
        .unwrap()["value"]
        .clone();
    assert_eq!(desc, "\tTAB first");
    let show = w.run(&["evidence", "show", "1", "--format", "csv"]).ok().stdout;
    assert!(show.contains("'\tTAB first"), "{show}");
    // --errors-out: neutralised, and it replaces only an earlier --errors-out file.
    w.write("bad.csv", "control_id,title\nZZ.ZZ-99,=HYPERLINK(\"x\")\n");
    w.write("mine.csv", "my own data\n");
    w.run(&["evidence", "import", "bad.csv", "--errors-out", "mine.csv"])
        .code(73)
        .stderr_has("not an earlier --errors-out file");
    assert_eq!(
        std::fs::read_to_string(w.path().join("mine.csv")).unwrap(),
        "my own data\n"
    );
    w.run(&["evidence", "import", "bad.csv", "--errors-out", "rejected.csv"])
        .code(65);
    let rejected = std::fs::read_to_string(w.path().join("rejected.csv")).unwrap();
    assert!(rejected.contains("'=HYPERLINK"), "{rejected}");
    w.run(&[
        "evidence",
        "import",
        "bad.csv",
        "--errors-out",
        "rejected.csv",
        "--raw-csv",
    ])
    .code(65);
    let rejected = std::fs::read_to_string(w.path().join("rejected.csv")).unwrap();
    assert!(rejected.contains("\"=HYPERLINK"), "{rejected}");
}

#[test]
fn eight_commands_on_a_new_catalogue_at_once_all_succeed() {
    for round in 0..8 {
        let w = Workdir::new();
        let db = w.path().join(format!("new-{round}.db"));
        let children: Vec<_> = (0..8)
            .map(|i| {
                let args: &[&str] = if i % 2 == 0 {
                    &["controls", "--format", "csv"]
                } else {
                    &["frameworks", "--format", "csv"]
                };
                w.std_cmd(args)
                    .env("CSFKIT_DB", &db)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut created = 0;
        for c in children {
            let out = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}: {stderr}");
            created += usize::from(stderr.contains("created catalogue"));
        }
        assert_eq!(created, 1, "exactly one process creates the catalogue");
        let names: Vec<String> = std::fs::read_dir(w.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".csfkit-new-"))
            .collect();
        assert!(names.is_empty(), "temporary catalogues left: {names:?}");
        w.run_cmd({
            let mut c = w.cmd(&["frameworks"]);
            c.env("CSFKIT_DB", &db);
            c
        })
        .ok();
    }
}

/// Runs `args` as the unprivileged user `nobody` when the tests run as root (root ignores file
/// permissions), else as the current user.
fn as_other_user(w: &Workdir, args: &[&str]) -> crate::util::Run {
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let mut c = if root {
        let mut c = assert_cmd::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(bin());
        c
    } else {
        assert_cmd::Command::new(bin())
    };
    c.current_dir(w.path())
        .env("CSFKIT_DB", w.db())
        .env("NO_COLOR", "1")
        .env("HOME", w.path())
        .args(args);
    w.run_cmd(c)
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_read_only_catalogue_still_reads_and_says_why_it_cannot_write() {
    let w = setup();
    export(&w, "pkg", &[]).ok();
    let before = sha256_file(&w.db());
    // Readable by everyone, writable by nobody but root; the folder likewise.
    chmod(&w.db(), 0o444);
    chmod(w.path(), 0o555);
    let restore = || chmod(w.path(), 0o755);
    let reading: &[&[&str]] = &[
        &["controls", "--format", "csv"],
        &["evidence", "list"],
        &["matrix", "--provider", "datacrunch", "--services", "iaas"],
        &[
            "status",
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
            "--as-of",
            "2026-11-24",
        ],
        &["check"],
    ];
    for args in reading {
        let r = as_other_user(&w, args);
        if r.code != 0 {
            restore();
            panic!("{args:?} on a read-only catalogue: {}", r.stderr);
        }
    }
    let r = as_other_user(&w, &["assess", "PR.AA-01", "--status", "implemented"]);
    let r2 = as_other_user(&w, &["export", "--out", "pkg2", "--as-of", "2026-11-24"]);
    restore();
    chmod(&w.db(), 0o600);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
    assert_eq!(r2.code, 73, "{}", r2.stderr);
    assert_eq!(sha256_file(&w.db()), before);
}

#[test]
fn exit_codes_say_what_went_wrong() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    // An encrypted workbook (an OLE container with an EncryptionInfo stream) is unreadable.
    let mut enc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    enc.extend(vec![0u8; 504]);
    enc.extend("EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes));
    w.write("locked.xlsx", &enc);
    w.run(&["evidence", "import", "locked.xlsx"])
        .code(66)
        .stderr_has("encrypted");
    // An HTML page saved with a spreadsheet's name is called what it is.
    w.write(
        "report.xls",
        "<!DOCTYPE html>\n<html><body><table><tr><td>control_id</td></tr></table></body></html>\n",
    );
    w.run(&["evidence", "import", "report.xls"])
        .code(65)
        .stderr_has("an HTML page");
    // --db that is not a file is refused and nothing is written beside it.
    let r = w.run_cmd({
        let mut c = w.cmd(&["controls"]);
        c.env("CSFKIT_DB", "/dev/null");
        c
    });
    assert_eq!(r.code, 65, "{}", r.stderr);
    assert!(r.stderr.contains("a device"), "{}", r.stderr);
    assert!(!Path::new("/dev/null-journal").exists() && !Path::new("/dev/null-wal").exists());
    // A FIFO given as the input never blocks.
    let fifo = w.path().join("pipe.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let r = w.run_cmd({
        let mut c = w.cmd(&["evidence", "import", "pipe.csv"]);
        c.timeout(Duration::from_secs(30));
        c
    });
    assert_eq!(r.code, 66, "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
}

/// Opens the catalogue behind csfkit's back, as someone rewriting history would.
fn tamper(db: &Path, sql: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(sql).unwrap();
}

#[test]
fn check_finds_history_rewritten_behind_csfkits_back() {
    let w = setup();
    w.run(&["assess", "PR.AA-01", "--status", "implemented", "--note", "MFA"])
        .ok();
    w.run(&["assess", "DE.CM-01", "--status", "partial", "--note", "SIEM"])
        .ok();
    w.run(&[
        "ownership",
        "set",
        "PR.AA-01",
        "--service",
        "iaas",
        "--owner",
        "shared",
        "--reason",
        "SSO",
        "--provider",
        "datacrunch",
    ])
    .ok();
    w.run(&[
        "plan",
        "PR.AA-01",
        "--due",
        "2027-03-31",
        "--owner",
        "J. Doe",
        "--action",
        "Enforce MFA",
    ])
    .ok();
    let heads = w.run(&["check", "--format", "csv"]).ok().csv();
    assert!(heads.iter().all(|r| field(r, "status") == "ok"));
    // The four logs (the other rows are the checks of the file, foreign keys and loaded data).
    let logs: Vec<_> = heads
        .iter()
        .filter(|r| ["ownership", "assessment", "batch", "plan"].contains(&field(r, "log")))
        .collect();
    assert_eq!(logs.len(), 4);
    // The manifest pins the same heads.
    export(&w, "pkg", &[]).ok();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path().join("pkg/manifest.json")).unwrap()).unwrap();
    for r in logs {
        assert_eq!(m["history"][field(r, "log")]["head"], field(r, "head"));
    }
    let copy = |name: &str| {
        let p = w.path().join(name);
        std::fs::copy(w.db(), &p).unwrap();
        p
    };
    let check = |db: &PathBuf| {
        w.run_cmd({
            let mut c = w.cmd(&["check"]);
            c.env("CSFKIT_DB", db);
            c
        })
    };
    // An assessment note changed.
    let db = copy("a.db");
    tamper(
        &db,
        "DROP TRIGGER assessment_no_update; UPDATE assessment SET note = 'MFA everywhere' WHERE seq = 1;",
    );
    check(&db).code(1).stderr_has("assessment record 1");
    // An evidence row's title changed.
    let db = copy("b.db");
    tamper(
        &db,
        "DROP TRIGGER evidence_no_update; UPDATE evidence SET title = 'Nothing to see' WHERE id = 2;",
    );
    check(&db).code(1).stderr_has("evidence row 2");
    // An ownership change removed.
    let db = copy("c.db");
    tamper(
        &db,
        "DROP TRIGGER ownership_override_no_delete; DELETE FROM ownership_override;",
    );
    check(&db).code(1).stderr_has("ownership change 1");
    // A record slipped in without csfkit.
    let db = copy("d.db");
    tamper(
        &db,
        "INSERT INTO assessment(control_id, status, note, system, assessed_by, assessed_at, source) \
         VALUES ('GV.OC-01', 'implemented', '', '', 'mallory', '2026-01-01T00:00:00Z', 'cli');",
    );
    check(&db).code(1).stderr_has("assessment record 3 has no link");
    // A plan's due date moved.
    let db = copy("e.db");
    tamper(
        &db,
        "DROP TRIGGER plan_no_update; UPDATE plan SET due = '2028-12-31' WHERE seq = 1;",
    );
    check(&db).code(1).stderr_has("remediation plan record 1");
}

#[test]
fn backup_writes_a_checked_copy_and_never_overwrites() {
    let w = setup();
    w.run(&["assess", "PR.AA-01", "--status", "implemented"]).ok();
    let r = w.run(&["backup", "--out", "copy.db"]).ok();
    let copy = w.path().join("copy.db");
    assert!(r.stdout.contains(&sha256_file(&copy)));
    w.run_cmd({
        let mut c = w.cmd(&["check"]);
        c.env("CSFKIT_DB", &copy);
        c
    })
    .ok();
    let same = |args: &[&str], db: &Path| {
        w.run_cmd({
            let mut c = w.cmd(args);
            c.env("CSFKIT_DB", db);
            c
        })
        .ok()
        .stdout
    };
    assert_eq!(
        same(&["evidence", "list", "--format", "csv"], &copy),
        same(&["evidence", "list", "--format", "csv"], &w.db())
    );
    let before = sha256_file(&copy);
    w.run(&["backup", "--out", "copy.db"])
        .code(73)
        .stderr_has("never overwrites");
    assert_eq!(sha256_file(&copy), before);
    // While another command writes.
    big_tracker(&w, 2_000);
    let writer = w
        .std_cmd(&["evidence", "import", "big.csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    w.run(&["backup", "--out", "during.db"]).ok();
    let mut writer = writer;
    writer.wait().unwrap();
    w.run_cmd({
        let mut c = w.cmd(&["check"]);
        c.env("CSFKIT_DB", w.path().join("during.db"));
        c
    })
    .ok();
}

#[test]
fn a_full_disk_is_exit_74_and_leaves_nothing_half_written() {
    // A small tmpfs in a private mount namespace (root, or an unprivileged user namespace).
    let ns = Command::new("unshare").args(["-rm", "true"]).status();
    if !ns.is_ok_and(|s| s.success()) {
        let required = std::env::var_os("CSFKIT_REQUIRE_TOOLS").is_some_and(|v| v != "0" && !v.is_empty());
        assert!(!required, "unshare -rm is needed for the full-disk test");
        eprintln!("skipped: cannot make a private mount namespace (unshare -rm)");
        return;
    }
    let w = setup();
    // 20,000 rows do not fit in the 4 MB catalogue disk; `init` (about 3 MB at its peak with the
    // shipped matrices) must.
    big_tracker(&w, 20_000);
    let script = format!(
        r#"set -u
B='{bin}'
mkdir -p full cat
mount -t tmpfs -o size=96k tmpfs full || exit 99
"$B" export --out full/pkg --as-of 2026-11-24 2>full-export.err; echo "export=$?"
echo "left=$(ls -A full | wc -l)"
mount -t tmpfs -o size=4m tmpfs cat || exit 99
export CSFKIT_DB="$PWD/cat/c.db"
"$B" init 2>/dev/null; echo "init=$?"
"$B" evidence import big.csv 2>import.err; echo "import=$?"
"$B" check >/dev/null 2>&1; echo "check=$?"
echo "rows=$("$B" evidence list --format csv 2>/dev/null | tail -n +2 | wc -l)"
"#,
        bin = bin().display()
    );
    let out = Command::new("unshare")
        .args(["-rm", "bash", "-c", &script])
        .current_dir(w.path())
        .env("CSFKIT_DB", w.db())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |k: &str| -> String {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k} in {stdout}\n{}", String::from_utf8_lossy(&out.stderr)))
            .to_string()
    };
    let export_err = std::fs::read_to_string(w.path().join("full-export.err")).unwrap_or_default();
    assert_eq!(get("export"), "74", "{export_err}");
    assert!(export_err.contains("No space left"), "{export_err}");
    assert_eq!(get("left"), "0", "the staging folder was not removed");
    assert_eq!(get("init"), "0");
    let import_err = std::fs::read_to_string(w.path().join("import.err")).unwrap_or_default();
    assert_eq!(get("import"), "74", "{import_err}");
    assert_eq!(get("check"), "0");
    assert_eq!(get("rows"), "0", "a failed import stored rows");
}

#[test]
fn mapping_export_and_templates_replace_only_their_own_files_and_neutralise_formulas() {
    let w = Workdir::new();
    // A matrix whose texts start like formulas: exported neutralised, imported back exactly.
    let exported = w
        .run(&["mapping", "export", "--provider", "digitalocean"])
        .ok()
        .stdout;
    let mut rows: Vec<String> = exported.lines().map(str::to_string).collect();
    rows[1] = rows[1].replacen(",derived,", ",derived,=HYPERLINK(\"\"http://x\"\"),", 1);
    rows[1] = rows[1].replacen(",rule", ",'=quoted rule", 1);
    let matrix = rows.join("\n") + "\n";
    w.write("evil.csv", &matrix);
    w.run(&["mapping", "import", "evil.csv", "--provider", "evil"])
        .ok();
    let out = w.run(&["mapping", "export", "--provider", "evil"]).ok().stdout;
    assert!(out.contains("'=HYPERLINK") && out.contains(",'=quoted"), "{out}");
    w.write("evil2.csv", &out);
    w.run(&["mapping", "import", "evil2.csv", "--provider", "evil2"])
        .ok();
    let again = w
        .run(&["mapping", "export", "--provider", "evil2", "--raw-csv"])
        .ok()
        .stdout;
    let raw = w
        .run(&["mapping", "export", "--provider", "evil", "--raw-csv"])
        .ok()
        .stdout;
    assert_eq!(again, raw, "export -> import -> export changed the cells");
    // --out replaces an earlier export, never another file.
    w.write("mine.csv", "my notes\n");
    w.run(&["mapping", "export", "--provider", "evil", "--out", "mine.csv"])
        .code(73)
        .stderr_has("nothing was changed");
    assert_eq!(
        std::fs::read_to_string(w.path().join("mine.csv")).unwrap(),
        "my notes\n"
    );
    w.run(&["mapping", "export", "--provider", "evil", "--out", "m.csv"])
        .ok();
    w.run(&[
        "mapping",
        "export",
        "--provider",
        "digitalocean",
        "--out",
        "m.csv",
    ])
    .ok();
    // template --force replaces a blank template, never a tracker with evidence in it.
    w.run(&["template", "evidence", "--out", "t.csv"]).ok();
    w.run(&["template", "evidence", "--out", "t.csv", "--force"]).ok();
    let mut filled = std::fs::read_to_string(w.path().join("t.csv")).unwrap();
    filled.push_str("PR.AA-01,Access review,,,,,,,\n");
    w.write("t.csv", &filled);
    w.run(&["template", "evidence", "--out", "t.csv", "--force"])
        .code(73)
        .stderr_has("nothing was changed");
    assert_eq!(std::fs::read_to_string(w.path().join("t.csv")).unwrap(), filled);
}
