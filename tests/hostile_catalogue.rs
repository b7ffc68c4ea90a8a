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
