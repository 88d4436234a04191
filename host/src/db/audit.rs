//! The audit log for the `store` import: filtered pages of it, and entries appended behind.
//!
//! Stored lean (schema 11): who, what and which object are integer ids of names kept once
//! (`audit_words` for actors and actions, `audit_targets` for objects), and the states before
//! and after are packed (`packed`). The component reads and writes entries as text; the text
//! is made here, when read.

use super::Db;
use super::packed;
use crate::bindings::types::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use wasmtime::Result;

/// Names by text, adding the new ones, with the ids seen in this call kept at hand.
struct Ids<'c> {
    conn: &'c Connection,
    table: &'static str,
    seen: HashMap<String, i64>,
}

impl<'c> Ids<'c> {
    fn new(conn: &'c Connection, table: &'static str) -> Self {
        Ids {
            conn,
            table,
            seen: HashMap::new(),
        }
    }

    fn id(&mut self, name: &str) -> rusqlite::Result<i64> {
        if let Some(&id) = self.seen.get(name) {
            return Ok(id);
        }
        let table = self.table;
        let found = self
            .conn
            .prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1"))?
            .query_row([name], |r| r.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                self.conn
                    .prepare_cached(&format!("INSERT INTO {table} (name) VALUES (?1)"))?
                    .execute([name])?;
                self.conn.last_insert_rowid()
            }
        };
        self.seen.insert(name.to_string(), id);
        Ok(id)
    }
}

/// Names by id, with the ones read in this call kept at hand.
pub(super) struct Names<'c> {
    conn: &'c Connection,
    table: &'static str,
    seen: HashMap<i64, String>,
}

impl<'c> Names<'c> {
    pub(super) fn new(conn: &'c Connection, table: &'static str) -> Self {
        Names {
            conn,
            table,
            seen: HashMap::new(),
        }
    }

    pub(super) fn name(&mut self, id: i64) -> anyhow::Result<String> {
        if let Some(name) = self.seen.get(&id) {
            return Ok(name.clone());
        }
        let table = self.table;
        let name: String = self
            .conn
            .prepare_cached(&format!("SELECT name FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| anyhow::anyhow!("the audit log names {table} {id}, which is missing"))?;
        self.seen.insert(id, name.clone());
        Ok(name)
    }

    fn state(&mut self, packed: Option<Vec<u8>>) -> anyhow::Result<Option<String>> {
        packed
            .map(|bytes| packed::unpack(&bytes, &mut |id| self.name(id)))
            .transpose()
    }
}

/// The columns `entry` reads. The target's name is looked up by SQLite as each row is read
/// (a rowid seek): a log names as many targets as users, too many to keep at hand here.
const COLUMNS: &str = "id, at, actor, action, \
     (SELECT name FROM audit_targets WHERE audit_targets.id = audit.target), before, after";

/// An entry as text from a row of `COLUMNS`.
fn entry(r: &rusqlite::Row, words: &mut Names) -> anyhow::Result<AuditEntry> {
    Ok(AuditEntry {
        at: r.get(1)?,
        actor: words.name(r.get(2)?)?,
        action: words.name(r.get(3)?)?,
        target: r.get::<_, Option<String>>(4)?.ok_or_else(|| {
            anyhow::anyhow!("the audit log names a target that is missing from audit_targets")
        })?,
        before: words.state(r.get(5)?)?,
        after: words.state(r.get(6)?)?,
    })
}

/// wasmtime's error from ours (it is not anyhow's).
fn plain<T>(r: anyhow::Result<T>) -> Result<T> {
    r.map_err(|e| wasmtime::format_err!("{e:#}"))
}

fn failed(e: anyhow::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(e.into())
}

/// Appends entries as the audit log stores them (also the benches' way), each with the next id.
pub fn append(conn: &Connection, entries: &[AuditEntry]) -> rusqlite::Result<()> {
    insert(conn, entries, None)
}

/// Inserts entries with the ids given (the migration keeps the text log's) or the next ones.
pub(super) fn insert(
    conn: &Connection,
    entries: &[AuditEntry],
    ids: Option<&[i64]>,
) -> rusqlite::Result<()> {
    let mut words = Ids::new(conn, "audit_words");
    let mut targets = Ids::new(conn, "audit_targets");
    // The targets looked up in name order, so the probes walk the name index once instead
    // of jumping around it (a bulk change names its users in id order, not by name).
    let mut names: Vec<&str> = entries.iter().map(|e| e.target.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        targets.id(name)?;
    }
    // A bulk change writes the same few states for many users: each is packed once.
    let mut known: HashMap<String, Vec<u8>> = HashMap::new();
    let mut pack = |state: &Option<String>, words: &mut Ids| -> rusqlite::Result<Option<Vec<u8>>> {
        let Some(json) = state.as_deref() else {
            return Ok(None);
        };
        if let Some(bytes) = known.get(json) {
            return Ok(Some(bytes.clone()));
        }
        let bytes = packed::pack(json, &mut |w| Ok(words.id(w)?))
            .map_err(|e| failed(e.context("an audit state that is not JSON")))?;
        if known.len() < 4096 {
            known.insert(json.to_string(), bytes.clone());
        }
        Ok(Some(bytes))
    };
    let mut rows = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        rows.push((
            ids.map(|ids| ids[i]),
            e.at,
            words.id(&e.actor)?,
            words.id(&e.action)?,
            targets.id(&e.target)?,
            pack(&e.before, &mut words)?,
            pack(&e.after, &mut words)?,
        ));
    }
    // A NULL id is the next one (the rowid's default). OR FAIL: no statement journal, as for
    // assignments (db/assignments.rs).
    super::many::insert(
        conn,
        "INSERT OR FAIL INTO audit (id, at, actor, action, target, before, after)",
        7,
        "",
        &rows,
        |s, i, r| {
            s.raw_bind_parameter(i, r.0)?;
            s.raw_bind_parameter(i + 1, r.1)?;
            s.raw_bind_parameter(i + 2, r.2)?;
            s.raw_bind_parameter(i + 3, r.3)?;
            s.raw_bind_parameter(i + 4, r.4)?;
            s.raw_bind_parameter(i + 5, &r.5)?;
            s.raw_bind_parameter(i + 6, &r.6)
        },
    )
}

impl Db {
    pub(super) fn audit_list(
        &mut self,
        f: AuditFilter,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        // Only the conditions given, so that SQLite can pick the index that fits: by target
        // (a user's history), by actor, or by time; otherwise the entries in id order.
        let mut sql = format!("SELECT {COLUMNS} FROM audit");
        sql.push_str(if f.newest_first {
            " WHERE id < :after"
        } else {
            " WHERE id > :after"
        });
        let action_prefix = f.action.as_ref().map(|a| format!("{a}.%"));
        for (given, condition) in [
            (
                f.actor.is_some(),
                " AND actor IN (SELECT id FROM audit_words WHERE name = :actor COLLATE NOCASE)",
            ),
            (
                f.action.is_some(),
                " AND action IN (SELECT id FROM audit_words WHERE name = :action OR name LIKE :family)",
            ),
            (
                f.target.is_some(),
                " AND target = (SELECT id FROM audit_targets WHERE name = :target)",
            ),
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
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
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
        let mut words = Names::new(conn, "audit_words");
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(AuditRecord {
                id: r.get::<_, i64>(0)? as u64,
                entry: plain(entry(r, &mut words))?,
            });
        }
        Ok(out)
    }

    /// Different targets beginning with `prefix` among the entries after `after`.
    pub(super) fn audit_count_targets(&mut self, after: u64, prefix: String) -> Result<u32> {
        // The prefix's range: every target that begins with it sorts between the two. The
        // entries are read by id (CROSS JOIN keeps that order: a change is the end of the
        // log), each target's name by its id.
        let end = format!("{prefix}\u{10FFFF}");
        let n: i64 = self
            .conn()
            .prepare_cached(
                "SELECT count(DISTINCT a.target) FROM audit a CROSS JOIN audit_targets t
                 WHERE a.id > ?1 AND t.id = a.target AND t.name >= ?2 AND t.name < ?3",
            )?
            .query_row(params![after as i64, prefix, end], |r| r.get(0))?;
        Ok(n as u32)
    }

    pub(super) fn audit_append(&mut self, entries: Vec<AuditEntry>) -> Result<()> {
        self.write(move |conn| append(conn, &entries))?;
        Ok(())
    }
}

/// Entries after id `after` in id order, at most `limit`, as text (the bench's old-layout copy
/// and its fingerprint read the log this way).
pub fn page(conn: &Connection, after: i64, limit: u32) -> anyhow::Result<Vec<(i64, AuditEntry)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2"
    ))?;
    let mut rows = stmt.query(params![after, limit])?;
    let mut words = Names::new(conn, "audit_words");
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((r.get(0)?, entry(r, &mut words)?));
    }
    Ok(out)
}
