//! Users for the `store` import (ids given by the store while loading, so that rows are
//! written behind), and the service data of their workloads.

use super::Db;
use super::codes::{state_code, workload_code};
use super::rows::{USER_COLUMNS, batch_slots, decode_service_data, decode_user, user, user_at};
use crate::bindings::seats::licensing::store::UserQuery;
use crate::bindings::text::kind_text;
use crate::bindings::types::*;
use rusqlite::{Connection, OptionalExtension, Row, params};
use wasmtime::Result;

impl Db {
    pub(super) fn users_insert(&mut self, users: Vec<User>) -> Result<Vec<u64>> {
        // The ids SQLite would give (one more than the largest), given here so that the rows
        // can be written behind during a load; known from the last insert while loading.
        let first = match self.next_user_id.get() {
            Some(id) => id,
            None => {
                self.conn()
                    .query_row("SELECT coalesce(max(id), 0) + 1 FROM users", [], |r| {
                        r.get::<_, i64>(0)
                    })?
            }
        };
        let ids: Vec<u64> = (first..).take(users.len()).map(|id| id as u64).collect();
        if self.loading() {
            self.next_user_id.set(Some(first + users.len() as i64));
        }
        self.write(move |conn| {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO users (id, upn, display_name, department, usage_location, enabled, kind,
                     created_at, deleted_at, mailbox_gb, retention_hold)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for (id, u) in (first..).zip(users) {
                stmt.execute(params![
                    id,
                    u.upn,
                    u.display_name,
                    u.department,
                    u.usage_location,
                    u.enabled,
                    kind_text(u.kind),
                    u.created_at,
                    u.deleted_at,
                    u.mailbox_gb,
                    u.retention_hold
                ])?;
            }
            Ok(())
        })?;
        Ok(ids)
    }

    pub(super) fn users_get(&mut self, id: u64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
        let raw = self
            .conn()
            .prepare_cached(&sql)?
            .query_row([id as i64], user)
            .optional()?;
        raw.map(decode_user).transpose()
    }

    pub(super) fn users_find(&mut self, upns: Vec<String>) -> Result<Vec<Option<User>>> {
        // One statement for the whole batch (SQLite looks each up in the UPN index), not one
        // per UPN: most of a batch's cost was the statement's own per run.
        let columns = user_columns_of_u();
        let sql = format!(
            "SELECT j.key, {columns} FROM json_each(?1) AS j JOIN users AS u ON u.upn = j.value"
        );
        let mut out: Vec<Option<User>> = vec![None; upns.len()];
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut rows = stmt.query([serde_json::to_string(&upns)?])?;
        while let Some(row) = rows.next()? {
            let at: usize = row.get(0)?;
            let raw = user_at(row, 1)?;
            out[at] = Some(decode_user(raw)?);
        }
        Ok(out)
    }

    pub(super) fn users_list(
        &mut self,
        q: UserQuery,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<User>> {
        let users = match self.ahead_users(&q, after, limit) {
            Some(users) => users,
            None => list(self.read_conn(), &q, after, limit)?,
        };
        self.listed
            .keep(users.iter().map(|u| (u.upn.as_str(), u.id)));
        self.ahead.listed(q, &users, limit);
        Ok(users)
    }

    pub(super) fn users_update(&mut self, u: User) -> Result<()> {
        self.listed.forget();
        let n = self.conn()
            .prepare_cached(
                "UPDATE users SET upn = ?2, display_name = ?3, department = ?4, usage_location = ?5, enabled = ?6,
                     kind = ?7, deleted_at = ?8, mailbox_gb = ?9, retention_hold = ?10 WHERE id = ?1",
            )?
            .execute(params![
                u.id as i64,
                u.upn,
                u.display_name,
                u.department,
                u.usage_location,
                u.enabled,
                kind_text(u.kind),
                u.deleted_at,
                u.mailbox_gb,
                u.retention_hold
            ])?;
        wasmtime::ensure!(n == 1, "no user {} to update", u.id);
        Ok(())
    }

    pub(super) fn users_purge(&mut self, user_id: u64) -> Result<()> {
        self.listed.forget();
        self.next_user_id.set(None);
        let conn = self.conn();
        conn.prepare_cached("DELETE FROM roles WHERE user_id = ?1")?
            .execute([user_id as i64])?;
        conn.prepare_cached("DELETE FROM users WHERE id = ?1")?
            .execute([user_id as i64])?;
        Ok(())
    }

    pub(super) fn users_deleted_before(&mut self, before: i64, limit: u32) -> Result<Vec<User>> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users WHERE deleted_at < ?1 ORDER BY id LIMIT ?2");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let raws: Vec<_> = stmt
            .query_map(params![before, limit], user)?
            .collect::<rusqlite::Result<_>>()?;
        raws.into_iter().map(decode_user).collect()
    }

    pub(super) fn service_data_of_users(
        &mut self,
        user_ids: Vec<u64>,
    ) -> Result<Vec<Vec<ServiceData>>> {
        // Only reads: a page read ahead stays good (`ahead.rs`; a remove-all reads its users'
        // service data with every page).
        let conn = self.read_conn();
        let mut out: Vec<Vec<ServiceData>> = vec![Vec::new(); user_ids.len()];
        let (slots, range) = batch_slots(&user_ids);
        let raw = |r: &Row| -> rusqlite::Result<(i64, i64, i64, i64, Option<i64>)> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        };
        if let Some((lo, hi)) = range {
            let mut stmt = conn.prepare_cached(
                "SELECT user_id, workload, state, since, until FROM service_data
                 WHERE user_id BETWEEN ?1 AND ?2 ORDER BY user_id, workload",
            )?;
            let mut rows = stmt.query(params![lo, hi])?;
            while let Some(r) = rows.next()? {
                let user: i64 = r.get(0)?;
                if let Some(slot) = slots.get(&(user as u64)) {
                    out[slot[0]].push(decode_service_data(raw(r)?)?);
                }
            }
        } else {
            let mut stmt = conn.prepare_cached(
                "SELECT user_id, workload, state, since, until FROM service_data WHERE user_id = ?1 ORDER BY workload",
            )?;
            for (&id, slot) in &slots {
                let mut rows = stmt.query([id as i64])?;
                while let Some(r) = rows.next()? {
                    out[slot[0]].push(decode_service_data(raw(r)?)?);
                }
            }
        }
        for slot in slots.values().filter(|s| s.len() > 1) {
            for &i in &slot[1..] {
                out[i] = out[slot[0]].clone();
            }
        }
        Ok(out)
    }

    pub(super) fn service_data_put(&mut self, data: Vec<ServiceData>) -> Result<()> {
        // Many rows per statement: measured 1.8x faster for these upserts at 1M users (plain
        // inserts of audit rows and assignments were not faster that way). Service data is
        // not what a listing or a user's licenses read (`ahead.rs`).
        self.write_page(0, move |conn| {
            super::many::insert(
                conn,
                "INSERT INTO service_data (user_id, workload, state, since, until)",
                5,
                "ON CONFLICT (user_id, workload) DO UPDATE
                     SET state = excluded.state, since = excluded.since, until = excluded.until",
                &data,
                |s, i, d| {
                    s.raw_bind_parameter(i, d.user_id as i64)?;
                    s.raw_bind_parameter(i + 1, workload_code(d.workload))?;
                    s.raw_bind_parameter(i + 2, state_code(d.state))?;
                    s.raw_bind_parameter(i + 3, d.since)?;
                    s.raw_bind_parameter(i + 4, d.until)
                },
            )
        })?;
        Ok(())
    }

    pub(super) fn service_data_retained_due(
        &mut self,
        before: i64,
        limit: u32,
    ) -> Result<Vec<ServiceData>> {
        let raws: Vec<(i64, i64, i64, i64, Option<i64>)> = self.conn()
            .prepare_cached(
                "SELECT user_id, workload, state, since, until FROM service_data WHERE until < ?1 ORDER BY until LIMIT ?2",
            )?
            .query_map(params![before, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<rusqlite::Result<_>>()?;
        raws.into_iter().map(decode_service_data).collect()
    }
}

/// One page of `list-users`: the users after `after` that match `q`, in id order. It reads
/// neither the audit log nor service data, whose writes leave a page read ahead as it was
/// (`ahead.rs`).
pub(super) fn list(
    conn: &Connection,
    q: &UserQuery,
    after: Option<u64>,
    limit: u32,
) -> Result<Vec<User>> {
    // Only the filters given, so that SQLite can drive the read from an index (a group's
    // members, a department's users) rather than test every user against a generic
    // statement (at 1M users: a group's 178,000 members 0.06 s, not 0.62 s).
    let mut from = "users u";
    let mut order = "u.id";
    let mut conds: Vec<&str> = Vec::new();
    if q.member_of.is_some() {
        from = "group_members gm CROSS JOIN users u";
        order = "gm.user_id";
        conds.push("gm.group_id = ?10 AND gm.user_id > ?1 AND u.id = gm.user_id");
    } else {
        conds.push("u.id > ?1");
    }
    if !q.include_deleted {
        conds.push("u.deleted_at IS NULL");
    }
    if q.unlicensed_only {
        conds.push("NOT EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id)");
    }
    if q.holding.is_some() {
        conds.push(
            "EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id
             AND a.product = (SELECT id FROM products WHERE sku_id = ?4))",
        );
    }
    if q.department.is_some() {
        conds.push("u.department = ?5 COLLATE NOCASE");
    }
    if q.usage_location.is_some() {
        conds.push("u.usage_location = ?6");
    }
    if q.enabled.is_some() {
        conds.push("u.enabled = ?7");
    }
    if q.kind.is_some() {
        conds.push("u.kind = ?8");
    }
    if q.not_member_of.is_some() {
        conds.push(
            "NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = ?11 AND m.user_id = u.id)",
        );
    }
    if q.in_error {
        conds.push("EXISTS (SELECT 1 FROM group_errors e WHERE e.user_id = u.id)");
    }
    let columns = user_columns_of_u();
    let sql = format!(
        "SELECT {columns} FROM {from} WHERE {} ORDER BY {order} LIMIT ?9",
        conds.join(" AND ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.raw_bind_parameter(1, after.unwrap_or(0) as i64)?;
    stmt.raw_bind_parameter(9, limit)?;
    if let Some(h) = &q.holding {
        stmt.raw_bind_parameter(4, h)?;
    }
    if let Some(d) = &q.department {
        stmt.raw_bind_parameter(5, d)?;
    }
    if let Some(l) = &q.usage_location {
        stmt.raw_bind_parameter(6, l)?;
    }
    if let Some(e) = q.enabled {
        stmt.raw_bind_parameter(7, e)?;
    }
    if let Some(k) = q.kind {
        stmt.raw_bind_parameter(8, kind_text(k))?;
    }
    if let Some(g) = q.member_of {
        stmt.raw_bind_parameter(10, g as i64)?;
    }
    if let Some(g) = q.not_member_of {
        stmt.raw_bind_parameter(11, g as i64)?;
    }
    let mut raws = Vec::new();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        raws.push(user(row)?);
    }
    drop(rows);
    drop(stmt);
    raws.into_iter().map(decode_user).collect::<Result<_>>()
}

/// `USER_COLUMNS` of the table as alias `u`.
fn user_columns_of_u() -> String {
    USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
