//! The seats domain: every licensing and billing rule, written against the [`Store`] trait.
//!
//! The rules are plain Rust modules, tested natively with [`memory::MemoryStore`]. Built for
//! `wasm32-wasip2`, [`component`] adapts them to the WIT world `domain` in `../wit`.

wit_bindgen::generate!({
    world: "domain",
    path: "../wit",
    additional_derives: [PartialEq, serde::Serialize, serde::Deserialize],
    generate_all,
});

pub mod actor;
pub mod audit;
pub mod billing;
pub mod bulk;
pub mod calendar;
pub mod catalog;
pub mod check;
pub mod cx;
pub mod directory;
pub mod error;
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
