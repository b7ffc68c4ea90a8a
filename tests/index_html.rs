//! Issue 27, item 5: `index.html`, the package's front door. Read in a real headless Chromium
//! (Debian's `chromium`, installed by scripts/install-test-tools.sh): the page loads without a
//! request leaving the file, `index.html#q=ID` leaves that control's row and dossier, the dossier
//! shows its evidence, and an evidence title that is markup shows as text. Without a browser:
//! `html` is in the default formats, listed in the manifest and required by `verify`, and the
//! page's file list is the package's files with their hashes.

use std::path::Path;
use std::process::Command;

use crate::util::{Workdir, have_tool};

const XSS: &str = "<img src=x onerror=alert(1)>";

/// A catalogue with a packaged evidence file under PR.AA-01 titled with markup, a URL, a plan
/// on DE.CM-01 and a not-applicable control; exported with the default formats.
fn package() -> Workdir {
    let w = Workdir::new();
    w.write("files/Access policy #2.pdf", b"%PDF-1.4 the policy\n");
    w.write(
        "t.csv",
        format!(
            "\u{feff}control_id,title,description,evidence_type,owner,collected_on,valid_until,location\r\n\
             PR.AA-01,{XSS},Identity list & roles,report,@security-team,2026-03-02,2027-03-01,files/Access policy #2.pdf\r\n\
             PR.AA-01,SSO settings,SSO configuration,screenshot,Anna,2026-01-05,2027-01-05,https://grc.example/sso\r\n\
             DE.CM-01,SIEM rules,rules export,config,Chloé,2024-03-01,,https://grc.example/siem\r\n"
        ),
    );
    w.run(&["evidence", "import", "t.csv"]).ok();
    w.payments_scope("iaas,model");
    w.run(&[
        "assess",
        "GV.OC-01",
        "--status",
        "not-applicable",
        "--note",
        "No mission-critical dependency: batch analytics only",
        "--by",
        "Dana Auditee",
    ])
    .ok();
    w.run(&[
        "plan",
        "DE.CM-01",
        "--due",
        "2027-02-01",
        "--owner",
        "@soc-team",
        "--action",
        "Forward SIEM rules monthly",
        "--milestone",
        "2026-12-15: rules exported",
    ])
    .ok();
    w.run(&["export", "--out", "pkg", "--include-files"]).ok();
    w
}

/// Runs Chromium headless on `pkg/index.html` + `fragment` with every host name unresolvable and
/// a network log; returns the DOM after the page's script ran and the network log.
fn chromium(w: &Workdir, fragment: &str) -> (String, String) {
    let page = w.path().join("pkg/index.html");
    let netlog = w.path().join("netlog.json");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=3000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            w.path().join("chromium-profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(&netlog).expect("chromium's network log");
    (String::from_utf8(out.stdout).expect("utf-8 DOM"), log)
}

/// The opening tags of the controls table's rows: `(control ID, hidden)`.
fn control_rows(dom: &str) -> Vec<(String, bool)> {
    dom.match_indices("<tr data-id=\"")
        .map(|(i, m)| {
            let rest = &dom[i + m.len()..];
            let id = &rest[..rest.find('"').unwrap()];
            let tag = &rest[..rest.find('>').unwrap()];
            (id.to_string(), tag.contains("hidden"))
        })
        .collect()
}

/// The opening tag of the element with `id` and what follows up to `</article>`.
fn article<'a>(dom: &'a str, id: &str) -> (&'a str, &'a str) {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id}"));
    let start = dom[..at].rfind('<').unwrap();
    let tag_end = at + dom[at..].find('>').unwrap();
    let end = at + dom[at..].find("</article>").unwrap();
    (&dom[start..=tag_end], &dom[tag_end..end])
}

#[test]
fn index_html_in_chromium_filters_on_a_control_id_shows_its_dossier_and_sends_nothing() {
    if !have_tool("chromium") {
        return;
    }
    let w = package();
    let (dom, netlog) = chromium(&w, "#q=PR.AA-01");

    // The search from the address filtered the table: PR.AA-01's row alone is shown.
    let rows = control_rows(&dom);
    assert!(
        rows.len() > 100,
        "every control of the scope has a row: {}",
        rows.len()
    );
    let shown: Vec<&str> = rows
        .iter()
        .filter(|(_, h)| !h)
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(shown, ["PR.AA-01"], "rows left by the search");
    assert!(dom.contains("1 of "), "the count says how many are shown");

    // Its dossier is shown with its evidence; another control's is hidden.
    let (tag, body) = article(&dom, "c-PR.AA-01");
    assert!(!tag.contains("hidden"), "{tag}");
    assert!(
        body.contains("SSO settings") && body.contains("SSO configuration"),
        "{body}"
    );
    assert!(body.contains("https://grc.example/sso"));
    assert!(body.contains("screenshot") && body.contains("2027-01-05"));
    let sha = crate::util::sha256_file(&w.path().join("files/Access policy #2.pdf"));
    assert!(body.contains(&sha), "the full SHA-256 of the packaged file");
    assert!(
        body.contains("href=\"evidence/") && body.contains("Access%20policy%20%232.pdf\""),
        "{body}"
    );
    assert!(article(&dom, "c-DE.CM-01").0.contains("hidden"));

    // The markup in a title is text: no image element anywhere, the title shown escaped.
    assert!(body.contains("&lt;img src=x onerror=alert(1)&gt;"), "{body}");
    assert!(!dom.contains("<img"), "an element was made from a value");

    // Nothing left the file: the page made no network request (requests Chromium makes on its
    // own behalf carry no origin), nothing in the DOM loads from elsewhere, and the CSP forbids it.
    let from_page: Vec<&str> = netlog
        .match_indices("\"initiator\":\"")
        .map(|(i, m)| {
            let rest = &netlog[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .filter(|o| *o != "not an origin")
        .collect();
    assert!(from_page.is_empty(), "requests made by the page: {from_page:?}");
    // (The escaped title is text, not an attribute.)
    let markup = dom.replace("&lt;img src=x onerror=alert(1)&gt;", "");
    for needle in [" src=", "<link", "<iframe", "<object", "url("] {
        assert!(!markup.contains(needle), "the DOM has {needle}");
    }
    let csp_at = dom
        .find("http-equiv=\"Content-Security-Policy\"")
        .expect("a CSP meta");
    let meta = &dom[csp_at..csp_at + dom[csp_at..].find('>').unwrap()];
    let csp = &meta[meta.find("content=").expect("the policy")..];
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'sha256-"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("http"), "{csp}");
}

#[test]
fn index_html_filters_on_the_plan_owner_and_shows_the_plan_and_not_applicable_note() {
    if !have_tool("chromium") {
        return;
    }
    let w = package();
    // Any word of a row filters too: the not-applicable control by its status.
    let (dom, _) = chromium(&w, "#q=not-applicable");
    let shown: Vec<String> = control_rows(&dom)
        .into_iter()
        .filter(|(_, h)| !h)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(shown, ["GV.OC-01"]);
    let (_, body) = article(&dom, "c-GV.OC-01");
    assert!(
        body.contains("No mission-critical dependency: batch analytics only"),
        "{body}"
    );
    assert!(
        body.contains("by Dana Auditee at "),
        "who assessed and when: {body}"
    );
    let (dom, _) = chromium(&w, "#q=DE.CM-01");
    let (_, body) = article(&dom, "c-DE.CM-01");
    for want in [
        "Forward SIEM rules monthly",
        "2026-12-15: rules exported",
        "2027-02-01",
        "@soc-team",
        "Chloé",
    ] {
        assert!(body.contains(want), "{want} in {body}");
    }
}

/// `data-path` and `data-sha` of the page's file list.
fn listed_files(page: &str) -> Vec<(String, String)> {
    page.match_indices("<tr data-path=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            let path = &rest[..rest.find('"').unwrap()];
            let sha_at = rest.find("data-sha=\"").unwrap() + "data-sha=\"".len();
            (path.to_string(), rest[sha_at..sha_at + 64].to_string())
        })
        .collect()
}

#[test]
fn html_is_a_default_format_listed_in_the_manifest_and_verify_requires_index_html() {
    let w = package();
    let pkg = w.path().join("pkg");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["parameters"]["formats"],
        serde_json::json!(["pdf", "csv", "xlsx", "html"])
    );
    let files = manifest["files"].as_array().unwrap();
    let entry = |p: &str| files.iter().find(|f| f["path"] == p).cloned();
    assert!(entry("index.html").is_some());

    // The page lists every other file with the hash the manifest gives it, and says which
    // files it cannot list.
    let page = std::fs::read_to_string(pkg.join("index.html")).unwrap();
    let listed = listed_files(&page);
    let expected: Vec<(String, String)> = files
        .iter()
        .filter(|f| f["path"] != "index.html")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    assert!(listed.iter().any(|(p, _)| p.starts_with("evidence/")));
    assert!(
        page.contains(
            "Not listed: index.html itself and the files written after it (manifest.json, SHA256SUMS"
        )
    );

    w.run(&["verify", "pkg"]).ok();
    std::fs::write(
        pkg.join("index.html"),
        page.replace("SSO settings", "SSO settingz"),
    )
    .unwrap();
    w.run(&["verify", "pkg"]).code(1).stderr_has("index.html");
    std::fs::remove_file(pkg.join("index.html")).unwrap();
    w.run(&["verify", "pkg"]).code(1).stderr_has("index.html");

    // A package without html (as every package before it) verifies and has no index.html.
    w.run(&["export", "--out", "old", "--formats", "pdf,csv,xlsx"])
        .ok();
    assert!(!Path::new(&w.path().join("old/index.html")).exists());
    w.run(&["verify", "old"]).ok();
}
