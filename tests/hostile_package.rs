//! The package, export, zip and verify side of the second hostile round (issue 22): `--force`
//! through a linked catalogue, over files that do not match their manifest or that change while
//! the export runs; Windows separators in evidence locations; zips with bytes in front or
//! behind, members sharing one stream, control characters in paths, two writers on one path,
//! members past 4 GiB; leftovers of a killed export. Each test failed on the binary before the
//! fix (`CSFKIT_TEST_BIN` runs an older build).

use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{Workdir, sha256_file};

const TRACKER: &str = "control_id,title,description,owner,collected_on,location\n\
PR.AA-01,Access policy,Signed,Anna,2026-01-05,evidence/policy.pdf\n\
DE.CM-01,SIEM rules,Exported,Ben,2026-03-01,\n";

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

/// The SHA-256 of manifest.json that an export printed on stderr.
fn printed_manifest_sha(stderr: &str) -> String {
    let at = stderr
        .find("manifest.json SHA-256 ")
        .expect("export prints the manifest hash");
    stderr[at + 22..at + 22 + 64].to_string()
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

/// Names in `dir` that look like an export's temporary or set-aside files.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-") || n.contains(".old-") || n.contains("zip-partial"))
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Adds (or replaces) `path` in a package's manifest.json with the given size and SHA-256,
/// keeping the list sorted as csfkit writes it.
fn list_in_manifest(manifest: &Path, path: &str, size: u64, sha: &str) {
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    let files = m["files"].as_array_mut().unwrap();
    files.retain(|f| f["path"] != path);
    files.push(serde_json::json!({"path": path, "size": size, "sha256": sha}));
    files.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    let mut bytes = serde_json::to_vec_pretty(&m).unwrap();
    bytes.push(b'\n');
    std::fs::write(manifest, bytes).unwrap();
}

/// The members of a zip, in order, with their bytes.
fn zip_members(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut e = z.by_index(i).unwrap();
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            (e.name().unwrap().to_string(), b)
        })
        .collect()
}

/// Writes `members` as a zip at `path` (deflated).
fn write_zip(path: &Path, members: &[(String, Vec<u8>)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in members {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// A package's members with `name` added (listed in its manifest with its real hash, so only
/// the name can be wrong).
fn with_listed_member(members: &[(String, Vec<u8>)], name: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = members.to_vec();
    let m = out.iter_mut().find(|(n, _)| n == "manifest.json").unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&m.1).unwrap();
    json["files"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"path": name, "size": bytes.len(), "sha256": sha256(bytes)}));
    m.1 = serde_json::to_vec_pretty(&json).unwrap();
    out.push((name.to_string(), bytes.to_vec()));
    out
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

// Item 1: the catalogue is recognised by device and inode, through any name.
#[test]
fn force_never_removes_the_catalogue_behind_a_link() {
    let w = setup();
    export(&w, "p", &["--formats", "csv"]).ok();
    // A copy of the catalogue inside the package, listed in its manifest with its true hash
    // (and its -wal and -shm, which SQLite makes beside the file a link leads to).
    w.run(&["backup", "--out", "p/cat.db"]).ok();
    let cat = w.path().join("p/cat.db");
    let before = sha256_file(&cat);
    let manifest = w.path().join("p/manifest.json");
    list_in_manifest(
        &manifest,
        "cat.db",
        std::fs::metadata(&cat).unwrap().len(),
        &before,
    );
    list_in_manifest(&manifest, "cat.db-shm", 0, &sha256(b""));
    list_in_manifest(&manifest, "cat.db-wal", 0, &sha256(b""));
    std::os::unix::fs::symlink("p/cat.db", w.path().join("link.db")).unwrap();
    std::fs::hard_link(&cat, w.path().join("hard.db")).unwrap();
    for db in ["link.db", "hard.db"] {
        let r = w.run_cmd({
            let mut c = w.cmd(&[
                "export",
                "--out",
                "p",
                "--force",
                "--formats",
                "csv",
                "--as-of",
                "2026-11-24",
                "--provider",
                "datacrunch",
                "--services",
                "iaas",
            ]);
            c.env("CSFKIT_DB", w.path().join(db));
            c
        });
        assert_eq!(r.code, 73, "--db {db}: {}", r.stderr);
        assert!(r.stderr.contains("catalogue"), "--db {db}: {}", r.stderr);
        // Still there and still the catalogue (opening it may have changed its bytes).
        assert!(cat.exists(), "--db {db}: the catalogue was deleted");
        let r = w.run_cmd({
            let mut c = w.cmd(&["evidence", "list", "--format", "csv"]);
            c.env("CSFKIT_DB", &cat);
            c
        });
        assert!(r.stdout.contains("Access policy"), "--db {db}: {}", r.stderr);
    }
    // The same export from the real catalogue replaces the package once the copy is gone (the
    // files it lists and that are not there are nothing to lose).
    std::fs::remove_file(&cat).unwrap();
    for f in ["p/cat.db-wal", "p/cat.db-shm"] {
        let _ = std::fs::remove_file(w.path().join(f));
    }
    export(&w, "p", &["--formats", "csv", "--force"]).ok();
    w.run(&["verify", "p"]).ok();
}

// Item 2: --force removes only files whose bytes are the ones their manifest lists.
#[test]
fn force_replaces_only_files_that_match_their_manifest() {
    let w = setup();
    // The user's own folder with a manifest.json that lists its files (any hashes).
    w.write("mine/notes.txt", "precious notes");
    w.write("mine/plan.docx", "a plan");
    export(&w, "donor", &["--formats", "csv"]).ok();
    let donor = w.path().join("donor/manifest.json");
    list_in_manifest(&donor, "notes.txt", 14, &"0".repeat(64));
    list_in_manifest(&donor, "plan.docx", 6, &"1".repeat(64));
    std::fs::copy(&donor, w.path().join("mine/manifest.json")).unwrap();
    let before = tree(&w.path().join("mine"));
    export(&w, "mine", &["--formats", "csv", "--force"])
        .code(73)
        .stderr_has("nothing was changed");
    assert_eq!(tree(&w.path().join("mine")), before);

    // A package the user edited afterwards: verify calls it altered, and --force keeps it.
    export(&w, "pkg", &["--formats", "csv"]).ok();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(w.path().join("pkg/gaps.csv"))
        .unwrap();
    f.write_all(b"notes\n").unwrap();
    drop(f);
    w.run(&["verify", "pkg"]).code(1).stderr_has("altered: gaps.csv");
    let before = tree(&w.path().join("pkg"));
    export(&w, "pkg", &["--formats", "csv", "--force"])
        .code(73)
        .stderr_has("`gaps.csv`")
        .stderr_has("nothing was changed");
    assert_eq!(tree(&w.path().join("pkg")), before);

    // The same for a zip: a member changed after the export is not replaced.
    export(&w, "pkg.zip", &["--formats", "csv", "--zip"]).ok();
    let mut members = zip_members(&w.path().join("pkg.zip"));
    members
        .iter_mut()
        .find(|(n, _)| n == "gaps.csv")
        .unwrap()
        .1
        .extend_from_slice(b"notes\r\n");
    write_zip(&w.path().join("pkg.zip"), &members);
    let zip_before = sha256_file(&w.path().join("pkg.zip"));
    export(&w, "pkg.zip", &["--formats", "csv", "--zip", "--force"])
        .code(73)
        .stderr_has("`gaps.csv`");
    assert_eq!(sha256_file(&w.path().join("pkg.zip")), zip_before);

    // Unchanged packages are replaced as before.
    export(&w, "fresh", &["--formats", "csv"]).ok();
    export(&w, "fresh", &["--formats", "csv", "--force"]).ok();
    w.run(&["verify", "fresh"]).ok();
    export(&w, "fresh.zip", &["--formats", "csv", "--zip"]).ok();
    export(&w, "fresh.zip", &["--formats", "csv", "--zip", "--force"]).ok();
    w.run(&["verify", "fresh.zip"]).ok();
    assert!(leftovers(w.path()).is_empty(), "{:?}", leftovers(w.path()));
}

// Item 3: what is saved into the old package while a forced export runs is kept.
#[test]
fn files_saved_into_the_old_package_during_a_forced_export_are_kept() {
    let w = Workdir::new();
    big_tracker(&w, 40_000);
    w.payments_scope("iaas");
    export(&w, "pkg", &["--formats", "csv"]).ok();
    let mut child = w
        .std_cmd(&["export", "--out", "pkg", "--as-of", "2026-11-24", "--force"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let staging = loop {
        let found = std::fs::read_dir(w.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().contains(".partial-"));
        if let Some(p) = found {
            break p;
        }
        assert!(
            child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(60),
            "the export ended before it staged anything"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    // Saved into the old package while the new one is written.
    w.write("pkg/notes.txt", "written during the export");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(w.path().join("pkg/gaps.csv"))
        .unwrap();
    f.write_all(b"my annotation\r\n").unwrap();
    drop(f);
    assert!(
        staging.exists(),
        "the export was already done when the files were written; the test proves nothing"
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The new package is in place and whole; the old one stays beside it, named in the message.
    w.run(&["verify", "pkg"]).ok();
    let kept = w.path().join("pkg.previous");
    assert!(stderr.contains("pkg.previous"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(kept.join("notes.txt")).unwrap(),
        "written during the export"
    );
    assert!(
        std::fs::read_to_string(kept.join("gaps.csv"))
            .unwrap()
            .ends_with("my annotation\r\n")
    );
    assert!(leftovers(w.path()).is_empty(), "{:?}", leftovers(w.path()));
}

// Item 6: `\` in a location is a separator; the package csfkit writes always passes verify.
#[test]
fn windows_separators_in_locations_make_packages_that_verify() {
    let w = Workdir::new();
    w.write("evidence/screenshots/mfa.png", b"\x89PNG mfa screenshot");
    w.write("secret.txt", "outside the root");
    w.write(
        "tracker.csv",
        "control_id,title,collected_on,location\r\nPR.AA-01,MFA,2026-01-05,evidence\\screenshots\\mfa.png\r\n",
    );
    w.run(&["evidence", "import", "tracker.csv", "--evidence-root", "."])
        .ok();
    w.payments_scope("iaas");
    // Climbing out with `..\` is refused like `../`.
    w.write(
        "climb.csv",
        "control_id,title,collected_on,location\r\nPR.AA-01,Out,2026-01-05,evidence\\..\\..\\secret.txt\r\n",
    );
    w.run(&["evidence", "import", "climb.csv", "--evidence-root", "evidence"])
        .code(65)
        .stderr_has("outside the evidence root");
    for (out, extra) in [("pkg", vec![]), ("pkg.zip", vec!["--zip"])] {
        let mut args = vec!["--include-files", "--formats", "csv,pdf"];
        args.extend(extra);
        export(&w, out, &args).ok();
        w.run(&["verify", out]).ok();
    }
    // The file is where a reader expects it, with the bytes that were imported.
    let files: Vec<String> = tree(&w.path().join("pkg")).into_iter().map(|(p, _)| p).collect();
    let sha = crate::util::sha256_file(&w.path().join("evidence/screenshots/mfa.png"));
    let stored = format!("evidence/{}-mfa.png", &sha[..16]);
    assert!(files.contains(&stored), "{files:?}");
    let names: Vec<String> = zip_members(&w.path().join("pkg.zip"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(names.contains(&stored), "{names:?}");
}

// Item 7: a pinned verify refuses bytes in front of the first entry or behind the end record.
#[test]
fn verify_refuses_bytes_before_or_after_the_zip() {
    let w = setup();
    let good = export(&w, "good.zip", &["--zip", "--formats", "csv"]).ok();
    let sha = printed_manifest_sha(&good.stderr);
    export(
        &w,
        "evil.zip",
        &["--zip", "--formats", "csv", "--organization", "Evil"],
    )
    .ok();
    let good = std::fs::read(w.path().join("good.zip")).unwrap();
    let evil = std::fs::read(w.path().join("evil.zip")).unwrap();
    w.run(&["verify", "good.zip", "--manifest-sha256", &sha]).ok();
    w.write("poly.zip", [evil.as_slice(), good.as_slice()].concat());
    w.run(&["verify", "poly.zip", "--manifest-sha256", &sha])
        .code(1)
        .stdout_has("FAILED")
        .stderr_has("in front of");
    w.write(
        "junk-front.zip",
        [b"MZ not a zip".as_slice(), good.as_slice()].concat(),
    );
    w.run(&["verify", "junk-front.zip", "--manifest-sha256", &sha])
        .code(1)
        .stderr_has("in front of");
    w.write("tail.zip", [good.as_slice(), evil.as_slice()].concat());
    w.run(&["verify", "tail.zip"]).code(1);
    w.write(
        "junk-tail.zip",
        [good.as_slice(), b"trailing bytes".as_slice()].concat(),
    );
    w.run(&["verify", "junk-tail.zip", "--manifest-sha256", &sha])
        .code(1)
        .stderr_has("after");
}

// Item 8: a control character in a manifest path is refused; export never writes one.
#[test]
fn control_characters_in_manifest_paths_are_refused() {
    let w = setup();
    export(&w, "pkg.zip", &["--zip", "--formats", "csv"]).ok();
    let members = zip_members(&w.path().join("pkg.zip"));
    for name in ["gaps.csv\u{0}evil", "gaps.csv\nevil", "evidence/\u{1b}[2Jx"] {
        write_zip(
            &w.path().join("nul.zip"),
            &with_listed_member(&members, name, b"control_id\r\nall fine\r\n"),
        );
        w.run(&["verify", "nul.zip"])
            .code(1)
            .stderr_has("control character");
    }
    // A folder package with such a name (Linux allows all but NUL and `/`).
    export(&w, "pkg", &["--formats", "csv"]).ok();
    w.write("pkg/gaps.csv\nevil", b"x");
    list_in_manifest(
        &w.path().join("pkg/manifest.json"),
        "gaps.csv\nevil",
        1,
        &sha256(b"x"),
    );
    w.run(&["verify", "pkg"]).code(1).stderr_has("control character");
    // Evidence files whose names hold control characters are packaged under clean names.
    let w = Workdir::new();
    w.write("evidence/a\u{1b}b\tc.pdf", b"%PDF-1.4 odd name");
    w.write(
        "tracker.csv",
        "control_id,title,collected_on,location\nPR.AA-01,Odd,2026-01-05,\"evidence/a\u{1b}b\tc.pdf\"\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas");
    export(&w, "odd", &["--include-files", "--formats", "csv"]).ok();
    w.run(&["verify", "odd"]).ok();
    let sha = crate::util::sha256_file(&w.path().join("evidence/a\u{1b}b\tc.pdf"));
    assert!(
        w.path()
            .join(format!("odd/evidence/{}-a_b_c.pdf", &sha[..16]))
            .is_file()
    );
}

// Item 9: two exports to one zip path: one writes it, the other says it could not.
#[test]
fn concurrent_zip_exports_to_one_path_never_leave_a_corrupt_zip() {
    let w = setup();
    big_tracker(&w, 3_000);
    for round in 0..3 {
        let _ = std::fs::remove_file(w.path().join("q.zip"));
        let children: Vec<_> = (0..4)
            .map(|i| {
                w.std_cmd(&[
                    "export",
                    "--out",
                    "q.zip",
                    "--zip",
                    "--formats",
                    "csv",
                    "--as-of",
                    "2026-11-24",
                    "--organization",
                    &format!("Org {i}"),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        let results: Vec<(Option<i32>, String)> = children
            .into_iter()
            .map(|c| {
                let o = c.wait_with_output().unwrap();
                (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
            })
            .collect();
        let written: Vec<&String> = results
            .iter()
            .filter(|(c, _)| *c == Some(0))
            .map(|(_, e)| e)
            .collect();
        assert_eq!(written.len(), 1, "round {round}: {results:?}");
        for (code, e) in &results {
            assert!(matches!(code, Some(0) | Some(73)), "round {round}: {e}");
        }
        w.run(&[
            "verify",
            "q.zip",
            "--manifest-sha256",
            &printed_manifest_sha(written[0]),
        ])
        .ok();
        assert!(leftovers(w.path()).is_empty(), "{:?}", leftovers(w.path()));
    }
}

// Item 17: an evidence file past 4 GiB goes into the zip as a zip64 member. The file is sparse
// (a hole, no disk blocks), and the export copies it into its staging folder as a hole too. It
// is still read whole four times (the import's hash, the export's copy, deflated into the zip,
// inflated again when the export checks the zip): about 17 s of CPU in a debug build.
#[test]
fn evidence_files_past_4_gib_are_zipped_as_zip64() {
    let w = Workdir::new();
    let size: u64 = (4 << 30) + (1 << 20);
    let big = w.path().join("evidence/disk.img");
    std::fs::create_dir_all(big.parent().unwrap()).unwrap();
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(size).unwrap();
    drop(f);
    w.write(
        "tracker.csv",
        "control_id,title,collected_on,location\nPR.DS-01,Disk image,2026-01-05,evidence/disk.img\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas");
    export(&w, "big.zip", &["--zip", "--include-files", "--formats", "csv"]).ok();
    let zip_path = w.path().join("big.zip");
    assert!(std::fs::metadata(&zip_path).unwrap().len() < 64 << 20);
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let name = z
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .find(|n| n.starts_with("evidence/") && n.ends_with("-disk.img"))
        .unwrap();
    let e = z.by_name(&name).unwrap();
    assert_eq!(e.size(), size);
    drop(e);
    // No staging copy of 4 GiB was left behind (the unit test
    // `blocks_of_zeros_are_copied_as_holes_with_the_same_hash` shows the copy keeps the hole).
    assert!(leftovers(w.path()).is_empty(), "{:?}", leftovers(w.path()));
}

// Item 18: a stale set-aside package of a killed export is cleaned, never put back in place.
#[test]
fn a_stale_leftover_is_cleaned_never_promoted() {
    let w = setup();
    export(&w, "pkg", &["--formats", "csv"]).ok();
    std::fs::rename(w.path().join("pkg"), w.path().join(".pkg.old-4000002")).unwrap();
    // An export without --force to the now free path: the leftover is not taken for a package
    // in place, and is removed.
    export(&w, "pkg", &["--formats", "csv", "--organization", "New"]).ok();
    w.run(&["verify", "pkg"]).ok();
    assert!(
        std::fs::read_to_string(w.path().join("pkg/manifest.json"))
            .unwrap()
            .contains("\"organization\": \"New\"")
    );
    assert!(!w.path().join(".pkg.old-4000002").exists());
    // A leftover that holds a file its manifest does not list keeps it, visibly.
    export(&w, "other", &["--formats", "csv"]).ok();
    std::fs::rename(w.path().join("other"), w.path().join(".pkg.old-4000003")).unwrap();
    w.write(".pkg.old-4000003/mine.txt", "mine");
    export(&w, "pkg", &["--formats", "csv", "--force"])
        .ok()
        .stderr_has("pkg.previous");
    assert_eq!(
        std::fs::read_to_string(w.path().join("pkg.previous/mine.txt")).unwrap(),
        "mine"
    );
    assert!(!w.path().join(".pkg.old-4000003").exists());
    w.run(&["verify", "pkg"]).ok();
}

// Item 21: members sharing one compressed stream are refused before anything is inflated.
#[test]
fn zip_members_sharing_one_stream_are_refused() {
    let w = setup();
    export(&w, "pkg.zip", &["--zip", "--formats", "csv"]).ok();
    let bomb = w.path().join("bomb.zip");
    std::fs::copy(w.path().join("pkg.zip"), &bomb).unwrap();
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&bomb)
        .unwrap();
    let mut z = zip::ZipWriter::new_append(f).unwrap();
    z.start_file("zeros", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(&vec![0u8; 1 << 20]).unwrap();
    for i in 0..1000 {
        z.shallow_copy_file("zeros", &format!("z{i:04}")).unwrap();
    }
    z.finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    w.run(&["verify", "bomb.zip"]).code(1).stderr_has("share");
    // Shared with a listed member: the same.
    std::fs::copy(w.path().join("pkg.zip"), &bomb).unwrap();
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&bomb)
        .unwrap();
    let mut z = zip::ZipWriter::new_append(f).unwrap();
    z.shallow_copy_file("gaps.csv", "gaps-copy.csv").unwrap();
    z.finish().unwrap();
    w.run(&["verify", "bomb.zip"]).code(1).stderr_has("share");
}
