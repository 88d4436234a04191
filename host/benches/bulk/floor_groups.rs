//! Path (d) for the group operations: the same rows as set-based statements (GL1, GL5, GL8):
//! the group's licenses or rule, its members, each member's assignment with its sources, the
//! audit entries (the group's, each member's licenses before and after, each new member's).
//! The generated tenant's groups: Workplace (id 1) gives EMSPREMIUM, Sales team (id 2) gives
//! AAD_PREMIUM_P2; neither product provisions a workload, so no service data changes.

use crate::Op;
use rusqlite::{Connection, named_params};

const EMS: &str = "b05e124f-c7cc-45a0-a6aa-8cf78c946968";
const AAD_P2: &str = "84a661c4-e949-4bd2-a560-ed7766fcaf2b";
const WORKPLACE: i64 = 1;
const SALES_TEAM: i64 = 2;
/// Sales team's rule after the change: Finance and Procurement join.
pub const NEW_SALES_RULE: &str =
    r#"user.department -in ["Sales", "Finance", "Procurement"] -and user.kind -eq "user""#;

/// A group as the audit log keeps it (`group-audit`, as the component encodes it).
const GROUP_STATE: &str = "json_object('group', json_object(
    'group', json_object('id', g.id, 'name', g.name, 'description', g.description,
                         'rule', g.rule, 'created_at', g.created_at),
    'licenses', (SELECT json_group_array(part_number) FROM (SELECT p.part_number
                 FROM group_licenses l JOIN products p ON p.sku_id = l.sku_id
                 WHERE l.group_id = g.id ORDER BY p.part_number))))";

fn group_state(conn: &Connection, group: i64) -> rusqlite::Result<String> {
    conn.query_row(
        &format!("SELECT {GROUP_STATE} FROM groups g WHERE g.id = ?1"),
        [group],
        |r| r.get(0),
    )
}

/// The group's own audit entry.
fn audit_group(
    conn: &Connection,
    action: &str,
    group: i64,
    before: &str,
    now: i64,
    actor: &str,
) -> rusqlite::Result<()> {
    let after = group_state(conn, group)?;
    if crate::floor::text_audit(conn)? {
        conn.execute(
            "INSERT INTO audit (at, actor, action, target, before, after)
             SELECT :now, :actor, :action, 'group:' || name, :before, :after FROM groups WHERE id = :g",
            named_params! {":now": now, ":actor": actor, ":action": action, ":before": before,
            ":after": after, ":g": group},
        )?;
        return Ok(());
    }
    let name: String = conn.query_row("SELECT name FROM groups WHERE id = ?1", [group], |r| {
        r.get(0)
    })?;
    seats::db::audit::append(
        conn,
        &[seats::bindings::types::AuditEntry {
            at: now,
            actor: actor.into(),
            action: action.into(),
            target: format!("group:{name}"),
            before: Some(before.into()),
            after: Some(after),
        }],
    )
}

/// Each moved user's licenses before and after, as `license.group`.
fn audit_members(conn: &Connection, now: i64, actor: &str) -> rusqlite::Result<()> {
    crate::floor::audit_moved(
        conn,
        (now, actor, "license.group"),
        ("m.before", crate::floor::HELD),
        None,
    )
}

/// Runs a group operation inside the caller's transaction, with its `moved` table; returns
/// how many users' licenses it changed.
pub fn run(conn: &Connection, op: Op, now: i64, actor: &str) -> rusqlite::Result<i64> {
    use crate::floor::{keyed, product};
    let held = crate::floor::HELD.replace("m.user_id", "u.id");
    match op {
        Op::GroupAdd => {
            conn.execute(
                &keyed(
                    conn,
                    &format!(
                        "INSERT INTO moved (user_id, upn, before) SELECT u.id, u.upn, {held}
                         FROM group_members g JOIN users u ON u.id = g.user_id
                         WHERE g.group_id = ?1 AND u.deleted_at IS NULL ORDER BY u.id"
                    ),
                )?,
                [WORKPLACE],
            )?;
            let before = group_state(conn, WORKPLACE)?;
            conn.execute(
                "INSERT INTO group_licenses (group_id, sku_id, disabled_plans) VALUES (?1, ?2, '[]')",
                rusqlite::params![WORKPLACE, AAD_P2],
            )?;
            audit_group(conn, "group.licenses", WORKPLACE, &before, now, actor)?;
            // Held from Sales team already: one seat, one more source (ids in order).
            conn.execute(
                &keyed(
                    conn,
                    "UPDATE assignments SET groups = '1,' || groups
                     WHERE <key> = ?1 AND user_id IN (SELECT user_id FROM moved)",
                )?,
                [product(conn, AAD_P2)?],
            )?;
            conn.execute(
                &keyed(
                    conn,
                    "INSERT OR FAIL INTO assignments (user_id, <key>, assigned_at, assigned_by, subscription,
                         direct, groups, own_disabled)
                     SELECT user_id, :sku, :now, <actor>, NULL, 0, '1', NULL FROM moved m
                     WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = m.user_id
                                       AND a.<key> = :sku)
                     ORDER BY user_id",
                )?,
                named_params! {":sku": product(conn, AAD_P2)?, ":now": now, ":actor": actor},
            )?;
            audit_members(conn, now, actor)?;
        }
        Op::GroupRemove => {
            conn.execute(
                &keyed(
                    conn,
                    &format!(
                        "INSERT INTO moved (user_id, upn, before) SELECT u.id, u.upn, {held}
                         FROM group_members g JOIN users u ON u.id = g.user_id
                         JOIN assignments a ON a.user_id = u.id AND a.<key> = ?2
                         WHERE g.group_id = ?1 AND u.deleted_at IS NULL ORDER BY u.id"
                    ),
                )?,
                rusqlite::params![WORKPLACE, product(conn, EMS)?],
            )?;
            let before = group_state(conn, WORKPLACE)?;
            conn.execute(
                "DELETE FROM group_licenses WHERE group_id = ?1 AND sku_id = ?2",
                rusqlite::params![WORKPLACE, EMS],
            )?;
            audit_group(conn, "group.licenses", WORKPLACE, &before, now, actor)?;
            // Only Workplace gives it: the seat goes.
            conn.execute(
                &keyed(
                    conn,
                    "DELETE FROM assignments WHERE <key> = ?1 AND user_id IN (SELECT user_id FROM moved)",
                )?,
                [product(conn, EMS)?],
            )?;
            audit_members(conn, now, actor)?;
        }
        Op::RuleChange => {
            let before = group_state(conn, SALES_TEAM)?;
            conn.execute(
                "UPDATE groups SET rule = ?2 WHERE id = ?1",
                rusqlite::params![SALES_TEAM, NEW_SALES_RULE],
            )?;
            audit_group(conn, "group.rule", SALES_TEAM, &before, now, actor)?;
            conn.execute(
                &keyed(
                    conn,
                    &format!(
                        "INSERT INTO moved (user_id, upn, before) SELECT u.id, u.upn, {held}
                     FROM users u
                     WHERE u.deleted_at IS NULL AND u.kind = 'user'
                       AND u.department IN ('Finance', 'Procurement')
                       AND NOT EXISTS (SELECT 1 FROM group_members g
                                       WHERE g.group_id = ?1 AND g.user_id = u.id)
                     ORDER BY u.id"
                    ),
                )?,
                [SALES_TEAM],
            )?;
            conn.execute(
                "INSERT INTO group_members (group_id, user_id) SELECT ?1, user_id FROM moved",
                [SALES_TEAM],
            )?;
            let state = group_state(conn, SALES_TEAM)?;
            crate::floor::audit_moved(
                conn,
                (now, actor, "group.member-add"),
                ("NULL", ":state"),
                Some(&state),
            )?;
            conn.execute(
                &keyed(
                    conn,
                    "INSERT OR FAIL INTO assignments (user_id, <key>, assigned_at, assigned_by, subscription,
                         direct, groups, own_disabled)
                     SELECT user_id, :sku, :now, <actor>, NULL, 0, '2', NULL FROM moved ORDER BY user_id",
                )?,
                named_params! {":sku": product(conn, AAD_P2)?, ":now": now, ":actor": actor},
            )?;
            audit_members(conn, now, actor)?;
        }
        _ => return Err(rusqlite::Error::InvalidQuery),
    }
    conn.query_row("SELECT count(*) FROM moved", [], |r| r.get(0))
}
