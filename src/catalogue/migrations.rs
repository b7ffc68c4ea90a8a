//! The catalogue schema as an append-only list of migrations.
//!
//! Migration `i` (0-based) takes a catalogue from `PRAGMA user_version = i` to `i + 1`.
//! **Never change or remove an entry once it has shipped**: catalogues in the field are at
//! every version. Never make a backwards-incompatible change (drop a table or a column);
//! add instead.

/// Every migration, in order. The index is the `user_version` it starts from.
pub(crate) const MIGRATIONS: &[&str] = &[
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
    // 2: shared responsibility: providers, their matrices, per-cell overrides (append-only
    // history) and the assessment scope.
    r"
-- A provider's responsibility matrix: shipped (embedded) or imported by the user.
CREATE TABLE provider (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    services      TEXT NOT NULL,
    source        TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    layout        TEXT NOT NULL,
    origin        TEXT NOT NULL CHECK (origin IN ('embedded', 'imported')),
    loaded_at     TEXT NOT NULL
) STRICT;

-- One cell per CSF 2.0 subcategory and service model.
CREATE TABLE responsibility (
    provider_id             TEXT NOT NULL REFERENCES provider(id) ON DELETE CASCADE,
    control_id              TEXT NOT NULL,
    service                 TEXT NOT NULL CHECK (service IN ('bare-metal', 'iaas', 'paas', 'saas', 'model')),
    ownership               TEXT NOT NULL CHECK (ownership IN ('inherited', 'shared', 'customer', 'undetermined')),
    basis                   TEXT NOT NULL,
    citation                TEXT NOT NULL,
    provider_responsibility TEXT NOT NULL,
    customer_responsibility TEXT NOT NULL,
    seq                     INTEGER NOT NULL,
    PRIMARY KEY (provider_id, control_id, service)
) STRICT, WITHOUT ROWID;

-- Every ownership change made in this catalogue, never updated or deleted. The newest row
-- for a (provider, control, service) is in force; owner NULL means back to the matrix value.
CREATE TABLE ownership_override (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id TEXT NOT NULL,
    control_id  TEXT NOT NULL,
    service     TEXT NOT NULL CHECK (service IN ('bare-metal', 'iaas', 'paas', 'saas', 'model')),
    owner       TEXT CHECK (owner IN ('inherited', 'shared', 'customer')),
    previous    TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL
) STRICT;
CREATE INDEX ownership_override_cell ON ownership_override(provider_id, control_id, service);
CREATE TRIGGER ownership_override_no_update BEFORE UPDATE ON ownership_override
BEGIN SELECT RAISE(ABORT, 'ownership history is append-only'); END;
CREATE TRIGGER ownership_override_no_delete BEFORE DELETE ON ownership_override
BEGIN SELECT RAISE(ABORT, 'ownership history is append-only'); END;

-- What is being assessed: one row.
CREATE TABLE scope (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    system      TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    services    TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      TEXT NOT NULL
) STRICT;
",
    // 3: assessment records: implementation status per control (optionally per service model),
    // append-only.
    r"
CREATE TABLE assessment (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    control_id  TEXT NOT NULL,
    service     TEXT CHECK (service IS NULL OR service IN ('bare-metal', 'iaas', 'paas', 'saas', 'model')),
    status      TEXT NOT NULL CHECK (status IN ('implemented', 'partial', 'planned', 'alternative', 'not-applicable')),
    note        TEXT NOT NULL,
    system      TEXT NOT NULL,
    assessed_by TEXT NOT NULL,
    assessed_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    CHECK (status <> 'not-applicable' OR length(trim(note)) > 0)
) STRICT;
CREATE INDEX assessment_control ON assessment(control_id, service);
CREATE TRIGGER assessment_no_update BEFORE UPDATE ON assessment
BEGIN SELECT RAISE(ABORT, 'assessment history is append-only'); END;
CREATE TRIGGER assessment_no_delete BEFORE DELETE ON assessment
BEGIN SELECT RAISE(ABORT, 'assessment history is append-only'); END;
",
    // 4: evidence: import batches (chain of custody of the source file) and evidence rows, both
    // append-only. Rows are keyed by a content hash; the importer keeps the set in memory. No
    // secondary indexes: every reader but `evidence list --control/--batch` reads all rows, a
    // scan of a million rows takes a fraction of a second, and the indexes cost about a fifth of
    // the import time.
    r"
CREATE TABLE evidence_batch (
    id            INTEGER PRIMARY KEY,
    source_file   TEXT NOT NULL,
    source_path   TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_size   INTEGER NOT NULL,
    format        TEXT NOT NULL,
    sheet         TEXT NOT NULL,
    header_row    INTEGER NOT NULL,
    columns       TEXT NOT NULL,
    collector     TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    rows_read     INTEGER NOT NULL,
    rows_imported INTEGER NOT NULL,
    rows_already  INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    evidence_root TEXT NOT NULL
) STRICT;
CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    batch_id       INTEGER NOT NULL REFERENCES evidence_batch(id) DEFERRABLE INITIALLY DEFERRED,
    source_sheet   TEXT NOT NULL,
    source_row     INTEGER NOT NULL,
    control_id     TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    evidence_type  TEXT NOT NULL,
    owner          TEXT NOT NULL,
    collected_on   TEXT,
    valid_until    TEXT,
    location       TEXT NOT NULL,
    location_kind  TEXT NOT NULL CHECK (location_kind IN ('none', 'url', 'file', 'missing')),
    file_sha256    TEXT,
    file_size      INTEGER,
    source_system  TEXT NOT NULL,
    extras         TEXT NOT NULL,
    content_hash   BLOB NOT NULL
) STRICT;
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER evidence_batch_no_update BEFORE UPDATE ON evidence_batch
BEGIN SELECT RAISE(ABORT, 'import batches are append-only'); END;
CREATE TRIGGER evidence_batch_no_delete BEFORE DELETE ON evidence_batch
BEGIN SELECT RAISE(ABORT, 'import batches are append-only'); END;
",
    // 5: tamper-evident history: one hash chain per log (ownership changes, assessment records,
    // evidence import batches with their rows), append-only; see `chain.rs` for the encoding.
    // Records already in the catalogue are linked by the migration (`chain::backfill`).
    r"
CREATE TABLE history_chain (
    log    TEXT NOT NULL CHECK (log IN ('ownership', 'assessment', 'batch')),
    record INTEGER NOT NULL,
    digest TEXT NOT NULL,
    prev   TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (log, record)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER history_chain_no_update BEFORE UPDATE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
CREATE TRIGGER history_chain_no_delete BEFORE DELETE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
",
    // 6: remediation plans (append-only; the newest per control is in force), chained like the
    // other histories. The chain table is rebuilt to admit the `plan` log (a CHECK constraint
    // cannot be altered in place); its rows are copied as they are.
    r"
CREATE TABLE plan (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    control_id  TEXT NOT NULL,
    due         TEXT NOT NULL,
    owner       TEXT NOT NULL CHECK (length(trim(owner)) > 0),
    action      TEXT NOT NULL CHECK (length(trim(action)) > 0),
    milestones  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed', 'risk-accepted')),
    note        TEXT NOT NULL,
    system      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    CHECK (status = 'open' OR length(trim(note)) > 0)
) STRICT;
CREATE INDEX plan_control ON plan(control_id);
CREATE TRIGGER plan_no_update BEFORE UPDATE ON plan
BEGIN SELECT RAISE(ABORT, 'remediation plans are append-only'); END;
CREATE TRIGGER plan_no_delete BEFORE DELETE ON plan
BEGIN SELECT RAISE(ABORT, 'remediation plans are append-only'); END;
CREATE TABLE history_chain_v2 (
    log    TEXT NOT NULL CHECK (log IN ('ownership', 'assessment', 'batch', 'plan')),
    record INTEGER NOT NULL,
    digest TEXT NOT NULL,
    prev   TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (log, record)
) STRICT, WITHOUT ROWID;
INSERT INTO history_chain_v2 SELECT log, record, digest, prev, sha256 FROM history_chain;
DROP TABLE history_chain;
ALTER TABLE history_chain_v2 RENAME TO history_chain;
CREATE TRIGGER history_chain_no_update BEFORE UPDATE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
CREATE TRIGGER history_chain_no_delete BEFORE DELETE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
",
    // 7: the tally of a cell projected from a FedRAMP CRM or a CSA CCM workbook (its referenced
    // controls by answer; NULL for a cell a matrix states or derives itself; the leaning is
    // computed from the counts, never stored), and the rows of the source behind each such cell.
    // Cells stored before this migration have no tally until their matrix is imported again.
    r"
ALTER TABLE responsibility ADD COLUMN answers_yes INTEGER CHECK (answers_yes >= 0);
ALTER TABLE responsibility ADD COLUMN answers_partial INTEGER CHECK (answers_partial >= 0);
ALTER TABLE responsibility ADD COLUMN answers_no INTEGER CHECK (answers_no >= 0);
ALTER TABLE responsibility ADD COLUMN answers_unanswered INTEGER CHECK (answers_unanswered >= 0);

-- Per projected cell, each referenced control (normalised), its combined answer, and each row
-- of the source it came from (sheet, row number, ID and answer as written, the row's text); a
-- referenced control without a row has one entry with source_row NULL. Replaced with the
-- provider's matrix.
CREATE TABLE responsibility_source (
    provider_id    TEXT NOT NULL,
    control_id     TEXT NOT NULL,
    service        TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    reference      TEXT NOT NULL,
    answer         TEXT NOT NULL CHECK (answer IN ('yes', 'partial', 'no', 'unanswered')),
    sheet          TEXT NOT NULL,
    source_row     INTEGER,
    written_id     TEXT NOT NULL,
    written_answer TEXT NOT NULL,
    text           TEXT NOT NULL,
    PRIMARY KEY (provider_id, control_id, service, seq),
    FOREIGN KEY (provider_id, control_id, service)
        REFERENCES responsibility(provider_id, control_id, service) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
",
    // 8: evidence keyed by another framework's ID (SP 800-53, ISO/IEC 27001 Annex A, CCM, CSF
    // 1.1) keeps that ID as written and its framework; NULL for a row keyed by CSF 2.0.
    r"
ALTER TABLE evidence ADD COLUMN mapped_from TEXT;
ALTER TABLE evidence ADD COLUMN mapped_framework TEXT
    CHECK (mapped_framework IN ('csf1.1', 'sp800-53', 'iso27001', 'ccm'));
",
    // 9: content digests of the data csfkit loads (each framework's texts, each provider's
    // matrix, the scope), one per table, recorded when it is stored and recomputed by `check`
    // (see `digest.rs`; what is loaded already is recorded by the migration, `digest::backfill`);
    // and per import batch the encoding of its rows' content hashes: NULL for version 1 (values
    // ended by 0x1F, every batch imported before), 2 for the length-prefixed version 2. A batch
    // that records an encoding has it in its link of the history chain.
    r"
CREATE TABLE content_digest (
    subject TEXT NOT NULL CHECK (subject IN ('framework', 'provider', 'scope')),
    id      TEXT NOT NULL,
    part    TEXT NOT NULL,
    rows    INTEGER NOT NULL,
    sha256  TEXT NOT NULL,
    -- Per row, in order, the first 8 bytes of its own SHA-256: to name the rows that changed.
    row_digests BLOB NOT NULL,
    PRIMARY KEY (subject, id, part)
) STRICT, WITHOUT ROWID;
ALTER TABLE evidence_batch ADD COLUMN hash_encoding INTEGER CHECK (hash_encoding = 2);
",
    // 10: claims an assessor must judge (issue 25). Per evidence row, the CSF 2.0 subcategories
    // a mapped tracker row was offered for (its tracker's targets column; NULL: every
    // subcategory NIST's references give, part of the row's content hash when set). Narrowings
    // of a tracker row's targets after import (`evidence retarget`) and provider attestations
    // (`attestation add`), both append-only and chained like the other logs: the chain table is
    // rebuilt to admit the two logs (a CHECK constraint cannot be altered in place), its rows
    // copied as they are.
    r"
ALTER TABLE evidence ADD COLUMN offered_for TEXT CHECK (offered_for IS NULL OR length(trim(offered_for)) > 0);

-- The newest record per tracker row (import batch, sheet, row) is in force: the row's evidence
-- counts for the subcategories listed in `targets` only.
CREATE TABLE evidence_retarget (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id      INTEGER NOT NULL REFERENCES evidence_batch(id),
    source_sheet  TEXT NOT NULL,
    source_row    INTEGER NOT NULL,
    evidence_id   INTEGER NOT NULL REFERENCES evidence(id),
    mapped_from   TEXT NOT NULL,
    targets       TEXT NOT NULL CHECK (length(trim(targets)) > 0),
    reason        TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    retargeted_by TEXT NOT NULL,
    retargeted_at TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_retarget_row ON evidence_retarget(batch_id, source_sheet, source_row);
CREATE TRIGGER evidence_retarget_no_update BEFORE UPDATE ON evidence_retarget
BEGIN SELECT RAISE(ABORT, 'evidence retargets are append-only'); END;
CREATE TRIGGER evidence_retarget_no_delete BEFORE DELETE ON evidence_retarget
BEGIN SELECT RAISE(ABORT, 'evidence retargets are append-only'); END;

-- A provider's attestation (a SOC 2 Type II report, an ISO/IEC 27001 certificate): the period
-- it covers, a bridge letter's end, the service models it covers, its file (hashed) or URL.
CREATE TABLE attestation (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id      TEXT NOT NULL,
    attestation_type TEXT NOT NULL CHECK (length(trim(attestation_type)) > 0),
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    issuer           TEXT NOT NULL CHECK (length(trim(issuer)) > 0),
    services         TEXT NOT NULL CHECK (length(services) > 0),
    bridge_until     TEXT,
    location         TEXT NOT NULL CHECK (length(trim(location)) > 0),
    location_kind    TEXT NOT NULL CHECK (location_kind IN ('file', 'url')),
    file_path        TEXT,
    file_sha256      TEXT,
    file_size        INTEGER,
    note             TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    CHECK (period_start <= period_end),
    CHECK (bridge_until IS NULL OR bridge_until >= period_end),
    CHECK (location_kind = 'url' OR (file_path IS NOT NULL AND file_sha256 IS NOT NULL))
) STRICT;
CREATE TRIGGER attestation_no_update BEFORE UPDATE ON attestation
BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;
CREATE TRIGGER attestation_no_delete BEFORE DELETE ON attestation
BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;

CREATE TABLE history_chain_v3 (
    log    TEXT NOT NULL CHECK (log IN ('ownership', 'assessment', 'batch', 'plan', 'retarget', 'attestation')),
    record INTEGER NOT NULL,
    digest TEXT NOT NULL,
    prev   TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (log, record)
) STRICT, WITHOUT ROWID;
INSERT INTO history_chain_v3 SELECT log, record, digest, prev, sha256 FROM history_chain;
DROP TABLE history_chain;
ALTER TABLE history_chain_v3 RENAME TO history_chain;
CREATE TRIGGER history_chain_no_update BEFORE UPDATE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
CREATE TRIGGER history_chain_no_delete BEFORE DELETE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
",
    // 11: the assessor's loop (issue 26). An assessor's results (`review import`: the Test
    // results sheet of a package's workbook read back), append-only and chained like the other
    // logs, apart from the organisation's statuses; the chain table is rebuilt to admit the
    // `review` log (its rows copied as they are). A remediation plan record gains its risk
    // (`plan --risk`, the POA&M's Adjusted Risk Rating), the risk first rated (Original Risk
    // Rating) and the FedRAMP POA&M columns `plan import` read (a JSON object); a record with
    // none of them encodes in its chain as it always did.
    r"
CREATE TABLE review (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    control_id    TEXT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('examine', 'interview', 'test')),
    sample        TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('satisfied', 'other than satisfied', 'not applicable')),
    finding       TEXT NOT NULL,
    risk          TEXT CHECK (risk IS NULL OR risk IN ('low', 'moderate', 'high')),
    assessor      TEXT NOT NULL CHECK (length(trim(assessor)) > 0),
    assessed_on   TEXT NOT NULL,
    source_file   TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_place  TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
) STRICT;
CREATE INDEX review_control ON review(control_id);
CREATE TRIGGER review_no_update BEFORE UPDATE ON review
BEGIN SELECT RAISE(ABORT, 'assessor results are append-only'); END;
CREATE TRIGGER review_no_delete BEFORE DELETE ON review
BEGIN SELECT RAISE(ABORT, 'assessor results are append-only'); END;

ALTER TABLE plan ADD COLUMN risk TEXT CHECK (risk IS NULL OR risk IN ('low', 'moderate', 'high'));
ALTER TABLE plan ADD COLUMN original_risk TEXT CHECK (original_risk IS NULL OR original_risk IN ('low', 'moderate', 'high'));
ALTER TABLE plan ADD COLUMN fedramp TEXT CHECK (fedramp IS NULL OR json_valid(fedramp));

CREATE TABLE history_chain_v4 (
    log    TEXT NOT NULL CHECK (log IN ('ownership', 'assessment', 'batch', 'plan', 'retarget', 'attestation', 'review')),
    record INTEGER NOT NULL,
    digest TEXT NOT NULL,
    prev   TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (log, record)
) STRICT, WITHOUT ROWID;
INSERT INTO history_chain_v4 SELECT log, record, digest, prev, sha256 FROM history_chain;
DROP TABLE history_chain;
ALTER TABLE history_chain_v4 RENAME TO history_chain;
CREATE TRIGGER history_chain_no_update BEFORE UPDATE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
CREATE TRIGGER history_chain_no_delete BEFORE DELETE ON history_chain
BEGIN SELECT RAISE(ABORT, 'the history chain is append-only'); END;
",
    // 12 (issue 28): CSF 2.0
    // Organizational Profiles (NIST SP 1301). A catalogue holds many profiles, each with its scope
    // and its declared priority scale; profile 1, `default`, is the catalogue's recorded scope
    // (it stays in `scope`, its digest unchanged). Assessment records, remediation plans and
    // ownership changes (and an assessor's results) belong to a profile: `profile_id` NULL is the default profile (every
    // record written before, so their chain links encode as they always did); a record of
    // another profile has its profile in its link (see `chain.rs`). Evidence stays
    // organisation-wide. Per profile, its current and target outcomes (append-only, the newest
    // per element in force) and its Tiers (append-only, the newest per aspect in force).
    r"
CREATE TABLE profile (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    description TEXT NOT NULL,
    -- The profile's own priority scale, highest first, comma-separated ('' none declared).
    priorities  TEXT NOT NULL,
    -- The scope of a profile other than the default (which reads `scope`).
    system      TEXT,
    provider_id TEXT,
    services    TEXT,
    set_by      TEXT,
    set_at      TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CHECK (id = 1 OR (system IS NULL) = (provider_id IS NULL))
) STRICT;
INSERT INTO profile(id, name, description, priorities, created_by, created_at)
VALUES (1, 'default', 'the scope recorded before profiles', '', 'csfkit',
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

ALTER TABLE assessment ADD COLUMN profile_id INTEGER REFERENCES profile(id) CHECK (profile_id IS NULL OR profile_id > 1);
ALTER TABLE plan ADD COLUMN profile_id INTEGER REFERENCES profile(id) CHECK (profile_id IS NULL OR profile_id > 1);
ALTER TABLE ownership_override ADD COLUMN profile_id INTEGER REFERENCES profile(id) CHECK (profile_id IS NULL OR profile_id > 1);
ALTER TABLE review ADD COLUMN profile_id INTEGER REFERENCES profile(id) CHECK (profile_id IS NULL OR profile_id > 1);

-- Per profile and CSF 2.0 element (function, category or subcategory): the template's columns.
-- `included` NULL: not said. Text columns are '' when empty; `fields` holds the template's
-- other columns as a JSON object (current and target policies, practices, roles, references,
-- current artifacts and evidence, current priority, current status as written, considerations).
CREATE TABLE profile_outcome (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id      INTEGER NOT NULL REFERENCES profile(id),
    element_id      TEXT NOT NULL,
    included        INTEGER CHECK (included IN (0, 1)),
    rationale       TEXT NOT NULL,
    target_priority TEXT NOT NULL,
    target_tier     TEXT NOT NULL,
    target_outcome  TEXT NOT NULL,
    notes           TEXT NOT NULL,
    fields          TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    source          TEXT NOT NULL
) STRICT;
CREATE INDEX profile_outcome_element ON profile_outcome(profile_id, element_id);
CREATE TRIGGER profile_outcome_no_update BEFORE UPDATE ON profile_outcome
BEGIN SELECT RAISE(ABORT, 'profile outcomes are append-only'); END;
CREATE TRIGGER profile_outcome_no_delete BEFORE DELETE ON profile_outcome
BEGIN SELECT RAISE(ABORT, 'profile outcomes are append-only'); END;

-- Tiers (NIST SP 1302): per profile, for cybersecurity risk governance and for risk management.
CREATE TABLE profile_tier (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id  INTEGER NOT NULL REFERENCES profile(id),
    aspect      TEXT NOT NULL CHECK (aspect IN ('governance', 'management')),
    current     INTEGER CHECK (current BETWEEN 1 AND 4),
    target      INTEGER CHECK (target BETWEEN 1 AND 4),
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE TRIGGER profile_tier_no_update BEFORE UPDATE ON profile_tier
BEGIN SELECT RAISE(ABORT, 'profile tiers are append-only'); END;
CREATE TRIGGER profile_tier_no_delete BEFORE DELETE ON profile_tier
BEGIN SELECT RAISE(ABORT, 'profile tiers are append-only'); END;
",
    // 13: the evidence table's two `CHECK (x IN (...))` constraints (location_kind,
    // mapped_framework) become chains of `=` with the same meaning, done by
    // [`rewrite_evidence_checks`] after the SQL (a CHECK cannot be altered in place, and the
    // table cannot be rebuilt while evidence_retarget refers to it). SQLite built a temporary
    // index of each IN list for every row inserted: 30% of the storing thread's instructions
    // (1,791 M against 1,262 M for a 50,000-row import, callgrind).
    r"
SELECT 1;
",
];

/// The migration (1-based) of [`rewrite_evidence_checks`].
pub(crate) const CHECKS_MIGRATION: usize = 13;

/// The evidence table's IN-list checks as migrations 4 and 8 wrote them, and the same checks
/// written as chains of `=` (NULL passes both, as a CHECK does).
const EVIDENCE_CHECKS: [(&str, &str); 2] = [
    (
        "CHECK (location_kind IN ('none', 'url', 'file', 'missing'))",
        "CHECK (location_kind = 'none' OR location_kind = 'url' OR location_kind = 'file' OR location_kind = 'missing')",
    ),
    (
        "CHECK (mapped_framework IN ('csf1.1', 'sp800-53', 'iso27001', 'ccm'))",
        "CHECK (mapped_framework = 'csf1.1' OR mapped_framework = 'sp800-53' OR mapped_framework = 'iso27001' OR mapped_framework = 'ccm')",
    ),
];

/// Migration 13: rewrites the evidence table's definition in the schema, the way SQLite
/// documents for changing a CHECK constraint without touching the stored rows (writable schema,
/// schema version bumped so every connection reads it again), inside the migration's
/// transaction. The two checks keep their meaning; only how SQLite evaluates them changes. A
/// definition that does not hold each check exactly once is left as it is: it still checks the
/// same values, only more slowly.
pub(crate) fn rewrite_evidence_checks(tx: &rusqlite::Connection) -> crate::error::Result<()> {
    let err = |e| crate::error::Error::sqlite("applying migration 13", e);
    let table = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'evidence'";
    let old: String = tx.query_row(table, [], |r| r.get(0)).map_err(err)?;
    if EVIDENCE_CHECKS
        .iter()
        .any(|(from, _)| old.matches(from).count() != 1)
    {
        return Ok(());
    }
    let new = EVIDENCE_CHECKS
        .iter()
        .fold(old, |sql, (from, to)| sql.replace(from, to));
    let version: i64 = tx
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .map_err(err)?;
    tx.execute_batch("PRAGMA writable_schema = ON").map_err(err)?;
    let updated = tx.execute(
        "UPDATE sqlite_master SET sql = ?1 WHERE type = 'table' AND name = 'evidence'",
        [&new],
    );
    // Turned off whatever happened, so that no later statement can write the schema.
    let closed = tx.execute_batch(&format!(
        "PRAGMA schema_version = {}; PRAGMA writable_schema = OFF;",
        version + 1
    ));
    updated.map_err(err)?;
    closed.map_err(err)
}
