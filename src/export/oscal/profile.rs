//! The CSF 2.0 selection of the catalog as an OSCAL `profile`: it imports `catalog.json` beside
//! it and includes every subcategory of the scope by its control ID, merged as they are. The
//! system security plan imports this profile.

use serde::Serialize;

use crate::error::Result;
use crate::export::oscal::{
    CATALOG, ChainInput, ControlRef, Metadata, Prop, scope_controls, to_bytes, uuid_for,
};

#[derive(Serialize)]
struct Document {
    profile: Profile,
}

#[derive(Serialize)]
struct Profile {
    uuid: String,
    metadata: Metadata,
    imports: [Import; 1],
    merge: Merge,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Import {
    href: String,
    include_controls: [Selection; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Selection {
    with_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Merge {
    as_is: bool,
}

/// `profile.json`: every subcategory of `input`'s scope, selected from `catalog.json`.
pub(crate) fn profile(input: &ChainInput<'_>) -> Result<Vec<u8>> {
    let as_of = input.cov.as_of;
    let ids: Vec<String> = scope_controls(input)
        .into_iter()
        .map(|ControlRef { control_id }| control_id)
        .collect();
    let mut metadata = Metadata::new(
        &format!("NIST CSF 2.0: the {} subcategories csfkit assesses", ids.len()),
        &as_of.to_string(),
        as_of,
    );
    metadata
        .props
        .extend(Prop::csfkit("catalogue-digest", input.digest));
    metadata.remarks = Some(
        "Written by csfkit: every active NIST CSF 2.0 subcategory of catalog.json, as NIST published it (no parameters, no alterations).".into(),
    );
    let content = crate::util::sha256_hex(ids.join(",").as_bytes());
    let doc = Document {
        profile: Profile {
            uuid: uuid_for(&format!("profile|{}|{content}", input.digest)),
            metadata,
            imports: [Import {
                href: CATALOG.into(),
                include_controls: [Selection { with_ids: ids }],
            }],
            merge: Merge { as_is: true },
        },
    };
    to_bytes(&doc)
}
