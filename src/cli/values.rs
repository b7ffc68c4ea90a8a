//! The values of flags that are domain types: clap's enums for them live here, on the command
//! line's side, and are turned into the model's and the importers' types as they are parsed, so
//! that `model/` and `import/` know nothing of clap. Each enum lists its variants with the help
//! `--help` shows; an exhaustive `match` ties it to its domain type, so a variant added on one
//! side and not the other does not compile.

use clap::builder::{EnumValueParser, PossibleValue, PossibleValuesParser, TypedValueParser};

use crate::import::layout::{DEFAULT_EVIDENCE_LAYOUT, EVIDENCE_LAYOUTS, EvidenceLayout, evidence_layout};
use crate::import::matrix::Layout;
use crate::model::ownership::{Ownership, Service};

/// `--service`: a cloud service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ServiceArg {
    /// Physical servers and bare-metal clusters.
    BareMetal,
    /// Virtual machine instances, storage.
    Iaas,
    /// Serverless containers.
    Paas,
    /// Cloud dashboard, billing, IAM.
    Saas,
    /// Managed model endpoints.
    Model,
}

impl From<ServiceArg> for Service {
    fn from(s: ServiceArg) -> Service {
        match s {
            ServiceArg::BareMetal => Service::BareMetal,
            ServiceArg::Iaas => Service::Iaas,
            ServiceArg::Paas => Service::Paas,
            ServiceArg::Saas => Service::Saas,
            ServiceArg::Model => Service::Model,
        }
    }
}

/// Parses `--service` into a [`Service`].
pub(super) fn service() -> impl TypedValueParser<Value = Service> {
    EnumValueParser::<ServiceArg>::new().map(Service::from)
}

/// `--owner`: who owns a control for one service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OwnershipArg {
    /// Inherited from the provider.
    Inherited,
    /// Both sides have duties.
    Shared,
    /// The customer's alone.
    Customer,
    /// Not answered by the source (imported matrices only); reported, never guessed.
    Undetermined,
}

impl From<OwnershipArg> for Ownership {
    fn from(o: OwnershipArg) -> Ownership {
        match o {
            OwnershipArg::Inherited => Ownership::Inherited,
            OwnershipArg::Shared => Ownership::Shared,
            OwnershipArg::Customer => Ownership::Customer,
            OwnershipArg::Undetermined => Ownership::Undetermined,
        }
    }
}

/// Parses `--owner` into an [`Ownership`].
pub(super) fn ownership() -> impl TypedValueParser<Value = Ownership> {
    EnumValueParser::<OwnershipArg>::new().map(Ownership::from)
}

/// `mapping import --layout`: the layout of a provider's matrix file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum MatrixLayoutArg {
    /// The csfkit matrix layout.
    Csfkit,
    /// FedRAMP Rev 5 CRM workbook.
    FedrampCrm,
    /// CSA Cloud Controls Matrix v4 workbook.
    CsaCcm,
    /// OSCAL component definition (JSON): csfkit's own or a provider's.
    OscalComponent,
}

impl From<MatrixLayoutArg> for Layout {
    fn from(l: MatrixLayoutArg) -> Layout {
        match l {
            MatrixLayoutArg::Csfkit => Layout::Csfkit,
            MatrixLayoutArg::FedrampCrm => Layout::FedrampCrm,
            MatrixLayoutArg::CsaCcm => Layout::CsaCcm,
            MatrixLayoutArg::OscalComponent => Layout::OscalComponent,
        }
    }
}

/// Parses `mapping import --layout` into a matrix [`Layout`].
pub(super) fn matrix_layout() -> impl TypedValueParser<Value = Layout> {
    EnumValueParser::<MatrixLayoutArg>::new().map(Layout::from)
}

/// Parses `evidence import --layout` into one of [`EVIDENCE_LAYOUTS`] (their names are the
/// possible values `--help` shows; the command's help describes each).
pub(super) fn tracker_layout() -> impl TypedValueParser<Value = &'static EvidenceLayout> {
    PossibleValuesParser::new(EVIDENCE_LAYOUTS.iter().map(|l| PossibleValue::new(l.name)))
        // The parser above has taken only the names of layouts.
        .map(|name| evidence_layout(&name).unwrap_or(DEFAULT_EVIDENCE_LAYOUT))
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// The names on the command line are the names the domain types write (and read back).
    #[test]
    fn flag_values_are_the_domain_names() {
        for v in ServiceArg::value_variants() {
            let name = v.to_possible_value().map(|p| p.get_name().to_string());
            assert_eq!(name.as_deref(), Some(Service::from(*v).as_str()));
        }
        for v in OwnershipArg::value_variants() {
            let name = v.to_possible_value().map(|p| p.get_name().to_string());
            assert_eq!(name.as_deref(), Some(Ownership::from(*v).as_str()));
        }
        for v in MatrixLayoutArg::value_variants() {
            let name = v.to_possible_value().map(|p| p.get_name().to_string());
            assert_eq!(name.as_deref(), Some(Layout::from(*v).as_str()));
        }
        assert_eq!(ServiceArg::value_variants().len(), Service::ALL.len());
    }
}
