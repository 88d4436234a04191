//! Schema 10's layout, made from a copy of the template for the old floor (`floor-10`): the
//! disabled plans as child rows with their cascade, the audit log as text with its text
//! indexes. Not timed: the runner converts the copy before it starts the child.

use anyhow::Result;
use rusqlite::{Connection, params};
use std::path::Path;

pub fn convert(db: &Path) -> Result<()> {
    let mut conn = Connection::open(db)?;
    seats::db::configure(&conn)?;
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE disabled_plans (
             user_id INTEGER NOT NULL,
             sku_id TEXT NOT NULL,
             plan_id TEXT NOT NULL,
             PRIMARY KEY (user_id, sku_id, plan_id),
             FOREIGN KEY (user_id, sku_id) REFERENCES assignments (user_id, sku_id) ON DELETE CASCADE,
             FOREIGN KEY (sku_id, plan_id) REFERENCES product_plans (sku_id, plan_id) ON DELETE CASCADE
         ) STRICT, WITHOUT ROWID;
         INSERT INTO disabled_plans SELECT a.user_id, a.sku_id, j.value
             FROM assignments a, json_each(a.disabled) j WHERE a.disabled IS NOT NULL;
         CREATE TABLE audit_text (
             id INTEGER PRIMARY KEY,
             at INTEGER NOT NULL,
             actor TEXT NOT NULL,
             action TEXT NOT NULL,
             target TEXT NOT NULL,
             before TEXT,
             after TEXT
         ) STRICT;",
    )?;
    let mut last = 0;
    loop {
        let page = seats::db::audit::page(&tx, last, 10_000)?;
        let Some((end, _)) = page.last() else { break };
        last = *end;
        let mut insert =
            tx.prepare_cached("INSERT INTO audit_text VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for (id, e) in &page {
            insert.execute(params![
                id, e.at, e.actor, e.action, e.target, e.before, e.after
            ])?;
        }
    }
    tx.execute_batch(
        "DROP TABLE audit;
         ALTER TABLE audit_text RENAME TO audit;
         CREATE INDEX audit_by_target ON audit (target);
         CREATE INDEX audit_by_time ON audit (at);
         CREATE INDEX audit_by_actor ON audit (actor COLLATE NOCASE);",
    )?;
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(())
}
