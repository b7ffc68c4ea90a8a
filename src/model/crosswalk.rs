//! Other frameworks' control IDs and how they are read: NIST SP 800-53 Rev 5, ISO/IEC
//! 27001:2022 Annex A, CSA CCM v4 and CSF 1.1, each matched against NIST's informative
//! references on the CSF 2.0 subcategories (or, for CSF 1.1, NIST's crosswalk).
//!
//! Pure functions: the spellings people use normalised to one key per control, and the shape of
//! an ID (which framework it can belong to) told apart.

use std::fmt;
use std::str::FromStr;

use crate::error::ValueError;

/// A framework whose IDs can stand for CSF 2.0 subcategories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum RefFramework {
    /// NIST CSF 2.0 itself.
    Csf2,
    /// NIST CSF 1.1 (read through NIST's CSF 1.1 -> 2.0 crosswalk).
    Csf11,
    /// NIST SP 800-53 Rev 5 controls and enhancements.
    Sp80053,
    /// ISO/IEC 27001:2022 Annex A controls.
    Iso27001,
    /// CSA Cloud Controls Matrix v4.
    Ccm,
}

impl RefFramework {
    /// Every framework, in the order help lists them.
    pub(crate) const ALL: [RefFramework; 5] = [
        RefFramework::Csf2,
        RefFramework::Csf11,
        RefFramework::Sp80053,
        RefFramework::Iso27001,
        RefFramework::Ccm,
    ];

    /// The frameworks read through informative references.
    pub(crate) const REFERENCED: [RefFramework; 3] =
        [RefFramework::Sp80053, RefFramework::Iso27001, RefFramework::Ccm];

    /// The name on the command line and in files (`--framework`, `mapped_framework`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RefFramework::Csf2 => "csf2",
            RefFramework::Csf11 => "csf1.1",
            RefFramework::Sp80053 => "sp800-53",
            RefFramework::Iso27001 => "iso27001",
            RefFramework::Ccm => "ccm",
        }
    }

    /// The name people read.
    pub(crate) fn label(self) -> &'static str {
        match self {
            RefFramework::Csf2 => "NIST CSF 2.0",
            RefFramework::Csf11 => "NIST CSF 1.1",
            RefFramework::Sp80053 => "NIST SP 800-53 Rev 5",
            RefFramework::Iso27001 => "ISO/IEC 27001:2022 Annex A",
            RefFramework::Ccm => "CSA CCM v4",
        }
    }

    /// The short name (`SP 800-53`, `ISO 27001`, `CCM`, `CSF 1.1`).
    pub(crate) fn short_label(self) -> &'static str {
        match self {
            RefFramework::Csf2 => "CSF 2.0",
            RefFramework::Csf11 => "CSF 1.1",
            RefFramework::Sp80053 => "SP 800-53",
            RefFramework::Iso27001 => "ISO 27001",
            RefFramework::Ccm => "CCM",
        }
    }

    /// The source name of NIST's informative references to this framework in the CSF 2.0
    /// catalogue (None for the CSF itself).
    pub(crate) fn reference_source(self) -> Option<&'static str> {
        match self {
            RefFramework::Sp80053 => Some("SP 800-53 Rev 5.2.0"),
            RefFramework::Iso27001 => Some("ISO/IEC 27001:2022"),
            RefFramework::Ccm => Some("CCMv4.0"),
            RefFramework::Csf2 | RefFramework::Csf11 => None,
        }
    }

    /// An example ID, for messages.
    pub(crate) fn example(self) -> &'static str {
        match self {
            RefFramework::Csf2 => "PR.AA-01",
            RefFramework::Csf11 => "PR.AC-1",
            RefFramework::Sp80053 => "AC-2 or AC-2(1)",
            RefFramework::Iso27001 => "A.5.15",
            RefFramework::Ccm => "IAM-02",
        }
    }

    /// The key of an ID as a user writes it, or None when it does not have this framework's
    /// shape. `bare` lets an ISO Annex A control be written without its `A.` (`5.15`).
    pub(crate) fn key(self, input: &str, bare: bool) -> Option<String> {
        match self {
            RefFramework::Sp80053 => sp800_53_exact_key(input),
            RefFramework::Iso27001 => iso_annex_a_key(input, bare),
            RefFramework::Ccm => ccm_key(input),
            RefFramework::Csf2 | RefFramework::Csf11 => None,
        }
    }

    /// The key of a reference as NIST's CSF 2.0 export writes it (`AC-02`, `Annex A Controls:
    /// 5.15`, `IAM-02`), or None for a reference that names no control of this framework (an
    /// ISO mandatory clause, a bare SP 800-53 family).
    pub(crate) fn reference_key(self, reference: &str) -> Option<String> {
        match self {
            RefFramework::Iso27001 => reference
                .trim()
                .strip_prefix("Annex A Controls:")
                .and_then(|r| iso_annex_a_key(r, true)),
            other => other.key(reference, false),
        }
    }
}

impl serde::Serialize for RefFramework {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for RefFramework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RefFramework {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let k: String = s
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '.')
            .flat_map(char::to_lowercase)
            .collect();
        Ok(match k.as_str() {
            "csf2" | "csf2.0" | "csf" | "nistcsf2.0" => RefFramework::Csf2,
            "csf1.1" | "csf11" | "nistcsf1.1" => RefFramework::Csf11,
            "sp80053" | "80053" | "nist80053" | "sp80053r5" | "sp80053rev5" => RefFramework::Sp80053,
            "iso27001" | "iso" | "iso270012022" | "isoiec27001" => RefFramework::Iso27001,
            "ccm" | "csaccm" | "ccmv4" => RefFramework::Ccm,
            _ => {
                return Err(ValueError::new(
                    s.trim(),
                    format!(
                        "`{}` is not a framework csfkit maps; expected {}",
                        s.trim(),
                        RefFramework::ALL.map(RefFramework::as_str).join(", ")
                    ),
                ));
            }
        })
    }
}

/// What an ID's shape says it can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A CSF ID (`PR.AA-01`, `PR.AC-1`, `GV`): read as CSF 2.0, or CSF 1.1 through the
    /// crosswalk.
    Csf,
    /// Only this framework writes IDs like it.
    Of(RefFramework),
    /// A number like `5.15`: an ISO Annex A control without its `A.`, or something else.
    Ambiguous,
    /// None of them.
    Unknown,
}

/// The shape of `input`.
pub(crate) fn shape(input: &str) -> Shape {
    let t = input.trim();
    if sp800_53_exact_key(t).is_some() {
        return Shape::Of(RefFramework::Sp80053);
    }
    if iso_annex_a_key(t, false).is_some() {
        return Shape::Of(RefFramework::Iso27001);
    }
    if iso_annex_a_key(t, true).is_some() {
        return Shape::Ambiguous;
    }
    // CCM domains are three letters (A&A, IAM, ...); CSF IDs have a dot before the dash.
    if ccm_key(t).is_some() {
        return Shape::Of(RefFramework::Ccm);
    }
    let upper = t.to_ascii_uppercase();
    let letters = upper.chars().take_while(char::is_ascii_alphabetic).count();
    if letters == 2 {
        return Shape::Csf;
    }
    Shape::Unknown
}

/// Normalises an SP 800-53 control identifier to its control or enhancement, dropping
/// statement parts: `AC-2(a)` -> `AC-2`, `AC-02(01)(a)` -> `AC-2(1)`, `ac-2 (1)` -> `AC-2(1)`.
/// A family alone (`AC`) or a CSF-looking ID is not one. (The FedRAMP CRM projection reads its
/// rows with the same function.)
pub(crate) fn sp800_53_key(s: &str) -> Option<String> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let (family, rest) = t.split_once('-')?;
    if family.len() != 2 || !family.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    let mut key = format!("{family}-{number}");
    let after = &rest[digits.len()..];
    if let Some(inner) = after.strip_prefix('(') {
        let e: String = inner.chars().take_while(char::is_ascii_digit).collect();
        if !e.is_empty() && inner[e.len()..].starts_with(')') {
            key.push_str(&format!("({})", e.parse::<u32>().ok()?));
        }
    }
    Some(key)
}

/// [`sp800_53_key`] for an ID a user wrote in a cell of its own: after the control and its
/// enhancement only statement parts may follow (`AC-2(1)(a)`), never more text
/// (`AC-2x`) or a second control (`AC-2 SI-4`), which the lenient reading would cut off.
pub(crate) fn sp800_53_exact_key(s: &str) -> Option<String> {
    let key = sp800_53_key(s)?;
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let (_, rest) = t.split_once('-')?;
    let mut rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    // Parenthesised groups: the enhancement, then statement parts such as (a), (1), (b)(2).
    while let Some(inner) = rest.strip_prefix('(') {
        let (group, after) = inner.split_once(')')?;
        if group.is_empty() || group.len() > 3 || !group.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        rest = after;
    }
    rest.is_empty().then_some(key)
}

/// Normalises a CCM control ID (`bcr-01` -> `BCR-01`, `A&A-1` -> `A&A-01`): a domain of three
/// letters (or `A&A`) and a number.
pub(crate) fn ccm_key(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_uppercase();
    let (domain, num) = t.rsplit_once('-')?;
    let domain = domain.trim();
    let num = num.trim();
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = num.parse().ok()?;
    let ok = domain == "A&A" || (domain.len() == 3 && domain.bytes().all(|b| b.is_ascii_uppercase()));
    if !ok || n > 999 {
        return None;
    }
    Some(format!("{domain}-{n:02}"))
}

/// Normalises an ISO/IEC 27001:2022 Annex A control (`A.5.15`, `a.5.15`, `A 5.15`; `5.15` only
/// when `bare`) to `A.5.15`. Annex A has themes 5 to 8.
pub(crate) fn iso_annex_a_key(s: &str, bare: bool) -> Option<String> {
    let t = s.trim();
    let rest = match t.strip_prefix(['A', 'a']) {
        Some(r) => r.trim_start_matches(['.', ' ']),
        None if bare => t,
        None => return None,
    };
    let (theme, control) = rest.split_once('.')?;
    let (theme, control) = (theme.trim(), control.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(theme) || !digits(control) || control.len() > 2 {
        return None;
    }
    let theme: u32 = theme.parse().ok()?;
    if !(5..=8).contains(&theme) {
        return None;
    }
    let control: u32 = control.parse().ok()?;
    Some(format!("A.{theme}.{control}"))
}

/// The base control of an SP 800-53 enhancement key (`AC-2(1)` -> `AC-2`), if it is one.
pub(crate) fn base_control(key: &str) -> Option<&str> {
    key.split_once('(').map(|(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sp800_53_spellings_people_use_read_as_one() {
        for s in ["AC-2", "AC-02", "ac-2", " AC-2 "] {
            assert_eq!(sp800_53_key(s).as_deref(), Some("AC-2"), "{s}");
        }
        for s in ["ac-2(1)", "AC-2 (1)", "AC-02(01)", "AC-2(1)(a)"] {
            assert_eq!(sp800_53_key(s).as_deref(), Some("AC-2(1)"), "{s}");
        }
        for s in ["AC", "PR.AA-01", "IAM-02", "AC-"] {
            assert_eq!(sp800_53_key(s), None, "{s}");
        }
    }

    #[test]
    fn iso_and_ccm_ids_and_the_shapes_that_tell_them_apart() {
        for s in ["AC-2", "ac-02", "AC-2 (1)", "AC-02(01)", "AC-2(1)(a)", "AC-2(a)"] {
            assert!(sp800_53_exact_key(s).is_some(), "{s}");
        }
        for s in [
            "AC-2x",
            "AC-2 SI-4",
            "AC-2, SI-4",
            "AC-2; SI-4",
            "AC-2(1) and more",
            "AC-2(12345)",
            "AC-2.",
            "AC-2SI.",
            "AC-+2",
            "AC-2 a.",
        ] {
            assert_eq!(sp800_53_exact_key(s), None, "{s}");
            assert_ne!(shape(s), Shape::Of(RefFramework::Sp80053), "{s}");
        }
        assert_eq!(iso_annex_a_key("A.5.15", false).as_deref(), Some("A.5.15"));
        assert_eq!(iso_annex_a_key("a.8.2", false).as_deref(), Some("A.8.2"));
        assert_eq!(iso_annex_a_key("5.15", false), None);
        assert_eq!(iso_annex_a_key("5.15", true).as_deref(), Some("A.5.15"));
        assert_eq!(iso_annex_a_key("6.1.3", true), None);
        assert_eq!(iso_annex_a_key("A.9.2", false), None);
        assert_eq!(ccm_key("iam-2").as_deref(), Some("IAM-02"));
        assert_eq!(ccm_key("A&A-01").as_deref(), Some("A&A-01"));
        assert_eq!(ccm_key("AC-2"), None);
        assert_eq!(ccm_key("IAM-+2"), None);
        assert_eq!(iso_annex_a_key("A.+5.15", false), None);
        assert_eq!(iso_annex_a_key("A.5.+1", false), None);
        assert_eq!(
            RefFramework::Iso27001
                .reference_key("Annex A Controls: 5.15")
                .as_deref(),
            Some("A.5.15")
        );
        assert_eq!(
            RefFramework::Iso27001.reference_key("Mandatory Clause: 6.1.3"),
            None
        );
        assert_eq!(shape("AC-2(1)"), Shape::Of(RefFramework::Sp80053));
        assert_eq!(shape("A.5.15"), Shape::Of(RefFramework::Iso27001));
        assert_eq!(shape("5.15"), Shape::Ambiguous);
        assert_eq!(shape("IAM-02"), Shape::Of(RefFramework::Ccm));
        assert_eq!(shape("PR.AA-01"), Shape::Csf);
        assert_eq!(shape("pr.ac-1"), Shape::Csf);
        assert_eq!(shape("hello"), Shape::Unknown);
        assert_eq!("SP 800-53".parse(), Ok(RefFramework::Sp80053));
        assert_eq!("csf1.1".parse(), Ok(RefFramework::Csf11));
        assert!("cobit".parse::<RefFramework>().is_err());
    }
}
