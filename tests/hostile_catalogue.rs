//! The catalogue under a hostile or careless user (issue 22, the catalogue side): `--db` is a
//! plain file path, a failed import leaves the catalogue as it was, `check` covers the matrices,
//! the scope, the framework texts and the foreign keys, the evidence content hash cannot be
//! re-split, and `check` / `backup` never create a catalogue.

use std::path::Path;

use crate::util::{Workdir, field, sha256_file};

/// A direct connection to a catalogue file, as another program would open it.
fn sql(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

/// `:memory:` and SQLite URIs given as --db (or CSFKIT_DB) are refused before anything is
/// opened, and nothing is recorded into a database that vanishes; a file really named
/// `file:...` is reached as `./file:...`.
#[test]
fn db_is_a_plain_file_path_never_a_uri_or_a_memory_database() {
    let w = Workdir::new();
    let cases = [
        ":memory:",
        "file:c.db?mode=memory",
        "file:c.db?immutable=1",
        "FILE:c.db",
        "c.db-wal",
        "c.db-journal",
    ];
    for db in cases {
        let mut c = w.cmd(&["assess", "PR.DS-01", "--status", "implemented"]);
        c.env("CSFKIT_DB", db);
        let run = w
            .run_cmd(c)
            .code(2)
            .stderr_has("csfkit takes it as the path of a catalogue file");
        assert!(run.stderr.contains(&format!("`{db}`")), "{db}: {}", run.stderr);
        // The flag says the same as the variable.
        let mut c = w.cmd(&["--db", db, "controls"]);
        c.env_remove("CSFKIT_DB");
        w.run_cmd(c).code(2);
    }
    // An empty name is a usage error too (clap's own message).
    let mut c = w.cmd(&["--db", "", "controls"]);
    c.env_remove("CSFKIT_DB");
    w.run_cmd(c).code(2);
    let mut c = w.cmd(&["controls"]);
    c.env("CSFKIT_DB", "");
    w.run_cmd(c).code(2);
    // Nothing was created for any of them.
    let left: Vec<String> = std::fs::read_dir(w.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "files were created: {left:?}");
    // `:memory:` says why it is refused; a URI says how to name such a file.
    let mut c = w.cmd(&["controls"]);
    c.env("CSFKIT_DB", ":memory:");
    w.run_cmd(c).code(2).stderr_has("vanishes when the command ends");
    let mut c = w.cmd(&["controls"]);
    c.env("CSFKIT_DB", "file:c.db?mode=memory");
    w.run_cmd(c)
        .code(2)
        .stderr_has("is an SQLite URI")
        .stderr_has("`./file:c.db?mode=memory`");
    // Written as a path, such a name is a file like any other, and what is recorded stays.
    for name in ["./file:c.db?mode=memory", "./:memory:"] {
        let mut c = w.cmd(&["assess", "PR.DS-01", "--status", "implemented"]);
        c.env("CSFKIT_DB", name);
        w.run_cmd(c).ok();
        let mut c = w.cmd(&["assess", "history", "--format", "csv"]);
        c.env("CSFKIT_DB", name);
        let rows = w.run_cmd(c).ok().csv();
        assert_eq!(rows.len(), 1, "{name}: the record was kept");
        assert!(w.path().join(name).is_file(), "{name}");
    }
}

/// `check` and `backup` on a mistyped path never create a catalogue there (exit 66), nor
/// take an empty file for one.
#[test]
fn check_and_backup_never_create_a_catalogue() {
    let w = Workdir::new();
    let typo = w.path().join("csfkti.db");
    let mut c = w.cmd(&["check"]);
    c.env("CSFKIT_DB", &typo);
    w.run_cmd(c)
        .code(66)
        .stderr_has(&format!("no catalogue at `{}`", typo.display()));
    let mut c = w.cmd(&["backup", "--out", "b.db"]);
    c.env("CSFKIT_DB", &typo);
    w.run_cmd(c).code(66).stderr_has("no catalogue at");
    assert!(!typo.exists(), "check or backup created a catalogue");
    assert!(!w.path().join("b.db").exists());
    let empty = w.write("empty.db", "");
    let mut c = w.cmd(&["check"]);
    c.env("CSFKIT_DB", &empty);
    w.run_cmd(c).code(66).stderr_has("the file is empty");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "left as it was");
    // Other commands still create the catalogue on first use, and check then passes.
    w.run(&["init"]).ok();
    w.run(&["check"]).ok();
}

/// A catalogue whose schema version no csfkit writes (negative, or 0 on a file with tables)
/// is named another program's or a damaged catalogue, untouched, with the whole message.
#[test]
fn a_schema_version_no_csfkit_writes_is_named_damaged() {
    for version in ["-1", "-2147483648", "0"] {
        let w = Workdir::new();
        w.run(&["init"]).ok();
        sql(&w.db())
            .execute_batch(&format!("PRAGMA user_version = {version};"))
            .unwrap();
        let before = sha256_file(&w.db());
        let run = w
            .run(&["controls"])
            .code(65)
            .stderr_has("another program's or a damaged catalogue")
            .stderr_has(&format!("is {version}"))
            .stderr_has("it was left untouched");
        assert!(!run.stderr.contains("CREATE TABLE"), "{}", run.stderr);
        assert!(run.stderr.lines().count() <= 2, "{}", run.stderr);
        w.run(&["check"]).code(65);
        assert_eq!(sha256_file(&w.db()), before, "version {version}");
    }
}

/// The import batches of the catalogue.
fn batches(w: &Workdir) -> usize {
    w.run(&["evidence", "batches", "--format", "csv"])
        .ok()
        .csv()
        .len()
}

/// An `--errors-out` file that cannot be written stops the import before anything is stored:
/// the command fails (exit 73) and the catalogue is as it was, whatever the reason (a missing
/// folder, a file that is not csfkit's, a read-only folder).
#[test]
fn an_errors_file_that_cannot_be_written_stores_nothing() {
    let w = Workdir::new();
    w.write(
        "tracker.csv",
        "control_id,title\nPR.AA-01,SSO configuration\nXX.YY-99,Bad row\n",
    );
    w.write("mine.csv", "my own notes\n");
    std::fs::create_dir(w.path().join("locked")).unwrap();
    let locked = w.path().join("locked");
    let lock = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    lock(0o500);
    // Root writes anywhere: the read-only folder is then no case.
    let read_only_works = std::fs::write(locked.join("probe"), "x").is_err();
    let mut places = vec!["no/such/folder/rejected.csv", "mine.csv"];
    if read_only_works {
        places.push("locked/rejected.csv");
    }
    w.run(&["init"]).ok();
    for place in places {
        let run = w
            .run(&[
                "evidence",
                "import",
                "tracker.csv",
                "--skip-invalid",
                "--errors-out",
                place,
            ])
            .code(73);
        assert!(run.stderr.contains("cannot create"), "{place}: {}", run.stderr);
        assert_eq!(batches(&w), 0, "{place}: the import was stored");
        assert_eq!(
            w.run(&["evidence", "list", "--format", "csv"]).ok().csv().len(),
            0,
            "{place}"
        );
    }
    lock(0o700);
    assert_eq!(
        std::fs::read_to_string(w.path().join("mine.csv")).unwrap(),
        "my own notes\n"
    );
    // A place that can be written: the rows and the errors file, both.
    w.run(&[
        "evidence",
        "import",
        "tracker.csv",
        "--skip-invalid",
        "--errors-out",
        "locked/rejected.csv",
    ])
    .ok()
    .stderr_has("wrote 1 rejected row(s)");
    assert_eq!(batches(&w), 1);
    let rejected = std::fs::read_to_string(locked.join("rejected.csv")).unwrap();
    assert!(rejected.contains("XX.YY-99"), "{rejected}");
    let left: Vec<String> = std::fs::read_dir(&locked)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".csfkit-"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// Copies evidence row 1 as a row of import batch 99, which does not exist (its content hash
/// is the one its columns give).
fn add_orphan_evidence(db: &Path) {
    sql(db)
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO evidence(batch_id, source_sheet, source_row, control_id, title, description,
                evidence_type, owner, collected_on, valid_until, location, location_kind, file_sha256,
                file_size, source_system, extras, content_hash)
             SELECT 99, source_sheet, source_row, control_id, title, description, evidence_type, owner,
                collected_on, valid_until, location, location_kind, file_sha256, file_size, source_system,
                extras, content_hash FROM evidence WHERE id = 1;",
        )
        .unwrap();
}

/// A row that refers to a row that does not exist (an evidence row of a missing batch, an
/// example of a missing element) fails `check`, named with its table, and `backup` refuses to
/// put such a copy in place.
#[test]
fn check_and_backup_run_the_foreign_key_check() {
    let w = Workdir::new();
    w.write("t.csv", "control_id,title\nPR.AA-01,SSO configuration\n");
    w.run(&["evidence", "import", "t.csv"]).ok();
    w.run(&["backup", "--out", "before.db"]).ok();
    add_orphan_evidence(&w.db());
    let run = w.run(&["check", "--format", "csv"]).code(1).stderr_has(
        "foreign key broken: row 2 of table `evidence`: its `batch_id` refers to a row of `evidence_batch` that does not exist",
    );
    let fk = run
        .csv()
        .into_iter()
        .find(|r| field(r, "log") == "foreign-keys")
        .unwrap();
    assert_eq!((field(&fk, "records"), field(&fk, "status")), ("1", "broken"));
    w.run(&["backup", "--out", "copy.db"])
        .code(1)
        .stderr_has("the backup did not pass its check")
        .stderr_has("foreign key broken");
    assert!(!w.path().join("copy.db").exists());
    let left: Vec<String> = std::fs::read_dir(w.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".csfkit-"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    // The copy made before is whole.
    let mut c = w.cmd(&["check", "--format", "csv"]);
    c.env("CSFKIT_DB", w.path().join("before.db"));
    let rows = w.run_cmd(c).ok().csv();
    assert!(
        rows.iter()
            .any(|r| field(r, "log") == "foreign-keys" && field(r, "status") == "ok")
    );

    // A table without row ids (examples) is named too.
    let w = Workdir::new();
    w.run(&["init"]).ok();
    sql(&w.db())
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO example(framework_id, element_id, seq, label, text)
             VALUES ('nist-csf-2.0', 'ZZ.ZZ-99', 0, 'Ex1', 'an example of nothing');",
        )
        .unwrap();
    w.run(&["check"])
        .code(1)
        .stderr_has("foreign key broken: a row of table `example`: its `framework_id`, `element_id` refers to a row of `element`");
}

/// Changes loaded data behind csfkit's back (the triggers of the history tables do not cover it).
fn tamper(db: &Path, statements: &str) {
    sql(db).execute_batch(statements).unwrap();
}

/// The first DataCrunch IaaS cell that is not inherited: erasing its gap is the attack.
fn a_customer_cell(db: &Path) -> String {
    sql(db)
        .query_row(
            "SELECT control_id FROM responsibility WHERE provider_id = 'datacrunch' AND service = 'iaas'
               AND ownership <> 'inherited' ORDER BY control_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// The responsibility matrix, the scope and the framework texts are covered by `check`: each
/// is recorded with a digest when csfkit stores it, and a direct UPDATE makes `check` fail
/// naming the matrix, the table and the row; `backup` refuses such a copy.
#[test]
fn check_finds_matrix_scope_and_framework_texts_changed_behind_csfkits_back() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    w.run(&["check"]).ok();
    let copy = |name: &str| {
        let p = w.path().join(name);
        std::fs::copy(w.db(), &p).unwrap();
        p
    };
    let check = |db: &Path| {
        let mut c = w.cmd(&["check", "--format", "csv"]);
        c.env("CSFKIT_DB", db);
        w.run_cmd(c)
    };
    // Every gap of the matrix erased in one statement, the attack.
    let db = copy("all.db");
    let cell = a_customer_cell(&db);
    tamper(
        &db,
        "UPDATE responsibility SET ownership = 'inherited' WHERE provider_id = 'datacrunch';",
    );
    let run = check(&db)
        .code(1)
        .stderr_has("responsibility matrix `datacrunch`: its cells (ownership and responsibilities) changed behind csfkit's back, table `responsibility`")
        .stderr_has(&format!("`{cell} bare-metal`"));
    let row = run
        .csv()
        .into_iter()
        .find(|r| field(r, "log") == "provider:datacrunch")
        .unwrap();
    assert_eq!(field(&row, "status"), "changed");
    // One cell: named with its service model.
    let db = copy("one.db");
    tamper(
        &db,
        &format!(
            "UPDATE responsibility SET ownership = 'inherited' WHERE provider_id = 'datacrunch'
               AND control_id = '{cell}' AND service = 'iaas';"
        ),
    );
    check(&db)
        .code(1)
        .stderr_has(&format!("1 row not as csfkit stored them: `{cell} iaas`"));
    // The scope's service models.
    let db = copy("scope.db");
    tamper(&db, "UPDATE scope SET services = 'saas';");
    check(&db).code(1).stderr_has(
        "the assessment scope: its system, provider or service models changed behind csfkit's back",
    );
    // A subcategory's text.
    let db = copy("text.db");
    tamper(
        &db,
        "UPDATE element SET text = 'Nothing to do here' WHERE framework_id = 'nist-csf-2.0' AND id = 'GV.OC-01';",
    );
    check(&db)
        .code(1)
        .stderr_has("framework `nist-csf-2.0`: its functions, categories and subcategories changed behind csfkit's back, table `element`: 1 row not as csfkit stored them: `GV.OC-01`");
    // A provider's matrix removed with its digest left: named as removed. A matrix slipped in
    // without one: named as unrecorded.
    let db = copy("gone.db");
    tamper(
        &db,
        "PRAGMA foreign_keys = ON; DELETE FROM provider WHERE id = 'digitalocean';
         INSERT INTO provider(id, name, services, source, source_sha256, layout, origin, loaded_at)
           VALUES ('acme', 'Acme', 'iaas', 'x', 'y', 'csfkit', 'imported', '2026-01-01T00:00:00Z');",
    );
    let run = check(&db)
        .code(1)
        .stderr_has(
            "responsibility matrix `digitalocean` was stored by csfkit and is no longer in the catalogue",
        )
        .stderr_has("responsibility matrix `acme` has no recorded digest");
    let status = |name: &str| {
        run.csv()
            .into_iter()
            .find(|r| field(r, "log") == name)
            .map(|r| field(&r, "status").to_string())
    };
    assert_eq!(status("provider:digitalocean").as_deref(), Some("removed"));
    assert_eq!(status("provider:acme").as_deref(), Some("unrecorded"));
    // backup refuses to copy a catalogue whose matrix was changed.
    tamper(
        &w.db(),
        "UPDATE responsibility SET ownership = 'inherited' WHERE provider_id = 'datacrunch';",
    );
    w.run(&["backup", "--out", "copy.db"])
        .code(1)
        .stderr_has("responsibility matrix `datacrunch`");
    assert!(!w.path().join("copy.db").exists());
    // Loading the matrix again through csfkit, as the message suggests, records it anew.
    let shipped = crate::util::reference("mappings/datacrunch.csv");
    w.run(&[
        "mapping",
        "import",
        shipped.to_str().unwrap(),
        "--provider",
        "datacrunch",
    ])
    .ok();
    let rows = w.run(&["check", "--format", "csv"]).ok().csv();
    for name in ["provider:datacrunch", "framework:nist-csf-2.0", "scope"] {
        let r = rows.iter().find(|r| field(r, "log") == name);
        assert!(r.is_some_and(|r| field(r, "status") == "ok"), "{name}: {rows:?}");
    }
}

/// A value may hold 0x1F (the importer keeps it): moving it from the title to the description
/// behind csfkit's back changes the row's content hash, so `check` finds it. Rows stored with
/// the old encoding still verify, and importing their tracker again still adds nothing.
#[test]
fn the_evidence_content_hash_cannot_be_resplit_and_old_rows_still_verify() {
    let w = Workdir::new();
    w.write(
        "t.csv",
        "control_id,title,description\nPR.AA-01,SSO\u{1f}configuration,reviewed yearly\n",
    );
    w.run(&["evidence", "import", "t.csv"]).ok();
    let title: String = sql(&w.db())
        .query_row("SELECT title FROM evidence WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(title, "SSO\u{1f}configuration", "the importer keeps 0x1F");
    w.run(&["check"]).ok();
    tamper(
        &w.db(),
        "DROP TRIGGER evidence_no_update;
         UPDATE evidence SET title = 'SSO', description = 'configuration' || char(31) || 'reviewed yearly' WHERE id = 1;",
    );
    w.run(&["check"])
        .code(1)
        .stderr_has("evidence import batch 1: evidence row 1 no longer has the content it was imported with");

    // csfkit 0.1.0's catalogue: its rows (the old encoding) verify after the upgrade, and its
    // tracker imported again (the file as tests/data/catalogue-0.1.0/README.md made it) adds
    // nothing, while a new row is added and chained with the new encoding.
    let w = Workdir::new();
    w.old_catalogue();
    w.write("evidence/policy.pdf", "%PDF-1.4 policy\n");
    w.write(
        "tracker.csv",
        "control_id,title,owner,collected_on,valid_until,location\nPR.AA-01,SSO configuration,Anna,2026-11-01,2027-11-01,evidence/policy.pdf\nPR.AC-1,Legacy keyed row,Ben,2026-10-01,,https://grc.example/ac1\nDE.CM-01,SIEM rules,Chloé,2025-01-01,,https://grc.example/siem\n",
    );
    w.run(&["check"]).ok();
    w.run(&["evidence", "import", "tracker.csv", "--collector", "Ann"])
        .ok()
        .stderr_has("0 new evidence rows")
        .stderr_has("every row was already imported");
    w.write(
        "more.csv",
        "control_id,title,description\nPR.AA-01,SSO\u{1f}configuration,reviewed yearly\nPR.AA-01,SSO,configuration\u{1f}reviewed yearly\n",
    );
    // Two rows that differ only in where 0x1F sits are two rows, not duplicates.
    w.run(&["evidence", "import", "more.csv"])
        .ok()
        .stderr_has("2 new evidence rows");
    w.run(&["check"]).ok();
    let encodings: Vec<Option<i64>> = {
        let c = sql(&w.db());
        let mut st = c
            .prepare("SELECT hash_encoding FROM evidence_batch ORDER BY id")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(
        encodings,
        vec![None, Some(2), Some(2)],
        "old batch keeps the old encoding"
    );
    // The batch's recorded encoding is part of its link: changing it breaks the chain.
    tamper(
        &w.db(),
        "DROP TRIGGER evidence_batch_no_update; UPDATE evidence_batch SET hash_encoding = NULL WHERE id = 3;",
    );
    w.run(&["check"]).code(1).stderr_has("evidence import batch 3");
}

/// What `check` cannot detect from the catalogue alone is said, in its help and in docs/history.md,
/// and it is so: the newest records cut off with their links leave a valid, shorter chain that
/// `check` passes, while a package's manifest still records the longer one.
#[test]
fn check_says_what_it_cannot_detect_and_the_manifest_shows_a_cut_log() {
    let w = Workdir::new();
    w.run(&["check", "--help"]).ok().stdout_has(
        "What check cannot detect on its own (the newest records cut off, a consistent\nrecomputation)",
    );
    let history = std::fs::read_to_string(crate::util::repo().join("docs/history.md")).unwrap();
    for claim in [
        "the newest records of\na log cut off together with their links",
        "a\nconsistent recomputation",
        "records each chain's head and length\nunder `history`",
    ] {
        assert!(history.contains(claim), "docs/history.md lacks {claim:?}");
    }
    w.payments_scope("iaas");
    w.run(&["assess", "PR.AA-01", "--status", "implemented"]).ok();
    w.run(&["assess", "DE.CM-01", "--status", "partial", "--note", "SIEM"])
        .ok();
    w.run(&["export", "--out", "pkg", "--as-of", "2026-11-24"]).ok();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path().join("pkg/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["history"]["assessment"]["records"], 2, "{manifest}");
    tamper(
        &w.db(),
        "DROP TRIGGER assessment_no_delete; DROP TRIGGER history_chain_no_delete;
         DELETE FROM assessment WHERE seq = 2;
         DELETE FROM history_chain WHERE log = 'assessment' AND record = 2;",
    );
    let rows = w.run(&["check", "--format", "csv"]).ok().csv();
    let assessment = rows.iter().find(|r| field(r, "log") == "assessment").unwrap();
    assert_eq!(
        field(assessment, "records"),
        "1",
        "the cut chain passes check alone"
    );
    assert_ne!(
        field(assessment, "head"),
        manifest["history"]["assessment"]["head"].as_str().unwrap(),
        "the package's head is no longer the catalogue's"
    );
}
