//! The audit log for the `store` import: filtered pages of it, and entries appended behind.

use super::Db;
use crate::bindings::types::*;
use wasmtime::Result;

impl Db {
    pub(super) fn audit_list(
        &mut self,
        f: AuditFilter,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        // Only the conditions given, so that SQLite can pick the index that fits: by target
        // (a user's history), by actor, or by time; otherwise the entries in id order.
        let mut sql =
            String::from("SELECT id, at, actor, action, target, before, after FROM audit");
        sql.push_str(if f.newest_first {
            " WHERE id < :after"
        } else {
            " WHERE id > :after"
        });
        let action_prefix = f.action.as_ref().map(|a| format!("{a}.%"));
        for (given, condition) in [
            (f.actor.is_some(), " AND actor = :actor COLLATE NOCASE"),
            (
                f.action.is_some(),
                " AND (action = :action OR action LIKE :family)",
            ),
            (f.target.is_some(), " AND target = :target"),
            (f.since.is_some(), " AND at >= :since"),
            (f.until.is_some(), " AND at < :until"),
        ] {
            if given {
                sql.push_str(condition);
            }
        }
        sql.push_str(if f.newest_first {
            " ORDER BY id DESC LIMIT :limit"
        } else {
            " ORDER BY id LIMIT :limit"
        });
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut bind = |name: &str, value: &dyn rusqlite::ToSql| -> rusqlite::Result<()> {
            match stmt.parameter_index(name)? {
                Some(i) => stmt.raw_bind_parameter(i, value),
                None => Ok(()),
            }
        };
        let cursor = match (after, f.newest_first) {
            (Some(id), _) => id as i64,
            (None, false) => 0,
            (None, true) => i64::MAX,
        };
        bind(":after", &cursor)?;
        bind(":actor", &f.actor)?;
        bind(":action", &f.action)?;
        bind(":family", &action_prefix)?;
        bind(":target", &f.target)?;
        bind(":since", &f.since)?;
        bind(":until", &f.until)?;
        bind(":limit", &limit)?;
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(AuditRecord {
                id: r.get::<_, i64>(0)? as u64,
                entry: AuditEntry {
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    before: r.get(5)?,
                    after: r.get(6)?,
                },
            });
        }
        Ok(out)
    }

    /// Different targets beginning with `prefix` among the entries after `after` (by the
    /// target index's order, without holding them).
    pub(super) fn audit_count_targets(&mut self, after: u64, prefix: String) -> Result<u32> {
        // The prefix's range: every target that begins with it sorts between the two. The
        // entries are read by id (`+target` keeps SQLite off the target index): a change is
        // the end of the log.
        let end = format!("{prefix}\u{10FFFF}");
        let n: i64 = self.conn().prepare_cached(
            "SELECT count(DISTINCT target) FROM audit WHERE id > ?1 AND +target >= ?2 AND +target < ?3",
        )?
        .query_row(rusqlite::params![after as i64, prefix, end], |r| r.get(0))?;
        Ok(n as u32)
    }

    pub(super) fn audit_append(&mut self, entries: Vec<AuditEntry>) -> Result<()> {
        self.write(move |conn| {
            super::many::insert(
                conn,
                "INSERT INTO audit (at, actor, action, target, before, after)",
                6,
                "",
                &entries,
                |s, i, e| {
                    s.raw_bind_parameter(i, e.at)?;
                    s.raw_bind_parameter(i + 1, &e.actor)?;
                    s.raw_bind_parameter(i + 2, &e.action)?;
                    s.raw_bind_parameter(i + 3, &e.target)?;
                    s.raw_bind_parameter(i + 4, &e.before)?;
                    s.raw_bind_parameter(i + 5, &e.after)
                },
            )
        })?;
        Ok(())
    }
}
