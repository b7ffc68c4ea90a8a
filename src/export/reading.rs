//! What a package reflects, read inside its snapshot before anything is written: the sources
//! the manifest names, the coverage of the scope (the first pass over the evidence) and the
//! digest over the catalogue content the package reflects.

use std::collections::HashMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::catalogue::evidence::Batch;
use crate::catalogue::{Catalogue, FrameworkRow};
use crate::error::Result;
use crate::export::manifest::{
    BatchSource, ChainHead, FrameworkSource, Manifest, ManifestFile, MatrixSource, Parameters, Sources,
};
use crate::export::package::check_interrupted;
use crate::model::evidence::EvidenceItem;
use crate::util::hex;
use crate::view::Scope;
use crate::view::coverage::{Coverage, CoverageBuilder};
use crate::view::matrix::Matrix;

/// What a package reflects, read inside its snapshot: the sources named in the manifest, the
/// coverage of the scope and the digest over the catalogue content.
pub(crate) struct Reading {
    /// Every framework loaded.
    pub frameworks: Vec<FrameworkRow>,
    /// Every evidence import batch.
    pub batches: Vec<Batch>,
    /// Each history chain: its log, records and head.
    pub history: Vec<(crate::catalogue::chain::Log, i64, String)>,
    /// The coverage of the scope at the as-of date.
    pub cov: Coverage,
    /// The remediation plans in force (the digest covers them; the POA&M shows them).
    pub plans: HashMap<String, (crate::model::plan::PlanRow, String)>,
    /// The digest over the catalogue content.
    pub digest: String,
    /// The records of each history log up to the as-of date.
    pub records: crate::export::history::History,
    /// The assessor's results up to the as-of date (`review import`), oldest first: the newest
    /// per control is the one in force ([`crate::view::review::in_force`]).
    pub reviews: Vec<crate::model::review::Review>,
    /// What the package shows that is not as of its date (a matrix loaded later).
    pub warnings: Vec<String>,
}

/// The first pass over the evidence (call inside a read snapshot): coverage of `scope` at
/// `as_of` (without mapped evidence with `no_mapped`) and the catalogue digest (the cover
/// shows it), with the sources.
pub(crate) fn read(
    cat: &Catalogue,
    scope: &Scope,
    as_of: NaiveDate,
    stale_days: i64,
    no_mapped: bool,
) -> Result<Reading> {
    // The matrix the package cites must be the one csfkit stored: a cell changed behind its
    // back would otherwise go out under the matrix's SHA-256.
    let check = cat.verify_matrix_digest(&scope.provider.id)?;
    if check.status != "ok" {
        return Err(crate::error::Error::Failed(format!(
            "the responsibility matrix `{}` is not as csfkit stored it ({}): {}; no package was written. Run `csfkit check`, then load the matrix again (csfkit mapping import) or restore the catalogue from a backup",
            scope.provider.id,
            check.status,
            check.problems.join("; ")
        )));
    }
    let frameworks = cat.frameworks()?;
    let batches = cat.batches()?;
    let history = cat.chain_heads()?;
    let records = crate::export::history::read(cat, as_of)?;
    let warnings = scope.matrix_later_than(cat).into_iter().collect();
    let m = crate::view::matrix::build(cat, &scope.provider, &scope.services)?;
    let plans = cat.plans_in_force()?;
    let reviews = cat.reviews()?;
    let claims = crate::view::claims::Claims::load(cat)?;
    let mut dig = CatalogueDigest::new(&frameworks, &m, &plans)?;
    dig.claims(&claims)?;
    dig.reviews(&reviews)?;
    let mut builder = CoverageBuilder::new(m, as_of, stale_days)
        .without_mapped(no_mapped)
        .with_claims(claims);
    cat.each_evidence(|e| {
        check_interrupted()?;
        dig.add(&e)?;
        builder.add(&e);
        Ok(())
    })?;
    Ok(Reading {
        frameworks,
        batches,
        history,
        cov: builder.finish(),
        plans,
        digest: dig.finish(),
        records,
        reviews,
        warnings,
    })
}

impl Reading {
    /// The manifest of a package made with `parameters` from this reading.
    pub(crate) fn manifest(
        &self,
        parameters: Parameters,
        warnings: Vec<String>,
        files: Vec<ManifestFile>,
    ) -> Manifest {
        let provider = &self.cov.matrix.provider;
        Manifest {
            format: "csfkit-audit-package".into(),
            format_version: 2,
            generated_at: String::new(),
            csfkit_version: env!("CARGO_PKG_VERSION").into(),
            parameters,
            catalogue_digest: self.digest.clone(),
            sources: Sources {
                evidence_batches: self
                    .batches
                    .iter()
                    .map(|b| BatchSource {
                        batch: b.id,
                        file: b.source_file.clone(),
                        imported_at: b.imported_at.clone(),
                        sha256: b.source_sha256.clone(),
                    })
                    .collect(),
                frameworks: self
                    .frameworks
                    .iter()
                    .map(|f| FrameworkSource {
                        id: f.id.clone(),
                        sha256: f.source_sha256.clone(),
                        source: f.source.clone(),
                        version: f.version.clone(),
                    })
                    .collect(),
                matrix: MatrixSource {
                    provider: provider.id.clone(),
                    sha256: provider.source_sha256.clone(),
                    source: provider.source.clone(),
                },
            },
            history: self
                .history
                .iter()
                .map(|(log, records, head)| {
                    (
                        log.as_str().to_string(),
                        ChainHead {
                            head: head.clone(),
                            records: *records,
                        },
                    )
                })
                .collect(),
            warnings,
            files,
        }
    }
}

/// The service models of a coverage's scope, as the manifest names them.
pub(crate) fn service_names(cov: &Coverage) -> Vec<String> {
    cov.matrix
        .services
        .iter()
        .map(|s| s.as_str().to_string())
        .collect()
}

/// The cover's line for the default framework: name, version, source and a short hash.
pub(crate) fn framework_lines(frameworks: &[FrameworkRow]) -> Vec<String> {
    frameworks
        .iter()
        .filter(|f| f.id == crate::model::framework::DEFAULT_FRAMEWORK)
        .map(|f| {
            format!(
                "{} {} ({}, SHA-256 {})",
                f.name,
                f.version,
                f.source,
                f.source_sha256.get(..16).unwrap_or(&f.source_sha256)
            )
        })
        .collect()
}

/// Digest over the content the package reflects: frameworks and matrix sources, every matrix
/// row (ownership, overrides, statuses), the remediation plans in force (the POA&M) and every
/// evidence item, fed one at a time. Load times are left out; a catalogue without plans has
/// the digest csfkit 0.1 gave it.
struct CatalogueDigest(Sha256);

impl CatalogueDigest {
    fn new(
        frameworks: &[FrameworkRow],
        m: &Matrix,
        plans: &HashMap<String, (crate::model::plan::PlanRow, String)>,
    ) -> Result<Self> {
        let mut h = Sha256::new();
        for f in frameworks {
            h.update(format!("framework\x1f{}\x1f{}\x1f{}\n", f.id, f.version, f.source_sha256).as_bytes());
        }
        h.update(
            format!(
                "provider\x1f{}\x1f{}\x1f{}\n",
                m.provider.id, m.provider.source_sha256, m.provider.cells
            )
            .as_bytes(),
        );
        for r in &m.rows {
            h.update(serde_json::to_vec(&(
                &r.control_id,
                &r.cells,
                &r.effective,
                &r.assessments,
            ))?);
            h.update(b"\n");
        }
        let mut controls: Vec<&String> = plans.keys().collect();
        controls.sort();
        for c in controls {
            h.update(b"plan\x1f");
            h.update(serde_json::to_vec(&plans[c])?);
            h.update(b"\n");
        }
        Ok(CatalogueDigest(h))
    }

    /// The attestations and the evidence retargets, every record (a catalogue without any
    /// has the digest csfkit 0.2 gave it).
    fn claims(&mut self, claims: &crate::view::claims::Claims) -> Result<()> {
        for a in &claims.attestations {
            self.0.update(b"attestation\x1f");
            self.0.update(serde_json::to_vec(a)?);
            self.0.update(b"\n");
        }
        for r in &claims.retarget_log {
            self.0.update(b"retarget\x1f");
            self.0.update(serde_json::to_vec(r)?);
            self.0.update(b"\n");
        }
        Ok(())
    }

    /// The assessor's results, every record (a catalogue without any has the digest it had
    /// before `review import`).
    fn reviews(&mut self, reviews: &[crate::model::review::Review]) -> Result<()> {
        for r in reviews {
            self.0.update(b"review\x1f");
            self.0.update(serde_json::to_vec(r)?);
            self.0.update(b"\n");
        }
        Ok(())
    }

    fn add(&mut self, e: &EvidenceItem) -> Result<()> {
        self.0.update(serde_json::to_vec(e)?);
        self.0.update(b"\n");
        Ok(())
    }

    fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}
