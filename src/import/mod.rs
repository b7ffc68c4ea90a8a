//! Everything that comes in from files: one table reader for every format (with every
//! container guard), header finding, control-ID resolution, and the importers built on them.
//! Importers return typed reports and hand typed records to the catalogue's write API; none
//! of them opens the catalogue itself.

pub mod assess;
pub mod date;
pub mod evidence;
pub mod framework;
pub mod header;
pub mod keysort;
pub mod layout;
pub mod matrix;
pub mod oscal;
pub mod plan;
pub mod reader;
pub mod resolve;
