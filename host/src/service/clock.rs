//! The tenant's clock: it runs ahead of the real one (or the time given) by an offset kept in
//! the database's settings, for trying out what time does (renewals, expiry, invoices).

use super::Session;
use crate::component::types::Operation;
use crate::db::Db;
use anyhow::{Context, Result};

const KEY: &str = "clock_offset";

/// Seconds the clock of the tenant in the database file runs ahead.
pub fn offset_of(path: &std::path::Path) -> Result<i64> {
    offset(&Db::open(path)?)
}

/// Seconds the tenant's clock runs ahead.
pub(super) fn offset(db: &Db) -> Result<i64> {
    Ok(match db.setting(KEY)? {
        Some(v) => v
            .parse()
            .with_context(|| format!("the clock offset '{v}' in the database is not a number"))?,
        None => 0,
    })
}

pub fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Session {
    /// Moves the tenant's clock `by` seconds further ahead, or back onto the real one (none);
    /// returns the offset now. Who may is the component's to say (the role table). The
    /// session keeps its time: open another to work at the new one.
    pub fn move_clock(&mut self, by: Option<i64>) -> Result<i64> {
        self.call(|d, st, actor| {
            d.seats_licensing_tenant()
                .call_authorize(st, actor, Operation::MoveClock)
        })?;
        let db = self.rt.db();
        let off = match by {
            Some(by) => offset(db)? + by,
            None => 0,
        };
        db.set_setting(KEY, &off.to_string())?;
        Ok(off)
    }
}
