//! Service data's workload and state as stored (schema 12): small integers, not their names
//! (a third of the table's bytes). Migration 12 converted the names with these codes; they
//! change only with a migration.

use crate::bindings::types::{DataState, Workload};
use wasmtime::{Result, bail};

/// Service data's workloads as stored: the code of each is its place here, in the order of
/// their names, so that `ORDER BY workload` lists them as the text column did.
pub const WORKLOADS: [Workload; 5] = [
    Workload::Mailbox,
    Workload::OfficeApps,
    Workload::Onedrive,
    Workload::TeamSite,
    Workload::Teams,
];
/// Data states as stored: the code of each is its place here.
pub const DATA_STATES: [DataState; 4] = [
    DataState::Active,
    DataState::Retained,
    DataState::Removed,
    DataState::Purged,
];

pub fn workload_code(w: Workload) -> i64 {
    WORKLOADS.iter().position(|&x| x == w).unwrap_or_default() as i64
}

pub fn state_code(s: DataState) -> i64 {
    DATA_STATES.iter().position(|&x| x == s).unwrap_or_default() as i64
}

pub fn workload_of(code: i64) -> Result<Workload> {
    match usize::try_from(code).ok().and_then(|i| WORKLOADS.get(i)) {
        Some(&w) => Ok(w),
        None => bail!("unknown workload {code} in the database"),
    }
}

pub fn state_of(code: i64) -> Result<DataState> {
    match usize::try_from(code).ok().and_then(|i| DATA_STATES.get(i)) {
        Some(&s) => Ok(s),
        None => bail!("unknown data state {code} in the database"),
    }
}
