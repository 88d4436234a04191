//! License assignments for the `store` import: by user or by subscription, in batches, and
//! stashed while their user is deleted.

use super::Db;
use super::audit::Names;
use super::rows::{
    ASSIGNMENT_COLUMNS, ASSIGNMENTS, KEYED_ASSIGNMENT_COLUMNS, assignment_row, batch_slots,
    disabled_column, keyed_assignment_row, sources_columns,
};
use crate::bindings::types::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use wasmtime::Result;

/// The keys (schema 12: `products.id`) of the products `skus` name, each looked up once; a
/// product not in the catalog has none (no one holds it).
fn product_keys<'a>(
    conn: &Connection,
    skus: impl IntoIterator<Item = &'a str>,
) -> rusqlite::Result<HashMap<&'a str, Option<i64>>> {
    let mut find = conn.prepare_cached("SELECT id FROM products WHERE sku_id = ?1")?;
    let mut keys = HashMap::new();
    for sku in skus {
        if !keys.contains_key(sku) {
            keys.insert(sku, find.query_row([sku], |r| r.get(0)).optional()?);
        }
    }
    Ok(keys)
}

/// Refuses an assignment from a subscription that does not exist: schema 14 no longer
/// declares the reference (`references.rs`), and the subscription's id comes from the caller.
fn subscriptions_exist(
    conn: &Connection,
    ids: impl IntoIterator<Item = Option<u64>>,
) -> rusqlite::Result<()> {
    let mut find = conn.prepare_cached("SELECT 1 FROM subscriptions WHERE id = ?1")?;
    let mut seen = std::collections::HashSet::new();
    for id in ids.into_iter().flatten() {
        if seen.insert(id) && !find.exists([id as i64])? {
            return Err(rusqlite::Error::ToSqlConversionFailure(
                format!("subscription {id} does not exist").into(),
            ));
        }
    }
    Ok(())
}

impl Db {
    /// Assignments matching `filter` (on table alias `a`, one parameter).
    pub(super) fn assignments_where(
        &mut self,
        filter: &str,
        param: u64,
    ) -> Result<Vec<Assignment>> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENTS} WHERE {filter} ORDER BY a.user_id, p.sku_id"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut assigners = Names::new(conn, "audit_words");
        let rows = stmt
            .query_map([param as i64], |r| assignment_row(r, &mut assigners))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub(super) fn assignments_of_user_ids(
        &mut self,
        user_ids: Vec<u64>,
    ) -> Result<Vec<Vec<Assignment>>> {
        let held = match self.ahead_held(&user_ids) {
            Some(held) => held,
            None => of_users(self.read_conn(), &user_ids)?,
        };
        self.read_ahead(&user_ids);
        Ok(held)
    }

    pub(super) fn assignments_insert_many(&mut self, assignments: Vec<Assignment>) -> Result<()> {
        // OR FAIL, with the table's references deferred (schema 12): a statement that cannot
        // roll itself back needs no statement journal; a failure fails the call, whose
        // transaction or savepoint takes the statement's rows with it.
        let max_user = assignments.iter().map(|a| a.user_id).max().unwrap_or(0);
        self.write_page(max_user, move |conn| {
            let keys = product_keys(conn, assignments.iter().map(|a| a.sku_id.as_str()))?;
            if let Some((sku, _)) = keys.iter().find(|(_, key)| key.is_none()) {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("product {sku} is not in the catalog").into(),
                ));
            }
            subscriptions_exist(conn, assignments.iter().map(|a| a.subscription))?;
            // Who assigned each: the id of the name (schema 13), the few names looked up once.
            let mut words = super::audit::Ids::new(conn, "audit_words");
            let by = assignments
                .iter()
                .map(|a| words.id(&a.assigned_by))
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            let rows: Vec<(&Assignment, i64)> = assignments.iter().zip(by).collect();
            super::many::insert(
                conn,
                "INSERT OR FAIL INTO assignments (user_id, product, assigned_at, assigned_by, subscription,
                     direct, groups, own_disabled, disabled)",
                9,
                "",
                &rows,
                |s, i, &(a, by)| {
                    let (groups, own) = sources_columns(a);
                    s.raw_bind_parameter(i, a.user_id as i64)?;
                    s.raw_bind_parameter(i + 1, keys[a.sku_id.as_str()])?;
                    s.raw_bind_parameter(i + 2, a.assigned_at)?;
                    s.raw_bind_parameter(i + 3, by)?;
                    s.raw_bind_parameter(i + 4, a.subscription.map(|s| s as i64))?;
                    s.raw_bind_parameter(i + 5, a.direct)?;
                    s.raw_bind_parameter(i + 6, groups)?;
                    s.raw_bind_parameter(i + 7, own)?;
                    s.raw_bind_parameter(i + 8, disabled_column(a))
                },
            )
        })?;
        Ok(())
    }

    pub(super) fn assignments_delete_many(&mut self, keys: Vec<(u64, String)>) -> Result<()> {
        // Behind, as the inserts: the main thread goes on planning while a page is deleted.
        let max_user = keys.iter().map(|(user, _)| *user).max().unwrap_or(0);
        self.write_page(max_user, move |conn| {
            let products = product_keys(conn, keys.iter().map(|(_, sku)| sku.as_str()))?;
            let mut rows =
                conn.prepare_cached("DELETE FROM assignments WHERE user_id = ?1 AND product = ?2")?;
            for (user, sku) in &keys {
                if let Some(product) = products[sku.as_str()] {
                    rows.execute(params![*user as i64, product])?;
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(super) fn assignments_insert(&mut self, a: Assignment) -> Result<()> {
        self.assignments_insert_many(vec![a])
    }

    /// Rewrites held assignments' sources and disabled plans, behind as the inserts (a page's
    /// writes stay in order).
    pub(super) fn assignments_update(&mut self, assignments: Vec<Assignment>) -> Result<()> {
        let max_user = assignments.iter().map(|a| a.user_id).max().unwrap_or(0);
        self.write_page(max_user, move |conn| {
            let keys = product_keys(conn, assignments.iter().map(|a| a.sku_id.as_str()))?;
            subscriptions_exist(conn, assignments.iter().map(|a| a.subscription))?;
            let mut row = conn.prepare_cached(
                "UPDATE assignments SET subscription = ?3, direct = ?4, groups = ?5,
                     own_disabled = ?6, disabled = ?7 WHERE user_id = ?1 AND product = ?2",
            )?;
            for a in &assignments {
                // A product not in the catalog is held by no one: nothing to update.
                let Some(product) = keys[a.sku_id.as_str()] else {
                    continue;
                };
                let (groups, own) = sources_columns(a);
                row.execute(params![
                    a.user_id as i64,
                    product,
                    a.subscription.map(|s| s as i64),
                    a.direct,
                    groups,
                    own,
                    disabled_column(a)
                ])?;
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(super) fn assignments_delete(&mut self, user_id: u64, sku_id: String) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached(
                "DELETE FROM assignments WHERE user_id = ?1
                 AND product = (SELECT id FROM products WHERE sku_id = ?2)",
            )?
            .execute(params![user_id as i64, sku_id])?;
        Ok(n > 0)
    }

    pub(super) fn assignments_release_to_pool(&mut self, subscription_id: u64) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE assignments SET subscription = NULL WHERE subscription = ?1")?
            .execute([subscription_id as i64])?;
        Ok(())
    }

    pub(super) fn assignments_assigned_counts(&mut self) -> Result<Vec<(String, u32)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT p.sku_id, count(*) FROM assignments a JOIN products p ON p.id = a.product
             WHERE a.subscription IS NULL GROUP BY a.product ORDER BY p.sku_id",
        )?;
        Ok(stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub(super) fn assignments_count_assigned(&mut self, sku_id: String) -> Result<u32> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT count(*) FROM assignments WHERE subscription IS NULL
                 AND product = (SELECT id FROM products WHERE sku_id = ?1)",
            )?
            .query_row([sku_id], |r| r.get(0))?)
    }

    pub(super) fn assignments_stash(
        &mut self,
        user_id: u64,
        assignments: Vec<Assignment>,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT OR REPLACE INTO deleted_assignments (user_id, sku_id, disabled_plans, assigned_at, assigned_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for a in assignments {
            let plans = serde_json::to_string(&a.disabled_plans)?;
            stmt.execute(params![
                user_id as i64,
                a.sku_id,
                plans,
                a.assigned_at,
                a.assigned_by
            ])?;
        }
        Ok(())
    }

    pub(super) fn assignments_take_stashed(&mut self, user_id: u64) -> Result<Vec<Assignment>> {
        let rows: Vec<(String, String, i64, String)> = self
            .conn()
            .prepare_cached(
                "SELECT sku_id, disabled_plans, assigned_at, assigned_by FROM deleted_assignments
                 WHERE user_id = ?1 ORDER BY sku_id",
            )?
            .query_map([user_id as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        self.conn()
            .prepare_cached("DELETE FROM deleted_assignments WHERE user_id = ?1")?
            .execute([user_id as i64])?;
        rows.into_iter()
            .map(|(sku_id, plans, assigned_at, assigned_by)| {
                Ok(Assignment {
                    user_id,
                    sku_id,
                    disabled_plans: serde_json::from_str(&plans)?,
                    assigned_at,
                    assigned_by,
                    subscription: None,
                    direct: true,
                    groups: Vec::new(),
                    own_disabled_plans: None,
                })
            })
            .collect()
    }
}

/// What each user holds, in the order of `user_ids`, each user's sorted by sku id.
pub(super) fn of_users(conn: &Connection, user_ids: &[u64]) -> Result<Vec<Vec<Assignment>>> {
    let mut out: Vec<Vec<Assignment>> = vec![Vec::new(); user_ids.len()];
    let mut assigners = Names::new(conn, "audit_words");
    let (slots, range) = batch_slots(user_ids);
    if let Some((lo, hi)) = range {
        // Many users close together (a page of users in id order): one range scan, in
        // the table's order, each user's few sorted by GUID here.
        let mut products = Names::keys(conn, "products", "sku_id");
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {KEYED_ASSIGNMENT_COLUMNS} FROM assignments a
             WHERE a.user_id BETWEEN ?1 AND ?2"
        ))?;
        let mut rows = stmt.query(params![lo, hi])?;
        while let Some(r) = rows.next()? {
            let user: i64 = r.get(0)?;
            if let Some(slot) = slots.get(&(user as u64)) {
                out[slot[0]].push(keyed_assignment_row(r, &mut products, &mut assigners)?);
            }
        }
        for held in out.iter_mut().filter(|h| h.len() > 1) {
            held.sort_unstable_by(|a, b| a.sku_id.cmp(&b.sku_id));
        }
    } else {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENTS} WHERE a.user_id = ?1 ORDER BY p.sku_id"
        ))?;
        for (&id, slot) in &slots {
            let mut rows = stmt.query([id as i64])?;
            while let Some(r) = rows.next()? {
                out[slot[0]].push(assignment_row(r, &mut assigners)?);
            }
        }
    }
    // A user asked for more than once gets the same list each time.
    for slot in slots.values().filter(|s| s.len() > 1) {
        for &i in &slot[1..] {
            out[i] = out[slot[0]].clone();
        }
    }
    Ok(out)
}
