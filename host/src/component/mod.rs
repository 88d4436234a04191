//! The domain component: its bindings, loading (with the compiled-code cache) and calling it
//! inside one database transaction per operation. Generated types are used from here and from
//! `views`, nowhere else.

pub(crate) mod cache;
pub mod replay;
pub(crate) mod runtime;

pub use cache::CacheDir;
pub use runtime::{CallError, HostState, Runtime, RuntimeOptions};

wasmtime::component::bindgen!({
    world: "domain",
    path: "../wit",
    imports: { default: trappable },
});

pub use exports::seats::licensing::{
    billing, bulk, catalog, licenses, subscriptions, tenant, users,
};
pub use seats::licensing::types;

/// The WIT package and version of the domain's interfaces.
pub const PACKAGE: &str = "seats:licensing";
pub const VERSION: &str = "0.1.0";

/// The component the host runs, built from guest/ by build.rs.
pub const DOMAIN_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/domain.wasm"));
