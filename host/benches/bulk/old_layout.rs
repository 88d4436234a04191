//! Schema 10's layout, made from a copy of the template for the old floor (`floor-10`):
//! assignments keyed by their product's GUID, service data as text, the disabled plans as child rows with their
//! cascade, the audit log as text with its text
//! indexes. Not timed: the runner converts the copy before it starts the child.

use anyhow::Result;
use rusqlite::{Connection, params};
use std::path::Path;

pub fn convert(db: &Path) -> Result<()> {
    let mut conn = Connection::open(db)?;
    seats::db::configure(&conn)?;
    let tx = conn.transaction()?;
    // Read for today's layout (`keyed` names the codes), before it changes.
    tx.execute_batch(&crate::floor::keyed(
        &tx,
        "CREATE TABLE assignments_10 (
             user_id INTEGER NOT NULL REFERENCES users (id),
             sku_id TEXT NOT NULL REFERENCES products (sku_id),
             assigned_at INTEGER NOT NULL,
             assigned_by TEXT NOT NULL,
             subscription INTEGER REFERENCES subscriptions (id),
             direct INTEGER NOT NULL DEFAULT 1 CHECK (direct BETWEEN 0 AND 1),
             groups TEXT,
             own_disabled TEXT,
             disabled TEXT,
             PRIMARY KEY (user_id, sku_id)
         ) STRICT, WITHOUT ROWID;
         INSERT INTO assignments_10 SELECT a.user_id, p.sku_id, a.assigned_at,
                 (SELECT name FROM audit_words w WHERE w.id = a.assigned_by),
                 a.subscription, a.direct, a.groups, a.own_disabled, a.disabled
             FROM assignments a JOIN products p ON p.id = a.product ORDER BY 1, 2;
         DROP TABLE assignments;
         ALTER TABLE assignments_10 RENAME TO assignments;
         CREATE INDEX assignments_by_product ON assignments (sku_id, subscription, user_id);
         CREATE INDEX assignments_by_subscription ON assignments (subscription)
             WHERE subscription IS NOT NULL;
         CREATE TABLE service_data_10 (
             user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
             workload TEXT NOT NULL CHECK (workload = 'mailbox' OR workload = 'onedrive'
                 OR workload = 'team-site' OR workload = 'teams' OR workload = 'office-apps'),
             state TEXT NOT NULL CHECK (state = 'active' OR state = 'retained' OR state = 'removed'
                 OR state = 'purged'),
             since INTEGER NOT NULL,
             until INTEGER CHECK (until IS NULL OR state = 'retained'),
             PRIMARY KEY (user_id, workload)
         ) STRICT, WITHOUT ROWID;
         INSERT INTO service_data_10 SELECT user_id, <workload-name>, <state-name>, since, until
             FROM service_data ORDER BY user_id, 2;
         DROP TABLE service_data;
         ALTER TABLE service_data_10 RENAME TO service_data;
         CREATE INDEX service_data_by_until ON service_data (until) WHERE until IS NOT NULL;
         CREATE TABLE disabled_plans (
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
    )?)?;
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
        "DROP TRIGGER audit_names_a_renamed_user;
         DROP TRIGGER audit_names_a_purged_user;
         DROP TABLE audit;
         ALTER TABLE audit_text RENAME TO audit;
         CREATE INDEX audit_by_target ON audit (target);
         CREATE INDEX audit_by_time ON audit (at);
         CREATE INDEX audit_by_actor ON audit (actor COLLATE NOCASE);",
    )?;
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(())
}
