//! Read models assembled from the catalogue, independent of any output format: the control
//! matrix of a scope (`matrix`) and the evidence coverage of that matrix at a date
//! (`coverage`). Listings, `status` and the audit package all show these.

pub(crate) mod claims;
pub(crate) mod coverage;
pub(crate) mod matrix;
pub(crate) mod poam;
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
