//! Help, completions and documentation: every command has help with examples and is named in
//! the command reference (docs/reference.md); exit codes are documented in both places; the
//! README's walk-through and its checks of a package without csfkit run as written.

use crate::util::{Workdir, repo};

const COMMANDS: &[&[&str]] = &[
    &["init"],
    &["frameworks"],
    &["framework", "import"],
    &["framework", "diff"],
    &["controls"],
    &["control"],
    &["crosswalk"],
    &["providers"],
    &["mapping", "import"],
    &["mapping", "export"],
    &["scope", "set"],
    &["scope", "show"],
    &["matrix"],
    &["ownership", "set"],
    &["ownership", "reset"],
    &["ownership", "history"],
    &["assess"],
    &["assess", "history"],
    &["assess", "import"],
    &["plan"],
    &["plan", "list"],
    &["plan", "import"],
    &["profile", "create"],
    &["profile", "list"],
    &["profile", "show"],
    &["profile", "use"],
    &["profile", "outcome"],
    &["profile", "outcomes"],
    &["profile", "tier"],
    &["profile", "import"],
    &["profile", "export"],
    &["profile", "adopt"],
    &["profile", "gaps"],
    &["profile", "diff"],
    &["attestation", "add"],
    &["attestation", "list"],
    &["review", "import"],
    &["review", "list"],
    &["evidence", "import"],
    &["evidence", "list"],
    &["evidence", "show"],
    &["evidence", "batches"],
    &["evidence", "retarget"],
    &["template", "evidence"],
    &["export"],
    &["oscal", "export"],
    &["status"],
    &["verify"],
    &["check"],
    &["backup"],
    &["completions"],
];

#[test]
fn every_command_has_help_with_examples_and_is_in_the_command_reference() {
    let w = Workdir::new();
    let reference = std::fs::read_to_string(repo().join("docs/reference.md")).unwrap();
    // Every command `csfkit --help` lists is checked here (a new command cannot be left out).
    let top = w.run(&["--help"]).ok().stdout;
    let listed: Vec<&str> = top
        .split("Commands:")
        .nth(1)
        .and_then(|s| s.split("Options:").next())
        .unwrap_or("")
        .lines()
        // A command's line starts two spaces in; its description's continuation lines further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(listed.len() > 10, "{top}");
    for c in listed {
        assert!(
            COMMANDS.iter().any(|k| k[0] == c),
            "`csfkit {c}` is not in COMMANDS"
        );
    }
    for cmd in COMMANDS {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let run = w.run(&args).ok();
        assert!(run.stdout.contains("Examples:"), "{cmd:?} help lacks examples");
        let name = format!("csfkit {}", cmd.join(" "));
        assert!(
            reference.contains(&name),
            "docs/reference.md does not mention `{name}`"
        );
    }
}

#[test]
fn exit_codes_are_documented_in_help_and_the_command_reference() {
    let w = Workdir::new();
    let help = w.run(&["--help"]).ok().stdout;
    let reference = std::fs::read_to_string(repo().join("docs/reference.md")).unwrap();
    for code in ["65", "66", "73", "74", "75"] {
        assert!(
            help.contains(&format!("  {code}  ")),
            "help lacks exit code {code}"
        );
        assert!(
            reference.contains(&format!("| {code} ")),
            "docs/reference.md lacks exit code {code}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let w = Workdir::new();
    w.run(&["controls", "--format", "xml"]).code(2);
    w.run(&["no-such-command"]).code(2);
}

#[test]
fn completions_are_generated() {
    let w = Workdir::new();
    w.run(&["completions", "bash"]).ok().stdout_has("csfkit");
    w.run(&["completions", "zsh"]).ok().stdout_has("#compdef csfkit");
}

#[test]
fn readme_quick_start_has_exactly_two_commands() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("\n## Quick start\n")
        .nth(1)
        .expect("a Quick start section");
    let section = section.split("\n## ").next().unwrap();
    let start = section.find("```").expect("a code block");
    let rest = &section[start + 3..];
    let body = &rest[rest.find('\n').unwrap() + 1..];
    let block = &body[..body.find("```").unwrap()];
    let commands: Vec<&str> = block
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[1].contains("cargo test"));
    // CI runs the README's test command as a line of its own, and checks the README still
    // names it (through this script).
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == commands[1].trim()),
        ".ci/run must run the README's test command `{}`",
        commands[1].trim()
    );
    assert!(ci.contains("scripts/readme-quickstart.sh test"));
    let out = std::process::Command::new("bash")
        .arg(repo().join("scripts/readme-quickstart.sh"))
        .arg("test")
        .output()
        .expect("bash");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), commands[1].trim());
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_source_or_test_reads_outside_the_repository() {
    // A fresh clone has nothing beside it: the code and the tests read only what the repository
    // holds. The needle is built so that this file does not contain it.
    let needle = format!("../{}", "shared");
    let mut files = Vec::new();
    files_under(&repo().join("src"), &mut files);
    files_under(&repo().join("tests"), &mut files);
    assert!(files.len() > 20);
    let offenders: Vec<String> = files
        .iter()
        .filter(|p| {
            std::fs::read(p)
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "files naming {needle}: {offenders:?}");
}

/// The first ```sh block of the README section `heading`.
fn readme_block(heading: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("README has no section {heading:?}"));
    let section = section.split("\n## ").next().unwrap();
    let block = section
        .split("```sh\n")
        .nth(1)
        .unwrap_or_else(|| panic!("README, {heading}: no sh block"));
    block.split("```").next().unwrap().to_string()
}

/// Runs `script` with bash (`-euo pipefail`) in `dir`, with `csfkit` on the PATH being the binary
/// under test (a link in `bin_dir`) and the catalogue the default `./csfkit.db`.
fn bash(bin_dir: &std::path::Path, dir: &std::path::Path, script: &str) -> std::process::Output {
    if !bin_dir.exists() {
        std::fs::create_dir(bin_dir).unwrap();
        std::os::unix::fs::symlink(crate::util::bin(), bin_dir.join("csfkit")).unwrap();
    }
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("CSFKIT_TODAY", "2026-12-01")
        .env("CSFKIT_TEST_NOW", crate::util::TEST_NOW)
        .env_remove("CSFKIT_DB")
        .output()
        .expect("bash")
}

/// The README's "Your first audit package" runs as written, command by command, and makes the
/// package it describes; its checks "For assessors receiving a package" pass on that package,
/// folder and zip, and fail on a changed or an added file.
#[test]
fn the_readme_walk_through_and_the_assessors_checks_run_as_written() {
    let w = Workdir::new();
    let tools = tempfile::tempdir().unwrap();
    let bin_dir = tools.path().join("bin");
    let walk = readme_block("Your first audit package");
    assert!(
        walk.lines().filter(|l| l.starts_with("csfkit ")).count() >= 8,
        "{walk}"
    );
    let out = bash(&bin_dir, w.path(), &walk);
    assert!(
        out.status.success(),
        "the walk-through failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("OK audit-2026"), "{stdout}");
    let pkg = w.path().join("audit-2026");
    for f in [
        "report.pdf",
        "evidence-index.csv",
        "poam.csv",
        "audit-workbook.xlsx",
        "manifest.json",
    ] {
        assert!(pkg.join(f).is_file(), "{f} missing");
    }
    let index = std::fs::read_to_string(pkg.join("evidence-index.csv")).unwrap();
    assert!(index.contains("MFA for administrators") && index.contains("SIEM alert rules"));
    let poam = std::fs::read_to_string(pkg.join("poam.csv")).unwrap();
    assert!(poam.contains("Extend the SIEM to staging"), "{poam}");

    if !(crate::util::have_tool("jq") && crate::util::have_tool("python3") && crate::util::have_tool("unzip"))
    {
        return;
    }
    let checks = readme_block("For assessors receiving a package");
    let run = |dir: &std::path::Path| bash(&bin_dir, dir, &checks);
    let out = run(&pkg);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The first line prints the manifest's SHA-256, the one `csfkit verify --manifest-sha256` takes.
    let sha = crate::util::sha256_file(&pkg.join("manifest.json"));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&sha));
    w.run(&["verify", "audit-2026", "--manifest-sha256", &sha]).ok();
    // A zip, unpacked as the README says.
    w.run(&["export", "--out", "audit.zip", "--zip"]).ok();
    let unzip = std::process::Command::new("unzip")
        .args(["-q", "audit.zip", "-d", "unpacked"])
        .current_dir(w.path())
        .status()
        .unwrap();
    assert!(unzip.success());
    assert!(run(&w.path().join("unpacked")).status.success());
    // A changed file fails the hash lines; a file the manifest does not list fails the last.
    let gaps = pkg.join("gaps.csv");
    let original = std::fs::read(&gaps).unwrap();
    std::fs::write(&gaps, [original.as_slice(), b"x"].concat()).unwrap();
    assert!(!run(&pkg).status.success(), "a changed gaps.csv passed");
    std::fs::write(&gaps, &original).unwrap();
    assert!(run(&pkg).status.success());
    std::fs::write(pkg.join("notes.txt"), "added\n").unwrap();
    assert!(!run(&pkg).status.success(), "an unlisted file passed");
}
