//! The domain vocabulary, without I/O: service models and ownership, implementation status,
//! evidence items and their freshness, the OSCAL names csfkit writes and reads. Every layer (import, catalogue, export, cli) speaks it.

pub mod assessment;
pub mod crosswalk;
pub mod evidence;
pub mod framework;
pub mod oscal;
pub mod ownership;
pub mod plan;
