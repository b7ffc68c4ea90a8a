//! Content digests of the data csfkit loads and keeps as loaded: each framework's texts, each
//! provider's responsibility matrix and the assessment scope. They are not append-only logs
//! (a matrix imported again replaces the old one), so they are outside the history chains; a
//! digest of each, recorded in the transaction that stores it and recomputed by `csfkit check`,
//! finds a change made behind csfkit's back (`UPDATE responsibility SET ownership = 'inherited'`
//! would otherwise erase every gap unseen).
//!
//! # Encoding (version 1)
//!
//! One digest per part of a subject (the rows of one table), `SHA-256` over: the line
//! `csfkit-content-v1`; the subject (`framework`, `provider` or `scope`), its ID (empty for the
//! scope) and the part's name (its table) as fields; then per row, ordered by the key columns
//! [`PARTS`] gives, the line `row` and the columns [`PARTS`] lists as fields. Fields are written
//! as in the history chains ([`super::chain`]): UTF-8 length in decimal, a colon, the bytes, a
//! newline; NULL is the line `-`; an integer in decimal.
//!
//! With each digest the first 8 bytes of the SHA-256 of each row's fields are kept, in row
//! order, so that `check` names the rows that changed (`PR.AA-01 iaas`), not only the table.

use rusqlite::{Connection, params};

use super::chain::Encoder;
use crate::error::{Error, Result};

/// The migration (1-based) that adds the digests; what is already loaded then is recorded by it.
pub(crate) const MIGRATION: usize = 9;

/// What a digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Subject {
    /// A framework catalogue: its row, elements, examples, references and crosswalk.
    Framework,
    /// A provider: its row, responsibility cells and the source rows behind projected cells.
    Provider,
    /// The assessment scope.
    Scope,
}

impl Subject {
    /// The name stored in `content_digest.subject`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Subject::Framework => "framework",
            Subject::Provider => "provider",
            Subject::Scope => "scope",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Subject::Framework, Subject::Provider, Subject::Scope]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// What one is called in messages (`responsibility matrix `aws``).
    pub(crate) fn label(self, id: &str) -> String {
        match self {
            Subject::Framework => format!("framework `{id}`"),
            Subject::Provider => format!("responsibility matrix `{id}`"),
            Subject::Scope => "the assessment scope".into(),
        }
    }
}

/// One part of a subject: the rows of one table.
pub(crate) struct Part {
    /// The subject it belongs to.
    pub subject: Subject,
    /// The table (also the part's name).
    pub table: &'static str,
    /// The column that holds the subject's ID (None: the table has one row, the scope).
    key: Option<&'static str>,
    /// The columns, in encoding order.
    pub columns: &'static [&'static str],
    /// The columns that name a row in messages (`PR.AA-01 iaas`), also its order.
    key_columns: &'static [&'static str],
    /// What the rows are, in messages.
    pub what: &'static str,
}

/// Every part, per subject in this order.
pub(crate) const PARTS: &[Part] = &[
    Part {
        subject: Subject::Framework,
        table: "framework",
        key: Some("id"),
        columns: &[
            "id",
            "name",
            "version",
            "source_name",
            "source_sha256",
            "source_date",
            "origin",
            "loaded_at",
        ],
        key_columns: &["id"],
        what: "its name, version or source",
    },
    Part {
        subject: Subject::Framework,
        table: "element",
        key: Some("framework_id"),
        columns: &["id", "level", "parent_id", "title", "text", "seq", "withdrawn"],
        key_columns: &["id"],
        what: "its functions, categories and subcategories",
    },
    Part {
        subject: Subject::Framework,
        table: "example",
        key: Some("framework_id"),
        columns: &["element_id", "seq", "label", "text"],
        key_columns: &["element_id", "seq"],
        what: "its implementation examples",
    },
    Part {
        subject: Subject::Framework,
        table: "reference",
        key: Some("framework_id"),
        columns: &["element_id", "seq", "source", "ref"],
        key_columns: &["element_id", "seq"],
        what: "its informative references",
    },
    Part {
        subject: Subject::Framework,
        table: "successor",
        key: Some("framework_id"),
        columns: &["old_id", "new_id", "relation"],
        key_columns: &["old_id", "new_id", "relation"],
        what: "its CSF 1.1 crosswalk",
    },
    Part {
        subject: Subject::Provider,
        table: "provider",
        key: Some("id"),
        columns: &[
            "id",
            "name",
            "services",
            "source",
            "source_sha256",
            "layout",
            "origin",
            "loaded_at",
        ],
        key_columns: &["id"],
        what: "its name, service models or source",
    },
    Part {
        subject: Subject::Provider,
        table: "responsibility",
        key: Some("provider_id"),
        columns: &[
            "control_id",
            "service",
            "ownership",
            "basis",
            "citation",
            "provider_responsibility",
            "customer_responsibility",
            "seq",
            "answers_yes",
            "answers_partial",
            "answers_no",
            "answers_unanswered",
        ],
        key_columns: &["control_id", "service"],
        what: "its cells (ownership and responsibilities)",
    },
    Part {
        subject: Subject::Provider,
        table: "responsibility_source",
        key: Some("provider_id"),
        columns: &[
            "control_id",
            "service",
            "seq",
            "reference",
            "answer",
            "sheet",
            "source_row",
            "written_id",
            "written_answer",
            "text",
        ],
        key_columns: &["control_id", "service", "seq"],
        what: "the source rows behind its projected cells",
    },
    Part {
        subject: Subject::Scope,
        table: "scope",
        key: None,
        columns: &["system", "provider_id", "services", "set_by", "set_at"],
        key_columns: &[],
        what: "its system, provider or service models",
    },
];

/// How many bytes of a row's SHA-256 are kept to name the rows that changed.
const ROW_DIGEST: usize = 8;

/// One part as the catalogue holds it now: the SHA-256 of its rows (see the module
/// documentation) and, per row, its name (its key columns) and the first [`ROW_DIGEST`] bytes
/// of the SHA-256 of its encoding.
struct Computed {
    sha256: String,
    rows: Vec<(String, [u8; ROW_DIGEST])>,
}

fn compute(conn: &Connection, part: &Part, id: &str) -> Result<Computed> {
    let err = |e| Error::sqlite("computing a content digest", e);
    let filter = part.key.map(|k| format!(" WHERE {k} = ?1")).unwrap_or_default();
    let order = if part.key_columns.is_empty() {
        "rowid".to_string()
    } else {
        part.key_columns.join(", ")
    };
    let sql = format!(
        "SELECT {}, {order} FROM {}{filter} ORDER BY {order}",
        part.columns.join(", "),
        part.table,
    );
    let mut st = conn.prepare(&sql).map_err(err)?;
    let mut rows = if part.key.is_some() {
        st.query([id]).map_err(err)?
    } else {
        st.query([]).map_err(err)?
    };
    let mut enc = Encoder::with_header(b"csfkit-content-v1\n");
    enc.bytes(part.subject.as_str().as_bytes());
    enc.bytes(id.as_bytes());
    enc.bytes(part.table.as_bytes());
    let mut out = Vec::new();
    let n = part.columns.len();
    while let Some(r) = rows.next().map_err(err)? {
        enc.raw(b"row\n");
        let mut one = Encoder::with_header(b"");
        for i in 0..n {
            let v = r.get_ref(i).map_err(err)?;
            enc.value(v);
            one.value(v);
        }
        let name = (0..part.key_columns.len())
            .map(|i| {
                r.get_ref(n + i).map(|v| match v {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    _ => String::new(),
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?
            .join(" ");
        let full = one.finish_bytes();
        let mut short = [0u8; ROW_DIGEST];
        short.copy_from_slice(&full[..ROW_DIGEST]);
        out.push((name, short));
    }
    Ok(Computed {
        sha256: enc.finish(),
        rows: out,
    })
}

/// Records the digests of a subject just stored (inside the caller's transaction), replacing
/// the ones it had.
pub(crate) fn record(conn: &Connection, subject: Subject, id: &str) -> Result<()> {
    let err = |e| Error::sqlite("recording a content digest", e);
    conn.execute(
        "DELETE FROM content_digest WHERE subject = ?1 AND id = ?2",
        params![subject.as_str(), id],
    )
    .map_err(err)?;
    for part in PARTS.iter().filter(|p| p.subject == subject) {
        let c = compute(conn, part, id)?;
        let rows: Vec<u8> = c.rows.iter().flat_map(|(_, d)| *d).collect();
        conn.execute(
            "INSERT INTO content_digest(subject, id, part, rows, sha256, row_digests) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![subject.as_str(), id, part.table, c.rows.len() as i64, c.sha256, rows],
        )
        .map_err(err)?;
    }
    Ok(())
}

/// The subjects the catalogue holds now: every framework, every provider, the scope if set.
fn present(conn: &Connection) -> Result<Vec<(Subject, String)>> {
    let err = |e| Error::sqlite("reading the catalogue", e);
    let mut out = Vec::new();
    for (subject, sql) in [
        (Subject::Framework, "SELECT id FROM framework ORDER BY id"),
        (Subject::Provider, "SELECT id FROM provider ORDER BY id"),
        (Subject::Scope, "SELECT '' FROM scope"),
    ] {
        let mut st = conn.prepare(sql).map_err(err)?;
        let ids: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?;
        out.extend(ids.into_iter().map(|id| (subject, id)));
    }
    Ok(out)
}

/// Records the digests of everything loaded (the migration that adds them).
pub(crate) fn backfill(conn: &Connection) -> Result<()> {
    for (subject, id) in present(conn)? {
        record(conn, subject, &id)?;
    }
    Ok(())
}

/// What `check` found for one subject.
#[derive(Debug, Clone)]
pub(crate) struct SubjectCheck {
    /// The subject.
    pub subject: Subject,
    /// Its ID (empty for the scope).
    pub id: String,
    /// Rows covered, as the catalogue holds them now.
    pub rows: i64,
    /// SHA-256 over its parts' digests as computed now, in [`PARTS`] order.
    pub digest: String,
    /// `ok`, `changed`, `unrecorded` (no digest: stored by something other than csfkit) or
    /// `removed` (a digest without its subject).
    pub status: &'static str,
    /// What does not match, as sentences.
    pub problems: Vec<String>,
}

impl SubjectCheck {
    /// The name in `check`'s listing: `framework:nist-csf-2.0`, `provider:aws`, `scope`.
    pub(crate) fn name(&self) -> String {
        if self.id.is_empty() {
            self.subject.as_str().to_string()
        } else {
            format!("{}:{}", self.subject.as_str(), self.id)
        }
    }
}

/// Rows named in a message before the rest are counted.
const SHOWN_ROWS: usize = 5;

/// One recorded part: subject, ID, table, rows, SHA-256, row digests.
type Recorded = (String, String, String, i64, String, Vec<u8>);

/// Recomputes the digest of every subject the catalogue holds or has a digest for, and compares
/// each part with the one recorded when it was stored; a part that differs names its rows that
/// are not among the recorded ones (changed or added) and counts the recorded rows it lacks.
pub(crate) fn verify(conn: &Connection) -> Result<Vec<SubjectCheck>> {
    verify_some(conn, None)
}

/// [`verify`] for one subject only (an export checks the matrix it cites).
pub(crate) fn verify_one(conn: &Connection, subject: Subject, id: &str) -> Result<SubjectCheck> {
    let mut found = verify_some(conn, Some((subject, id)))?;
    found
        .pop()
        .ok_or_else(|| Error::Bug(format!("no digest check for {}", subject.label(id))))
}

fn verify_some(conn: &Connection, only: Option<(Subject, &str)>) -> Result<Vec<SubjectCheck>> {
    let err = |e| Error::sqlite("reading the content digests", e);
    let recorded: Vec<Recorded> = {
        let mut st = conn
            .prepare(
                "SELECT subject, id, part, rows, sha256, row_digests FROM content_digest ORDER BY subject, id, part",
            )
            .map_err(err)?;
        st.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .map_err(err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(err)?
    };
    let mut here = present(conn)?;
    let keep = |s: Subject, i: &str| only.is_none_or(|(os, oi)| os == s && oi == i);
    here.retain(|(s, i)| keep(*s, i));
    let recorded: Vec<Recorded> = recorded
        .into_iter()
        .filter(|(s, i, ..)| Subject::parse(s).is_some_and(|s| keep(s, i)))
        .collect();
    let mut subjects = here.clone();
    for (s, id, ..) in &recorded {
        if let Some(subject) = Subject::parse(s) {
            if !subjects.iter().any(|(k, i)| *k == subject && i == id) {
                subjects.push((subject, id.clone()));
            }
        }
    }
    subjects.sort();
    let mut out = Vec::new();
    for (subject, id) in subjects {
        let label = subject.label(&id);
        let mine: Vec<&Recorded> = recorded
            .iter()
            .filter(|(s, i, ..)| s == subject.as_str() && *i == id)
            .collect();
        let mut check = SubjectCheck {
            subject,
            id: id.clone(),
            rows: 0,
            digest: String::new(),
            status: "ok",
            problems: Vec::new(),
        };
        if !here.iter().any(|(k, i)| *k == subject && *i == id) {
            check.status = "removed";
            check.problems.push(format!(
                "{label} was stored by csfkit and is no longer in the catalogue: it was removed behind csfkit's back"
            ));
            out.push(check);
            continue;
        }
        if mine.is_empty() {
            check.status = "unrecorded";
            check.problems.push(format!(
                "{label} has no recorded digest: it was stored by something other than csfkit"
            ));
        }
        let mut all = Encoder::with_header(b"csfkit-content-v1\n");
        for part in PARTS.iter().filter(|p| p.subject == subject) {
            let now = compute(conn, part, &id)?;
            check.rows += now.rows.len() as i64;
            all.bytes(now.sha256.as_bytes());
            if mine.is_empty() {
                continue;
            }
            let what = format!(
                "{label}: {} changed behind csfkit's back, table `{}`",
                part.what, part.table
            );
            match mine.iter().find(|(_, _, p, ..)| p == part.table) {
                Some((.., was, _)) if *was == now.sha256 => {}
                Some((.., was_rows, was, row_digests)) => {
                    check.status = "changed";
                    check.problems.push(format!(
                        "{what}: {} (recorded digest {was}, computed {})",
                        differences(&now.rows, *was_rows, row_digests),
                        now.sha256
                    ));
                }
                None => {
                    check.status = "changed";
                    check.problems.push(format!("{what}: it has no recorded digest"));
                }
            }
        }
        check.digest = all.finish();
        out.push(check);
    }
    Ok(out)
}

/// Which rows differ from the recorded ones, in words: the rows whose digest is not among the
/// recorded ones (changed or added; the first few by name) and the recorded rows matched by
/// none (changed or removed).
fn differences(now: &[(String, [u8; ROW_DIGEST])], was_rows: i64, recorded: &[u8]) -> String {
    use std::collections::HashMap;
    let mut left: HashMap<&[u8], usize> = HashMap::new();
    for d in recorded.chunks_exact(ROW_DIGEST) {
        *left.entry(d).or_default() += 1;
    }
    let mut other = Vec::new();
    for (name, d) in now {
        match left.get_mut(&d[..]) {
            Some(n) if *n > 0 => *n -= 1,
            _ => other.push(name.as_str()),
        }
    }
    let gone: usize = left.values().sum();
    let rows = |n: usize| format!("{n} row{}", if n == 1 { "" } else { "s" });
    let mut named: Vec<String> = other
        .iter()
        .take(SHOWN_ROWS)
        .map(|n| {
            if n.is_empty() {
                "its row".to_string()
            } else {
                format!("`{n}`")
            }
        })
        .collect();
    if other.len() > SHOWN_ROWS {
        named.push(format!("and {} more", other.len() - SHOWN_ROWS));
    }
    let named = named.join(", ");
    if other.len() == 1 && gone == 1 && other[0].is_empty() {
        return "its one row is not as csfkit stored it".into();
    }
    match (other.len(), gone) {
        (0, 0) => "the rows are not what csfkit stored".into(),
        (0, g) => format!("{} of the {was_rows} csfkit stored removed", rows(g)),
        (n, 0) => format!("{} csfkit did not store added: {named}", rows(n)),
        (n, g) if n == g => format!("{} not as csfkit stored them: {named}", rows(n)),
        (n, _) => format!(
            "{} not as csfkit stored them: {named} ({} now, {was_rows} stored)",
            rows(n),
            now.len()
        ),
    }
}
