//! The domain's WIT bindings (the package seats:licensing, wit/): generated here and nowhere
//! else, with the text form of the contract's enums (`text`). The storage implements their
//! `store` import, the runtime calls their exports for the service's typed operations, and the
//! adapters name their records through `service::model`.

pub mod text;

wasmtime::component::bindgen!({
    world: "domain",
    path: "../wit",
    imports: { default: trappable },
});

pub use exports::seats::licensing::{
    audit, billing, bulk, catalog, groups, licenses, subscriptions, tenant, users,
};
pub use seats::licensing::types;

/// The WIT package and version of the domain's interfaces.
pub const PACKAGE: &str = "seats:licensing";
pub const VERSION: &str = "0.2.0";
