//! Help, completions and documentation: every command has help with examples and is named in
//! the README; exit codes are documented in both places.

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
    &["evidence", "import"],
    &["evidence", "list"],
    &["evidence", "show"],
    &["evidence", "batches"],
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
fn every_command_has_help_with_examples_and_is_in_the_readme() {
    let w = Workdir::new();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
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
        assert!(readme.contains(&name), "README does not mention `{name}`");
    }
}

#[test]
fn exit_codes_are_documented_in_help_and_readme() {
    let w = Workdir::new();
    let help = w.run(&["--help"]).ok().stdout;
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for code in ["65", "66", "73", "74", "75"] {
        assert!(
            help.contains(&format!("  {code}  ")),
            "help lacks exit code {code}"
        );
        assert!(
            readme.contains(&format!("| {code} ")),
            "README lacks exit code {code}"
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
    let start = readme.find("```").expect("a code block");
    let rest = &readme[start + 3..];
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
