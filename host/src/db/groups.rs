//! Groups for the `store` import (GL1-GL10): groups, their members, the products they give
//! and their members in error.

use super::Db;
use crate::bindings::text::{graph_code_from, graph_code_text};
use crate::bindings::types::*;
use rusqlite::{OptionalExtension, Row, params};
use wasmtime::Result;

const GROUP_COLUMNS: &str = "id, name, description, rule, created_at";

fn group(r: &Row) -> rusqlite::Result<Group> {
    Ok(Group {
        id: r.get::<_, i64>(0)? as u64,
        name: r.get(1)?,
        description: r.get(2)?,
        rule: r.get(3)?,
        created_at: r.get(4)?,
    })
}

impl Db {
    pub(super) fn groups_insert(&mut self, g: Group) -> Result<u64> {
        self.conn()
            .prepare_cached(
                "INSERT INTO groups (name, description, rule, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![g.name, g.description, g.rule, g.created_at])?;
        Ok(self.conn().last_insert_rowid() as u64)
    }

    pub(super) fn groups_update(&mut self, g: Group) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE groups SET name = ?2, description = ?3, rule = ?4 WHERE id = ?1",
            )?
            .execute(params![g.id as i64, g.name, g.description, g.rule])?;
        Ok(())
    }

    pub(super) fn groups_delete(&mut self, id: u64) -> Result<()> {
        let conn = self.conn();
        for sql in [
            "DELETE FROM group_errors WHERE group_id = ?1",
            "DELETE FROM group_members WHERE group_id = ?1",
            "DELETE FROM group_licenses WHERE group_id = ?1",
            "DELETE FROM groups WHERE id = ?1",
        ] {
            conn.prepare_cached(sql)?.execute([id as i64])?;
        }
        Ok(())
    }

    pub(super) fn groups_get(&mut self, id: u64) -> Result<Option<Group>> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = ?1");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([id as i64], group)
            .optional()?)
    }

    pub(super) fn groups_find(&mut self, name: String) -> Result<Option<Group>> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE name = ?1");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([name], group)
            .optional()?)
    }

    pub(super) fn groups_list(&mut self, after: Option<u64>, limit: u32) -> Result<Vec<Group>> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id > ?1 ORDER BY id LIMIT ?2");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params![after.unwrap_or(0) as i64, limit], group)?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub(super) fn groups_licenses(&mut self, id: u64) -> Result<Vec<GroupLicense>> {
        let rows: Vec<(String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT sku_id, disabled_plans FROM group_licenses WHERE group_id = ?1 ORDER BY sku_id",
            )?
            .query_map([id as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(sku_id, plans)| {
                Ok(GroupLicense {
                    sku_id,
                    disabled_plans: serde_json::from_str(&plans)?,
                })
            })
            .collect()
    }

    pub(super) fn groups_set_licenses(&mut self, id: u64, l: Vec<GroupLicense>) -> Result<()> {
        let conn = self.conn();
        conn.prepare_cached("DELETE FROM group_licenses WHERE group_id = ?1")?
            .execute([id as i64])?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO group_licenses (group_id, sku_id, disabled_plans) VALUES (?1, ?2, ?3)",
        )?;
        for l in l {
            stmt.execute(params![
                id as i64,
                l.sku_id,
                serde_json::to_string(&l.disabled_plans)?
            ])?;
        }
        Ok(())
    }

    // Membership is written behind, as assignments are: a group change plans its next page
    // while SQLite writes this one (`db/behind.rs`); reads wait for the writer. Membership and
    // errors change what a listing returns for those users only, so a later page read ahead
    // stays good (`ahead.rs`).
    pub(super) fn groups_add_members(&mut self, id: u64, users: Vec<u64>) -> Result<()> {
        let max_user = users.iter().copied().max().unwrap_or(0);
        self.write_page(max_user, move |conn| {
            let mut stmt = conn.prepare_cached(
                "INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?1, ?2)",
            )?;
            for u in users {
                stmt.execute(params![id as i64, u as i64])?;
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(super) fn groups_remove_members(&mut self, id: u64, users: Vec<u64>) -> Result<()> {
        let max_user = users.iter().copied().max().unwrap_or(0);
        self.write_page(max_user, move |conn| {
            let mut stmt = conn
                .prepare_cached("DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2")?;
            for u in users {
                stmt.execute(params![id as i64, u as i64])?;
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(super) fn groups_count_members(&mut self, id: u64) -> Result<u32> {
        Ok(self
            .conn()
            .prepare_cached("SELECT count(*) FROM group_members WHERE group_id = ?1")?
            .query_row([id as i64], |r| r.get(0))?)
    }

    pub(super) fn groups_of_user(&mut self, user: u64) -> Result<Vec<u64>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT group_id FROM group_members WHERE user_id = ?1 ORDER BY group_id",
            )?
            .query_map([user as i64], |r| Ok(r.get::<_, i64>(0)? as u64))?
            .collect::<rusqlite::Result<_>>()?)
    }

    // Behind too: a group change puts and clears errors with every page it writes, and a
    // write that waited for the writer would keep the next page from being planned meanwhile.
    pub(super) fn groups_put_errors(&mut self, errors: Vec<GroupError>) -> Result<()> {
        let max_user = errors.iter().map(|e| e.user_id).max().unwrap_or(0);
        self.write_page(max_user, move |conn| {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO group_errors (group_id, user_id, code, message, since)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (group_id, user_id) DO UPDATE SET code = excluded.code,
                     message = excluded.message",
            )?;
            for e in errors {
                stmt.execute(params![
                    e.group_id as i64,
                    e.user_id as i64,
                    graph_code_text(e.code),
                    e.message,
                    e.since
                ])?;
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(super) fn groups_clear_errors(&mut self, id: u64, users: Vec<u64>) -> Result<()> {
        let max_user = users.iter().copied().max().unwrap_or(0);
        self.write_page(max_user, move |conn| {
            let mut stmt = conn
                .prepare_cached("DELETE FROM group_errors WHERE group_id = ?1 AND user_id = ?2")?;
            for u in users {
                stmt.execute(params![id as i64, u as i64])?;
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(super) fn groups_errors_of(&mut self, user: u64) -> Result<Vec<GroupError>> {
        let rows: Vec<(i64, String, String, i64)> = self
            .conn()
            .prepare_cached(
                "SELECT group_id, code, message, since FROM group_errors WHERE user_id = ?1
                 ORDER BY since, group_id",
            )?
            .query_map([user as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(g, code, message, since)| {
                Ok(GroupError {
                    group_id: g as u64,
                    user_id: user,
                    code: graph_code_from(&code)?,
                    message,
                    since,
                })
            })
            .collect()
    }

    pub(super) fn groups_errors(
        &mut self,
        group: Option<u64>,
        after: u32,
        limit: u32,
    ) -> Result<Vec<GroupError>> {
        let rows: Vec<(i64, i64, String, String, i64)> = self
            .conn()
            .prepare_cached(
                "SELECT group_id, user_id, code, message, since FROM group_errors
                 WHERE ?1 IS NULL OR group_id = ?1
                 ORDER BY since, group_id, user_id LIMIT ?3 OFFSET ?2",
            )?
            .query_map(params![group.map(|g| g as i64), after, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(g, u, code, message, since)| {
                Ok(GroupError {
                    group_id: g as u64,
                    user_id: u as u64,
                    code: graph_code_from(&code)?,
                    message,
                    since,
                })
            })
            .collect()
    }
}
