//! The database: a SQLite file in WAL mode with a numbered schema, and the `store` import.

mod ahead;
mod assignments;
pub mod audit;
pub mod behind;
pub(crate) mod billing;
mod catalog;
pub mod codes;
mod graph_ids;
mod groups;
mod listed;
mod many;
mod packed;
pub mod preview;
mod references;
mod rows;
mod schema;
mod store;
mod subscriptions;
mod tenant;
#[cfg(test)]
mod testkit;
pub mod tokens;
mod users;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// 'SEAT': marks a file as a seats database (PRAGMA application_id).
const APPLICATION_ID: i64 = 0x5345_4154;

/// A step of the transaction around a call: a top-level one, or a savepoint inside an outer
/// transaction (`Undo` rolls the savepoint back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Begin,
    /// A transaction that only reads: beside other readers and a writer (WAL).
    BeginRead,
    Commit,
    Rollback,
    Savepoint,
    Release,
    Undo,
}

pub struct Db {
    /// The writer thread (`behind.rs`), from the first write on. Declared before `conn`, so
    /// that it is dropped, and its thread joined, before the connection it writes to.
    behind: Option<behind::Behind>,
    /// Boxed: the writer thread holds its address while the `Db` may move.
    conn: Box<Connection>,
    /// A bulk load is running with foreign keys unenforced: the store does what a cascade
    /// would (`bulk_load`).
    loading: std::cell::Cell<bool>,
    /// While loading: the id the next user inserted gets (users are inserted behind, so the
    /// store gives the ids SQLite would: one more than the largest).
    pub(crate) next_user_id: std::cell::Cell<Option<i64>>,
    /// Savepoints the component has asked for (`store.savepoint`), to name the next one.
    marks: u32,
    /// A write behind that failed, until `sync` reports it.
    failed: std::cell::RefCell<Option<anyhow::Error>>,
    /// The users the last pages of `list-users` returned, by exact UPN (`listed.rs`).
    listed: listed::Listed,
    /// The next page of a listing, read on the writer thread (`ahead.rs`).
    ahead: ahead::Ahead,
}

/// SQLite's process-wide settings, before its first connection: no memory statistics, whose
/// global lock every allocation took (seats never reads them). Later calls change nothing.
pub fn sqlite_setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config before sqlite3_initialize, with the int this option takes;
        // after initialization (a connection opened elsewhere first) it returns SQLITE_MISUSE
        // and changes nothing, which is only slower.
        unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            );
        }
    });
}

/// Every connection's settings (the benchmark's SQL floor uses them too).
pub fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 64 MB of page cache instead of SQLite's 2 MB: a bulk change over a large tenant
    // revisits index and audit pages; SQLite only takes what it uses. SEATS_PAGE_CACHE_MB
    // sets another size (a small machine; a test that measures memory past the cache).
    let kib = std::env::var("SEATS_PAGE_CACHE_MB")
        .ok()
        .and_then(|mb| mb.trim().parse::<i64>().ok())
        .filter(|mb| (1..=65_536).contains(mb))
        .map_or(CACHE_KIB, |mb| -mb * 1024);
    conn.pragma_update(None, "cache_size", kib)?;
    Ok(())
}

/// Whether writes go behind (`behind.rs`): `SEATS_WRITE_BEHIND=0` writes each batch as it
/// comes instead, to measure what writing behind gives.
fn write_behind() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("SEATS_WRITE_BEHIND").map_or(true, |v| v != "0"))
}

/// The page cache of a connection, in KiB (negative: SQLite's unit for a size, not pages).
const CACHE_KIB: i64 = -65_536;

impl Db {
    /// Creates a new seats database; refuses a file that already exists.
    pub fn create(path: &Path) -> Result<Db> {
        if path.exists() {
            bail!(
                "{} already exists; choose another --db to create a new tenant, or remove the file",
                path.display()
            );
        }
        sqlite_setup();
        let conn = Connection::open(path).with_context(|| format!("create {}", path.display()))?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        configure(&conn)?;
        Db::with(conn)
    }

    fn with(conn: Connection) -> Result<Db> {
        let mut db = Db {
            behind: None,
            conn: Box::new(conn),
            loading: Default::default(),
            next_user_id: Default::default(),
            marks: 0,
            failed: Default::default(),
            listed: Default::default(),
            ahead: Default::default(),
        };
        schema::migrate(&mut db.conn)?;
        Ok(db)
    }

    /// The connection, once every write queued behind has run (see `behind.rs`), for any
    /// use: what was read ahead no longer holds (`ahead.rs`).
    pub fn conn(&self) -> &Connection {
        self.ahead.changed();
        self.read_conn()
    }

    /// The connection, once every write queued behind has run, to read only.
    fn read_conn(&self) -> &Connection {
        if let Some(b) = &self.behind
            && let Some(e) = b.wait()
        {
            // Kept for `sync`, which fails the call; reads until then see less than written.
            // SQLite may have rolled the transaction back: what was read no longer holds.
            self.listed.forget();
            self.ahead.changed();
            self.failed.replace(Some(e));
        }
        &self.conn
    }

    /// Queues `job` for the writer thread (started on the first write), which runs it while
    /// the caller goes on; `conn` and `sync` wait for it.
    pub fn write(
        &mut self,
        job: impl FnOnce(&Connection) -> rusqlite::Result<()> + Send + 'static,
    ) -> rusqlite::Result<()> {
        self.ahead.changed();
        self.queue(Box::new(job))
    }

    /// Queues a page's writes, which change what a listing or a user's licenses read only
    /// for users up to `max_user` (0: for none, as the audit log and service data), so a
    /// later page read ahead stays as it was (`ahead.rs`).
    fn write_page(
        &mut self,
        max_user: u64,
        job: impl FnOnce(&Connection) -> rusqlite::Result<()> + Send + 'static,
    ) -> rusqlite::Result<()> {
        self.ahead.page_written(max_user);
        self.queue(Box::new(job))
    }

    fn queue(&mut self, job: behind::Job) -> rusqlite::Result<()> {
        match self.writer() {
            Some(b) => {
                b.queue(job);
                Ok(())
            }
            None => job(&self.conn),
        }
    }

    /// The writer thread, started if it is not yet; none when writes are not to go behind or
    /// no thread is to be had.
    fn writer(&mut self) -> Option<&behind::Behind> {
        if self.behind.is_none() && write_behind() {
            // SAFETY: the connection is boxed (its address stays), `behind` is dropped before
            // it (field order), and every other use of it goes through `conn` or `read_conn`,
            // which wait for the writer first; jobs are queued only through `&mut self`.
            self.behind = unsafe { behind::Behind::start(&self.conn) }.ok();
        }
        self.behind.as_ref()
    }

    /// The page of `list-users` asked for, if it was read ahead and still holds.
    fn ahead_users(
        &mut self,
        q: &crate::bindings::seats::licensing::store::UserQuery,
        after: Option<u64>,
        limit: u32,
    ) -> Option<Vec<crate::bindings::types::User>> {
        self.behind.as_ref()?;
        self.ahead.users(q, after, limit)
    }

    /// What these users hold, if they are of the page just handed over from a read ahead.
    fn ahead_held(
        &mut self,
        user_ids: &[u64],
    ) -> Option<Vec<Vec<crate::bindings::types::Assignment>>> {
        self.ahead.held(user_ids)
    }

    /// Reads the page after the one last listed on the writer thread, when these users are
    /// most of it: the caller reads pages whole (`ahead.rs`).
    fn read_ahead(&mut self, asked: &[u64]) {
        if !self.ahead.reads_pages(asked) || self.writer().is_none() {
            return;
        }
        if let Some(job) = self.ahead.next_page()
            && let Some(b) = &self.behind
        {
            b.queue(job);
        }
    }

    /// Waits for the writes queued behind; fails with the first of them that failed.
    pub fn sync(&self) -> Result<()> {
        self.conn();
        self.failure().map_or(Ok(()), Err)
    }

    /// How the writes behind went so far, and the pages read ahead (none before a write).
    pub fn behind_stats(&self) -> Option<behind::Stats> {
        self.behind.as_ref().map(|b| behind::Stats {
            pages_ahead: self.ahead.used.get(),
            pages_dropped: self.ahead.dropped.get(),
            ..b.stats()
        })
    }

    /// A write behind that has failed so far, without waiting for the others.
    pub fn failure(&self) -> Option<anyhow::Error> {
        self.failed
            .take()
            .or_else(|| self.behind.as_ref().and_then(|b| b.failure()))
            .map(|e| e.context("database: writing a batch of rows"))
    }

    /// Opens an existing seats database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db> {
        if !path.exists() {
            bail!(
                "no seats database at {}; create one with `seats init --demo` (or `seats init`), or pass --db PATH",
                path.display()
            );
        }
        sqlite_setup();
        // No mutex per connection (rusqlite's default, which `create` gets): a connection is
        // used by one thread at a time (its session's, or its writer behind, in turns), and
        // the serialized mode's lock on every call was a seventh of a bulk change's main thread.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .with_context(|| format!("open {}", path.display()))?;
        let id: i64 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|_| {
                anyhow::anyhow!(
                    "{} is not a seats database (not even SQLite)",
                    path.display()
                )
            })?;
        if id != APPLICATION_ID {
            bail!("{} is not a seats database", path.display());
        }
        configure(&conn)?;
        Db::with(conn)
    }

    /// Settings for loading a new database in one big transaction (`init --generate`): the
    /// rollback journal in memory instead of the WAL (pages go straight to the file, and a
    /// new file has next to nothing to journal; savepoints still roll back), no fsync, a
    /// large page cache, temporary data in memory, and the store giving users their ids
    /// itself. `false` waits for the writes behind and restores the usual settings.
    pub fn bulk_load(&mut self, on: bool) -> Result<()> {
        self.sync()?;
        self.next_user_id.set(None);
        self.loading.set(on);
        if on {
            self.conn.pragma_update(None, "journal_mode", "MEMORY")?;
            self.conn.pragma_update(None, "synchronous", "OFF")?;
            self.conn.pragma_update(None, "cache_size", -1_048_576)?;
            self.conn.pragma_update(None, "temp_store", "MEMORY")?;
            // The deferred indexes are built at the end by sorting: a second thread helps.
            self.conn.pragma_update(None, "threads", 2)?;
            // Every reference is checked once, at the end (`check_references`), instead of
            // per row: some 10M lookups in a 1M-user load.
            self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        } else {
            configure(&self.conn)?;
        }
        Ok(())
    }

    /// Whether foreign keys are unenforced for a bulk load.
    pub fn loading(&self) -> bool {
        self.loading.get()
    }

    /// Refuses a database with a reference to a row that does not exist (after a bulk load,
    /// which does not check them row by row).
    pub fn check_references(&self) -> Result<()> {
        if let Some((table, parent)) = references::broken(self.conn())?.first {
            bail!(
                "the load left a row of {table} that refers to a missing row of {parent}; \
                 nothing was kept"
            );
        }
        Ok(())
    }

    /// Drops the named secondary indexes for a bulk load and returns the statements that
    /// create them again: building an index once, sorted, is cheaper than a b-tree insert per
    /// row. Only for indexes the load itself never reads.
    /// Builds again the indexes `defer_indexes` dropped (their SQL as it returned it).
    pub fn build_indexes(&self, deferred: &[String]) -> Result<()> {
        for sql in deferred {
            self.conn().execute_batch(sql)?;
        }
        Ok(())
    }

    /// A step of a transaction, for the runtime's calls.
    pub fn step(&self, step: Step) -> Result<()> {
        let sql = match step {
            Step::Begin => "BEGIN IMMEDIATE",
            Step::BeginRead => "BEGIN DEFERRED",
            Step::Commit => "COMMIT",
            Step::Rollback => "ROLLBACK",
            Step::Savepoint => "SAVEPOINT call",
            Step::Release => "RELEASE call",
            Step::Undo => "ROLLBACK TO call; RELEASE call",
        };
        // What was read in a transaction is not known to hold after it, or after its undo.
        self.listed.forget();
        let done = self.conn().execute_batch(sql);
        if step == Step::Commit
            && let Err(e) = done
        {
            // A COMMIT refused (a deferred reference that does not hold, schema 12) leaves the
            // transaction open: nothing of it is kept.
            let _ = self.conn().execute_batch("ROLLBACK");
            return Err(explain(e, "COMMIT (nothing was kept)"));
        }
        done.map_err(|e| explain(e, sql))
    }

    /// Whether a reference checked at COMMIT (schema 12: assignments' and audit entries') does
    /// not hold yet. A savepoint's RELEASE does not check them, so a call inside an outer
    /// transaction asks before it is released: its failure is its own, not the batch's.
    pub fn references_pending(&self) -> bool {
        let (mut now, mut high) = (0, 0);
        // SAFETY: the handle is this connection's, open while `self` is (`conn` waits for the
        // writer behind, which uses it in turns); sqlite3_db_status only reads a counter.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                self.conn().handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_DEFERRED_FKS,
                &mut now,
                &mut high,
                0,
            )
        };
        rc == rusqlite::ffi::SQLITE_OK && now > 0
    }

    /// The newest audit entry's id (0 for none): what a call writes after it is its change.
    pub fn last_audit_id(&self) -> Result<u64> {
        let id: i64 = self
            .conn()
            .query_row("SELECT coalesce(max(id), 0) FROM audit", [], |r| r.get(0))
            .map_err(|e| explain(e, "read the audit log"))?;
        Ok(id as u64)
    }

    /// SQLite's own check of the file: its integrity check's lines ("ok" when sound) and the
    /// number of rows that refer to a missing row (`references.rs`). `full`: every index checked against its table
    /// (`integrity_check`); else pages and records only (`quick_check`, far faster).
    pub fn integrity(&self, full: bool) -> Result<(Vec<String>, usize)> {
        let conn = self.conn();
        let lines = conn
            .prepare(if full {
                "PRAGMA integrity_check"
            } else {
                "PRAGMA quick_check"
            })?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok((lines, references::broken(conn)?.count))
    }

    pub fn defer_indexes(&self, names: &[&str]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for name in names {
            let sql: String = self.conn().query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get(0),
            )?;
            self.conn().execute_batch(&format!("DROP INDEX {name}"))?;
            out.push(sql);
        }
        Ok(out)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            [key, value],
        )?;
        Ok(())
    }
}

/// A SQLite error as a person can act on it.
pub fn explain(e: rusqlite::Error, what: &str) -> anyhow::Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        )
    {
        return anyhow::anyhow!("the database is busy: another seats is writing to it; try again");
    }
    anyhow::Error::new(e).context(format!("database: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b4_invoices_are_read_a_page_at_a_time_newest_first() {
        use crate::bindings::seats::licensing::store::Host;
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::create(&dir.path().join("t.db")).unwrap();
        // Two profiles' invoices, periods interleaved; a third profile's is never read.
        db.conn()
            .execute_batch(
                "INSERT INTO billing_profiles (id, name, created_at) VALUES (10, 'a', 0), (11, 'b', 0), (12, 'c', 0);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
                 INSERT INTO invoices (profile_id, period_start, period_end, issued_at, currency, total, lines)
                 SELECT 10 + i % 3, i * 100, i * 100 + 50, i * 100 + 60, 'DKK', '1.00', 1 FROM n;",
            )
            .unwrap();
        let whole = db
            .list_invoices(vec![10, 11], 0, i64::MAX, None, 1000)
            .unwrap();
        assert_eq!(whole.len(), 20);
        assert!(
            whole
                .windows(2)
                .all(|w| w[0].period_start > w[1].period_start)
        );
        let (mut paged, mut after) = (Vec::new(), None);
        loop {
            let page = db
                .list_invoices(vec![10, 11], 0, i64::MAX, after, 3)
                .unwrap();
            after = page.last().map(|i| i.id);
            paged.extend(page.iter().map(|i| i.id));
            if page.len() < 3 {
                break;
            }
        }
        assert_eq!(paged, whole.iter().map(|i| i.id).collect::<Vec<_>>());
        let range = db.list_invoices(vec![10, 11, 12], 1000, 2000, None, 1000);
        assert_eq!(range.unwrap().len(), 10);
    }

    #[test]
    fn a_product_not_in_the_catalog_is_held_by_no_one() {
        use crate::bindings::seats::licensing::store::Host;
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::create(&dir.path().join("t.db")).unwrap();
        let unknown = "00000000-0000-0000-0000-000000000000".to_string();
        let a = super::testkit::assignment(1, &unknown);
        // Deleting or updating it changes nothing and fails nothing, as the single delete.
        db.delete_assignments(vec![(1, unknown.clone())]).unwrap();
        db.update_assignments(vec![a.clone()]).unwrap();
        db.sync().unwrap();
        assert!(!db.delete_assignment(1, unknown.clone()).unwrap());
        // Giving it is an error that names it.
        db.insert_assignments(vec![a]).unwrap();
        let err = format!("{:#}", db.sync().unwrap_err());
        assert!(
            err.contains(&format!("product {unknown} is not in the catalog")),
            "{err}"
        );
    }

    /// Schema 14 does not declare an assignment's subscription: the store checks it.
    #[test]
    fn an_assignment_from_a_subscription_that_does_not_exist_is_refused() {
        use crate::bindings::seats::licensing::store::Host;
        use crate::bindings::types::Assignment;
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::create(&dir.path().join("t.db")).unwrap();
        let sku = "00000000-0000-0000-0000-000000000001".to_string();
        db.conn()
            .execute_batch(&format!(
                "INSERT INTO products (sku_id, part_number, display_name) VALUES ('{sku}', 'P', 'P');
                 INSERT INTO users (id, upn, display_name, enabled, kind, created_at)
                     VALUES (1, 'a@t.com', 'A', 1, 'user', 1);"
            ))
            .unwrap();
        let a = Assignment {
            subscription: Some(999),
            ..super::testkit::assignment(1, &sku)
        };
        for write in [Db::insert_assignments, Db::update_assignments] {
            write(&mut db, vec![a.clone()]).unwrap();
            let err = format!("{:#}", db.sync().unwrap_err());
            assert!(err.contains("subscription 999 does not exist"), "{err}");
        }
    }

    #[test]
    fn a_reference_that_does_not_hold_at_commit_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::create(&dir.path().join("t.db")).unwrap();
        db.step(Step::Begin).unwrap();
        db.conn()
            .execute_batch(
                "INSERT INTO audit_words (name) VALUES ('someone');
                 INSERT INTO audit (at, actor, action, user_id) VALUES (1, 1, 1, 42);",
            )
            .unwrap();
        let err = format!("{:#}", db.step(Step::Commit).unwrap_err());
        assert!(
            err.contains("FOREIGN KEY") && err.contains("nothing was kept"),
            "{err}"
        );
        assert!(db.conn().is_autocommit(), "the transaction is closed");
        let kept: i64 = db
            .conn()
            .query_row(
                "SELECT (SELECT count(*) FROM audit) + (SELECT count(*) FROM audit_words)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 0);
        // And the next transaction begins.
        db.step(Step::Begin).unwrap();
        db.step(Step::Rollback).unwrap();
    }

    #[test]
    fn a_load_checks_references_once_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::create(&dir.path().join("t.db")).unwrap();
        db.bulk_load(true).unwrap();
        db.conn().execute_batch("BEGIN").unwrap();
        db.check_references().unwrap();
        // Unenforced while loading: the row goes in, and the check at the end finds it.
        db.conn()
            .execute_batch("INSERT INTO service_data VALUES (42, 4, 0, 1, NULL)")
            .unwrap();
        let err = db.check_references().unwrap_err().to_string();
        assert!(
            err.contains("service_data") && err.contains("users"),
            "{err}"
        );
        db.conn().execute_batch("ROLLBACK").unwrap();
        db.bulk_load(false).unwrap();
        let enforced = db
            .conn()
            .execute_batch("INSERT INTO service_data VALUES (42, 4, 0, 1, NULL)");
        assert!(enforced.is_err(), "enforced again after the load");
    }

    #[test]
    fn writes_behind_run_in_order_and_reads_wait_for_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::create(&dir.path().join("t.db")).unwrap();
        db.bulk_load(true).unwrap();
        db.conn().execute_batch("BEGIN").unwrap();
        for i in 0..200 {
            db.write(move |c| {
                c.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    ["k".to_string(), i.to_string()],
                )
                .map(drop)
            })
            .unwrap();
        }
        assert_eq!(
            db.setting("k").unwrap().as_deref(),
            Some("199"),
            "the last one wins"
        );
        db.sync().unwrap();
        // A failed write is reported once, by sync, and the writes after it are skipped.
        db.write(|c| c.execute_batch("INSERT INTO no_such_table VALUES (1)"))
            .unwrap();
        db.write(|c| c.execute_batch("INSERT INTO settings VALUES ('after', 'x')"))
            .unwrap();
        let err = format!("{:#}", db.sync().unwrap_err());
        assert!(err.contains("no_such_table"), "{err}");
        db.sync().unwrap();
        assert_eq!(db.setting("after").unwrap(), None);
        db.conn().execute_batch("ROLLBACK").unwrap();
        db.bulk_load(false).unwrap();
    }
}
