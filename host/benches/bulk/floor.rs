//! Path (d): the floor. The same change as set-based statements on the same tables, in one
//! transaction: the same assignment rows, one audit entry per changed user with the same
//! before/after states (selected as JSON, appended packed as the store appends them, 10,000
//! at a time), the same service-data transitions (L4, L7), and the pool check (licenses are
//! counted, not stored, so no pool row changes). No rule beyond what the generated tenant
//! needs: it is the floor, not an implementation.

use crate::Op;
use rusqlite::{Connection, named_params};
use seats::bindings::types::AuditEntry;

const E3: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";
const E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const RETENTION: i64 = 30 * 86_400;

/// The part numbers a user holds, sorted, as the audit log keeps a license state.
pub const HELD: &str =
    "(SELECT json_object('licenses', json_group_array(part_number)) FROM (SELECT p.part_number FROM assignments x
      JOIN products p ON p.<pkey> = x.<key> WHERE x.user_id = m.user_id ORDER BY p.part_number))";

/// `sql` for this copy's layout: an assignment names its product by `<key>`, the products
/// column it matches is `<pkey>` (`product` and `id` since schema 12, `sku_id` in schema 10's
/// layout of the old floor); `<active>`, `<mailbox>`, ... are service data's states and
/// workloads as stored (codes since schema 12, `seats::db::codes`; text before), and
/// `<workload-name>`, `<state-name>` their names; `<actor>` is who assigns (`:actor`) as an
/// assignment keeps it (its word id since schema 13).
pub fn keyed(conn: &Connection, sql: &str) -> rusqlite::Result<String> {
    let old = sku_keyed(conn)?;
    let (key, pkey) = if old {
        ("sku_id", "sku_id")
    } else {
        ("product", "id")
    };
    // Who assigned: a name (schema 10) or its word id (schema 13).
    let actor = if old {
        ":actor"
    } else {
        "(SELECT id FROM audit_words WHERE name = :actor)"
    };
    let mut sql = sql
        .replace("<key>", key)
        .replace("<pkey>", pkey)
        .replace("<actor>", actor);
    let names = |column: &str, names: &[&str]| {
        let whens: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("WHEN {i} THEN '{n}'"))
            .collect();
        format!("CASE {column} {} END", whens.join(" "))
    };
    let (workloads, states) = code_names();
    if old {
        sql = sql
            .replace("<workload-name>", "workload")
            .replace("<state-name>", "state");
    } else {
        sql = sql
            .replace("<workload-name>", &names("workload", &workloads))
            .replace("<state-name>", &names("state", &states));
    }
    for list in [&workloads[..], &states[..]] {
        for (i, name) in list.iter().enumerate() {
            let stored = if old {
                format!("'{name}'")
            } else {
                i.to_string()
            };
            sql = sql.replace(&format!("<{name}>"), &stored);
        }
    }
    Ok(sql)
}

/// Service data's workload and state names in the order of their codes.
pub fn code_names() -> (Vec<&'static str>, Vec<&'static str>) {
    use seats::bindings::text::{state_text, workload_text};
    use seats::db::codes::{DATA_STATES, WORKLOADS};
    (
        WORKLOADS.iter().map(|&w| workload_text(w)).collect(),
        DATA_STATES.iter().map(|&s| state_text(s)).collect(),
    )
}

fn sku_keyed(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info('assignments') WHERE name = 'sku_id'",
        [],
        |r| r.get(0),
    )
}

/// What an assignment's `<key>` holds for the product `sku`.
pub fn product(conn: &Connection, sku: &str) -> rusqlite::Result<rusqlite::types::Value> {
    if sku_keyed(conn)? {
        return Ok(sku.to_string().into());
    }
    conn.query_row("SELECT id FROM products WHERE sku_id = ?1", [sku], |r| {
        r.get::<_, i64>(0).map(Into::into)
    })
}

/// Every workload a license of the suites provides becomes active where it is not.
const PROVIDE_ALL: &str = "INSERT INTO service_data (user_id, workload, state, since, until)
    SELECT m.user_id, w.workload, <active>, :now, NULL FROM moved m,
        (SELECT <mailbox> AS workload UNION ALL SELECT <onedrive> UNION ALL SELECT <team-site>
         UNION ALL SELECT <teams> UNION ALL SELECT <office-apps>) w
    WHERE NOT EXISTS (SELECT 1 FROM service_data s WHERE s.user_id = m.user_id
                      AND s.workload = w.workload AND s.state = <active>)
    ON CONFLICT (user_id, workload) DO UPDATE SET state = <active>, since = excluded.since, until = NULL";

/// Whether the database has schema 10's text audit log (the old floor's copy, `old_layout`).
pub fn text_audit(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT type = 'TEXT' FROM pragma_table_info('audit') WHERE name = 'actor'",
        [],
        |r| r.get(0),
    )
}

/// One audit entry per moved user (`m`), its before and after the SQL expressions given
/// (`:state` bound to `state`), appended as the store appends entries; on schema 10's
/// layout, the old floor's one statement of text rows.
pub fn audit_moved(
    conn: &Connection,
    (now, actor, action): (i64, &str, &str),
    (before, after): (&str, &str),
    state: Option<&str>,
) -> rusqlite::Result<()> {
    if text_audit(conn)? {
        let mut stmt = conn.prepare(&keyed(
            conn,
            &format!(
                "INSERT INTO audit (at, actor, action, target, before, after)
                 SELECT :now, :actor, :action, 'user:' || upn, {before}, {after}
                 FROM moved m ORDER BY user_id"
            ),
        )?)?;
        for (name, value) in [(":actor", actor), (":action", action)] {
            let i = stmt.parameter_index(name)?.unwrap_or(0);
            stmt.raw_bind_parameter(i, value)?;
        }
        let i = stmt.parameter_index(":now")?.unwrap_or(0);
        stmt.raw_bind_parameter(i, now)?;
        if let Some(i) = stmt.parameter_index(":state")? {
            stmt.raw_bind_parameter(i, state)?;
        }
        stmt.raw_execute()?;
        return Ok(());
    }
    let sql = keyed(
        conn,
        &format!(
            "SELECT m.user_id, 'user:' || m.upn, {before}, {after} FROM moved m
             WHERE m.user_id > :last ORDER BY m.user_id LIMIT 10000"
        ),
    )?;
    let mut last = 0i64;
    loop {
        let mut stmt = conn.prepare_cached(&sql)?;
        if let Some(i) = stmt.parameter_index(":state")? {
            stmt.raw_bind_parameter(i, state)?;
        }
        let i = stmt.parameter_index(":last")?.unwrap_or(1);
        stmt.raw_bind_parameter(i, last)?;
        let mut rows = stmt.raw_query();
        let mut page = Vec::new();
        while let Some(r) = rows.next()? {
            last = r.get(0)?;
            page.push(AuditEntry {
                at: now,
                actor: actor.into(),
                action: action.into(),
                target: r.get(1)?,
                before: r.get(2)?,
                after: r.get(3)?,
            });
        }
        drop(rows);
        if page.is_empty() {
            return Ok(());
        }
        seats::db::audit::append(conn, &page)?;
    }
}

/// The replace's steps and their times, printed for BENCHMARKS.md's "where the time goes".
struct Steps {
    last: std::time::Instant,
    done: Vec<(&'static str, f64)>,
}

impl Steps {
    fn start() -> Steps {
        Steps {
            last: std::time::Instant::now(),
            done: Vec::new(),
        }
    }
    fn done(&mut self, step: &'static str) {
        self.done.push((step, self.last.elapsed().as_secs_f64()));
        self.last = std::time::Instant::now();
    }
    fn print(&self) {
        let steps: Vec<String> = self
            .done
            .iter()
            .map(|(s, t)| format!("{s} {t:.2}s"))
            .collect();
        println!("floor steps: {}", steps.join(", "));
    }
}

fn room(conn: &Connection, sku: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        &keyed(
            conn,
            "SELECT (SELECT coalesce(sum(quantity), 0) FROM subscriptions
                     WHERE sku_id = ?1 AND status IN ('active', 'trial'))
                  - (SELECT count(*) FROM assignments WHERE <key> = ?2 AND subscription IS NULL)",
        )?,
        rusqlite::params![sku, product(conn, sku)?],
        |r| r.get(0),
    )
}

/// Every moved user gets the product `sku`, directly.
fn assign_moved(conn: &Connection, sku: &str, now: i64, actor: &str) -> rusqlite::Result<()> {
    conn.execute(
        &keyed(
            conn,
            "INSERT OR FAIL INTO assignments (user_id, <key>, assigned_at, assigned_by, subscription)
             SELECT user_id, :sku, :now, <actor>, NULL FROM moved ORDER BY user_id",
        )?,
        named_params! {":sku": product(conn, sku)?, ":now": now, ":actor": actor},
    )?;
    Ok(())
}

/// Runs the operation; returns how many users it changed.
pub fn run(conn: &Connection, op: Op, now: i64, actor: &str) -> rusqlite::Result<usize> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> rusqlite::Result<Option<usize>> {
        // Who assigns is a word id since schema 13 (`<actor>`): the actor's, made if new.
        if !sku_keyed(conn)? {
            conn.execute(
                "INSERT OR IGNORE INTO audit_words (name) VALUES (?1)",
                [actor],
            )?;
        }
        conn.execute_batch(
            "CREATE TEMP TABLE moved (user_id INTEGER PRIMARY KEY, upn TEXT NOT NULL, hold INTEGER, before TEXT)",
        )?;
        let moved = match op {
            Op::Replace => {
                let mut steps = Steps::start();
                conn.execute(
                    &keyed(
                        conn,
                        &format!(
                            "INSERT INTO moved (user_id, upn, before) SELECT u.id, u.upn, {}
                             FROM assignments a JOIN users u ON u.id = a.user_id
                             WHERE a.<key> = ?1 AND a.subscription IS NULL AND u.deleted_at IS NULL
                             ORDER BY u.id",
                            HELD.replace("m.user_id", "u.id")
                        ),
                    )?,
                    [product(conn, E3)?],
                )?;
                let moved: i64 = conn.query_row("SELECT count(*) FROM moved", [], |r| r.get(0))?;
                // All or nothing: E3 is freed before E5 is taken, so E5 needs room for all.
                if room(conn, E5)? < moved {
                    return Ok(None);
                }
                steps.done("select");
                conn.execute(
                    &keyed(
                        conn,
                        "DELETE FROM assignments WHERE <key> = ?1 AND user_id IN (SELECT user_id FROM moved)",
                    )?,
                    [product(conn, E3)?],
                )?;
                steps.done("delete");
                assign_moved(conn, E5, now, actor)?;
                steps.done("insert");
                audit_moved(conn, (now, actor, "license.set"), ("m.before", HELD), None)?;
                steps.done("audit");
                conn.execute(&keyed(conn, PROVIDE_ALL)?, named_params! {":now": now})?;
                steps.done("service data");
                steps.print();
                moved
            }
            Op::RemoveAll => {
                conn.execute(
                    &keyed(
                        conn,
                        &format!(
                            "INSERT INTO moved (user_id, upn, hold, before)
                             SELECT u.id, u.upn, u.retention_hold, {}
                             FROM users u
                             WHERE u.department = ?1 COLLATE NOCASE AND u.deleted_at IS NULL
                               AND EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id AND a.direct)
                             ORDER BY u.id",
                            HELD.replace("m.user_id", "u.id")
                        ),
                    )?,
                    [crate::DEPARTMENT],
                )?;
                // A direct change: what groups give stays (GL5); the generated tenant's group
                // licenses are never direct too.
                conn.execute(
                    "DELETE FROM assignments WHERE groups IS NULL
                       AND user_id IN (SELECT user_id FROM moved)",
                    [],
                )?;
                audit_moved(
                    conn,
                    (now, actor, "license.remove-all"),
                    ("m.before", HELD),
                    None,
                )?;
                // L7: the mailbox is kept 30 days (or under a hold), OneDrive until the user
                // is deleted, the rest goes.
                conn.execute(
                    &keyed(conn, "UPDATE service_data SET
                         state = CASE WHEN workload IN (<mailbox>, <onedrive>) THEN <retained> ELSE <removed> END,
                         since = :now,
                         until = CASE WHEN workload = <mailbox> AND NOT
                             (SELECT hold FROM moved m WHERE m.user_id = service_data.user_id)
                             THEN :now + :retention END
                     WHERE state = <active> AND user_id IN (SELECT user_id FROM moved)")?,
                    named_params! {":now": now, ":retention": RETENTION},
                )?;
                conn.query_row("SELECT count(*) FROM moved", [], |r| r.get(0))?
            }
            Op::AssignUnlicensed => {
                conn.execute(
                    "INSERT INTO moved (user_id, upn) SELECT u.id, u.upn FROM users u
                     WHERE u.deleted_at IS NULL AND (u.kind = 'user' OR u.mailbox_gb > 50)
                       AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id)
                     ORDER BY u.id",
                    [],
                )?;
                let moved: i64 = conn.query_row("SELECT count(*) FROM moved", [], |r| r.get(0))?;
                let room = room(conn, E3)?;
                // Not all or nothing: the first `room` users get one.
                if room < moved {
                    conn.execute(
                        "DELETE FROM moved WHERE user_id NOT IN (SELECT user_id FROM moved ORDER BY user_id LIMIT ?1)",
                        [room.max(0)],
                    )?;
                }
                assign_moved(conn, E3, now, actor)?;
                audit_moved(
                    conn,
                    (now, actor, "license.add"),
                    (r#"'{"licenses":[]}'"#, r#"'{"licenses":["SPE_E3"]}'"#),
                    None,
                )?;
                conn.execute(&keyed(conn, PROVIDE_ALL)?, named_params! {":now": now})?;
                moved.min(room)
            }
            // Run with and without plugins only: the floor has no plugins to compare.
            Op::ReplaceFinance => return Err(rusqlite::Error::InvalidQuery),
            Op::GroupAdd | Op::GroupRemove | Op::RuleChange => {
                crate::floor_groups::run(conn, op, now, actor)?
            }
        };
        conn.execute_batch("DROP TABLE moved")?;
        Ok(Some(moved as usize))
    })();
    match result {
        Ok(Some(n)) => {
            conn.execute_batch("COMMIT")?;
            Ok(n)
        }
        Ok(None) => {
            conn.execute_batch("ROLLBACK")?;
            Ok(0)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
