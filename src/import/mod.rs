//! Everything that comes in from files: one table reader for every format (with every
//! container guard), header finding, control-ID resolution, and the importers built on them.
//! Importers return typed reports and hand typed records to the catalogue's write API; none
//! of them opens the catalogue itself.

pub(crate) mod assess;
pub(crate) mod date;
pub(crate) mod evidence;
pub(crate) mod framework;
pub(crate) mod header;
pub(crate) mod keysort;
pub(crate) mod layout;
pub(crate) mod matrix;
pub(crate) mod oscal;
pub(crate) mod plan;
pub(crate) mod profile;
pub(crate) mod reader;
pub(crate) mod resolve;
pub(crate) mod review;
