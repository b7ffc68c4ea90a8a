//! The domain vocabulary, without I/O: service models and ownership, implementation status,
//! evidence items and their freshness, the OSCAL names csfkit writes and reads. Every layer (import, catalogue, export, cli) speaks it.

pub(crate) mod assessment;
pub(crate) mod attestation;
pub(crate) mod crosswalk;
pub(crate) mod evidence;
pub(crate) mod framework;
pub(crate) mod oscal;
pub(crate) mod ownership;
pub(crate) mod plan;
pub(crate) mod profile;
pub(crate) mod review;
