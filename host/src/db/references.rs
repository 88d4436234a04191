//! Rows that refer to a row that is missing: those SQLite checks (declared foreign keys, at
//! COMMIT or by `pragma_foreign_key_check`) and those it no longer does (schema 14).
//!
//! An assignment's product, subscription and assigner, and an audit entry's actor, action and
//! named target refer to rows that are never deleted, whose ids the store itself looks up or
//! makes (a subscription's, it checks when it writes the assignment). Declared, they cost SQLite a probe of each parent on every insert and delete of
//! a bulk change (docs/storage.md). They are checked here instead: by `seats check`, and after
//! a bulk load, with the declared ones.

use rusqlite::Connection;

/// The references the schema does not declare: (table, column, parent), the parent's `id`.
pub(super) const UNDECLARED: [(&str, &str, &str); 6] = [
    ("assignments", "product", "products"),
    ("assignments", "subscription", "subscriptions"),
    ("assignments", "assigned_by", "audit_words"),
    ("audit", "actor", "audit_words"),
    ("audit", "action", "audit_words"),
    ("audit", "target", "audit_targets"),
];

/// How many rows refer to a missing row, and the first such (table, parent) found.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Broken {
    pub count: usize,
    pub first: Option<(String, String)>,
}

pub(super) fn broken(conn: &Connection) -> rusqlite::Result<Broken> {
    let mut found = Broken::default();
    let mut declared = conn.prepare("SELECT \"table\", parent FROM pragma_foreign_key_check")?;
    let mut rows = declared.query([])?;
    while let Some(row) = rows.next()? {
        if found.first.is_none() {
            found.first = Some((row.get(0)?, row.get(1)?));
        }
        found.count += 1;
    }
    for (table, column, parent) in UNDECLARED {
        let n: i64 = conn.query_row(
            &format!(
                "SELECT count(*) FROM {table} c WHERE c.{column} IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{column})"
            ),
            [],
            |r| r.get(0),
        )?;
        if n > 0 && found.first.is_none() {
            found.first = Some((table.to_string(), parent.to_string()));
        }
        found.count += n as usize;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each reference the schema stopped declaring is still found broken, as are the
    /// declared ones.
    #[test]
    fn a_row_that_refers_to_a_missing_row_is_found_declared_or_not() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, upn, display_name, enabled, kind, created_at)
                 VALUES (7, 'ana@t.com', 'Ana', 1, 'user', 1);
             INSERT INTO products (id, sku_id, part_number, display_name)
                 VALUES (1, '00000000-0000-0000-0000-000000000001', 'P', 'P');
             INSERT INTO audit_words (id, name) VALUES (1, 'tester');
             INSERT INTO audit_targets (id, name) VALUES (1, 'group:x');
             INSERT INTO assignments (user_id, product, assigned_at, assigned_by)
                 VALUES (7, 1, 1, 1);
             INSERT INTO audit (at, actor, action, target) VALUES (1, 1, 1, 1);
             INSERT INTO audit (at, actor, action, user_id) VALUES (1, 1, 1, 7);",
        )
        .unwrap();
        assert_eq!(broken(&conn).unwrap(), Broken::default());
        let breaks = [
            (
                "UPDATE assignments SET product = 2",
                "assignments",
                "products",
            ),
            (
                "UPDATE assignments SET subscription = 9",
                "assignments",
                "subscriptions",
            ),
            (
                "UPDATE assignments SET assigned_by = 2",
                "assignments",
                "audit_words",
            ),
            (
                "UPDATE audit SET actor = 2 WHERE id = 1",
                "audit",
                "audit_words",
            ),
            (
                "UPDATE audit SET action = 2 WHERE id = 1",
                "audit",
                "audit_words",
            ),
            (
                "UPDATE audit SET target = 2 WHERE id = 1",
                "audit",
                "audit_targets",
            ),
            (
                "UPDATE audit SET user_id = 8 WHERE id = 2",
                "audit",
                "users",
            ),
            ("UPDATE assignments SET user_id = 8", "assignments", "users"),
        ];
        for (sql, table, parent) in breaks {
            let tx = conn.transaction().unwrap();
            tx.execute_batch(sql).unwrap();
            assert_eq!(
                broken(&tx).unwrap(),
                Broken {
                    count: 1,
                    first: Some((table.to_string(), parent.to_string()))
                },
                "{sql}"
            );
            tx.rollback().unwrap();
        }
    }
}
