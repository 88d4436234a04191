//! The seats domain: every licensing and billing rule, written against the [`Store`] trait.
//!
//! The rules are plain Rust modules, tested natively with [`memory::MemoryStore`]. Built for
//! `wasm32-wasip2`, [`component`] adapts them to the WIT world `domain` in `../wit`.

wit_bindgen::generate!({
    world: "domain",
    path: "../wit",
    additional_derives: [PartialEq, serde::Serialize, serde::Deserialize],
    // Audit entries keep records as JSON: their enums read as the contract spells them
    // ("too-expensive", "self-service"), not as Rust names.
    additional_type_attributes: {
        "seats:licensing/types@0.2.0/role": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/operation": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/graph-code": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/plan-rule-kind": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/cloud": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/billing-frequency": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/purchase-channel": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/subscription-status": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/cancel-reason": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/user-kind": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/workload": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/data-state": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/payment-details": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/charge-kind": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/object-kind": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/audit-state": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/error": [#[serde(rename_all = "kebab-case")]],
        "seats:licensing/types@0.2.0/blocked-reason": [#[serde(rename_all = "kebab-case")]],
    },
    generate_all,
});

pub mod actor;
pub mod audit;
pub mod audited;
pub mod billing;
pub mod bulk;
pub mod calendar;
pub mod catalog;
pub mod change;
pub mod check;
pub mod cx;
pub mod data_follows;
pub mod directory;
pub mod error;
pub mod groups;
pub mod hash;
pub mod licenses;
pub mod lifecycle;
pub mod memory;
pub mod plans;
pub mod pool;
pub mod provisioning;
pub mod roles;
pub mod rules;
pub mod self_service;
pub mod store;
pub mod subscriptions;
pub mod tenant;
pub mod users;
pub mod validate;
pub mod view;

#[cfg(test)]
mod model_test;
#[cfg(test)]
mod roles_test;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod users_licensed_test;

#[cfg(target_arch = "wasm32")]
mod component;

// Single-threaded (no atomics), as wasm32-wasip2 is.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The WIT records and enums every module speaks.
pub use seats::licensing::types;
pub use store::Store;
