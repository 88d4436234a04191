//! The runtime: the domain component loaded (with the compiled-code cache) and called inside
//! one database transaction per operation, and the gate asked before each commit. Its
//! bindings are `crate::bindings`.

pub(crate) mod cache;
pub mod errors;
pub mod gate;
pub mod replay;
pub(crate) mod runtime;
pub(crate) mod wasi;

pub use cache::CacheDir;
pub use gate::{Gate, Refusal};
pub use runtime::{CallError, HostState, Runtime, RuntimeOptions};

pub use crate::bindings::{
    Domain, PACKAGE, VERSION, audit, billing, bulk, catalog, exports, licenses, seats,
    subscriptions, tenant, types, users,
};

/// The component the host runs, built from guest/ by build.rs.
pub const DOMAIN_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/domain.wasm"));
