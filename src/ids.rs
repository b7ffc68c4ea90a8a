//! Control identifiers: forgiving on input, exact on output.
//!
//! `gv.oc-01`, ` GV.OC-1 ` and `GV.OC-01` all parse to the same [`ParsedId`]. Text is first
//! cleaned the way a spreadsheet cell needs (zero-width characters dropped, NFKC so that
//! fullwidth forms become ASCII, Unicode dashes become `-`); anything that is still not ASCII
//! afterwards, such as a Cyrillic `О` in place of a Latin `O`, is rejected with a message that
//! names the character: a lookalike is never silently accepted as a different ID.
//!
//! This module knows the *shape* of IDs only. Which IDs exist, and how CSF 1.1 IDs map to
//! CSF 2.0, is the catalogue's business (`catalogue::Resolver`).

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// The level of a CSF element an ID names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Level {
    /// `GV`
    Function,
    /// `GV.OC`
    Category,
    /// `GV.OC-01`
    Subcategory,
}

/// A syntactically valid CSF identifier, upper-cased, without its zero padding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ParsedId {
    /// Two-letter function code, e.g. `GV`.
    pub function: String,
    /// Two-letter category code, e.g. `OC`, when the ID names a category or subcategory.
    pub category: Option<String>,
    /// Subcategory number, e.g. 1, when the ID names a subcategory.
    pub number: Option<u32>,
}

impl ParsedId {
    /// The level this ID names.
    pub(crate) fn level(&self) -> Level {
        match (&self.category, self.number) {
            (None, _) => Level::Function,
            (Some(_), None) => Level::Category,
            (Some(_), Some(_)) => Level::Subcategory,
        }
    }

    /// The CSF 2.0 spelling: subcategory numbers padded to two digits (`GV.OC-01`).
    pub(crate) fn csf2(&self) -> String {
        self.render(true)
    }

    /// The CSF 1.1 spelling: subcategory numbers unpadded (`PR.AC-1`).
    pub(crate) fn csf11(&self) -> String {
        self.render(false)
    }

    fn render(&self, pad: bool) -> String {
        match (&self.category, self.number) {
            (None, _) => self.function.clone(),
            (Some(c), None) => format!("{}.{c}", self.function),
            (Some(c), Some(n)) if pad => format!("{}.{c}-{n:02}", self.function),
            (Some(c), Some(n)) => format!("{}.{c}-{n}", self.function),
        }
    }
}

impl fmt::Display for ParsedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.csf2())
    }
}

/// Why text is not a control ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdError {
    /// Nothing left after trimming.
    Empty,
    /// A character that is not ASCII after normalisation (a lookalike letter, say).
    NonAscii {
        /// The offending character.
        ch: char,
        /// The ID with known lookalikes replaced by their Latin letters, when that parses.
        latin: Option<String>,
    },
    /// ASCII, but not shaped like `GV`, `GV.OC` or `GV.OC-01`.
    Malformed,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => write!(f, "the control ID is empty"),
            IdError::NonAscii { ch, latin } => {
                write!(
                    f,
                    "the control ID contains `{ch}` (U+{:04X}), which is not a Latin letter, digit, `.` or `-`",
                    *ch as u32
                )?;
                if let Some(l) = latin {
                    write!(f, "; it looks like `{l}`: retype it in plain ASCII")?;
                }
                Ok(())
            }
            IdError::Malformed => write!(
                f,
                "expected a CSF identifier such as `GV.OC-01` (subcategory), `GV.OC` (category) or `GV` (function)"
            ),
        }
    }
}

/// Characters that are removed before parsing: they are invisible in a spreadsheet cell.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Unicode dashes that spreadsheet autocorrect puts where a hyphen was typed.
fn is_dash(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}')
}

/// Cyrillic and Greek capitals that look like Latin ones; used only to *suggest* a fix.
fn latin_lookalike(c: char) -> Option<char> {
    let upper = c.to_uppercase().next().unwrap_or(c);
    Some(match upper {
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' | 'Ϲ' => 'C',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' => 'I',
        'Ј' => 'J',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        'Υ' | 'Ү' => 'Y',
        'Ζ' => 'Z',
        _ => return None,
    })
}

/// Cleans text the way every ID input is cleaned: invisible characters dropped, NFKC,
/// Unicode dashes to `-`, surrounding whitespace trimmed.
pub(crate) fn clean(input: &str) -> String {
    let nfkc: String = input.chars().filter(|c| !is_invisible(*c)).nfkc().collect();
    nfkc.chars()
        .map(|c| if is_dash(c) { '-' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Parses a control ID written any reasonable way.
pub(crate) fn parse(input: &str) -> Result<ParsedId, IdError> {
    let cleaned = clean(input);
    if cleaned.is_empty() {
        return Err(IdError::Empty);
    }
    if let Some(ch) = cleaned.chars().find(|c| !c.is_ascii()) {
        let latin: String = cleaned
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c
                } else {
                    latin_lookalike(c).unwrap_or(c)
                }
            })
            .collect();
        let latin = parse_ascii(&latin).ok().map(|p| p.csf2());
        return Err(IdError::NonAscii { ch, latin });
    }
    parse_ascii(&cleaned)
}

fn parse_ascii(s: &str) -> Result<ParsedId, IdError> {
    let up = s.to_ascii_uppercase();
    let b = up.as_bytes();
    let letters = |i: usize| b.len() >= i + 2 && b[i].is_ascii_uppercase() && b[i + 1].is_ascii_uppercase();
    if !letters(0) {
        return Err(IdError::Malformed);
    }
    let function = up[0..2].to_string();
    let rest = &up[2..];
    if rest.is_empty() {
        return Ok(ParsedId {
            function,
            category: None,
            number: None,
        });
    }
    // One separator between function and category: `.`, space or `_`.
    let rest = rest.strip_prefix(['.', ' ', '_']).ok_or(IdError::Malformed)?;
    let rb = rest.as_bytes();
    if rb.len() < 2 || !rb[0].is_ascii_uppercase() || !rb[1].is_ascii_uppercase() {
        return Err(IdError::Malformed);
    }
    let category = rest[0..2].to_string();
    let tail = &rest[2..];
    if tail.is_empty() {
        return Ok(ParsedId {
            function,
            category: Some(category),
            number: None,
        });
    }
    let digits = tail
        .strip_prefix(['-', ' ', '_', '.'])
        .unwrap_or(tail)
        .trim_start();
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(IdError::Malformed);
    }
    let number: u32 = digits.parse().map_err(|_| IdError::Malformed)?;
    if number == 0 {
        return Err(IdError::Malformed);
    }
    Ok(ParsedId {
        function,
        category: Some(category),
        number: Some(number),
    })
}

/// The known IDs nearest to `input`, best first, at most `max`.
///
/// Distance is Levenshtein on the upper-cased CSF 2.0 spelling; ties keep catalogue order, so
/// `PR.ZZ-01` suggests `PR.AA-01` first.
pub(crate) fn suggest<'a>(input: &str, known: impl IntoIterator<Item = &'a str>, max: usize) -> Vec<String> {
    let target = match parse(input) {
        Ok(p) => p.csf2(),
        Err(IdError::NonAscii { latin: Some(l), .. }) => l,
        Err(_) => clean(input).to_ascii_uppercase(),
    };
    let mut scored: Vec<(usize, usize, &str)> = known
        .into_iter()
        .enumerate()
        .map(|(i, k)| (strsim::levenshtein(&target, k), i, k))
        .collect();
    scored.sort();
    let limit = (target.len() / 3).max(2);
    scored
        .into_iter()
        .filter(|(d, _, _)| *d <= limit)
        .take(max)
        .map(|(_, _, k)| k.to_string())
        .collect()
}

/// Formats suggestions as ` (did you mean PR.AA-01, PR.AT-01?)`, or nothing.
pub(crate) fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse(s)
            .map(|p| p.csf2())
            .unwrap_or_else(|e| format!("ERR {e:?}"))
    }

    #[test]
    fn forgiving_spellings_parse_to_one_id() {
        for s in [
            "GV.OC-01",
            "gv.oc-01",
            " GV.OC-1 ",
            "GV.OC-001",
            "gv oc 1",
            "GV.OC 01",
            "GV.OC01",
        ] {
            assert_eq!(p(s), "GV.OC-01", "{s}");
        }
        assert_eq!(p("gv.oc"), "GV.OC");
        assert_eq!(p("gv"), "GV");
        assert_eq!(parse("PR.AC-1").unwrap().csf11(), "PR.AC-1");
    }

    #[test]
    fn fullwidth_zero_width_and_dashes_normalise() {
        assert_eq!(p("ＧＶ．ＯＣ－０１"), "GV.OC-01");
        assert_eq!(p("GV.\u{200B}OC-01"), "GV.OC-01");
        assert_eq!(p("\u{FEFF}GV.OC\u{2013}01"), "GV.OC-01");
    }

    #[test]
    fn lookalikes_are_rejected_with_the_latin_spelling() {
        // Cyrillic О (U+041E) in place of Latin O.
        let err = parse("GV.\u{041E}C-01").unwrap_err();
        assert_eq!(
            err,
            IdError::NonAscii {
                ch: '\u{041E}',
                latin: Some("GV.OC-01".into())
            }
        );
        assert!(err.to_string().contains("U+041E"));
        // Greek Rho for P.
        assert!(matches!(parse("\u{03A1}R.AA-01"), Err(IdError::NonAscii { .. })));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for s in [
            "",
            "G",
            "GV.O",
            "GV.OC-",
            "GV.OC-0",
            "GV.OC-1234",
            "12.34-5",
            "GV.OC-1a",
            "GVOC01",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn suggestions_prefer_close_ids_in_catalogue_order() {
        let known = ["GV.OC-01", "PR.AA-01", "PR.AT-01", "PR.DS-01"];
        assert_eq!(suggest("PR.ZZ-01", known, 1), vec!["PR.AA-01"]);
        assert_eq!(suggest("gv.oc-1x", known, 1), vec!["GV.OC-01"]);
        assert!(suggest("XX.YY-99", ["GV.OC-01"], 3).is_empty());
    }
}
