//! Microsoft Graph's shapes in and out: a tenant imported from and exported to the JSON Graph
//! returns for licensing (subscribedSkus, directory/subscriptions, users, groups).

pub mod export;
pub mod files;
pub mod import;
pub mod plan;
pub mod render;
pub mod shapes;

/// Requests in one `$batch`: Graph's most.
pub const BATCH: usize = 20;
