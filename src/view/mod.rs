//! Read models assembled from the catalogue, independent of any output format: the control
//! matrix of a scope (`matrix`) and the evidence coverage of that matrix at a date
//! (`coverage`). Listings, `status` and the audit package all show these.

pub(crate) mod claims;
pub(crate) mod coverage;
pub(crate) mod matrix;
pub(crate) mod poam;
pub(crate) mod review;
pub(crate) mod summary;

use crate::catalogue::ProviderRow;
use crate::model::ownership::Service;

/// What a matrix, a coverage or a package is made for: a provider's service models, and the
/// system when it comes from the recorded scope.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// System name, when it comes from the recorded scope.
    pub system: Option<String>,
    /// The provider.
    pub provider: ProviderRow,
    /// Service models.
    pub services: Vec<Service>,
}

impl Scope {
    /// When the catalogue is read at a past point in time and the provider's matrix was loaded
    /// after it: a warning saying so. csfkit keeps no earlier matrix (a matrix loaded again
    /// replaces the old one), so what is shown is the matrix as loaded then, a claim the package
    /// marks as such.
    pub(crate) fn matrix_later_than(&self, cat: &crate::catalogue::Catalogue) -> Option<String> {
        let p = cat.as_of().filter(|p| p.is_cut())?;
        let at = &self.provider.loaded_at;
        (!p.includes(at)).then(|| {
            format!(
                "the responsibility matrix `{}` was loaded at {at}, after the as-of date {}; csfkit keeps no earlier matrix, so the ownership shown is the matrix as loaded then (overrides, statuses and evidence are as of {})",
                self.provider.id,
                p.date(),
                p.date()
            )
        })
    }
}
