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
