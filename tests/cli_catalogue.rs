//! The catalogue file: created on first use with owner-only permissions, idempotent init,
//! foreign and newer files refused untouched, a locked catalogue exits 75.

use crate::util::{Workdir, sha256_file};

#[test]
fn first_use_creates_a_private_catalogue_and_init_is_idempotent() {
    let w = Workdir::new();
    w.run(&["init"]).ok().stderr_has("created catalogue");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.db()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = w.run(&["init"]).ok();
    assert!(!again.stderr.contains("created"), "{}", again.stderr);
    again.stderr_has("is ready");
}

#[test]
fn db_flag_and_env_choose_the_file() {
    let w = Workdir::new();
    let other = w.path().join("other.db");
    let mut c = w.cmd(&["--db", other.to_str().unwrap(), "frameworks"]);
    c.env_remove("CSFKIT_DB");
    w.run_cmd(c).ok();
    assert!(other.exists());
    assert!(!w.db().exists());
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_unchanged() {
    let w = Workdir::new();
    let junk = w.write("csfkit.db", "this is my shopping list\n");
    let before = sha256_file(&junk);
    w.run(&["controls"])
        .code(65)
        .stderr_has("is not a csfkit catalogue (not an SQLite database)");
    assert_eq!(sha256_file(&junk), before);
}

#[test]
fn another_programs_sqlite_database_is_refused_unchanged() {
    let w = Workdir::new();
    {
        let c = rusqlite::Connection::open(w.db()).unwrap();
        c.execute_batch("CREATE TABLE invoices(id INTEGER);").unwrap();
    }
    let before = sha256_file(&w.db());
    w.run(&["controls"]).code(65).stderr_has("another program");
    assert_eq!(sha256_file(&w.db()), before);
}

#[test]
fn a_catalogue_from_a_newer_csfkit_is_refused_unchanged() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    {
        let c = rusqlite::Connection::open(w.db()).unwrap();
        c.execute_batch("PRAGMA user_version = 999;").unwrap();
    }
    let before = sha256_file(&w.db());
    w.run(&["control", "GV.OC-01"])
        .code(65)
        .stderr_has("schema version 999")
        .stderr_has("Upgrade csfkit");
    assert_eq!(sha256_file(&w.db()), before);
}

#[test]
fn a_catalogue_locked_by_another_writer_exits_75() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let holder = rusqlite::Connection::open(w.db()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let file = crate::util::repo().join("frameworks/csf2.xlsx");
    let mut c = w.cmd(&["framework", "import", file.to_str().unwrap(), "--id", "x"]);
    c.env("CSFKIT_BUSY_TIMEOUT_MS", "200");
    w.run_cmd(c).code(75).stderr_has("catalogue busy");
    // Readers are not blocked by a writer (WAL).
    w.run(&["control", "GV.OC-01"]).ok();
    holder.execute_batch("ROLLBACK;").unwrap();
}

#[test]
fn db_in_a_missing_directory_cannot_be_created() {
    let w = Workdir::new();
    let mut c = w.cmd(&["frameworks"]);
    c.env("CSFKIT_DB", w.path().join("no/such/dir/c.db"));
    w.run_cmd(c).code(73).stderr_has("cannot create");
}

/// A catalogue csfkit 0.1.0 wrote (schema 5; tests/data/catalogue-0.1.0 says how it was made)
/// is migrated in place by the current csfkit: every record and every chain link survives, and
/// the features added since work on it.
#[test]
fn a_catalogue_of_csfkit_0_1_upgrades_in_place_and_keeps_its_history() {
    let w = Workdir::new();
    w.old_catalogue();
    let old_version = |w: &Workdir| -> i64 {
        rusqlite::Connection::open(w.db())
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(old_version(&w), 5);
    // The heads csfkit 0.1.0 printed for this file.
    let heads = w.run(&["check", "--format", "csv"]).ok().csv();
    let head = |log: &str| {
        heads
            .iter()
            .find(|r| crate::util::field(r, "log") == log)
            .map(|r| crate::util::field(r, "head").to_string())
            .unwrap()
    };
    assert_eq!(
        head("ownership"),
        "bddc04921138aa5c87f9c7008de21913ca5772bbaf0ba5d8bc8199aa17663ece"
    );
    assert_eq!(
        head("assessment"),
        "16e39d02a232914247aeb3262cbeb30ffca51bfb267ef3a81957d56314bf5f21"
    );
    assert_eq!(
        head("batch"),
        "e005e16bfa1963a11a84d2c2d804988256a4f532c55ab5933b63f95cb688abaf"
    );
    assert!(old_version(&w) > 5, "the catalogue was migrated");
    // The records as they were.
    let assessed = w.run(&["assess", "history", "--format", "csv"]).ok().csv();
    assert_eq!(assessed.len(), 2);
    assert_eq!(crate::util::field(&assessed[1], "note"), "No premises");
    let evidence = w.run(&["evidence", "list", "--format", "csv"]).ok().csv();
    assert_eq!(evidence.len(), 4);
    assert!(
        evidence
            .iter()
            .all(|r| crate::util::field(r, "mapped_from").is_empty())
    );
    let history = w.run(&["ownership", "history", "--format", "csv"]).ok().csv();
    assert_eq!(crate::util::field(&history[0], "reason"), "SSO is ours");
    // The features added since, on the old file: a plan, evidence keyed by SP 800-53, an export.
    w.run(&[
        "plan",
        "DE.CM-01",
        "--due",
        "2027-01-31",
        "--owner",
        "SecOps",
        "--action",
        "Refresh the SIEM rules",
    ])
    .ok();
    w.write(
        "nist.csv",
        "control_id,title,collected_on\nAC-2,Account review,2026-11-15\n",
    );
    w.run(&["evidence", "import", "nist.csv"]).ok();
    // As of the day the old catalogue's records were made (2026-12-01): before it, the
    // catalogue as it stood had no scope.
    let pkg = w.run(&["export", "--out", "pkg", "--as-of", "2026-12-01"]).ok();
    pkg.stderr_has("wrote pkg");
    w.run(&["verify", "pkg"]).ok();
    let after = w.run(&["check", "--format", "csv"]).ok().csv();
    assert!(
        after.iter().all(|r| crate::util::field(r, "status") == "ok"),
        "{after:?}"
    );
    let plan = after
        .iter()
        .find(|r| crate::util::field(r, "log") == "plan")
        .unwrap();
    assert_eq!(crate::util::field(plan, "records"), "1");
}

/// Schema 13 writes the evidence table's two IN-list checks as chains of `=` (SQLite built a
/// temporary index of an IN list for every row inserted): in a new catalogue and in one csfkit
/// 0.1.0 wrote, the definition has the chains, and the checks still refuse what they refused.
#[test]
fn evidence_checks_are_chains_of_equalities_and_still_refuse_unknown_values() {
    let fresh = Workdir::new();
    fresh.run(&["init"]).ok();
    let old = Workdir::new();
    old.old_catalogue();
    old.run(&["check"]).ok();
    for w in [&fresh, &old] {
        let c = rusqlite::Connection::open(w.db()).unwrap();
        let sql: String = c
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'evidence'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            sql.contains("CHECK (location_kind = 'none' OR location_kind = 'url' OR location_kind = 'file' OR location_kind = 'missing')")
                && sql.contains("CHECK (mapped_framework = 'csf1.1' OR mapped_framework = 'sp800-53' OR mapped_framework = 'iso27001' OR mapped_framework = 'ccm')")
                && !sql.contains(" IN ("),
            "{sql}"
        );
        let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
        let insert = |kind: &str, framework: Option<&str>| {
            c.execute(
                "INSERT INTO evidence (batch_id, source_sheet, source_row, control_id, title, description,
                    evidence_type, owner, location, location_kind, source_system, extras, content_hash,
                    mapped_framework)
                 VALUES (1, 'Sheet1', 2, 'GV.OC-01', 't', '', '', '', '', ?1, '', '', x'00', ?2)",
                rusqlite::params![kind, framework],
            )
            .map_err(|e| e.to_string())
        };
        for (kind, framework, column) in [
            ("web", None, "location_kind"),
            ("url", Some("nist"), "mapped_framework"),
        ] {
            let e = insert(kind, framework).unwrap_err();
            assert!(
                e.contains("CHECK constraint failed") && e.contains(column),
                "{kind} {framework:?}: {e}"
            );
        }
    }
}
