//! Framework tables: storing a parsed framework, listing frameworks and controls, one
//! control in full, and comparing two frameworks.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Catalogue, now_utc};
use crate::error::{Error, Result};
use crate::ids::Level;
use crate::model::framework::{self as framework, FrameworkData};

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Function => "function",
        Level::Category => "category",
        Level::Subcategory => "subcategory",
    }
}

/// What replacing a framework changed, for the import's report.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ReplaceSummary {
    /// The framework existed before.
    pub replaced: bool,
    /// Subcategories whose text changed: (id, old text, new text).
    pub changed: Vec<(String, String, String)>,
    /// Active subcategories that are new.
    pub added: Vec<String>,
    /// Active subcategories that are gone.
    pub removed: Vec<String>,
}

fn sq(ctx: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |e| Error::sqlite(ctx, e)
}

/// Active subcategory texts of a framework, by ID.
fn subcategory_texts(tx: &rusqlite::Connection, framework_id: &str) -> Result<BTreeMap<String, String>> {
    let mut st = tx
        .prepare(
            "SELECT id, text FROM element
             WHERE framework_id = ?1 AND level = 'subcategory' AND withdrawn IS NULL",
        )
        .map_err(sq("reading subcategories"))?;
    let rows = st
        .query_map([framework_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(sq("reading subcategories"))?;
    rows.collect::<Result<_, _>>()
        .map_err(sq("reading subcategories"))
}

/// Compares two sets of subcategory texts.
fn compare(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> ReplaceSummary {
    let mut s = ReplaceSummary {
        replaced: !old.is_empty(),
        ..ReplaceSummary::default()
    };
    for (id, text) in new {
        match old.get(id) {
            None => s.added.push(id.clone()),
            Some(t) if t != text => s.changed.push((id.clone(), t.clone(), text.clone())),
            Some(_) => {}
        }
    }
    s.removed = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    s
}

/// Replaces (or inserts) a framework and everything below it, inside the caller's transaction.
pub(super) fn store(tx: &Transaction<'_>, data: &FrameworkData, origin: &str) -> Result<ReplaceSummary> {
    let old = subcategory_texts(tx, &data.id)?;
    tx.execute("DELETE FROM framework WHERE id = ?1", [&data.id])
        .map_err(sq("removing the previous framework"))?;
    tx.execute(
        "INSERT INTO framework(id, name, version, source_name, source_sha256, source_date, origin, loaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            data.id,
            data.name,
            data.version,
            data.source_name,
            data.source_sha256,
            data.source_date,
            origin,
            now_utc()
        ],
    )
    .map_err(sq("storing the framework"))?;
    let mut el = tx
        .prepare(
            "INSERT INTO element(framework_id, id, level, parent_id, title, text, seq, withdrawn)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(sq("storing elements"))?;
    let mut ex = tx
        .prepare(
            "INSERT INTO example(framework_id, element_id, seq, label, text) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(sq("storing examples"))?;
    let mut rf = tx
        .prepare(
            "INSERT INTO reference(framework_id, element_id, seq, source, ref) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(sq("storing references"))?;
    for (i, e) in data.elements.iter().enumerate() {
        el.execute(params![
            data.id,
            e.id,
            level_name(e.level),
            e.parent,
            e.title,
            e.text,
            i as i64,
            e.withdrawn.as_ref().map(|w| w.note.clone())
        ])
        .map_err(sq("storing elements"))?;
        for (j, (label, text)) in e.examples.iter().enumerate() {
            ex.execute(params![data.id, e.id, j as i64, label, text])
                .map_err(sq("storing examples"))?;
        }
        for (j, (source, r)) in e.references.iter().enumerate() {
            rf.execute(params![data.id, e.id, j as i64, source, r])
                .map_err(sq("storing references"))?;
        }
    }
    let mut sw = tx
        .prepare(
            "INSERT OR IGNORE INTO successor(framework_id, old_id, new_id, relation) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(sq("storing the crosswalk"))?;
    for (old_id, new_id, rel) in framework::crosswalk(data) {
        sw.execute(params![data.id, old_id, new_id, rel])
            .map_err(sq("storing the crosswalk"))?;
    }
    super::digest::record(tx, super::digest::Subject::Framework, &data.id)?;
    let new = subcategory_texts(tx, &data.id)?;
    Ok(compare(&old, &new))
}

/// A loaded framework with its counts.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FrameworkRow {
    /// Catalogue ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Active functions.
    pub functions: i64,
    /// Active categories.
    pub categories: i64,
    /// Active subcategories.
    pub subcategories: i64,
    /// Withdrawn elements kept for the crosswalk.
    pub withdrawn: i64,
    /// Source file name.
    pub source: String,
    /// Source SHA-256.
    pub source_sha256: String,
    /// Date stated in the source.
    pub source_date: Option<String>,
    /// `embedded` or `imported`.
    pub origin: String,
    /// When it was loaded into this catalogue.
    pub loaded_at: String,
}

/// Filters for [`Catalogue::controls`].
#[derive(Debug, Clone, Default)]
pub(crate) struct ControlFilter {
    /// Framework ID.
    pub framework: String,
    /// Function code, e.g. `GV`.
    pub function: Option<String>,
    /// Category ID, e.g. `GV.OC`.
    pub category: Option<String>,
    /// Case-insensitive text to find in the ID, text, category or function name, or examples.
    pub search: Option<String>,
}

/// One subcategory in a listing.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ControlRow {
    /// ID.
    pub id: String,
    /// Function code.
    pub function: String,
    /// Category ID.
    pub category: String,
    /// Official text.
    pub text: String,
}

/// A related element in another framework (predecessor or successor).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Linked {
    /// Its ID.
    pub id: String,
    /// `reference`, `incorporated_into` or `moved_to`.
    pub relation: String,
    /// Its text, when that framework is loaded.
    pub text: Option<String>,
}

/// One element in full.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ControlDetail {
    /// Framework ID.
    pub framework: String,
    /// Framework name and version, for display.
    pub framework_title: String,
    /// Element ID.
    pub id: String,
    /// `function`, `category` or `subcategory`.
    pub level: String,
    /// Official text.
    pub text: String,
    /// Function ID and name.
    pub function: Option<(String, String)>,
    /// Category ID and name.
    pub category: Option<(String, String)>,
    /// Withdrawal note, for a withdrawn element.
    pub withdrawn: Option<String>,
    /// Implementation examples (label, text).
    pub examples: Vec<(String, String)>,
    /// Informative references (source, reference).
    pub references: Vec<(String, String)>,
    /// CSF 1.1 predecessors (for a CSF 2.0 element).
    pub predecessors: Vec<Linked>,
    /// CSF 2.0 successors (for a CSF 1.1 element).
    pub successors: Vec<Linked>,
}

impl Catalogue {
    /// Replaces a framework atomically with `data` (import path).
    pub(crate) fn replace_framework(&mut self, data: &FrameworkData) -> Result<ReplaceSummary> {
        self.write("importing the framework", |tx| store(tx, data, "imported"))
    }

    /// Whether a framework is loaded.
    pub(crate) fn has_framework(&self, id: &str) -> Result<bool> {
        self.conn
            .query_row("SELECT 1 FROM framework WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err("reading frameworks", e))
    }

    /// Errors with the list of loaded frameworks unless `id` is loaded.
    pub(crate) fn require_framework(&self, id: &str) -> Result<()> {
        if self.has_framework(id)? {
            return Ok(());
        }
        let ids: Vec<String> = self.frameworks()?.into_iter().map(|f| f.id).collect();
        Err(Error::NotInCatalogue {
            kind: "framework",
            name: id.to_string(),
            hint: format!("; loaded: {} (see `csfkit frameworks`)", ids.join(", ")),
        })
    }

    /// The loaded frameworks, with counts.
    pub(crate) fn frameworks(&self) -> Result<Vec<FrameworkRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT f.id, f.name, f.version,
                    (SELECT count(*) FROM element e WHERE e.framework_id = f.id AND e.level = 'function' AND e.withdrawn IS NULL),
                    (SELECT count(*) FROM element e WHERE e.framework_id = f.id AND e.level = 'category' AND e.withdrawn IS NULL),
                    (SELECT count(*) FROM element e WHERE e.framework_id = f.id AND e.level = 'subcategory' AND e.withdrawn IS NULL),
                    (SELECT count(*) FROM element e WHERE e.framework_id = f.id AND e.withdrawn IS NOT NULL),
                    f.source_name, f.source_sha256, f.source_date, f.origin, f.loaded_at
                 FROM framework f ORDER BY f.id DESC",
            )
            .map_err(|e| self.err("listing frameworks", e))?;
        let rows = st
            .query_map([], |r| {
                Ok(FrameworkRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    version: r.get(2)?,
                    functions: r.get(3)?,
                    categories: r.get(4)?,
                    subcategories: r.get(5)?,
                    withdrawn: r.get(6)?,
                    source: r.get(7)?,
                    source_sha256: r.get(8)?,
                    source_date: r.get(9)?,
                    origin: r.get(10)?,
                    loaded_at: r.get(11)?,
                })
            })
            .map_err(|e| self.err("listing frameworks", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("listing frameworks", e))
    }

    /// Active subcategories matching `filter`, in document order.
    pub(crate) fn controls(&self, filter: &ControlFilter) -> Result<Vec<ControlRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.id, f.id, c.id, s.text
                 FROM element s
                 JOIN element c ON c.framework_id = s.framework_id AND c.id = s.parent_id
                 JOIN element f ON f.framework_id = s.framework_id AND f.id = c.parent_id
                 WHERE s.framework_id = ?1 AND s.level = 'subcategory' AND s.withdrawn IS NULL
                   AND (?2 IS NULL OR f.id = ?2)
                   AND (?3 IS NULL OR c.id = ?3)
                   AND (?4 IS NULL
                        OR lower(s.id || ' ' || s.text || ' ' || c.title || ' ' || f.title) LIKE ?4 ESCAPE '\\'
                        OR EXISTS (SELECT 1 FROM example x
                                   WHERE x.framework_id = s.framework_id AND x.element_id = s.id
                                     AND lower(x.text) LIKE ?4 ESCAPE '\\'))
                 ORDER BY s.seq",
            )
            .map_err(|e| self.err("listing controls", e))?;
        // Searched in the ID, text, category and function names, and implementation examples.
        let pattern = filter.search.as_ref().map(|s| {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        let rows = st
            .query_map(
                params![filter.framework, filter.function, filter.category, pattern],
                |r| {
                    Ok(ControlRow {
                        id: r.get(0)?,
                        function: r.get(1)?,
                        category: r.get(2)?,
                        text: r.get(3)?,
                    })
                },
            )
            .map_err(|e| self.err("listing controls", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("listing controls", e))
    }

    /// One element in full. `id` must be the framework's exact spelling.
    pub(crate) fn control_detail(&self, framework_id: &str, id: &str) -> Result<Option<ControlDetail>> {
        let fw: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT name, version FROM framework WHERE id = ?1",
                [framework_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err("reading the framework", e))?;
        let Some((fw_name, fw_version)) = fw else {
            return Ok(None);
        };
        let el: Option<(String, Option<String>, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT level, parent_id, text, withdrawn FROM element WHERE framework_id = ?1 AND id = ?2",
                [framework_id, id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(|e| self.err("reading the control", e))?;
        let Some((level, parent, text, withdrawn)) = el else {
            return Ok(None);
        };
        let element = |eid: &str| -> Result<Option<(String, String, Option<String>)>> {
            self.conn
                .query_row(
                    "SELECT id, title, parent_id FROM element WHERE framework_id = ?1 AND id = ?2",
                    [framework_id, eid],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(|e| self.err("reading the control", e))
        };
        let (function, category) = match level.as_str() {
            "subcategory" => {
                let cat = match &parent {
                    Some(p) => element(p)?,
                    None => None,
                };
                let func = match cat.as_ref().and_then(|c| c.2.clone()) {
                    Some(f) => element(&f)?,
                    None => None,
                };
                (func.map(|f| (f.0, f.1)), cat.map(|c| (c.0, c.1)))
            }
            "category" => {
                let func = match &parent {
                    Some(p) => element(p)?,
                    None => None,
                };
                let me = element(id)?;
                (func.map(|f| (f.0, f.1)), me.map(|c| (c.0, c.1)))
            }
            _ => (element(id)?.map(|f| (f.0, f.1)), None),
        };
        let pairs = |sql: &str| -> Result<Vec<(String, String)>> {
            let mut st = self
                .conn
                .prepare(sql)
                .map_err(|e| self.err("reading the control", e))?;
            let rows = st
                .query_map([framework_id, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err("reading the control", e))?;
            rows.collect::<Result<_, _>>()
                .map_err(|e| self.err("reading the control", e))
        };
        let examples = pairs(
            "SELECT label, text FROM example WHERE framework_id = ?1 AND element_id = ?2 ORDER BY seq",
        )?;
        let references = pairs(
            "SELECT source, ref FROM reference WHERE framework_id = ?1 AND element_id = ?2 ORDER BY seq",
        )?;
        let mut predecessors = Vec::new();
        let mut successors = Vec::new();
        if framework_id != "nist-csf-1.1" {
            // Predecessors: 1.1 IDs that lead here.
            let mut st = self
                .conn
                .prepare(
                    "SELECT s.old_id, group_concat(s.relation, ', '), e.text FROM successor s
                     LEFT JOIN element e ON e.framework_id = 'nist-csf-1.1' AND e.id = s.old_id
                     WHERE s.framework_id = ?1 AND s.new_id = ?2
                     GROUP BY s.old_id ORDER BY coalesce(e.seq, 1e9), s.old_id",
                )
                .map_err(|e| self.err("reading the crosswalk", e))?;
            let rows = st
                .query_map([framework_id, id], |r| {
                    Ok(Linked {
                        id: r.get(0)?,
                        relation: r.get(1)?,
                        text: r.get(2)?,
                    })
                })
                .map_err(|e| self.err("reading the crosswalk", e))?;
            predecessors = rows
                .collect::<Result<_, _>>()
                .map_err(|e| self.err("reading the crosswalk", e))?;
        }
        if framework_id == "nist-csf-1.1" || withdrawn.is_some() {
            let old = crate::ids::parse(id)
                .map(|p| p.csf11())
                .unwrap_or_else(|_| id.to_string());
            successors = self.successors_of(&old)?;
        }
        Ok(Some(ControlDetail {
            framework: framework_id.to_string(),
            framework_title: format!("{fw_name} {fw_version}"),
            id: id.to_string(),
            level,
            text,
            function,
            category,
            withdrawn,
            examples,
            references,
            predecessors,
            successors,
        }))
    }

    /// CSF 2.0 successors of a CSF 1.1 ID (unpadded spelling), in CSF 2.0 document order.
    pub(crate) fn successors_of(&self, old_id: &str) -> Result<Vec<Linked>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.new_id, group_concat(s.relation, ', '), e.text FROM successor s
                 LEFT JOIN element e ON e.framework_id = s.framework_id AND e.id = s.new_id
                 WHERE s.framework_id = ?1 AND s.old_id = ?2
                 GROUP BY s.new_id ORDER BY e.seq",
            )
            .map_err(|e| self.err("reading the crosswalk", e))?;
        let rows = st
            .query_map([crate::model::framework::DEFAULT_FRAMEWORK, old_id], |r| {
                Ok(Linked {
                    id: r.get(0)?,
                    relation: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .map_err(|e| self.err("reading the crosswalk", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("reading the crosswalk", e))
    }

    /// Compares the active subcategory texts of two loaded frameworks.
    pub(crate) fn diff_frameworks(&self, old: &str, new: &str) -> Result<ReplaceSummary> {
        self.require_framework(old)?;
        self.require_framework(new)?;
        let a = subcategory_texts(&self.conn, old)?;
        let b = subcategory_texts(&self.conn, new)?;
        Ok(compare(&a, &b))
    }

    /// Every active element of a framework (function, category, subcategory) with its place in
    /// document order.
    pub(crate) fn element_order(&self, framework_id: &str) -> Result<HashMap<String, i64>> {
        let mut st = self
            .conn
            .prepare("SELECT id, seq FROM element WHERE framework_id = ?1 AND withdrawn IS NULL")
            .map_err(|e| self.err("reading control IDs", e))?;
        let rows = st
            .query_map([framework_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(|e| self.err("reading control IDs", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("reading control IDs", e))
    }

    /// Every active element of a framework in document order: (ID, title, text). A function's
    /// and a category's text is its description; a subcategory's its outcome.
    pub(crate) fn elements(&self, framework_id: &str) -> Result<Vec<(String, String, String)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, title, text FROM element WHERE framework_id = ?1 AND withdrawn IS NULL ORDER BY seq",
            )
            .map_err(|e| self.err("reading the framework", e))?;
        let rows = st
            .query_map([framework_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.err("reading the framework", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("reading the framework", e))
    }

    /// Active element IDs of a framework in document order, by level.
    pub(crate) fn element_ids(&self, framework_id: &str) -> Result<HashMap<&'static str, Vec<String>>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT level, id FROM element WHERE framework_id = ?1 AND withdrawn IS NULL ORDER BY seq",
            )
            .map_err(|e| self.err("reading control IDs", e))?;
        let rows = st
            .query_map([framework_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err("reading control IDs", e))?;
        let mut out: HashMap<&'static str, Vec<String>> = HashMap::new();
        for row in rows {
            let (level, id) = row.map_err(|e| self.err("reading control IDs", e))?;
            let key = match level.as_str() {
                "function" => "function",
                "category" => "category",
                _ => "subcategory",
            };
            out.entry(key).or_default().push(id);
        }
        Ok(out)
    }
}

impl Catalogue {
    /// Every active subcategory of a framework (document order) with its references of one
    /// source (e.g. `SP 800-53 Rev 5.2.0`), possibly none.
    pub(crate) fn references_by_source(
        &self,
        framework_id: &str,
        source: &str,
    ) -> Result<Vec<(String, Vec<String>)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT e.id, r.ref FROM element e
                 LEFT JOIN reference r ON r.framework_id = e.framework_id AND r.element_id = e.id AND r.source = ?2
                 WHERE e.framework_id = ?1 AND e.level = 'subcategory' AND e.withdrawn IS NULL
                 ORDER BY e.seq, r.seq",
            )
            .map_err(|e| self.err("reading references", e))?;
        let rows = st
            .query_map([framework_id, source], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|e| self.err("reading references", e))?;
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for row in rows {
            let (id, r) = row.map_err(|e| self.err("reading references", e))?;
            if out.last().is_none_or(|(last, _)| *last != id) {
                out.push((id, Vec::new()));
            }
            if let (Some(r), Some(last)) = (r, out.last_mut()) {
                last.1.push(r);
            }
        }
        Ok(out)
    }
}
