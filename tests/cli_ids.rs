//! Control IDs are forgiving on input and exact on output; lookalikes are refused.

use crate::util::Workdir;

#[test]
fn forgiving_spellings_show_the_same_control() {
    let w = Workdir::new();
    for input in [
        "GV.OC-01",
        "gv.oc-01",
        " GV.OC-1 ",
        "ＧＶ．ＯＣ－０１",
        "GV.\u{200B}OC-01",
    ] {
        let v = w.run(&["control", input, "--format", "json"]).ok().json();
        assert_eq!(v["id"], "GV.OC-01", "{input:?}");
    }
}

#[test]
fn unknown_control_exits_65_with_a_suggestion() {
    let w = Workdir::new();
    w.run(&["control", "PR.ZZ-01"])
        .code(65)
        .stderr_has("csfkit: error: `PR.ZZ-01` is not a control of nist-csf-2.0; did you mean PR.AA-01");
    w.run(&["control", "GV.OC-99"])
        .code(65)
        .stderr_has("did you mean GV.OC-0");
    w.run(&["control", "hello"])
        .code(65)
        .stderr_has("expected a CSF identifier");
}

#[test]
fn cyrillic_lookalike_is_rejected_not_silently_accepted() {
    let w = Workdir::new();
    // Cyrillic О (U+041E) in place of the Latin O.
    w.run(&["control", "GV.\u{041E}C-01"])
        .code(65)
        .stderr_has("U+041E")
        .stderr_has("did you mean GV.OC-01?");
}
