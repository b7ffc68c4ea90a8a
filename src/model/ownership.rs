//! Shared responsibility vocabulary: the cloud service models, the ownership of a control for
//! one of them, and one cell of a responsibility matrix.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::ValueError;

/// A cloud service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Service {
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
    pub(crate) const ALL: [Service; 5] = [
        Service::BareMetal,
        Service::Iaas,
        Service::Paas,
        Service::Saas,
        Service::Model,
    ];

    /// The identifier used in files and on the command line.
    pub(crate) fn as_str(self) -> &'static str {
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
pub(crate) fn parse_services(s: &str) -> Result<Vec<Service>, ValueError> {
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
pub(crate) fn join_services(s: &[Service]) -> String {
    s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(",")
}

/// Who owns a control for one service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Ownership {
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
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Ownership::Inherited => "inherited",
            Ownership::Shared => "shared",
            Ownership::Customer => "customer",
            Ownership::Undetermined => "undetermined",
        }
    }

    /// The effective ownership across several service models: the common value if all agree,
    /// else `shared`; an unanswered cell makes the whole undetermined (never guessed).
    pub(crate) fn effective(values: &[Ownership]) -> Ownership {
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

/// A provider's answer for one referenced control (an SP 800-53 control of a FedRAMP CRM, a
/// CCM control): what a projected cell is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Answer {
    /// Fully inherited / CSP-owned.
    Yes,
    /// Partly / shared.
    Partial,
    /// Not inherited / customer-owned (CCM: CSC-owned or third-party outsourced).
    No,
}

impl Answer {
    /// Combines answered parts: all Yes -> Yes, all No -> No, else Partial.
    pub(crate) fn combine(parts: &[Answer]) -> Option<Answer> {
        let first = *parts.first()?;
        if parts.iter().all(|p| *p == first) {
            Some(first)
        } else {
            Some(Answer::Partial)
        }
    }

    /// `Yes`, `Partial`, `No`: as citations spell it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::Partial => "Partial",
            Answer::No => "No",
        }
    }

    /// `yes`, `partial`, `no`: as the catalogue and listings spell it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Partial => "partial",
            Answer::No => "no",
        }
    }

    /// Reads [`Answer::as_str`] back.
    pub(crate) fn parse(s: &str) -> Option<Answer> {
        match s {
            "yes" => Some(Answer::Yes),
            "partial" => Some(Answer::Partial),
            "no" => Some(Answer::No),
            _ => None,
        }
    }
}

/// The tally of a projected cell: its subcategory's referenced controls (distinct, family-only
/// references such as `CP` not counted) by the provider's combined answer for each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Tally {
    /// Answered Yes (FedRAMP) or CSP-owned (CCM).
    pub yes: u32,
    /// Partial, or parts answered differently (FedRAMP); shared (CCM).
    pub partial: u32,
    /// No (FedRAMP); CSC-owned or third-party outsourced (CCM).
    pub no: u32,
    /// Referenced, but without a row in the source or with only blank answers.
    pub unanswered: u32,
}

/// Which side the answered referenced controls of a cell lean to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Leaning {
    /// More Yes than Partial and No together.
    ProviderLed,
    /// Neither side has more than the other two answers together.
    Balanced,
    /// More No than Yes and Partial together.
    CustomerLed,
}

impl Leaning {
    /// `provider-led`, `balanced`, `customer-led`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Leaning::ProviderLed => "provider-led",
            Leaning::Balanced => "balanced",
            Leaning::CustomerLed => "customer-led",
        }
    }

    /// `p-led`, `bal`, `c-led`: where space is short (the PDF matrix).
    pub(crate) fn short(self) -> &'static str {
        match self {
            Leaning::ProviderLed => "p-led",
            Leaning::Balanced => "bal",
            Leaning::CustomerLed => "c-led",
        }
    }
}

impl fmt::Display for Leaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Tally {
    /// Counts one referenced control by its combined answer (None: unanswered).
    pub(crate) fn add(&mut self, answer: Option<Answer>) {
        match answer {
            Some(Answer::Yes) => self.yes += 1,
            Some(Answer::Partial) => self.partial += 1,
            Some(Answer::No) => self.no += 1,
            None => self.unanswered += 1,
        }
    }

    /// Referenced controls with an answer.
    pub(crate) fn answered(&self) -> u32 {
        self.yes.saturating_add(self.partial).saturating_add(self.no)
    }

    /// `provider-led` when yes > partial + no, `customer-led` when no > yes + partial,
    /// `balanced` otherwise; None when no referenced control is answered.
    pub(crate) fn leaning(&self) -> Option<Leaning> {
        if self.answered() == 0 {
            None
        } else if u64::from(self.yes) > u64::from(self.partial) + u64::from(self.no) {
            Some(Leaning::ProviderLed)
        } else if u64::from(self.no) > u64::from(self.yes) + u64::from(self.partial) {
            Some(Leaning::CustomerLed)
        } else {
            Some(Leaning::Balanced)
        }
    }

    /// The projection rule: `inherited` if every answered referenced control is Yes,
    /// `customer` if every one is No, `undetermined` if none is answered, `shared` otherwise.
    pub(crate) fn ownership(&self) -> Ownership {
        let answered = self.answered();
        if answered == 0 {
            Ownership::Undetermined
        } else if self.yes == answered {
            Ownership::Inherited
        } else if self.no == answered {
            Ownership::Customer
        } else {
            Ownership::Shared
        }
    }

    /// `yes/partial/no`, e.g. `0/3/5`.
    pub(crate) fn counts(&self) -> String {
        format!("{}/{}/{}", self.yes, self.partial, self.no)
    }

    /// What is shown beside the ownership, in parentheses: `customer-led, 0/3/5` with
    /// `, 2 unanswered` when some are; `4 unanswered` or `no referenced control` when none is
    /// answered.
    pub(crate) fn describe(&self) -> String {
        match self.leaning() {
            None if self.unanswered == 0 => "no referenced control".to_string(),
            None => format!("{} unanswered", self.unanswered),
            Some(l) if self.unanswered == 0 => format!("{l}, {}", self.counts()),
            Some(l) => format!("{l}, {}, {} unanswered", self.counts(), self.unanswered),
        }
    }

    /// The short form for narrow columns: `c-led 0/3/5`, `+2` for unanswered ones.
    pub(crate) fn describe_short(&self) -> String {
        let more = if self.unanswered > 0 {
            format!(" +{}", self.unanswered)
        } else {
            String::new()
        };
        match self.leaning() {
            None => format!("{}{more}", self.counts()),
            Some(l) => format!("{} {}{more}", l.short(), self.counts()),
        }
    }
}

/// One row of a source behind a projected cell: a referenced control, the provider's combined
/// answer for it, and the row of the CRM or CCM it came from (one per row; a control with no
/// row is listed once, without a row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CellSource {
    /// CSF 2.0 subcategory.
    pub control_id: String,
    /// Service model.
    pub service: Service,
    /// The referenced control, normalised (`AC-2(1)`, `IAM-01`).
    pub reference: String,
    /// The control's combined answer over all its rows; None: unanswered.
    pub answer: Option<Answer>,
    /// The sheet of the row (empty without a row).
    pub sheet: String,
    /// The row number as the spreadsheet shows it; None: the source has no row for it.
    pub row: Option<usize>,
    /// The control ID as written in the row (`AC-02(01)(a)`).
    pub written_id: String,
    /// The answer as written in the row (empty when blank).
    pub written_answer: String,
    /// The row's responsibility text (FedRAMP: Specific Inheritance and Customer Agency/CSP
    /// Responsibilities), empty when the source has none.
    pub text: String,
}

/// One cell of a responsibility matrix: a control for one service model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Cell {
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
    /// For a cell projected from a FedRAMP CRM or a CCM workbook, how its referenced controls
    /// were answered; None for a cell a matrix states or derives itself.
    pub tally: Option<Tally>,
}

/// The csfkit matrix layout's header, in order: `mappings/*.csv`, what `mapping export` writes
/// and `mapping import` reads.
pub(crate) const CSFKIT_HEADER: [&str; 7] = [
    "control_id",
    "service_model",
    "ownership",
    "basis",
    "citation",
    "provider_responsibility",
    "customer_responsibility",
];

/// The csfkit layout's optional tally columns of a projected cell, in order, after
/// [`CSFKIT_HEADER`]: how the referenced controls were answered and the leaning that follows.
/// `mapping export` writes them only when some cell has a tally, so a matrix without any
/// (every shipped one) keeps the seven columns, and a file without them still imports.
pub(crate) const CSFKIT_TALLY_HEADER: [&str; 5] = [
    "answers_yes",
    "answers_partial",
    "answers_no",
    "answers_unanswered",
    "leaning",
];

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
    fn the_leaning_follows_the_rule_and_is_empty_without_answers() {
        let t = |yes, partial, no, unanswered| Tally {
            yes,
            partial,
            no,
            unanswered,
        };
        assert_eq!(t(3, 1, 1, 0).leaning(), Some(Leaning::ProviderLed));
        assert_eq!(t(2, 1, 1, 0).leaning(), Some(Leaning::Balanced));
        assert_eq!(t(0, 3, 5, 0).leaning(), Some(Leaning::CustomerLed));
        assert_eq!(t(0, 3, 3, 0).leaning(), Some(Leaning::Balanced));
        assert_eq!(t(1, 3, 4, 0).leaning(), Some(Leaning::Balanced));
        assert_eq!(t(1, 1, 3, 2).leaning(), Some(Leaning::CustomerLed));
        assert_eq!(t(0, 0, 0, 4).leaning(), None);
        assert_eq!(t(0, 0, 0, 4).ownership(), Ownership::Undetermined);
        assert_eq!(t(2, 0, 0, 1).ownership(), Ownership::Inherited);
        assert_eq!(t(0, 0, 2, 1).ownership(), Ownership::Customer);
        assert_eq!(t(0, 1, 0, 0).ownership(), Ownership::Shared);
        assert_eq!(t(0, 3, 6, 0).describe(), "customer-led, 0/3/6");
        assert_eq!(t(0, 3, 6, 2).describe(), "customer-led, 0/3/6, 2 unanswered");
        assert_eq!(t(0, 0, 0, 4).describe(), "4 unanswered");
        assert_eq!(t(0, 0, 0, 0).describe(), "no referenced control");
        assert_eq!(t(0, 3, 6, 2).describe_short(), "c-led 0/3/6 +2");
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
