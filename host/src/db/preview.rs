//! What a previewed change does to users' data (GL9, L7): the service data rows it moves out
//! of `active`, recorded by temporary triggers on this connection while the preview runs, so
//! that `--what-if` can say whose data would start its retention without the component
//! auditing every data row of every change.

use super::Db;
use super::codes::{state_code, state_of, workload_of};
use crate::bindings::text::{state_text, workload_text};
use crate::bindings::types::DataState;
use anyhow::Result;

/// One user's workload a previewed change stops: retained (until a day, or until the user is
/// deleted) or removed.
pub struct DataChange {
    pub upn: String,
    pub workload: String,
    pub state: String,
    pub until: Option<i64>,
}

/// A damaged row's error, as this module's.
fn stored(e: wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

impl Db {
    /// Starts recording the data rows that leave `active` (inside the preview's transaction:
    /// the rollback takes the record with it; `data_changes` drops the triggers).
    pub fn watch_data(&self) -> Result<()> {
        let active = state_code(DataState::Active);
        self.conn().execute_batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS previewed_data (
                 user_id INTEGER NOT NULL, workload INTEGER NOT NULL, state INTEGER NOT NULL,
                 until INTEGER, PRIMARY KEY (user_id, workload)) WITHOUT ROWID;
             DELETE FROM previewed_data;
             CREATE TEMP TRIGGER IF NOT EXISTS previewed_data_insert AFTER INSERT ON service_data
             WHEN new.state <> {active} BEGIN
                 INSERT OR REPLACE INTO previewed_data VALUES
                     (new.user_id, new.workload, new.state, new.until);
             END;
             CREATE TEMP TRIGGER IF NOT EXISTS previewed_data_update AFTER UPDATE ON service_data
             WHEN new.state <> {active} AND old.state = {active} BEGIN
                 INSERT OR REPLACE INTO previewed_data VALUES
                     (new.user_id, new.workload, new.state, new.until);
             END;"
        ))?;
        Ok(())
    }

    /// The first `limit` data rows the preview stopped (by user and workload), and how many
    /// users it stopped any for; the recording ends.
    pub fn data_changes(&self, limit: u32) -> Result<(Vec<DataChange>, u64)> {
        let conn = self.conn();
        let rows = conn
            .prepare(
                "SELECT u.upn, p.workload, p.state, p.until FROM previewed_data p
                 JOIN users u ON u.id = p.user_id ORDER BY p.user_id, p.workload LIMIT ?1",
            )?
            .query_map([limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .map(|row| {
                let (upn, workload, state, until): (String, i64, i64, Option<i64>) = row?;
                Ok(DataChange {
                    upn,
                    workload: workload_text(workload_of(workload).map_err(stored)?).into(),
                    state: state_text(state_of(state).map_err(stored)?).into(),
                    until,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let users: i64 = conn.query_row(
            "SELECT count(DISTINCT user_id) FROM previewed_data",
            [],
            |r| r.get(0),
        )?;
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS temp.previewed_data_insert;
             DROP TRIGGER IF EXISTS temp.previewed_data_update;
             DELETE FROM previewed_data;",
        )?;
        Ok((rows, users as u64))
    }
}
