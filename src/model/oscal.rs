//! The OSCAL vocabulary csfkit writes and reads back, without I/O: the namespaces of its
//! properties, OSCAL identifiers of CSF elements, FedRAMP's control-origination values for an
//! ownership and back, and the service model a component's title names.

use crate::error::ValueError;
use crate::model::ownership::{Ownership, Service};

/// The OSCAL release the documents are written against (NIST's 1.2.1 JSON schemas).
pub(crate) const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of csfkit's own properties (`ownership`, `basis`, `service-model`, ...). A name,
/// not a location: nothing is served there.
pub(crate) const CSFKIT_NS: &str = "urn:csfkit:oscal";

/// FedRAMP's namespace, as FedRAMP's OSCAL validations name it. `control-origination` is read
/// in it, in its `http` spelling (FedRAMP's documentation) and in NIST's own namespace too.
pub(crate) const FEDRAMP_NS: &str = "https://fedramp.gov/ns/oscal";

/// The property name FedRAMP and NIST give the origination of a control.
pub(crate) const CONTROL_ORIGINATION: &str = "control-origination";

/// The role that carries a customer responsibility statement.
pub(crate) const CUSTOMER_ROLE: &str = "customer";

/// The role of the provider of the components.
pub(crate) const PROVIDER_ROLE: &str = "provider";

/// The OSCAL identifier (a token) of a CSF element: its ID in lower case, `GV.OC-01` ->
/// `gv.oc-01`. CSF IDs are ASCII letters, digits, `.` and `-`, so the result is always a valid
/// OSCAL token; the exact CSF spelling is kept in the element's `label` property.
pub(crate) fn token(csf_id: &str) -> String {
    csf_id.to_ascii_lowercase()
}

/// The identifier of a control's statement part, `gv.oc-01_smt`.
pub(crate) fn statement_id(csf_id: &str) -> String {
    format!("{}_smt", token(csf_id))
}

/// The FedRAMP `control-origination` values that state `o` for the customer's system. FedRAMP
/// accepts five values (`sp-corporate`, `sp-system`, `customer-configured`,
/// `customer-provided`, `inherited`) and expresses a hybrid with several properties:
/// inherited is `inherited`; shared is `inherited` and `customer-configured` (the customer
/// does its part with what the provider runs); customer is `customer-provided`. csfkit does
/// not tell configured from provided; `undetermined` has no value.
pub(crate) fn origination(o: Ownership) -> &'static [&'static str] {
    match o {
        Ownership::Inherited => &["inherited"],
        Ownership::Shared => &["inherited", "customer-configured"],
        Ownership::Customer => &["customer-provided"],
        Ownership::Undetermined => &[],
    }
}

/// The ownership that `control-origination` values state, after FedRAMP's CRM instructions:
/// service-provider values (`sp-corporate`, `sp-system`; NIST's `organization`,
/// `system-specific`) and `inherited` can be inherited by the customer; `customer-configured`
/// and `customer-provided` cannot; a mix of both sides is shared. `shared` is read as shared.
/// Any other value (FedRAMP's CIS label `hybrid` means corporate and system-specific, not
/// shared) is refused rather than guessed.
pub(crate) fn ownership_from_origination(values: &[&str]) -> Result<Ownership, ValueError> {
    let mut provider = false;
    let mut customer = false;
    for v in values {
        match v.trim() {
            "inherited" | "sp-corporate" | "sp-system" | "organization" | "system-specific" => {
                provider = true;
            }
            "customer-configured" | "customer-provided" => customer = true,
            "shared" => {
                provider = true;
                customer = true;
            }
            other => {
                return Err(ValueError::new(
                    other,
                    format!(
                        "`{other}` is not a control-origination value csfkit reads; expected inherited, sp-corporate, sp-system, customer-configured or customer-provided (several for a hybrid)"
                    ),
                ));
            }
        }
    }
    match (provider, customer) {
        (true, false) => Ok(Ownership::Inherited),
        (true, true) => Ok(Ownership::Shared),
        (false, true) => Ok(Ownership::Customer),
        (false, false) => Err(ValueError::new("", "no control-origination value")),
    }
}

/// How a service model is named in a component title.
pub(crate) fn title_label(s: Service) -> &'static str {
    match s {
        Service::BareMetal => "bare metal",
        Service::Iaas => "IaaS",
        Service::Paas => "PaaS",
        Service::Saas => "SaaS",
        Service::Model => "managed model endpoints",
    }
}

/// The service models a component title names, by whole words: `IaaS` or `Infrastructure as a
/// Service`, `PaaS`/`Platform ...`, `SaaS`/`Software ...`, `bare metal` (or `bare-metal`,
/// `baremetal`), `model endpoint(s)`. None, one or several (then the title cannot say which).
pub(crate) fn services_in_title(title: &str) -> Vec<Service> {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let has = |seq: &[&str]| {
        words
            .windows(seq.len())
            .any(|w| w.iter().zip(seq).all(|(a, b)| a == b))
    };
    let mut out = Vec::new();
    let named = [
        (Service::BareMetal, has(&["bare", "metal"]) || has(&["baremetal"])),
        (
            Service::Iaas,
            has(&["iaas"]) || has(&["infrastructure", "as", "a", "service"]),
        ),
        (
            Service::Paas,
            has(&["paas"]) || has(&["platform", "as", "a", "service"]),
        ),
        (
            Service::Saas,
            has(&["saas"]) || has(&["software", "as", "a", "service"]),
        ),
        (
            Service::Model,
            has(&["model", "endpoint"]) || has(&["model", "endpoints"]),
        ),
    ];
    for (s, yes) in named {
        if yes {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ownership_reads_back_from_its_origination() {
        for o in [Ownership::Inherited, Ownership::Shared, Ownership::Customer] {
            assert_eq!(ownership_from_origination(origination(o)), Ok(o));
        }
        assert!(origination(Ownership::Undetermined).is_empty());
        assert_eq!(
            ownership_from_origination(&["sp-corporate", "sp-system"]),
            Ok(Ownership::Inherited)
        );
        assert_eq!(
            ownership_from_origination(&["sp-system", "customer-configured"]),
            Ok(Ownership::Shared)
        );
        assert!(ownership_from_origination(&["hybrid"]).is_err());
        assert!(ownership_from_origination(&[]).is_err());
    }

    #[test]
    fn titles_name_service_models_by_whole_words() {
        assert_eq!(services_in_title("DataCrunch — IaaS"), vec![Service::Iaas]);
        assert_eq!(
            services_in_title("Acme Bare-Metal Servers"),
            vec![Service::BareMetal]
        );
        assert_eq!(
            services_in_title("Acme managed model endpoints"),
            vec![Service::Model]
        );
        assert_eq!(
            services_in_title("Platform as a Service (PaaS)"),
            vec![Service::Paas]
        );
        assert!(services_in_title("SaaSCo object storage").is_empty());
        assert_eq!(services_in_title("IaaS and PaaS").len(), 2);
        for s in Service::ALL {
            assert_eq!(services_in_title(&format!("X — {}", title_label(s))), vec![s]);
        }
        assert_eq!(token("GV.OC-01"), "gv.oc-01");
        assert_eq!(statement_id("GV.OC-01"), "gv.oc-01_smt");
    }
}
