//! The domain's records and enums as the adapters (the CLI, scripts, the shell, the seeders,
//! the views) name them: the contract's types and their text forms, from the one module that
//! generates them (`crate::bindings`). Adapters reach neither the runtime nor the storage;
//! what a new contract version changes for them shows here.

pub use crate::bindings::text;
pub use crate::bindings::{
    PACKAGE, VERSION, audit, billing, bulk, catalog, groups, licenses, subscriptions, tenant,
    types, users,
};
