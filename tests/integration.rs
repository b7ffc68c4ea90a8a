//! The one integration-test binary: every test runs the real `csfkit` executable on files in
//! its own temporary directory.

// Helpers are `pub` for the test modules that share them; this crate has no public API.
#![allow(unreachable_pub)]

// The Workdir helper that runs the binary once per assertion.
mod util;

// The catalogue: creation, refusal of foreign or newer files, locking, permissions.
mod cli_catalogue;
// Frameworks: exact NIST text, CSF 1.1, the crosswalk, import and diff.
mod cli_frameworks;
// Control IDs: forgiving input, lookalikes, suggestions.
mod cli_ids;
// Shared responsibility: matrices, scope, overrides, mapping import/export.
mod cli_responsibility;
// Projected cells' tally of their referenced controls: counts, leaning, round trip, display.
mod cli_tally;
// The shipped matrices as data: the rule's clauses, verbatim citations, complete and consistent cells.
mod mapping_data;
// Assessment records: status, N/A justification, history, import.
mod cli_assess;
// Evidence import: real spreadsheets, validation, atomicity, path rules, hostile files.
mod cli_evidence;
// Evidence, assessments and plans keyed by SP 800-53, ISO/IEC 27001 or CCM IDs.
mod cli_mapped;
// The audit package: PDF, CSVs, manifest and verify, determinism, status.
mod cli_export;
// OSCAL: the three documents against NIST's schemas, determinism, component definitions read back.
mod cli_oscal;
// Issue 26: the OSCAL chain (profile, SSP, assessment plan, results, POA&M) valid and every link resolved.
mod oscal_chain;
// The assessor workbook and the POA&M: real readers, CSV agreement, plans.
mod cli_workbook;
// Misuse: --force, signals, broken quoting, pipes, verify, races, injection, read-only, chains.
mod cli_misuse;
// The catalogue under hostile use: --db names, failed imports, what check covers, hash encodings.
mod hostile_catalogue;
// Hostile packages: --force through links and edits, zips built to fool verify, zip64, leftovers.
mod hostile_package;
// Hostile and careless input, second round: CSV delimiters, impossible times, terminal escapes, as-of bounds, ods repeats.
mod hostile_input;
// The export's seams: --formats, --stale-days and --manifest-sha256 checked by the command line, unknown formats in a manifest.
mod seams_export;
// Issue 23, import side: evidence import --layout and the header names --help lists; errors naming file, sheet and row.
mod import_layout;
// Issue 25: mapped evidence marked and narrowed, retargets, provider attestations and inheritance gaps, placeholders.
mod claims;
// Issue 29: a refused file's rows counted and streamed to --errors-out, memory flat.
mod import_speed;
// Property tests of the readers: mutated real files through every importer.
mod fuzz_readers;
// Help, completions and documentation.
mod docs;
// Issue 24: --as-of as a point in time, generation time, history files, SHA256SUMS, signatures, check --against, evidence stored once.
mod provenance;
// Issue 26: the Test results sheet filled by an assessor, review import, the results in the next package.
mod review;
// Issue 26: the FedRAMP POA&M columns, status words, risk ratings, closed items, plan import round trip.
mod poam_fedramp;
// Issue 27: index.html, the package's front door, read in headless Chromium.
mod index_html;
// Issue 27: report.pdf's dossiers, Statement of Applicability, outline, links and typesetting, read back.
mod dossier;
// Issue 28: Organizational Profiles: many profiles sharing the evidence, outcomes, Tiers, an earlier catalogue upgraded into `default`.
mod profiles;
// Issue 27, item 3: landscape pages for the wide tables, unbroken words, one sentence per responsibility, whole digests.
mod typesetting;
// The workbook's hyperlinks bounded so the export's memory stays flat; every location keeps its text.
mod export_memory;
