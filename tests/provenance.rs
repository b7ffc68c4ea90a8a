//! Issue 24: a package that says when, who and from what. `--as-of` as a point in time, the
//! generation time, the history files, SHA256SUMS, the SSH signature, `check --against`,
//! evidence stored once, OSCAL observation dates. Records are dated with the debug build's test
//! clock (`CSFKIT_TEST_NOW`), so the tests hold on any day.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::{Run, SOURCE_DATE_EPOCH, Workdir, field, have_tool};

type Row = Vec<(String, String)>;

/// The package's as-of date in these tests.
const D: &str = "2026-01-15";

/// Runs a command whose records are dated `when`.
fn at(w: &Workdir, when: &str, args: &[&str]) -> Run {
    let mut c = w.cmd(args);
    c.env("CSFKIT_TEST_NOW", when);
    w.run_cmd(c)
}

/// Runs a command generated at SOURCE_DATE_EPOCH (2026-11-24T12:00:00Z).
fn fixed(w: &Workdir, args: &[&str]) -> Run {
    let mut c = w.cmd(args);
    c.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    w.run_cmd(c)
}

/// A CSV file of a package as rows of (column, value).
fn csv_file(p: &Path) -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let head = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            head.iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn json_file(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn row<'a>(rows: &'a [Row], col: &str, value: &str) -> &'a Row {
    rows.iter()
        .find(|r| field(r, col) == value)
        .unwrap_or_else(|| panic!("no row with {col} = {value}"))
}

/// A catalogue whose history spans the as-of date `D`: a scope, a tracker, statuses and a plan
/// before it (one at 23:30 on D itself), and after it a second tracker, a not-applicable
/// status and a plan.
fn history_around_d() -> Workdir {
    let w = Workdir::new();
    let before = "2026-01-10T10:00:00Z";
    at(
        &w,
        before,
        &[
            "scope",
            "set",
            "--system",
            "Payments",
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
        ],
    )
    .ok();
    w.write(
        "a.csv",
        "\u{feff}control_id,title,collected_on,valid_until\r\n\
         PR.AA-01,MFA policy,2026-01-05,2027-01-05\r\n\
         DE.CM-01,SIEM review,2026-02-10,\r\n",
    );
    at(&w, before, &["evidence", "import", "a.csv"]).ok();
    at(
        &w,
        before,
        &["assess", "PR.AA-01", "--status", "implemented", "--by", "Alice"],
    )
    .ok();
    at(
        &w,
        before,
        &[
            "plan",
            "PR.AA-05",
            "--due",
            "2026-06-30",
            "--owner",
            "IAM team",
            "--action",
            "Quarterly access review",
            "--by",
            "Alice",
        ],
    )
    .ok();
    at(
        &w,
        "2026-01-15T23:30:00Z",
        &["assess", "DE.CM-01", "--status", "partial", "--by", "Carol"],
    )
    .ok();
    // After the end of D (UTC).
    let after = "2026-01-16T00:00:00Z";
    at(
        &w,
        after,
        &[
            "assess",
            "PR.AA-01",
            "--status",
            "not-applicable",
            "--note",
            "moved to SaaS",
            "--by",
            "Bob",
        ],
    )
    .ok();
    w.write(
        "b.csv",
        "\u{feff}control_id,title,collected_on\r\nPR.AA-05,Access review,2026-01-12\r\n",
    );
    at(&w, "2026-02-01T08:00:00Z", &["evidence", "import", "b.csv"]).ok();
    at(
        &w,
        "2026-03-01T08:00:00Z",
        &[
            "plan",
            "DE.CM-01",
            "--due",
            "2026-09-30",
            "--owner",
            "SecOps",
            "--action",
            "Extend the SIEM",
            "--by",
            "Bob",
        ],
    )
    .ok();
    at(
        &w,
        "2026-03-01T08:00:00Z",
        &[
            "plan",
            "PR.AA-05",
            "--status",
            "risk-accepted",
            "--note",
            "CISO",
            "--by",
            "Bob",
        ],
    )
    .ok();
    w
}

#[test]
fn as_of_is_the_catalogue_at_the_end_of_that_day() {
    let w = history_around_d();
    fixed(&w, &["export", "--out", "pkg", "--as-of", D]).ok();
    let pkg = w.path().join("pkg");
    let matrix = csv_file(&pkg.join("control-matrix.csv"));
    // The status recorded after D is absent; the one in force at D says who and when.
    let pr = row(&matrix, "control_id", "PR.AA-01");
    assert_eq!(field(pr, "status"), "implemented");
    assert_eq!(field(pr, "status_by"), "Alice");
    assert_eq!(field(pr, "status_at"), "2026-01-10T10:00:00Z");
    let de = row(&matrix, "control_id", "DE.CM-01");
    assert_eq!(field(de, "status"), "partial", "recorded at 23:30 on D");
    // Evidence collected after D is not yet collected and not counted; a batch imported after
    // D is not in the package at all.
    assert_eq!(field(de, "evidence_count"), "0");
    assert_eq!(
        field(row(&matrix, "control_id", "PR.AA-05"), "evidence_count"),
        "0"
    );
    assert_eq!(field(pr, "evidence_current"), "1");
    let index = csv_file(&pkg.join("evidence-index.csv"));
    assert_eq!(index.len(), 2, "{index:?}");
    assert_eq!(
        field(row(&index, "control_id", "DE.CM-01"), "freshness"),
        "not-yet-collected"
    );
    assert!(index.iter().all(|r| field(r, "batch") == "1"));
    // The POA&M: no plan recorded after D, no date after D.
    let poam = csv_file(&pkg.join("poam.csv"));
    let dates: Vec<&str> = poam
        .iter()
        .flat_map(|r| [field(r, "Status Date"), field(r, "Original Detection Date")])
        .collect();
    assert!(dates.iter().all(|d| *d <= D), "{dates:?}");
    // No plan: an open item (FedRAMP's Ongoing, issue 26) with its plan columns empty.
    let cm01 = row(&poam, "Controls", "DE.CM-01");
    assert_eq!(field(cm01, "Status"), "Ongoing");
    assert_eq!(field(cm01, "Point of Contact"), "");
    let aa05 = row(&poam, "Controls", "PR.AA-05");
    assert_eq!(field(aa05, "Status"), "Ongoing");
    assert_eq!(field(aa05, "Status Date"), "2026-01-10");
    // The manifest: the as-of date, when it was generated, only the batch of before D.
    let m = json_file(&pkg.join("manifest.json"));
    assert_eq!(m["parameters"]["as_of"], D);
    assert_eq!(m["generated_at"], "2026-11-24T12:00:00Z");
    assert_eq!(m["sources"]["evidence_batches"].as_array().unwrap().len(), 1);

    // The listings that take --as-of stand at the same point.
    let listed = w
        .run(&["evidence", "list", "--as-of", D, "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(listed.len(), 2);
    let plans = w
        .run(&["plan", "list", "--all", "--as-of", D, "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(plans.len(), 1, "{plans:?}");
    let status = w.run(&["status", "--as-of", D, "--format", "csv"]).ok().csv();
    let total = row(&status, "function", "total");
    assert_eq!(field(total, "not_applicable"), "0");
    // Without --as-of: the catalogue as it is now.
    fixed(&w, &["export", "--out", "now"]).ok();
    let matrix = csv_file(&w.path().join("now/control-matrix.csv"));
    let pr = row(&matrix, "control_id", "PR.AA-01");
    assert_eq!(field(pr, "status"), "not-applicable");
    assert_eq!(field(pr, "status_by"), "Bob");
    // The scope did not exist before it was set.
    w.run(&["export", "--out", "early", "--as-of", "2026-01-09"])
        .code(2)
        .stderr_has("no scope as of 2026-01-09: the scope was set at 2026-01-10T10:00:00Z");
}

#[test]
fn generation_time_follows_source_date_epoch_and_a_bad_one_is_refused() {
    let w = history_around_d();
    for bad in ["yesterday", "-5", "1.5", "99999999999999"] {
        let mut c = w.cmd(&["export", "--out", "x", "--as-of", D]);
        c.env("SOURCE_DATE_EPOCH", bad);
        w.run_cmd(c).code(2).stderr_has("SOURCE_DATE_EPOCH");
    }
    assert!(!w.path().join("x").exists());
    // The same catalogue, --as-of and SOURCE_DATE_EPOCH: the same bytes, zip included.
    for out in ["a.zip", "b.zip"] {
        fixed(
            &w,
            &[
                "export",
                "--out",
                out,
                "--zip",
                "--as-of",
                D,
                "--formats",
                "pdf,csv,xlsx,oscal",
            ],
        )
        .ok();
    }
    assert_eq!(
        std::fs::read(w.path().join("a.zip")).unwrap(),
        std::fs::read(w.path().join("b.zip")).unwrap()
    );
    // Without it, the real time of the export, beside the as-of date.
    w.run(&["export", "--out", "c", "--as-of", D]).ok();
    let m = json_file(&w.path().join("c/manifest.json"));
    let generated = m["generated_at"].as_str().unwrap();
    assert!(
        generated > "2026-12-01" && generated.ends_with('Z'),
        "{generated}"
    );
    if have_tool("pdftotext") {
        let text = crate::util::pdf_words(&w.path().join("c/report.pdf"));
        assert!(
            text.contains("Generated at") && text.contains(generated),
            "{text}"
        );
    }
}

/// The CSV output of a listing, as (column, value) rows, its first `n` columns only.
fn first(rows: &[Row], n: usize) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().take(n).map(|(_, v)| v.clone()).collect())
        .collect()
}

#[test]
fn the_history_files_match_the_listings_up_to_the_date() {
    let w = history_around_d();
    at(
        &w,
        "2026-01-12T09:00:00Z",
        &[
            "ownership",
            "set",
            "PR.AA-01",
            "--service",
            "iaas",
            "--owner",
            "shared",
            "--reason",
            "IdP run by the provider",
            "--by",
            "Alice",
        ],
    )
    .ok();
    at(
        &w,
        "2026-02-02T09:00:00Z",
        &[
            "ownership",
            "reset",
            "PR.AA-01",
            "--service",
            "iaas",
            "--reason",
            "back to the matrix",
        ],
    )
    .ok();
    fixed(&w, &["export", "--out", "pkg", "--as-of", D]).ok();
    let pkg = w.path().join("pkg");
    let bound = "2026-01-16T00:00:00Z";
    let upto = |rows: Vec<Row>, col: &str| -> Vec<Row> {
        rows.into_iter().filter(|r| field(r, col) < bound).collect()
    };
    let listing = |args: &[&str]| w.run(args).ok().csv();

    let assess = upto(listing(&["assess", "history", "--format", "csv"]), "at");
    let file = csv_file(&pkg.join("assessment-history.csv"));
    assert_eq!(assess.len(), 2);
    assert_eq!(first(&file, 9), first(&assess, 9));
    let plans = listing(&["plan", "list", "--all", "--as-of", D, "--format", "csv"]);
    let file_plans = csv_file(&pkg.join("plan-history.csv"));
    assert_eq!(first(&file_plans, 13), first(&plans, 13));
    assert_eq!(field(&file_plans[0], "changed"), "new plan");
    let owners = upto(listing(&["ownership", "history", "--format", "csv"]), "at");
    let file_owners = csv_file(&pkg.join("ownership-history.csv"));
    assert_eq!(owners.len(), 1);
    assert_eq!(first(&file_owners, 9), first(&owners, 9));
    let batches = upto(
        listing(&["evidence", "batches", "--format", "csv"]),
        "imported_at",
    );
    let file_batches = csv_file(&pkg.join("evidence-batches.csv"));
    assert_eq!(batches.len(), 1);
    for col in [
        "batch",
        "source_file",
        "source_sha256",
        "collector",
        "imported_at",
        "imported",
    ] {
        assert_eq!(field(&file_batches[0], col), field(&batches[0], col), "{col}");
    }

    // Each record's link is the chain's: the package made now ends on the heads `check` shows.
    fixed(&w, &["export", "--out", "now"]).ok();
    let heads = w.run(&["check", "--format", "csv"]).ok().csv();
    for (file, log) in [
        ("assessment-history.csv", "assessment"),
        ("plan-history.csv", "plan"),
        ("ownership-history.csv", "ownership"),
        ("evidence-batches.csv", "batch"),
    ] {
        let rows = csv_file(&w.path().join("now").join(file));
        let head = row(&heads, "log", log);
        assert_eq!(rows.len().to_string(), field(head, "records"), "{file}");
        assert_eq!(
            field(rows.last().unwrap(), "chain_sha256"),
            field(head, "head"),
            "{file}"
        );
    }

    // The workbook holds the same rows.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(pkg.join("audit-workbook.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Assessment history").unwrap();
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .skip(1)
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::Float(f) => format!("{f}"),
                    calamine::Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let from_csv: Vec<Vec<String>> = file
        .iter()
        .map(|r| r.iter().map(|(_, v)| v.clone()).collect())
        .collect();
    assert_eq!(cells, from_csv);
}

/// A key made by the real ssh-keygen, and its allowed-signers file for officer@example.org.
fn keygen(w: &Workdir, name: &str, passphrase: &str) {
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", "officer", "-f"])
        .arg(w.path().join(name))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = std::fs::read_to_string(w.path().join(format!("{name}.pub"))).unwrap();
    let key: Vec<&str> = public.split_whitespace().take(2).collect();
    w.write(
        "allowed_signers",
        format!(
            "officer@example.org namespaces=\"csfkit-package\" {}\n",
            key.join(" ")
        ),
    );
}

fn ssh_verify(pkg: &Path) -> std::process::Output {
    std::process::Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-f",
            "../allowed_signers",
            "-I",
            "officer@example.org",
            "-n",
            "csfkit-package",
            "-s",
            "manifest.json.sig",
        ])
        .current_dir(pkg)
        .stdin(std::fs::File::open(pkg.join("manifest.json")).unwrap())
        .output()
        .unwrap()
}

#[test]
fn sha256sums_and_the_signature_check_without_csfkit() {
    if !have_tool("ssh-keygen") || !have_tool("sha256sum") {
        return;
    }
    let w = history_around_d();
    keygen(&w, "officer", "");
    fixed(&w, &["export", "--out", "pkg", "--as-of", D, "--sign", "officer"])
        .ok()
        .stderr_has("signed with the ed25519 key SHA256:");
    let pkg = w.path().join("pkg");
    // SHA256SUMS: every file but itself, the manifest and the signature included.
    let sums = std::fs::read_to_string(pkg.join("SHA256SUMS")).unwrap();
    let listed: BTreeSet<&str> = sums.lines().map(|l| &l[66..]).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(&pkg)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    assert_eq!(listed, on_disk.iter().map(String::as_str).collect());
    assert!(listed.contains("manifest.json") && listed.contains("manifest.json.sig"));
    let c = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(&pkg)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stdout));
    // Stock OpenSSH accepts the signature.
    let v = ssh_verify(&pkg);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    assert!(
        String::from_utf8_lossy(&v.stdout)
            .contains("Good \"csfkit-package\" signature for officer@example.org")
    );
    w.run(&["verify", "pkg", "--allowed-signers", "allowed_signers"])
        .ok()
        .stderr_has("signed by officer@example.org");
    // A key the file does not list, and an unsigned package, fail --allowed-signers.
    w.run(&["export", "--out", "plain", "--as-of", D]).ok();
    w.run(&["verify", "plain"]).ok();
    w.run(&["verify", "plain", "--allowed-signers", "allowed_signers"])
        .code(1)
        .stderr_has("not signed");
    // One byte of the manifest changed: OpenSSH and csfkit both reject it.
    let mpath = pkg.join("manifest.json");
    let mut bytes = std::fs::read(&mpath).unwrap();
    let i = bytes.iter().position(|b| *b == b'2').unwrap();
    bytes[i] = b'3';
    std::fs::write(&mpath, &bytes).unwrap();
    assert!(!ssh_verify(&pkg).status.success());
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("does not match manifest.json");
    let c = std::process::Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&pkg)
        .output()
        .unwrap();
    assert!(!c.status.success());

    // A key with a passphrase: refused without CSFKIT_SIGN_PASSPHRASE, before anything is
    // written; read with it. Signatures are deterministic: the same bytes again.
    keygen(&w, "locked", "correct horse");
    w.run(&["export", "--out", "l1", "--as-of", D, "--sign", "locked"])
        .code(2)
        .stderr_has("CSFKIT_SIGN_PASSPHRASE");
    assert!(!w.path().join("l1").exists());
    for out in ["l1.zip", "l2.zip"] {
        let mut c = w.cmd(&["export", "--out", out, "--zip", "--as-of", D, "--sign", "locked"]);
        c.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .env("CSFKIT_SIGN_PASSPHRASE", "correct horse");
        w.run_cmd(c).ok();
    }
    assert_eq!(
        std::fs::read(w.path().join("l1.zip")).unwrap(),
        std::fs::read(w.path().join("l2.zip")).unwrap()
    );
    w.run(&["verify", "l1.zip", "--allowed-signers", "allowed_signers"])
        .ok()
        .stderr_has("signed by officer@example.org");
    w.run(&["export", "--out", "pub", "--sign", "locked.pub"])
        .code(2)
        .stderr_has("not an OpenSSH private key");
    // --force replaces the signed package it wrote.
    w.run(&["export", "--out", "l1.zip", "--zip", "--force", "--as-of", D])
        .ok();
}

#[test]
fn packages_of_csfkit_0_1_and_0_2_still_verify_and_a_0_3_one_needs_its_sums() {
    let w = history_around_d();
    fixed(&w, &["export", "--out", "pkg", "--as-of", D, "--formats", "csv"]).ok();
    let pkg = w.path().join("pkg");
    let history = [
        "assessment-history.csv",
        "plan-history.csv",
        "ownership-history.csv",
        "evidence-batches.csv",
        "review-history.csv",
        // Nor the files of csfkit 0.3's claims (issue 25).
        "attestations.csv",
        "inheritance-gaps.csv",
        // Issue 28: the Organizational Profile in use.
        "profile.csv",
    ];
    // As csfkit 0.2 wrote it: no history files, attestations or inheritance gaps, no
    // SHA256SUMS, no generated_at.
    let as_version = |version: &str, drop: &[&str]| {
        let mut m = json_file(&pkg.join("manifest.json"));
        m["csfkit_version"] = version.into();
        m["format_version"] = 1.into();
        m.as_object_mut().unwrap().remove("generated_at");
        let files = m["files"].as_array().unwrap().clone();
        m["files"] = files
            .into_iter()
            .filter(|f| !drop.contains(&f["path"].as_str().unwrap()))
            .collect();
        m
    };
    let old = w.path().join("old");
    std::fs::create_dir(&old).unwrap();
    for f in ["control-matrix.csv", "evidence-index.csv", "gaps.csv", "poam.csv"] {
        std::fs::copy(pkg.join(f), old.join(f)).unwrap();
    }
    let m = as_version("0.2.0", &history);
    std::fs::write(old.join("manifest.json"), serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    w.run(&["verify", "old"]).ok().stdout_has("OK old");
    // csfkit 0.1: no POA&M either.
    std::fs::remove_file(old.join("poam.csv")).unwrap();
    let mut drop = history.to_vec();
    drop.push("poam.csv");
    let m = as_version("0.1.0", &drop);
    std::fs::write(old.join("manifest.json"), serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    w.run(&["verify", "old"]).ok();
    // A 0.3 package without its SHA256SUMS, or without a history file, fails.
    std::fs::rename(pkg.join("SHA256SUMS"), w.path().join("sums")).unwrap();
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("`SHA256SUMS` is missing");
    std::fs::rename(w.path().join("sums"), pkg.join("SHA256SUMS")).unwrap();
    w.run(&["verify", "pkg"]).ok();
    let mut sums = std::fs::read_to_string(pkg.join("SHA256SUMS")).unwrap();
    sums = sums.replace("  gaps.csv\n", "  gaps.csv.bak\n");
    std::fs::write(pkg.join("SHA256SUMS"), sums).unwrap();
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("`SHA256SUMS` lists `gaps.csv.bak`");
}

/// Recomputes every link of the assessment log from its stored records with the documented
/// encoding (docs/history.md, src/catalogue/chain.rs): what someone who rewrites history
/// consistently does.
fn rechain_assessments(db: &Path) {
    use sha2::{Digest, Sha256};
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch("DROP TRIGGER history_chain_no_update; DROP TRIGGER history_chain_no_delete;")
        .unwrap();
    let mut st = c
        .prepare(
            "SELECT CAST(seq AS TEXT), control_id, service, status, note, system, assessed_by, assessed_at, source
             FROM assessment ORDER BY seq",
        )
        .unwrap();
    let rows: Vec<Vec<Option<String>>> = st
        .query_map([], |r| (0..9).map(|i| r.get::<_, Option<String>>(i)).collect())
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let field = |h: &mut Sha256, b: &[u8]| {
        h.update(b.len().to_string().as_bytes());
        h.update(b":");
        h.update(b);
        h.update(b"\n");
    };
    let mut prev = "0".repeat(64);
    c.execute("DELETE FROM history_chain WHERE log = 'assessment'", [])
        .unwrap();
    for r in rows {
        let mut h = Sha256::new();
        h.update(b"csfkit-chain-v1\n");
        field(&mut h, b"assessment");
        field(&mut h, prev.as_bytes());
        for v in &r {
            match v {
                None => h.update(b"-\n"),
                Some(s) => field(&mut h, s.as_bytes()),
            }
        }
        let link: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        c.execute(
            "INSERT INTO history_chain(log, record, digest, prev, sha256) VALUES ('assessment', ?1, '', ?2, ?3)",
            rusqlite::params![r[0].as_deref().unwrap().parse::<i64>().unwrap(), prev, link],
        )
        .unwrap();
        prev = link;
    }
}

#[test]
fn check_against_a_package_names_a_cut_log_and_a_rewritten_record() {
    let w = history_around_d();
    fixed(&w, &["export", "--out", "pkg.zip", "--zip", "--formats", "csv"]).ok();
    w.run(&["check", "--against", "pkg.zip"])
        .ok()
        .stderr_has("extends the heads and lengths");
    // Records added since extend the chains.
    w.run(&["assess", "GV.OC-01", "--status", "implemented"]).ok();
    w.run(&["check", "--against", "pkg.zip"]).ok();
    w.run(&["backup", "--out", "before.db"]).ok();
    let restore = || {
        std::fs::copy(w.path().join("before.db"), w.db()).unwrap();
        for side in ["csfkit.db-wal", "csfkit.db-shm"] {
            let _ = std::fs::remove_file(w.path().join(side));
        }
    };

    // The newest assessment records cut off with their links: `check` alone sees a shorter,
    // valid chain; against the package the cut is named.
    {
        let c = rusqlite::Connection::open(w.db()).unwrap();
        c.execute_batch(
            "DROP TRIGGER assessment_no_delete; DROP TRIGGER history_chain_no_delete;
             DELETE FROM assessment WHERE seq >= 3; DELETE FROM history_chain WHERE log = 'assessment' AND record >= 3;",
        )
        .unwrap();
    }
    w.run(&["check"]).ok();
    let r = w
        .run(&["check", "--against", "pkg.zip", "--format", "csv"])
        .code(1);
    let rows = r.csv();
    assert_eq!(field(row(&rows, "log", "against:assessment"), "status"), "cut");
    r.stderr_has(
        "assessment record 3 of the package made 2026-11-24T12:00:00Z is no longer in the catalogue",
    )
    .stderr_has("the assessment log has 2 records, the package made 2026-11-24T12:00:00Z recorded 3");

    // A record changed and every link after it re-computed: `check` alone passes; against the
    // package the record is named.
    restore();
    w.run(&["check", "--against", "pkg.zip"]).ok();
    {
        let c = rusqlite::Connection::open(w.db()).unwrap();
        c.execute_batch(
            "DROP TRIGGER assessment_no_update; UPDATE assessment SET status = 'implemented' WHERE seq = 2;",
        )
        .unwrap();
    }
    w.run(&["check"]).code(1).stderr_has("assessment record 2");
    rechain_assessments(&w.db());
    w.run(&["check"]).ok();
    let r = w
        .run(&["check", "--against", "pkg.zip", "--format", "csv"])
        .code(1);
    let rows = r.csv();
    assert_eq!(
        field(row(&rows, "log", "against:assessment"), "status"),
        "rewritten"
    );
    r.stderr_has("assessment record 2, 3: the link is not the one the package made")
        .stderr_has("no longer runs through the head");

    // A package whose files were changed anchors nothing.
    w.run(&["export", "--out", "p2", "--formats", "csv"]).ok();
    std::fs::write(w.path().join("p2/assessment-history.csv"), "seq,chain_sha256\r\n").unwrap();
    w.run(&["check", "--against", "p2"])
        .code(1)
        .stderr_has("does not pass `csfkit verify`");
}

#[test]
fn a_file_mapped_to_six_subcategories_is_stored_once_and_observations_carry_its_dates() {
    let w = Workdir::new();
    // An SP 800-53 control that NIST's references cite from six subcategories.
    let cross = w
        .run(&["crosswalk", "--from", "sp800-53", "--format", "csv"])
        .ok()
        .csv();
    let mut count: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in &cross {
        *count.entry(field(r, "from")).or_default() += 1;
    }
    let (id, _) = count
        .iter()
        .find(|(_, n)| **n == 6)
        .expect("a control cited by six subcategories");
    w.write("files/Security Policy v3.pdf", b"%PDF-1.4 the policy\n");
    w.write(
        "t.csv",
        format!(
            "\u{feff}control_id,title,collected_on,valid_until,location\r\n{id},Security policy,2026-03-02,2027-03-01,files/Security Policy v3.pdf\r\n"
        ),
    );
    w.run(&["evidence", "import", "t.csv"])
        .ok()
        .stderr_has("6 new evidence rows");
    fixed(
        &w,
        &[
            "export",
            "--out",
            "pkg",
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
            "--include-files",
            "--formats",
            "pdf,csv,oscal",
            "--as-of",
            "2026-11-24",
        ],
    )
    .ok();
    let pkg = w.path().join("pkg");
    let stored: Vec<String> = std::fs::read_dir(pkg.join("evidence"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let sha = crate::util::sha256_file(&w.path().join("files/Security Policy v3.pdf"));
    let want = format!("{}-Security Policy v3.pdf", &sha[..16]);
    assert_eq!(stored, std::slice::from_ref(&want));
    let index = csv_file(&pkg.join("evidence-index.csv"));
    assert_eq!(index.len(), 6);
    assert!(
        index
            .iter()
            .all(|r| field(r, "packaged_file") == format!("evidence/{want}"))
    );
    let ar = json_file(&pkg.join("oscal/assessment-results.json"));
    let obs = ar["assessment-results"]["results"][0]["observations"]
        .as_array()
        .unwrap();
    assert_eq!(obs.len(), 6);
    for o in obs {
        assert_eq!(o["collected"], "2026-03-02T00:00:00Z");
        assert_eq!(o["expires"], "2027-03-01T00:00:00Z");
        assert_eq!(
            o["relevant-evidence"][0]["href"],
            format!("../evidence/{}", want.replace(' ', "%20"))
        );
    }
    w.run(&["verify", "pkg"]).ok();
}

#[test]
fn an_export_refuses_a_matrix_changed_behind_csfkits_back() {
    let w = Workdir::new();
    w.run(&[
        "export",
        "--out",
        "ok",
        "--provider",
        "datacrunch",
        "--formats",
        "csv",
    ])
    .ok();
    let c = rusqlite::Connection::open(w.db()).unwrap();
    c.execute(
        "UPDATE responsibility SET ownership = 'inherited' WHERE provider_id = 'datacrunch' AND control_id = 'PR.AA-01'",
        [],
    )
    .unwrap();
    drop(c);
    w.run(&[
        "export",
        "--out",
        "bad",
        "--provider",
        "datacrunch",
        "--formats",
        "csv",
    ])
    .code(1)
    .stderr_has("the responsibility matrix `datacrunch` is not as csfkit stored it")
    .stderr_has("PR.AA-01");
    assert!(!w.path().join("bad").exists());
}

/// An attestation (issue 25) is a record like any other: a package as of a date before it was
/// recorded does not lean on it, even when its period covers that date. The same for an evidence
/// retarget recorded later.
#[test]
fn an_attestation_recorded_after_the_as_of_date_is_not_in_that_package() {
    let w = Workdir::new();
    at(
        &w,
        "2026-01-02T09:00:00Z",
        &[
            "scope",
            "set",
            "--system",
            "Payments",
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
        ],
    )
    .ok();
    // Recorded on 2026-03-01 for a period that covers 2026-01-15.
    at(
        &w,
        "2026-03-01T09:00:00Z",
        &[
            "attestation",
            "add",
            "--provider",
            "datacrunch",
            "--type",
            "SOC 2 Type II",
            "--issuer",
            "Example Audit LLP",
            "--period",
            "2025-07-01..2026-06-30",
            "--url",
            "https://trust.example/soc2",
            "--services",
            "iaas",
        ],
    )
    .ok();
    let state = |pkg: &str| -> (Vec<String>, String) {
        let rows = csv_file(&w.path().join(pkg).join("control-matrix.csv"));
        let pr = row(&rows, "control_id", "PR.AA-06");
        let att = std::fs::read_to_string(w.path().join(pkg).join("attestations.csv")).unwrap();
        (
            vec![
                field(pr, "evidence_state").to_string(),
                field(pr, "attestation").to_string(),
            ],
            att,
        )
    };
    fixed(&w, &["export", "--out", "before", "--as-of", D]).ok();
    let (before, att_before) = state("before");
    assert_eq!(before[0], "inherited-no-attestation", "{before:?}");
    assert_eq!(before[1], "none in force");
    assert!(!att_before.contains("Example Audit LLP"), "{att_before}");
    fixed(&w, &["export", "--out", "after", "--as-of", "2026-03-02"]).ok();
    let (after, att_after) = state("after");
    assert_eq!(after[0], "provider-attested", "{after:?}");
    assert!(att_after.contains("Example Audit LLP"), "{att_after}");
    // attestation list at the earlier date lists none.
    let listed = w
        .run(&["attestation", "list", "--as-of", D, "--format", "csv"])
        .ok()
        .csv();
    assert!(listed.is_empty(), "{listed:?}");
}
