//! Loading a generated tenant (`init --generate`): the storage's fast paths a load may take
//! (indexes built at the end, references checked once), behind the service.

use super::Session;
use anyhow::Result;

/// How the users' writes went behind the planning (`db/behind.rs`).
pub use crate::db::behind::Stats as WriteBehind;

impl Session {
    /// Drops the named indexes for the load; `build_indexes` makes them again.
    pub fn defer_indexes(&mut self, names: &[&str]) -> Result<Vec<String>> {
        self.rt.db().defer_indexes(names)
    }

    pub fn build_indexes(&mut self, deferred: &[String]) -> Result<()> {
        self.rt.db().build_indexes(deferred)
    }

    pub fn write_behind_stats(&mut self) -> WriteBehind {
        self.rt.db().behind_stats().unwrap_or_default()
    }

    /// Every reference of the load, checked once before it commits (a broken one fails it).
    pub fn check_references(&mut self) -> Result<()> {
        self.rt.db().check_references()
    }

    /// Commits the load and puts the file back to its usual durability.
    pub fn commit_load(&mut self) -> Result<()> {
        self.rt.finish(true)?;
        self.rt.db().bulk_load(false)
    }
}
