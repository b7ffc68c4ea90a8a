//! `Workdir`: a temporary directory with its own catalogue and a command builder for the real
//! binary. Each helper runs the command exactly once and checks status, stdout and stderr from
//! that one run.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A reference file kept in the repository (`tests/data/...`, `frameworks/...`,
/// `mappings/sources/...`); see `tests/data/README.md` for where each comes from.
pub fn reference(rel: &str) -> PathBuf {
    let p = repo().join(rel);
    assert!(
        p.is_file(),
        "reference file {} is missing from the repository",
        p.display()
    );
    p
}

/// The binary under test: this build's, or `CSFKIT_TEST_BIN`.
pub fn bin() -> PathBuf {
    std::env::var_os("CSFKIT_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(assert_cmd::cargo::cargo_bin!("csfkit")))
}

/// When every record a test makes is dated, unless the test says otherwise (`CSFKIT_TEST_NOW`,
/// read by debug builds only): before every fixed `--as-of` date the tests use.
pub const TEST_NOW: &str = "2026-11-20T09:00:00Z";

/// `SOURCE_DATE_EPOCH` for tests that compare packages byte for byte: 2026-11-24T12:00:00Z.
pub const SOURCE_DATE_EPOCH: &str = "1795521600";

/// A temporary working directory with a catalogue path.
pub struct Workdir {
    dir: tempfile::TempDir,
}

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn describe(&self) -> String {
        format!(
            "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success\n{}", self.describe());
        self
    }

    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "expected exit {code}\n{}", self.describe());
        self
    }

    /// Asserts stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.describe()
        );
        self
    }

    /// Asserts stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{}",
            self.describe()
        );
        self
    }

    /// Parses stdout as CSV with a header into rows of (header -> value) pairs.
    pub fn csv(&self) -> Vec<Vec<(String, String)>> {
        let mut rdr = csv::Reader::from_reader(self.stdout.as_bytes());
        let headers = rdr.headers().expect("csv header").clone();
        rdr.records()
            .map(|r| {
                let r = r.expect("csv record");
                headers
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    }

    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.describe()))
    }
}

/// The value of `col` in a CSV row.
pub fn field<'a>(row: &'a [(String, String)], col: &str) -> &'a str {
    row.iter()
        .find(|(h, _)| h == col)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no column {col}"))
}

impl Workdir {
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The catalogue used by `cmd`.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("csfkit.db")
    }

    /// Puts the catalogue csfkit 0.1.0 wrote (schema 5; tests/data/catalogue-0.1.0 says how it
    /// was made) at [`Self::db`].
    pub fn old_catalogue(&self) {
        use std::io::Read;
        let gz = std::fs::read(repo().join("tests/data/catalogue-0.1.0/csfkit.db.gz")).unwrap();
        let mut db = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut db)
            .unwrap();
        std::fs::write(self.db(), db).unwrap();
    }

    /// Writes a file into the work directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// A command for the real binary, run in the work directory against its catalogue.
    /// `CSFKIT_TEST_BIN` runs another build instead (to watch a new test fail on an old binary).
    /// Every record it makes is dated [`TEST_NOW`] (a debug build's test clock), so a package
    /// made `--as-of` a fixed date after it holds them whatever day the suite runs; a test
    /// that needs records on other days sets `CSFKIT_TEST_NOW` itself.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(self.dir.path())
            .env("CSFKIT_DB", self.db())
            .env("NO_COLOR", "1")
            .env("CSFKIT_TEST_NOW", TEST_NOW)
            .env_remove("CSFKIT_BUSY_TIMEOUT_MS")
            .env_remove("SOURCE_DATE_EPOCH")
            .args(args);
        c
    }

    /// The same command as [`Workdir::cmd`] as a plain `std::process::Command`, for tests that
    /// spawn it, signal it or wire its standard streams themselves.
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(bin());
        c.current_dir(self.dir.path())
            .env("CSFKIT_DB", self.db())
            .env("NO_COLOR", "1")
            .env("CSFKIT_TEST_NOW", TEST_NOW)
            .env_remove("CSFKIT_BUSY_TIMEOUT_MS")
            .env_remove("SOURCE_DATE_EPOCH")
            .args(args);
        c
    }

    /// Records the scope: system `Payments`, provider DataCrunch, `services` (e.g. `iaas,model`).
    pub fn payments_scope(&self, services: &str) {
        self.run(&[
            "scope",
            "set",
            "--system",
            "Payments",
            "--provider",
            "datacrunch",
            "--services",
            services,
        ])
        .ok();
    }

    /// Runs the binary once with `args`.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().expect("run csfkit"))
    }

    /// Runs a prepared command once.
    pub fn run_cmd(&self, mut cmd: Command) -> Run {
        Run::from(cmd.output().expect("run csfkit"))
    }
}

/// SHA-256 of a file, hex.
pub fn sha256_file(p: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(p).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether an outside checker (`pdftotext`, `qpdf`, `soffice`, ...) is installed. When it is not,
/// a test that needs it says so on stderr and returns early, so that `cargo test` passes on a
/// fresh machine; CI sets `CSFKIT_REQUIRE_TOOLS=1` (see `.ci/run`, which installs them with
/// `scripts/install-test-tools.sh`), and then a missing tool fails the test.
pub fn have_tool(cmd: &str) -> bool {
    let found = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(cmd);
            std::fs::metadata(&p).is_ok_and(|m| m.is_file())
        })
    });
    if !found {
        let required = std::env::var_os("CSFKIT_REQUIRE_TOOLS").is_some_and(|v| v != "0" && !v.is_empty());
        assert!(
            !required,
            "{cmd} is needed (CSFKIT_REQUIRE_TOOLS is set): run scripts/install-test-tools.sh"
        );
        eprintln!("skipped: `{cmd}` is not installed (scripts/install-test-tools.sh installs it)");
    }
    found
}

/// Runs an outside checker (`pdftotext`, `qpdf`, `pdfinfo`, ...) and returns what it printed;
/// fails the test when it cannot run or fails.
pub fn tool(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed (scripts/install-test-tools.sh): {e}"));
    assert!(
        out.status.success(),
        "{cmd} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whitespace runs (line breaks too) as one space: text a PDF wraps reads as one line.
pub fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a PDF as `pdftotext` reads it, [`squeeze`]d. Call [`have_tool`] first.
pub fn pdf_words(pdf: &Path) -> String {
    squeeze(&tool("pdftotext", &[pdf.to_str().unwrap(), "-"]))
}

/// The text of a report after its table of contents (csfkit 0.3 lists every section's heading
/// on page 2), so that a search for a section's heading finds the section; the whole text when
/// the report has no contents.
pub fn after_contents(pdf_text: &str) -> String {
    match pdf_text.find("Contents\n") {
        Some(at) if pdf_text[..at].matches('\x0c').count() <= 1 => {
            let rest = &pdf_text[at..];
            rest.find('\x0c').map_or(pdf_text, |end| &rest[end..]).to_string()
        }
        _ => pdf_text.to_string(),
    }
}
