//! Turning what a user typed into a control of the catalogue.
//!
//! A [`Resolver`] holds the IDs of one framework (loaded once per command, so resolving a
//! million spreadsheet cells costs no query each) and the CSF 1.1 → 2.0 crosswalk. It answers
//! with the exact catalogue spelling, the CSF 2.0 successors of a CSF 1.1 ID, or an error that
//! suggests the nearest real IDs.

use std::collections::{HashMap, HashSet};

use crate::catalogue::Catalogue;
use crate::error::{Error, Result, ValueError};
use crate::ids::{self, IdError, Level};
use crate::model::crosswalk::{RefFramework, Shape, base_control, shape};
use crate::model::framework::DEFAULT_FRAMEWORK;

/// What an input resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// An active element of the framework, in its exact spelling.
    Active(String),
    /// A CSF 1.1 (or withdrawn) ID and the active elements that succeed it.
    Legacy {
        /// The CSF 1.1 spelling, e.g. `PR.AC-1`.
        old: String,
        /// Successors in document order (never empty).
        successors: Vec<String>,
    },
}

/// What an importer does with a CSF 1.1 ID: the one legacy-ID policy, with each importer
/// naming its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Legacy {
    /// Record it against its CSF 2.0 successors, with a warning (evidence).
    Expand,
    /// Refuse it, naming its successors; the text says why (`--strict`, a matrix).
    Refuse(&'static str),
}

/// The CSF 2.0 subcategories an input stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subcategories {
    /// One ID, or the successors of a CSF 1.1 ID (in document order).
    pub ids: Vec<String>,
    /// Said when a CSF 1.1 ID was expanded.
    pub warning: Option<String>,
}

/// Resolves IDs against one framework.
#[derive(Debug, Clone)]
pub(crate) struct Resolver {
    framework: String,
    padded: bool,
    active: HashSet<String>,
    subcategories: Vec<String>,
    categories: Vec<String>,
    functions: Vec<String>,
    successors: HashMap<String, Vec<String>>,
    crosswalk: Crosswalk,
}

/// The CSF 2.0 subcategories that cite each control of the referenced frameworks (SP 800-53,
/// ISO/IEC 27001 Annex A, CCM) in NIST's informative references, in document order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Crosswalk {
    maps: HashMap<RefFramework, HashMap<String, Vec<String>>>,
}

impl Crosswalk {
    /// Reads the references of the CSF 2.0 catalogue (empty for any other framework).
    pub(crate) fn load(cat: &Catalogue, framework_id: &str) -> Result<Crosswalk> {
        let mut maps: HashMap<RefFramework, HashMap<String, Vec<String>>> = HashMap::new();
        if framework_id != DEFAULT_FRAMEWORK {
            return Ok(Crosswalk { maps });
        }
        for f in RefFramework::REFERENCED {
            let Some(source) = f.reference_source() else {
                continue;
            };
            let map = maps.entry(f).or_default();
            for (subcategory, refs) in cat.references_by_source(framework_id, source)? {
                for r in refs {
                    if let Some(key) = f.reference_key(&r) {
                        let ids = map.entry(key).or_default();
                        if !ids.contains(&subcategory) {
                            ids.push(subcategory.clone());
                        }
                    }
                }
            }
        }
        Ok(Crosswalk { maps })
    }

    /// The subcategories citing `key` of `f`.
    pub(crate) fn cited(&self, f: RefFramework, key: &str) -> Option<&[String]> {
        self.maps.get(&f)?.get(key).map(Vec::as_slice)
    }

    /// Every cited key of `f` with its subcategories, in the framework's order (family, then
    /// number, then enhancement).
    pub(crate) fn table(&self, f: RefFramework) -> Vec<(&str, &[String])> {
        let mut out: Vec<(&str, &[String])> = self
            .maps
            .get(&f)
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect())
            .unwrap_or_default();
        out.sort_by_key(|(k, _)| natural_key(k));
        out
    }

    /// The cited keys of `f` nearest to `key`: the same family's nearest numbers, else the
    /// closest spellings.
    fn nearest(&self, f: RefFramework, key: &str) -> Vec<String> {
        let Some(map) = self.maps.get(&f) else {
            return Vec::new();
        };
        let (family, number) = split_key(key);
        let mut same: Vec<(u32, &String)> = map
            .keys()
            .filter(|k| split_key(k).0 == family)
            .map(|k| (split_key(k).1.abs_diff(number), k))
            .collect();
        same.sort();
        if !same.is_empty() {
            return same.into_iter().take(3).map(|(_, k)| k.clone()).collect();
        }
        let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
        keys.sort_by_key(|k| natural_key(k));
        let mut scored: Vec<(usize, &str)> = keys
            .into_iter()
            .map(|k| (strsim::levenshtein(key, k), k))
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, k)| k.to_string()).collect()
    }
}

/// Family (or theme, domain) and number of a key: `AC-2(1)` -> (`AC`, 2), `A.5.15` -> (`A.5`, 15).
fn split_key(k: &str) -> (&str, u32) {
    let base = base_control(k).unwrap_or(k);
    let cut = base.rfind(['-', '.']).unwrap_or(0);
    let number = base.get(cut + 1..).and_then(|n| n.parse().ok()).unwrap_or(0);
    (&base[..cut], number)
}

/// CSF 1.1 document order of a subcategory ID: function (ID, PR, DE, RS, RC), category,
/// number.
fn csf11_order(id: &str) -> (usize, String, u32) {
    let (category, number) = id.rsplit_once('-').unwrap_or((id, "0"));
    let function = category.split('.').next().unwrap_or("");
    let f = ["ID", "PR", "DE", "RS", "RC"]
        .iter()
        .position(|x| *x == function)
        .unwrap_or(5);
    (f, category.to_string(), number.parse().unwrap_or(0))
}

/// A sort key that orders `AC-2` before `AC-10` and a control before its enhancements.
fn natural_key(k: &str) -> (String, u32, u32) {
    let (family, number) = split_key(k);
    let enhancement = k
        .split_once('(')
        .and_then(|(_, e)| e.trim_end_matches(')').parse().ok())
        .unwrap_or(0);
    (family.to_string(), number, enhancement)
}

/// The subcategories an ID of any framework stands for, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapped {
    /// The CSF 2.0 subcategories, in document order.
    pub ids: Vec<String>,
    /// The ID as written and its framework, when it is not a CSF 2.0 ID.
    pub from: Option<(String, RefFramework)>,
    /// Said when the reading was not the obvious one (a CSF 1.1 ID expanded, an enhancement
    /// read as its base control).
    pub warning: Option<String>,
}

/// The IDs of a cell that lists several controls (`AC-2, SI-4`, `PR.AA-01; PR.AA-02`,
/// `AC-2 SI-4`), or None. Read alone, such a cell would be refused as no ID or, worse, cut to
/// its first one.
fn several_ids(cell: &str) -> Option<Vec<&str>> {
    // One CSF ID may be written with spaces (`PR AA-01`), and ISO's `A. 5.15` is one ID too.
    if !cell.contains([',', ';', '\n', '\r', '|', ' ', '\t']) || ids::parse(cell).is_ok() {
        return None;
    }
    let is_id = |t: &str| !matches!(shape(t), Shape::Unknown);
    let listed: Vec<&str> = cell
        .split([',', ';', '\n', '\r', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if listed.len() >= 2 && listed.iter().all(|t| is_id(t)) {
        return Some(listed);
    }
    // Words are several IDs only when each is a whole one: `AC-2 SI-4`, `PR.AA-01 PR.AA-02`
    // (not `PR AA-01`, whose `PR` names a function).
    let whole = |t: &str| match shape(t) {
        Shape::Of(_) => true,
        Shape::Csf => t.contains('.') && ids::parse(t).is_ok(),
        Shape::Ambiguous | Shape::Unknown => false,
    };
    let words: Vec<&str> = cell.split_whitespace().collect();
    (listed.len() == 1 && words.len() >= 2 && words.iter().all(|t| whole(t))).then_some(words)
}

impl Resolver {
    /// Active subcategory IDs in document order.
    pub(crate) fn subcategories(&self) -> &[String] {
        &self.subcategories
    }

    /// True when `s` is an active subcategory spelled exactly as the catalogue spells it.
    pub(crate) fn is_subcategory(&self, s: &str) -> bool {
        s.contains('-') && self.active.contains(s)
    }

    /// The framework this resolver answers for.
    pub(crate) fn framework(&self) -> &str {
        &self.framework
    }

    /// Resolves `input`; the error message names the input and suggests fixes.
    pub(crate) fn resolve(&self, input: &str) -> std::result::Result<Resolution, ValueError> {
        let parsed = match ids::parse(input) {
            Ok(p) => p,
            Err(e @ IdError::NonAscii { .. }) => {
                let sugg = match &e {
                    IdError::NonAscii { latin: Some(l), .. } if self.active.contains(l) => {
                        format!("; did you mean {l}?")
                    }
                    _ => String::new(),
                };
                return Err(ValueError::new(
                    input.trim(),
                    format!("`{}`: {e}{sugg}", input.trim()),
                ));
            }
            Err(e) => {
                let s = ids::suggest(input, self.subcategories.iter().map(String::as_str), 3);
                return Err(ValueError::new(
                    input.trim(),
                    format!("`{}`: {e}{}", input.trim(), ids::did_you_mean(&s)),
                ));
            }
        };
        let spelled = if self.padded {
            parsed.csf2()
        } else {
            parsed.csf11()
        };
        if self.active.contains(&spelled) {
            return Ok(Resolution::Active(spelled));
        }
        let old = parsed.csf11();
        if let Some(succ) = self.successors.get(&old) {
            if !succ.is_empty() {
                return Ok(Resolution::Legacy {
                    old,
                    successors: succ.clone(),
                });
            }
        }
        let pool: &[String] = match parsed.level() {
            Level::Subcategory => &self.subcategories,
            Level::Category => &self.categories,
            Level::Function => &self.functions,
        };
        let s = ids::suggest(&spelled, pool.iter().map(String::as_str), 3);
        Err(ValueError::new(
            input.trim(),
            format!(
                "`{}` is not a control of {}{}",
                input.trim(),
                self.framework,
                ids::did_you_mean(&s)
            ),
        ))
    }

    /// The subcategories `input` stands for, under `legacy`: an exact spelling at once; a
    /// function or category refused (naming a subcategory under it); a CSF 1.1 ID expanded to
    /// its successors or refused; anything else refused with the nearest real IDs.
    pub(crate) fn subcategories_for(
        &self,
        input: &str,
        legacy: Legacy,
    ) -> std::result::Result<Subcategories, ValueError> {
        if self.is_subcategory(input) {
            return Ok(Subcategories {
                ids: vec![input.to_string()],
                warning: None,
            });
        }
        match self.resolve(input)? {
            Resolution::Active(id) if id.contains('-') => Ok(Subcategories {
                ids: vec![id],
                warning: None,
            }),
            Resolution::Active(id) => Err(ValueError::new(
                input.trim(),
                format!(
                    "`{id}` is a function or category; expected a subcategory such as {}",
                    self.subcategories
                        .iter()
                        .find(|s| s.starts_with(id.as_str()))
                        .cloned()
                        .unwrap_or_else(|| "GV.OC-01".into())
                ),
            )),
            Resolution::Legacy { old, successors } => match legacy {
                Legacy::Expand => Ok(Subcategories {
                    warning: Some(format!(
                        "CSF 1.1 `{old}` recorded against CSF 2.0 {}",
                        successors.join(", ")
                    )),
                    ids: successors,
                }),
                Legacy::Refuse(why) => Err(ValueError::new(
                    input.trim(),
                    format!(
                        "`{old}` is a CSF 1.1 ID{why}; use its CSF 2.0 successor{}: {}",
                        if successors.len() > 1 { "s" } else { "" },
                        successors.join(", ")
                    ),
                )),
            },
        }
    }

    /// Resolves `input` to exactly one active subcategory or fails with a data error.
    /// A CSF 1.1 ID with one successor is accepted (the note says so).
    pub(crate) fn resolve_one(&self, input: &str) -> Result<(String, Option<String>)> {
        match self.resolve(input).map_err(|e| Error::Data(e.message))? {
            Resolution::Active(id) => Ok((id, None)),
            Resolution::Legacy { old, successors } if successors.len() == 1 => {
                let note = format!("CSF 1.1 `{old}` is {} in CSF 2.0", successors[0]);
                Ok((successors[0].clone(), Some(note)))
            }
            Resolution::Legacy { old, successors } => Err(Error::Data(format!(
                "CSF 1.1 `{old}` maps to several CSF 2.0 controls: {}; name one of them",
                successors.join(", ")
            ))),
        }
    }
}

impl Resolver {
    /// A resolver for `framework_id` of the catalogue (which must be loaded).
    pub(crate) fn load(cat: &Catalogue, framework_id: &str) -> Result<Resolver> {
        let set = cat.id_set(framework_id)?;
        let subcategories = set.subcategories;
        let categories = set.categories;
        let functions = set.functions;
        let padded = subcategories
            .first()
            .and_then(|s| s.rsplit_once('-'))
            .is_none_or(|(_, n)| n.len() >= 2);
        let active: HashSet<String> = subcategories
            .iter()
            .chain(&categories)
            .chain(&functions)
            .cloned()
            .collect();
        let order: HashMap<&str, usize> = subcategories
            .iter()
            .chain(&categories)
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let mut successors: HashMap<String, Vec<String>> = HashMap::new();
        for (old, new) in set.crosswalk {
            // Only successors at the same level are answers: a subcategory maps to subcategories.
            let same_level = old.contains('-') == new.contains('-');
            if same_level && active.contains(&new) {
                successors.entry(old).or_default().push(new);
            }
        }
        for v in successors.values_mut() {
            v.sort_by_key(|s| order.get(s.as_str()).copied().unwrap_or(usize::MAX));
            v.dedup();
        }
        Ok(Resolver {
            framework: framework_id.to_string(),
            padded,
            active,
            subcategories,
            categories,
            functions,
            successors,
            crosswalk: Crosswalk::load(cat, framework_id)?,
        })
    }

    /// NIST's CSF 1.1 -> 2.0 crosswalk of subcategories: each CSF 1.1 subcategory with its
    /// active CSF 2.0 successors, in CSF 1.1 order.
    pub(crate) fn csf11_table(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = self
            .successors
            .iter()
            .filter(|(old, new)| old.contains('-') && !new.is_empty())
            .map(|(old, new)| (old.clone(), new.clone()))
            .collect();
        out.sort_by_key(|(old, _)| csf11_order(old));
        out
    }

    /// The crosswalk of the referenced frameworks.
    pub(crate) fn crosswalk(&self) -> &Crosswalk {
        &self.crosswalk
    }

    /// The subcategories `input` stands for, read as `forced` says or, without it, as its shape
    /// says: a CSF ID as [`Resolver::subcategories_for`] reads it (a CSF 1.1 ID under
    /// `legacy`); an SP 800-53, ISO/IEC 27001 Annex A or CCM ID as the subcategories whose
    /// NIST references cite it (an SP 800-53 enhancement no subcategory cites as its base
    /// control, with a warning). An ID nothing cites, or whose shape fits several frameworks,
    /// is refused with what to do.
    pub(crate) fn map(
        &self,
        input: &str,
        forced: Option<RefFramework>,
        legacy: Legacy,
    ) -> std::result::Result<Mapped, ValueError> {
        let written = input.trim();
        if forced.is_none() && self.is_subcategory(written) {
            return Ok(Mapped {
                ids: vec![written.to_string()],
                from: None,
                warning: None,
            });
        }
        // Read as every ID input is: lookalike dashes and fullwidth characters normalised.
        let cleaned = ids::clean(written);
        if let Some(listed) = several_ids(&cleaned) {
            return Err(ValueError::new(
                written,
                format!(
                    "`{written}` names {} controls ({}); a row is recorded against one control ID: give each its own row",
                    listed.len(),
                    listed.join(", ")
                ),
            ));
        }
        let csf = |found: Subcategories, from: Option<RefFramework>| Mapped {
            from: from
                .or(found.warning.as_ref().map(|_| RefFramework::Csf11))
                .map(|f| (written.to_string(), f)),
            ids: found.ids,
            warning: found.warning,
        };
        match forced {
            Some(RefFramework::Csf2) => {
                let found = self.subcategories_for(
                    input,
                    Legacy::Refuse(" (--framework csf2 reads CSF 2.0 IDs only)"),
                )?;
                return Ok(csf(found, None));
            }
            Some(RefFramework::Csf11) => return self.map_csf11(written),
            Some(f) => return self.map_referenced(written, f, true),
            None => {}
        }
        match shape(&cleaned) {
            Shape::Of(f) => self.map_referenced(written, f, false),
            Shape::Ambiguous => Err(ValueError::new(
                written,
                format!(
                    "`{written}` could be ISO/IEC 27001:2022 Annex A control A.{written} or another framework's number; write A.{written}, or import with --framework iso27001"
                ),
            )),
            Shape::Csf | Shape::Unknown => match self.subcategories_for(written, legacy) {
                Ok(found) => Ok(csf(found, None)),
                // Not a CSF ID and no dot: perhaps another framework's ID, mistyped.
                Err(mut e) if !written.contains('.') => {
                    e.message.push_str(
                        " (other frameworks' control IDs are read too: SP 800-53 `AC-2`, ISO/IEC 27001 Annex A `A.5.15`, CCM `IAM-02`)",
                    );
                    Err(e)
                }
                Err(e) => Err(e),
            },
        }
    }

    /// A CSF 1.1 ID read through NIST's crosswalk (`--framework csf1.1`).
    fn map_csf11(&self, written: &str) -> std::result::Result<Mapped, ValueError> {
        let old = ids::parse(written).map(|p| p.csf11()).map_err(|e| {
            ValueError::new(
                written,
                format!("`{written}`: {e}; expected a CSF 1.1 ID such as PR.AC-1"),
            )
        })?;
        match self.successors.get(&old) {
            Some(successors) if !successors.is_empty() && old.contains('-') => Ok(Mapped {
                warning: Some(format!(
                    "CSF 1.1 `{old}` recorded against CSF 2.0 {}",
                    successors.join(", ")
                )),
                ids: successors.clone(),
                from: Some((written.to_string(), RefFramework::Csf11)),
            }),
            _ => {
                let known: Vec<&str> = self.successors.keys().map(String::as_str).collect();
                let s = ids::suggest(&old, known, 3);
                Err(ValueError::new(
                    written,
                    format!(
                        "`{written}` is not a CSF 1.1 subcategory with a CSF 2.0 successor{}",
                        ids::did_you_mean(&s)
                    ),
                ))
            }
        }
    }

    /// An ID of a referenced framework read through NIST's informative references.
    fn map_referenced(
        &self,
        written: &str,
        f: RefFramework,
        bare: bool,
    ) -> std::result::Result<Mapped, ValueError> {
        let Some(key) = f.key(&ids::clean(written), bare) else {
            return Err(ValueError::new(
                written,
                format!(
                    "`{written}` is not a {} control ID; expected e.g. {}",
                    f.label(),
                    f.example()
                ),
            ));
        };
        if let Some(ids) = self.crosswalk.cited(f, &key) {
            return Ok(Mapped {
                ids: ids.to_vec(),
                from: Some((written.to_string(), f)),
                warning: None,
            });
        }
        if let Some(base) = base_control(&key) {
            if let Some(ids) = self.crosswalk.cited(f, base) {
                return Ok(Mapped {
                    warning: Some(format!(
                        "{} {key} is cited by no CSF 2.0 subcategory; read as its base control {base}, cited by {}",
                        f.label(),
                        ids.join(", ")
                    )),
                    ids: ids.to_vec(),
                    from: Some((written.to_string(), f)),
                });
            }
        }
        let near = self.crosswalk.nearest(f, &key);
        Err(ValueError::new(
            written,
            format!(
                "{} {key} is cited by no CSF 2.0 subcategory in NIST's informative references{}",
                f.label(),
                if near.is_empty() {
                    String::new()
                } else {
                    format!("; cited nearby: {}", near.join(", "))
                }
            ),
        ))
    }
}
