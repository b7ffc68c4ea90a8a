//! The catalogue schema as an append-only list of migrations.
//!
//! Migration `i` (0-based) takes a catalogue from `PRAGMA user_version = i` to `i + 1`.
//! **Never change or remove an entry once it has shipped**: catalogues in the field are at
//! every version. Never make a backwards-incompatible change (drop a table or a column);
//! add instead.

/// Every migration, in order. The index is the `user_version` it starts from.
pub const MIGRATIONS: &[&str] = &[
    // 1: frameworks, their elements, examples, references and the 1.1 -> 2.0 crosswalk.
    r"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per loaded framework catalogue (nist-csf-2.0, nist-csf-1.1, ...).
CREATE TABLE framework (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    version       TEXT NOT NULL,
    source_name   TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_date   TEXT,
    origin        TEXT NOT NULL CHECK (origin IN ('embedded', 'imported')),
    loaded_at     TEXT NOT NULL
) STRICT;

-- Functions, categories and subcategories, active and withdrawn, in document order (seq).
CREATE TABLE element (
    framework_id TEXT NOT NULL REFERENCES framework(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('function', 'category', 'subcategory')),
    parent_id    TEXT,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    withdrawn    TEXT,
    PRIMARY KEY (framework_id, id)
) STRICT, WITHOUT ROWID;

-- Implementation examples (Ex1, Ex2, ...).
CREATE TABLE example (
    framework_id TEXT NOT NULL,
    element_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    label        TEXT NOT NULL,
    text         TEXT NOT NULL,
    PRIMARY KEY (framework_id, element_id, seq),
    FOREIGN KEY (framework_id, element_id) REFERENCES element(framework_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Informative references, typed by source (`SP 800-53 Rev 5.2.0`, `CCMv4.0`, `CSF v1.1`, ...).
CREATE TABLE reference (
    framework_id TEXT NOT NULL,
    element_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    source       TEXT NOT NULL,
    ref          TEXT NOT NULL,
    PRIMARY KEY (framework_id, element_id, seq),
    FOREIGN KEY (framework_id, element_id) REFERENCES element(framework_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX reference_by_source ON reference(framework_id, source, ref);

-- Crosswalk from CSF 1.1 IDs (unpadded spelling) to elements of a newer framework.
CREATE TABLE successor (
    framework_id TEXT NOT NULL REFERENCES framework(id) ON DELETE CASCADE,
    old_id       TEXT NOT NULL,
    new_id       TEXT NOT NULL,
    relation     TEXT NOT NULL CHECK (relation IN ('reference', 'incorporated_into', 'moved_to')),
    PRIMARY KEY (framework_id, old_id, new_id, relation)
) STRICT, WITHOUT ROWID;
CREATE INDEX successor_by_new ON successor(framework_id, new_id);
",
];
