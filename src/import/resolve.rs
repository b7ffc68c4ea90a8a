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

/// What an input resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
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
pub enum Legacy {
    /// Record it against its CSF 2.0 successors, with a warning (evidence).
    Expand,
    /// Refuse it, naming its successors; the text says why (`--strict`, a matrix).
    Refuse(&'static str),
}

/// The CSF 2.0 subcategories an input stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subcategories {
    /// One ID, or the successors of a CSF 1.1 ID (in document order).
    pub ids: Vec<String>,
    /// Said when a CSF 1.1 ID was expanded.
    pub warning: Option<String>,
}

/// Resolves IDs against one framework.
#[derive(Debug, Clone)]
pub struct Resolver {
    framework: String,
    padded: bool,
    active: HashSet<String>,
    subcategories: Vec<String>,
    categories: Vec<String>,
    functions: Vec<String>,
    successors: HashMap<String, Vec<String>>,
}

impl Resolver {
    /// Active subcategory IDs in document order.
    pub fn subcategories(&self) -> &[String] {
        &self.subcategories
    }

    /// True when `s` is an active subcategory spelled exactly as the catalogue spells it.
    pub fn is_subcategory(&self, s: &str) -> bool {
        s.contains('-') && self.active.contains(s)
    }

    /// The framework this resolver answers for.
    pub fn framework(&self) -> &str {
        &self.framework
    }

    /// Resolves `input`; the error message names the input and suggests fixes.
    pub fn resolve(&self, input: &str) -> std::result::Result<Resolution, ValueError> {
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
    pub fn subcategories_for(
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
    pub fn resolve_one(&self, input: &str) -> Result<(String, Option<String>)> {
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
    pub fn load(cat: &Catalogue, framework_id: &str) -> Result<Resolver> {
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
        })
    }
}
