//! Shared responsibility vocabulary: the cloud service models, the ownership of a control for
//! one of them, and one cell of a responsibility matrix.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::ValueError;

/// A cloud service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
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

impl Service {
    /// Every service model, in the order matrices list them.
    pub const ALL: [Service; 5] = [
        Service::BareMetal,
        Service::Iaas,
        Service::Paas,
        Service::Saas,
        Service::Model,
    ];

    /// The identifier used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::BareMetal => "bare-metal",
            Service::Iaas => "iaas",
            Service::Paas => "paas",
            Service::Saas => "saas",
            Service::Model => "model",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Service {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let k: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        Ok(match k.as_str() {
            "baremetal" | "bms" | "baremetalasaservice" => Service::BareMetal,
            "iaas" | "infrastructureasaservice" => Service::Iaas,
            "paas" | "platformasaservice" => Service::Paas,
            "saas" | "softwareasaservice" => Service::Saas,
            "model" | "models" | "modelendpoints" | "managedmodelendpoints" => Service::Model,
            _ => {
                return Err(ValueError::new(
                    s.trim(),
                    format!(
                        "`{}` is not a service model; expected one of bare-metal, iaas, paas, saas, model",
                        s.trim()
                    ),
                ));
            }
        })
    }
}

/// Parses `iaas,model` into service models in canonical order, without duplicates.
pub fn parse_services(s: &str) -> Result<Vec<Service>, ValueError> {
    let mut set = BTreeSet::new();
    for part in s.split([',', ';', ' ']).filter(|p| !p.trim().is_empty()) {
        set.insert(part.parse::<Service>()?);
    }
    if set.is_empty() {
        return Err(ValueError::new(
            s,
            "no service model given; expected e.g. `iaas` or `iaas,model`",
        ));
    }
    Ok(set.into_iter().collect())
}

/// Joins service models as `iaas,model`.
pub fn join_services(s: &[Service]) -> String {
    s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(",")
}

/// Who owns a control for one service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Ownership {
    /// Inherited from the provider.
    Inherited,
    /// Both sides have duties.
    Shared,
    /// The customer's alone.
    Customer,
    /// Not answered by the source (imported matrices only); reported, never guessed.
    Undetermined,
}

impl Ownership {
    /// The identifier used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Inherited => "inherited",
            Ownership::Shared => "shared",
            Ownership::Customer => "customer",
            Ownership::Undetermined => "undetermined",
        }
    }

    /// The effective ownership across several service models: the common value if all agree,
    /// else `shared`; an unanswered cell makes the whole undetermined (never guessed).
    pub fn effective(values: &[Ownership]) -> Ownership {
        if values.is_empty() || values.contains(&Ownership::Undetermined) {
            return Ownership::Undetermined;
        }
        if values.iter().all(|v| *v == values[0]) {
            values[0]
        } else {
            Ownership::Shared
        }
    }
}

impl fmt::Display for Ownership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Ownership {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "inherited" => Ownership::Inherited,
            "shared" => Ownership::Shared,
            "customer" => Ownership::Customer,
            "undetermined" => Ownership::Undetermined,
            _ => {
                return Err(ValueError::new(
                    s.trim(),
                    format!(
                        "`{}` is not an ownership value; expected inherited, shared or customer",
                        s.trim()
                    ),
                ));
            }
        })
    }
}

/// One cell of a responsibility matrix: a control for one service model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// CSF 2.0 subcategory.
    pub control_id: String,
    /// Service model.
    pub service: Service,
    /// Who owns it.
    pub ownership: Ownership,
    /// `stated` (a sentence of the provider's page assigns it; the citation quotes it) or
    /// `derived` (the citation names the clause of `mappings/RULES.md` that gives it).
    pub basis: String,
    /// The provider's words (for `stated`) or the source trace (for imported matrices).
    pub citation: String,
    /// What the provider does.
    pub provider_responsibility: String,
    /// What the customer does.
    pub customer_responsibility: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_ownership_is_the_common_value_else_shared() {
        use Ownership::*;
        assert_eq!(Ownership::effective(&[Customer, Customer]), Customer);
        assert_eq!(Ownership::effective(&[Inherited, Customer]), Shared);
        assert_eq!(Ownership::effective(&[Inherited]), Inherited);
        assert_eq!(Ownership::effective(&[Inherited, Undetermined]), Undetermined);
    }

    #[test]
    fn services_parse_in_canonical_order() {
        assert_eq!(
            parse_services("model, IaaS,iaas").unwrap(),
            vec![Service::Iaas, Service::Model]
        );
        assert!(parse_services("cloud").is_err());
        assert_eq!("Bare Metal".parse::<Service>(), Ok(Service::BareMetal));
    }
}
