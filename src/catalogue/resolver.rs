//! Turning what a user typed into a control of the catalogue.
//!
//! A [`Resolver`] holds the IDs of one framework (loaded once per command, so resolving a
//! million spreadsheet cells costs no query each) and the CSF 1.1 → 2.0 crosswalk. It answers
//! with the exact catalogue spelling, the CSF 2.0 successors of a CSF 1.1 ID, or an error that
//! suggests the nearest real IDs.

use std::collections::{HashMap, HashSet};

use super::Catalogue;
use crate::error::{Error, Result};
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
    pub fn resolve(&self, input: &str) -> std::result::Result<Resolution, String> {
        let parsed = match ids::parse(input) {
            Ok(p) => p,
            Err(e @ IdError::NonAscii { .. }) => {
                let sugg = match &e {
                    IdError::NonAscii { latin: Some(l), .. } if self.active.contains(l) => {
                        format!("; did you mean {l}?")
                    }
                    _ => String::new(),
                };
                return Err(format!("`{}`: {e}{sugg}", input.trim()));
            }
            Err(e) => {
                let s = ids::suggest(input, self.subcategories.iter().map(String::as_str), 3);
                return Err(format!("`{}`: {e}{}", input.trim(), ids::did_you_mean(&s)));
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
        Err(format!(
            "`{}` is not a control of {}{}",
            input.trim(),
            self.framework,
            ids::did_you_mean(&s)
        ))
    }

    /// Resolves `input` to exactly one active subcategory or fails with a data error.
    /// A CSF 1.1 ID with one successor is accepted (the note says so).
    pub fn resolve_one(&self, input: &str) -> Result<(String, Option<String>)> {
        match self.resolve(input).map_err(Error::Data)? {
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

impl Catalogue {
    /// A resolver for `framework_id` (which must be loaded).
    pub fn resolver(&self, framework_id: &str) -> Result<Resolver> {
        self.require_framework(framework_id)?;
        let mut ids = self.element_ids(framework_id)?;
        let subcategories = ids.remove("subcategory").unwrap_or_default();
        let categories = ids.remove("category").unwrap_or_default();
        let functions = ids.remove("function").unwrap_or_default();
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
        let mut st = self
            .conn()
            .prepare("SELECT DISTINCT old_id, new_id FROM successor WHERE framework_id = ?1")
            .map_err(|e| self.err("reading the crosswalk", e))?;
        let rows = st
            .query_map([framework_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err("reading the crosswalk", e))?;
        for row in rows {
            let (old, new) = row.map_err(|e| self.err("reading the crosswalk", e))?;
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
