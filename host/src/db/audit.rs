//! The audit log for the `store` import: filtered pages of it, and entries appended behind.
//!
//! Stored lean (schema 11): who, what and which object are integer ids of names kept once
//! (`audit_words` for actors and actions, `audit_targets` for objects), and the states before
//! and after are packed (`packed`). An entry about a user names the user by id while the
//! user holds the UPN it was written with (schema 13; the triggers of migration 13 give the
//! entries their name back on a rename or a purge). The component reads and writes entries
//! as text; the text is made here, when read.

use super::Db;
use super::packed;
use crate::bindings::types::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use wasmtime::Result;

/// Names by text, adding the new ones, with the ids seen in this call kept at hand.
pub(super) struct Ids<'c> {
    conn: &'c Connection,
    table: &'static str,
    seen: HashMap<String, i64>,
}

impl<'c> Ids<'c> {
    pub(super) fn new(conn: &'c Connection, table: &'static str) -> Self {
        Ids {
            conn,
            table,
            seen: HashMap::new(),
        }
    }

    pub(super) fn id(&mut self, name: &str) -> rusqlite::Result<i64> {
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
    /// The column that names a row (`name`, or a product's `sku_id`).
    column: &'static str,
    seen: HashMap<i64, String>,
}

impl<'c> Names<'c> {
    pub(super) fn new(conn: &'c Connection, table: &'static str) -> Self {
        Names::keys(conn, table, "name")
    }

    /// Names of `table`'s rows by id, from `column`.
    pub(super) fn keys(conn: &'c Connection, table: &'static str, column: &'static str) -> Self {
        Names {
            conn,
            table,
            column,
            seen: HashMap::new(),
        }
    }

    pub(super) fn name(&mut self, id: i64) -> anyhow::Result<String> {
        if let Some(name) = self.seen.get(&id) {
            return Ok(name.clone());
        }
        let (table, column) = (self.table, self.column);
        let name: String = self
            .conn
            .prepare_cached(&format!("SELECT {column} FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| anyhow::anyhow!("a row names {table} {id}, which is missing"))?;
        self.seen.insert(id, name.clone());
        Ok(name)
    }

    fn state(&mut self, packed: Option<Vec<u8>>, target: &str) -> anyhow::Result<Option<String>> {
        let subject = packed::subject(target);
        packed
            .map(|bytes| packed::unpack(&bytes, subject, &mut |id| self.name(id)))
            .transpose()
    }
}

/// The columns `entry` reads. The target's name is looked up by SQLite as each row is read
/// (a rowid seek): a log names as many targets as users, too many to keep at hand here.
const COLUMNS: &str = "id, at, actor, action, CASE WHEN audit.user_id IS NULL \
     THEN (SELECT name FROM audit_targets WHERE audit_targets.id = audit.target) \
     ELSE (SELECT 'user:' || upn FROM users WHERE users.id = audit.user_id) END, before, after";

/// Where an entry's target is kept: a user holding exactly that name, or a name.
#[derive(Clone, Copy)]
enum Target {
    User(i64),
    Named(i64),
}

/// The user whose UPN is exactly `name` after "user:" (the UPN's index ignores case; an entry
/// keeps the spelling it was written with).
fn user_named(conn: &Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    let Some(upn) = name.strip_prefix("user:") else {
        return Ok(None);
    };
    let found: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, upn FROM users WHERE upn = ?1")?
        .query_row([upn], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.filter(|(_, held)| held == upn).map(|(id, _)| id))
}

/// An entry as text from a row of `COLUMNS`.
fn entry(r: &rusqlite::Row, words: &mut Names) -> anyhow::Result<AuditEntry> {
    let target: String = r
        .get::<_, Option<String>>(4)?
        .ok_or_else(|| anyhow::anyhow!("the audit log names a target or a user that is missing"))?;
    Ok(AuditEntry {
        at: r.get(1)?,
        actor: words.name(r.get(2)?)?,
        action: words.name(r.get(3)?)?,
        before: words.state(r.get(5)?, &target)?,
        after: words.state(r.get(6)?, &target)?,
        target,
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
    insert(conn, entries, None, true, &[])
}

/// Inserts entries with the ids given (the migration keeps the text log's) or the next ones;
/// users named by id, or (`users_by_id` false: migration 11's layout, before schema 13) only
/// by name.
pub(super) fn insert(
    conn: &Connection,
    entries: &[AuditEntry],
    ids: Option<&[i64]>,
    users_by_id: bool,
    known: &[Option<i64>],
) -> rusqlite::Result<()> {
    let mut words = Ids::new(conn, "audit_words");
    let mut targets = Ids::new(conn, "audit_targets");
    // The targets looked up in name order, so the probes walk the name indexes once instead
    // of jumping around them (a bulk change names its users in id order, not by name).
    let mut kept: HashMap<&str, Target> = HashMap::with_capacity(entries.len());
    // Users the caller knows by id (`listed.rs`): `known` follows `entries`, or is empty.
    for (e, id) in entries.iter().zip(known) {
        if let Some(id) = *id {
            kept.insert(e.target.as_str(), Target::User(id));
        }
    }
    let mut names: Vec<&str> = entries
        .iter()
        .map(|e| e.target.as_str())
        .filter(|t| !kept.contains_key(t))
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let user = if users_by_id {
            user_named(conn, name)?
        } else {
            None
        };
        let target = match user {
            Some(user) => Target::User(user),
            None => Target::Named(targets.id(name)?),
        };
        kept.insert(name, target);
    }
    // A bulk change writes the same few states for many users: each is packed once (unless
    // it names its entry's subject, a user's UPN: then it is that user's alone).
    let mut known: HashMap<String, Vec<u8>> = HashMap::new();
    let mut pack = |state: &Option<String>,
                    target: &str,
                    words: &mut Ids|
     -> rusqlite::Result<Option<Vec<u8>>> {
        let Some(json) = state.as_deref() else {
            return Ok(None);
        };
        if let Some(bytes) = known.get(json) {
            return Ok(Some(bytes.clone()));
        }
        let (bytes, about) = packed::pack(json, packed::subject(target), &mut |w| Ok(words.id(w)?))
            .map_err(|e| failed(e.context("an audit state that is not JSON")))?;
        if !about && known.len() < 4096 {
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
            kept[e.target.as_str()],
            pack(&e.before, &e.target, &mut words)?,
            pack(&e.after, &e.target, &mut words)?,
        ));
    }
    // A NULL id is the next one (the rowid's default). OR FAIL: no statement journal, as for
    // assignments (db/assignments.rs).
    let (head, columns) = if users_by_id {
        (
            "INSERT OR FAIL INTO audit (id, at, actor, action, target, user_id, before, after)",
            8,
        )
    } else {
        (
            "INSERT OR FAIL INTO audit (id, at, actor, action, target, before, after)",
            7,
        )
    };
    super::many::insert(conn, head, columns, "", &rows, |s, i, r| {
        s.raw_bind_parameter(i, r.0)?;
        s.raw_bind_parameter(i + 1, r.1)?;
        s.raw_bind_parameter(i + 2, r.2)?;
        s.raw_bind_parameter(i + 3, r.3)?;
        let (named, user) = match r.4 {
            Target::Named(id) => (Some(id), None),
            Target::User(id) => (None, Some(id)),
        };
        s.raw_bind_parameter(i + 4, named)?;
        let i = if users_by_id {
            s.raw_bind_parameter(i + 5, user)?;
            i + 1
        } else {
            i
        };
        s.raw_bind_parameter(i + 5, &r.5)?;
        s.raw_bind_parameter(i + 6, &r.6)
    })
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
        // A target's entries are the user's who holds that name now and those kept under the
        // name (written before the user had it, or while an earlier holder did): one index
        // each, the second only when there are both.
        let (named, user) = match &f.target {
            Some(target) => {
                let conn = self.conn();
                let named: Option<i64> = conn
                    .prepare_cached("SELECT id FROM audit_targets WHERE name = ?1")?
                    .query_row([target], |r| r.get(0))
                    .optional()?;
                (named, user_named(conn, target)?)
            }
            None => (None, None),
        };
        let target_condition = match (named, user) {
            (Some(_), Some(_)) => " AND (target = :named OR user_id = :user)",
            (Some(_), None) => " AND target = :named",
            (None, Some(_)) => " AND user_id = :user",
            (None, None) => " AND 0",
        };
        for (given, condition) in [
            (
                f.actor.is_some(),
                " AND actor IN (SELECT id FROM audit_words WHERE name = :actor COLLATE NOCASE)",
            ),
            (
                f.action.is_some(),
                " AND action IN (SELECT id FROM audit_words WHERE name = :action OR name LIKE :family)",
            ),
            (f.target.is_some(), target_condition),
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
        bind(":named", &named)?;
        bind(":user", &user)?;
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
        // log), each target's name by its id: the users named by id, and the names kept
        // that no user counted already holds (a name can be both: a user's entries from
        // before it held the name, or an earlier holder's).
        let end = format!("{prefix}\u{10FFFF}");
        let n: i64 = self
            .conn()
            .prepare_cached(
                "SELECT (SELECT count(DISTINCT a.user_id) FROM audit a CROSS JOIN users u
                     WHERE a.id > ?1 AND u.id = a.user_id
                         AND 'user:' || u.upn >= ?2 AND 'user:' || u.upn < ?3)
                 + (SELECT count(*) FROM (SELECT DISTINCT t.name FROM audit a
                         CROSS JOIN audit_targets t
                         WHERE a.id > ?1 AND t.id = a.target AND t.name >= ?2 AND t.name < ?3) n
                     WHERE NOT EXISTS (SELECT 1 FROM users u
                         WHERE u.upn = substr(n.name, 6) AND n.name = 'user:' || u.upn
                             AND EXISTS (SELECT 1 FROM audit b
                                 WHERE b.user_id = u.id AND b.id > ?1)))",
            )?
            .query_row(params![after as i64, prefix, end], |r| r.get(0))?;
        Ok(n as u32)
    }

    pub(super) fn audit_append(&mut self, entries: Vec<AuditEntry>) -> Result<()> {
        let known = self
            .listed
            .ids_of(entries.iter().map(|e| e.target.as_str()));
        // The audit log is not what a listing or a user's licenses read (`ahead.rs`).
        self.write_page(0, move |conn| insert(conn, &entries, None, true, &known))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::seats::licensing::store::Host;

    fn user(upn: &str) -> User {
        User {
            id: 0,
            upn: upn.into(),
            display_name: "U".into(),
            department: None,
            usage_location: None,
            enabled: true,
            kind: UserKind::User,
            mailbox_gb: 0,
            retention_hold: false,
            created_at: 1,
            deleted_at: None,
        }
    }

    fn entry(action: &str, target: &str) -> AuditEntry {
        AuditEntry {
            at: 1,
            actor: "admin@t.com".into(),
            action: action.into(),
            target: target.into(),
            before: None,
            after: None,
        }
    }

    fn log(db: &mut Db, target: Option<&str>) -> Vec<(String, String)> {
        let filter = AuditFilter {
            actor: None,
            action: None,
            target: target.map(str::to_string),
            since: None,
            until: None,
            newest_first: false,
        };
        db.list_audit(filter, None, 100)
            .unwrap()
            .into_iter()
            .map(|r| (r.entry.action, r.entry.target))
            .collect()
    }

    fn named_by_id(db: &mut Db) -> i64 {
        db.conn()
            .query_row(
                "SELECT count(*) FROM audit WHERE user_id IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Entries keep the target they were written with through renames (also of case), a
    /// purge and the name given to another user, though users are kept by id while they
    /// hold the name.
    #[test]
    fn an_entry_reads_as_written_after_a_rename_a_purge_and_a_reused_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::create(&dir.path().join("t.db")).unwrap();
        let before = entry("user.note", "user:ana@t.com");
        db.append_audit(vec![before]).unwrap();
        let ids = db
            .insert_users(vec![user("ana@t.com"), user("bo@t.com")])
            .unwrap();
        let (ana, bo) = (ids[0], ids[1]);
        db.append_audit(vec![
            entry("user.create", "user:ana@t.com"),
            entry("user.create", "user:bo@t.com"),
            entry("license.add", "user:Bo@t.com"),
            entry("tenant.setup", "tenant:T"),
        ])
        .unwrap();
        assert_eq!(
            named_by_id(&mut db),
            2,
            "exactly the holders' spelling is kept by id"
        );
        let whole = log(&mut db, None);
        assert_eq!(
            whole,
            [
                ("user.note", "user:ana@t.com"),
                ("user.create", "user:ana@t.com"),
                ("user.create", "user:bo@t.com"),
                ("license.add", "user:Bo@t.com"),
                ("tenant.setup", "tenant:T"),
            ]
            .map(|(a, t)| (a.to_string(), t.to_string()))
        );
        // Ana's entries: the one from before she was created (kept by name) and hers.
        assert_eq!(log(&mut db, Some("user:ana@t.com")).len(), 2);
        assert_eq!(db.count_targets_after(0, "user:".into()).unwrap(), 3);
        assert_eq!(db.count_targets_after(1, "user:".into()).unwrap(), 3);
        assert_eq!(db.count_targets_after(0, "user:b".into()).unwrap(), 1);
        assert_eq!(db.count_targets_after(0, "".into()).unwrap(), 4);

        // A change of case, then a purge, then the name to someone new.
        let mut renamed = db.get_user(bo).unwrap().unwrap();
        renamed.upn = "BO@t.com".into();
        db.update_user(renamed).unwrap();
        db.append_audit(vec![entry("user.update", "user:BO@t.com")])
            .unwrap();
        db.purge_user(ana).unwrap();
        let ids = db.insert_users(vec![user("ana@t.com")]).unwrap();
        db.append_audit(vec![entry("user.create", "user:ana@t.com")])
            .unwrap();
        assert_eq!(
            named_by_id(&mut db),
            2,
            "BO's update and the new Ana's creation"
        );
        let mut expected = whole;
        expected.push(("user.update".into(), "user:BO@t.com".into()));
        expected.push(("user.create".into(), "user:ana@t.com".into()));
        assert_eq!(log(&mut db, None), expected);
        assert_eq!(log(&mut db, Some("user:ana@t.com")).len(), 3);
        assert_eq!(log(&mut db, Some("user:bo@t.com")).len(), 1);
        assert_eq!(log(&mut db, Some("user:nobody@t.com")).len(), 0);
        // The new Ana is counted once though the old one's entries share her name.
        assert_eq!(db.count_targets_after(0, "user:".into()).unwrap(), 4);
        db.append_audit(vec![entry("user.note", "user:ana@t.com")])
            .unwrap();
        let last = db
            .conn()
            .query_row("SELECT max(id) FROM audit", [], |r| r.get::<_, i64>(0));
        assert_eq!(
            db.count_targets_after(last.unwrap() as u64 - 3, "user:".into())
                .unwrap(),
            2
        );
        assert!(ids[0] != ana);
        let broken: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
    }

    /// The users a listing returned are named by id without a lookup (`listed.rs`): the
    /// stored rows are those the lookup gives, through a rename, a purge, a reused name and
    /// a rollback.
    #[test]
    fn entries_for_listed_users_are_stored_as_the_lookup_stores_them() {
        use crate::bindings::seats::licensing::store::UserQuery;
        let run = |list: bool| {
            let dir = tempfile::tempdir().unwrap();
            let mut db = Db::create(&dir.path().join("t.db")).unwrap();
            let listed = |db: &mut Db| {
                if list {
                    let q = UserQuery {
                        include_deleted: true,
                        ..super::super::testkit::everyone()
                    };
                    db.list_users(q, None, 100).unwrap();
                }
            };
            let ids = db
                .insert_users(vec![user("ana@t.com"), user("bo@t.com")])
                .unwrap();
            listed(&mut db);
            let known = db.listed.ids_of(["user:ana@t.com"].into_iter());
            assert_eq!(known, [list.then_some(ids[0] as i64)]);
            db.append_audit(vec![
                entry("license.add", "user:ana@t.com"),
                entry("license.add", "user:Bo@t.com"),
            ])
            .unwrap();
            let mut renamed = db.get_user(ids[1]).unwrap().unwrap();
            renamed.upn = "cy@t.com".into();
            db.update_user(renamed).unwrap();
            db.append_audit(vec![entry("license.add", "user:bo@t.com")])
                .unwrap();
            listed(&mut db);
            db.purge_user(ids[0]).unwrap();
            db.insert_users(vec![user("ana@t.com")]).unwrap();
            db.append_audit(vec![entry("license.add", "user:ana@t.com")])
                .unwrap();
            listed(&mut db);
            let mark = db.savepoint().unwrap();
            db.insert_users(vec![user("di@t.com")]).unwrap();
            listed(&mut db);
            db.rollback_to(mark).unwrap();
            db.append_audit(vec![
                entry("license.add", "user:di@t.com"),
                entry("license.add", "user:cy@t.com"),
            ])
            .unwrap();
            let mut stmt = db
                .conn()
                .prepare("SELECT user_id, target FROM audit ORDER BY id")
                .unwrap();
            let rows: Vec<(Option<i64>, Option<i64>)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            drop(stmt);
            (rows, log(&mut db, None))
        };
        let (looked_up, listed) = (run(false), run(true));
        assert_eq!(listed, looked_up);
        assert_eq!(
            listed.0.iter().filter(|(user, _)| user.is_some()).count(),
            2,
            "the new ana and cy hold their names; the first ana was purged, bo renamed, di \
             rolled back"
        );
    }
}
