//! The provider matrix import: a responsibility matrix in the csfkit layout, a FedRAMP CRM
//! workbook or a CSA CCM workbook, read through the one table reader, validated, and (for
//! FedRAMP and CCM) projected onto CSF 2.0 through the NIST export's informative references.
//! Every problem is reported at once; the cells go to the catalogue only if all are valid.
//!
//! - `csfkit`: the csfkit layout (what `mapping export` writes and `mappings/` ships);
//! - `fedramp`: a FedRAMP CRM workbook, one service model;
//! - `ccm`: a CSA CCM workbook, IaaS, PaaS and SaaS;
//! - `projection`: answers per referenced control projected onto CSF 2.0 subcategories;
//! - `common`: what the layouts share (choosing the sheet, the result, the references).

mod ccm;
mod common;
mod csfkit;
mod fedramp;
mod projection;
#[cfg(test)]
mod tests;

use crate::import::reader::RawTable;

pub(crate) use ccm::import_ccm;
pub(crate) use common::Imported;
pub(crate) use csfkit::parse_tally;
pub(crate) use csfkit::{BASES, CSFKIT_HEADER, import_csfkit, parse_csfkit};
pub(crate) use fedramp::import_fedramp;

/// Matrix file layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// The csfkit matrix layout.
    Csfkit,
    /// FedRAMP Rev 5 CRM workbook.
    FedrampCrm,
    /// CSA Cloud Controls Matrix v4 workbook.
    CsaCcm,
    /// OSCAL component definition (JSON): csfkit's own or a provider's.
    OscalComponent,
}

impl Layout {
    /// The name stored with the provider.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Layout::Csfkit => "csfkit",
            Layout::FedrampCrm => "fedramp-crm",
            Layout::CsaCcm => "csa-ccm",
            Layout::OscalComponent => "oscal-component",
        }
    }
}

/// The layout of a file, from its headers.
pub(crate) fn detect_layout(tables: &[RawTable]) -> Option<Layout> {
    for t in tables {
        if t.find_header(&CSFKIT_HEADER).is_some() {
            return Some(Layout::Csfkit);
        }
    }
    for t in tables {
        if fedramp::fedramp_header(t).is_some() {
            return Some(Layout::FedrampCrm);
        }
    }
    tables
        .iter()
        .any(|t| ccm::ccm_header(t).is_some())
        .then_some(Layout::CsaCcm)
}
