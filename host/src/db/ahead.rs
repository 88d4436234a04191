//! The next page of a listing, read on the writer thread while the main thread plans.
//!
//! A bulk change lists a page of users, reads what they hold, plans the page and queues its
//! writes. Since schema 14 the writer has time to spare and the main thread does not: its
//! reads (SQLite, and the rows turned into values) were a fifth of the call at 1M users. So
//! when the caller asks what most of a full page of `list-users` holds (it reads pages
//! whole), the same query's next page, and what its users hold, is read on the writer
//! thread, in order with the writes (the same connection and page cache), and handed over
//! when the caller asks for exactly that page.
//!
//! What was read ahead is handed over only if nothing since may have changed it:
//! - the main thread has not used the connection except to read a page's users, licenses or
//!   service data (`Db::conn` marks a change; `Db::read_conn`, for those reads only, does
//!   not), and no write was queued but a page's own;
//! - a page's writes (`Db::write_page`) change what a listing or a user's licenses read only
//!   for users up to the ones already listed, and a later page's users are all after them
//!   (the listing is in id order). The audit log and service data are not read by either.
//!
//! Otherwise it is dropped and the page read as before.

use super::assignments::of_users;
use super::users::list;
use crate::bindings::seats::licensing::store::UserQuery;
use crate::bindings::text::kind_text;
use crate::bindings::types::{Assignment, User};
use rusqlite::Connection;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// What each user of a page holds, by user id.
type Holdings = HashMap<u64, Vec<Assignment>>;

/// A page read ahead: its users, and what each holds.
struct Read {
    users: Vec<User>,
    held: Holdings,
}

enum Filled {
    Waiting,
    Done(Result<Read, String>),
    /// The writer dropped the job unrun (an earlier write failed, or it stopped).
    Dropped,
}

struct Slot {
    filled: Mutex<Filled>,
    ready: Condvar,
}

impl Slot {
    fn set(&self, to: Filled) {
        *self.filled.lock().unwrap_or_else(PoisonError::into_inner) = to;
        self.ready.notify_all();
    }

    fn take(&self) -> Option<Read> {
        let mut filled = self.filled.lock().unwrap_or_else(PoisonError::into_inner);
        while matches!(*filled, Filled::Waiting) {
            filled = self
                .ready
                .wait(filled)
                .unwrap_or_else(PoisonError::into_inner);
        }
        match std::mem::replace(&mut *filled, Filled::Dropped) {
            Filled::Done(Ok(read)) => Some(read),
            _ => None,
        }
    }
}

/// Owned by the job: fills the slot when run, and marks it dropped when not.
struct Filler(Arc<Slot>);

impl Drop for Filler {
    fn drop(&mut self) {
        let mut filled = self.0.filled.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*filled, Filled::Waiting) {
            *filled = Filled::Dropped;
            self.0.ready.notify_all();
        }
    }
}

/// The query a page was read with, as compared (the bindings' record has no `PartialEq`).
type Key = (
    [bool; 3],
    [Option<String>; 3],
    Option<bool>,
    Option<&'static str>,
    [Option<u64>; 2],
    Option<u64>,
    u32,
);

fn key(q: &UserQuery, after: Option<u64>, limit: u32) -> Key {
    (
        [q.include_deleted, q.unlicensed_only, q.in_error],
        [
            q.holding.clone(),
            q.department.clone(),
            q.usage_location.clone(),
        ],
        q.enabled,
        q.kind.map(kind_text),
        [q.member_of, q.not_member_of],
        after,
        limit,
    )
}

struct Pending {
    key: Key,
    /// The users read ahead come after this one.
    after: u64,
    epoch: u64,
    slot: Arc<Slot>,
}

/// The full page `list-users` returned last, whose next page may be read ahead.
struct Listed {
    query: UserQuery,
    ids: Vec<u64>,
    limit: u32,
}

#[derive(Default)]
pub(super) struct Ahead {
    /// Moves on whenever what a listing reads may have changed.
    epoch: Cell<u64>,
    last: RefCell<Option<Listed>>,
    pending: RefCell<Option<Pending>>,
    /// What the users of the page last handed over hold, until asked for.
    held: RefCell<Option<(u64, Holdings)>>,
    /// Pages handed over, and pages read ahead and dropped (the bench prints them).
    pub(super) used: Cell<u64>,
    pub(super) dropped: Cell<u64>,
}

impl Ahead {
    /// Something may have changed what was read ahead.
    pub(super) fn changed(&self) {
        self.epoch.set(self.epoch.get() + 1);
        self.held.borrow_mut().take();
    }

    /// A page's writes, about users up to `max_user`: a page read ahead stays good if its
    /// users all come after them.
    pub(super) fn page_written(&self, max_user: u64) {
        self.held.borrow_mut().take();
        let behind_all = self
            .pending
            .borrow()
            .as_ref()
            .is_none_or(|p| max_user <= p.after);
        if !behind_all {
            self.changed();
        }
    }

    /// The page `list-users` asks for, if it was read ahead and still holds.
    pub(super) fn users(&self, q: &UserQuery, after: Option<u64>, limit: u32) -> Option<Vec<User>> {
        let pending = self.pending.borrow_mut().take()?;
        if pending.key != key(q, after, limit) || pending.epoch != self.epoch.get() {
            self.dropped.set(self.dropped.get() + 1);
            return None;
        }
        let Some(read) = pending.slot.take() else {
            self.dropped.set(self.dropped.get() + 1);
            return None;
        };
        self.used.set(self.used.get() + 1);
        *self.held.borrow_mut() = Some((self.epoch.get(), read.held));
        Some(read.users)
    }

    /// What the users ask for hold, if they are all of the page just handed over.
    pub(super) fn held(&self, user_ids: &[u64]) -> Option<Vec<Vec<Assignment>>> {
        let (epoch, mut held) = self.held.borrow_mut().take()?;
        if epoch != self.epoch.get() || !user_ids.iter().all(|id| held.contains_key(id)) {
            return None;
        }
        let mut out: Vec<Vec<Assignment>> = Vec::with_capacity(user_ids.len());
        for (i, id) in user_ids.iter().enumerate() {
            match held.remove(id) {
                Some(h) => out.push(h),
                // A user asked for twice gets the same list twice.
                None => {
                    let first = user_ids[..i].iter().position(|x| x == id)?;
                    out.push(out[first].clone());
                }
            }
        }
        Some(out)
    }

    /// A page `list-users` returned: if full, the next one may be read ahead.
    pub(super) fn listed(&self, query: UserQuery, users: &[User], limit: u32) {
        *self.last.borrow_mut() =
            (!users.is_empty() && users.len() == limit as usize).then(|| Listed {
                query,
                ids: users.iter().map(|u| u.id).collect(),
                limit,
            });
    }

    /// Whether the users whose licenses are asked for are most of the page last listed: then
    /// the caller reads pages whole, and the next is read ahead. A caller that lists many
    /// users for a few of them (a rule read over every user) gains nothing from it, and its
    /// writer would read a page of licenses no one asks for.
    pub(super) fn reads_pages(&self, asked: &[u64]) -> bool {
        let last = self.last.borrow();
        let Some(page) = last.as_ref() else {
            return false;
        };
        // A listing is in user id order, so the page's ids are sorted.
        asked.len() * 2 >= page.ids.len()
            && asked.iter().all(|id| page.ids.binary_search(id).is_ok())
    }

    /// The job that reads the page after the one last listed on the writer thread.
    pub(super) fn next_page(&self) -> Option<super::behind::Job> {
        let Listed {
            query: q,
            ids,
            limit,
        } = self.last.borrow_mut().take()?;
        let last = *ids.last()?;
        let slot = Arc::new(Slot {
            filled: Mutex::new(Filled::Waiting),
            ready: Condvar::new(),
        });
        *self.pending.borrow_mut() = Some(Pending {
            key: key(&q, Some(last), limit),
            after: last,
            epoch: self.epoch.get(),
            slot: slot.clone(),
        });
        let filler = Filler(slot);
        Some(Box::new(move |conn: &Connection| {
            let in_transaction = !conn.is_autocommit();
            let read = (|| -> wasmtime::Result<Read> {
                let users = list(conn, &q, Some(last), limit)?;
                let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
                let held = ids.iter().copied().zip(of_users(conn, &ids)?).collect();
                Ok(Read { users, held })
            })();
            // A failed read ahead fails nothing: the page is read again when asked for. Unless
            // SQLite rolled the transaction back with it (an I/O error, out of memory): then the
            // writes after it must not run outside it, so it fails as a write would.
            if let Err(e) = &read
                && in_transaction
                && conn.is_autocommit()
            {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("reading a page ahead ended the transaction: {e:#}").into(),
                ));
            }
            filler
                .0
                .set(Filled::Done(read.map_err(|e| format!("{e:#}"))));
            Ok(())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Db;
    use super::super::testkit::{assignment, everyone};
    use crate::bindings::seats::licensing::store::{Host, UserQuery};

    const SKU: &str = "00000000-0000-0000-0000-000000000001";

    /// 35 users, each holding the one product.
    fn tenant(dir: &std::path::Path) -> Db {
        let db = Db::create(&dir.join("t.db")).unwrap();
        db.conn()
            .execute_batch(&format!(
                "INSERT INTO products (id, sku_id, part_number, display_name) VALUES (1, '{SKU}', 'P', 'P');
                 INSERT INTO audit_words (id, name) VALUES (1, 'admin@t.com');
                 INSERT INTO groups (id, name, created_at) VALUES (1, 'G', 1);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 35)
                 INSERT INTO users (id, upn, display_name, enabled, kind, created_at)
                     SELECT i, 'u' || i || '@t.com', 'U', 1, 'user', 1 FROM n;
                 INSERT INTO assignments (user_id, product, assigned_at, assigned_by)
                     SELECT id, 1, 1, 1 FROM users;"
            ))
            .unwrap();
        db
    }

    fn ids(users: &[crate::bindings::types::User]) -> Vec<u64> {
        users.iter().map(|u| u.id).collect()
    }

    fn held_by(db: &mut Db, ids: &[u64]) -> Vec<usize> {
        db.assignments_of_users(ids.to_vec())
            .unwrap()
            .iter()
            .map(Vec::len)
            .collect()
    }

    fn stats(db: &Db) -> (u64, u64) {
        (db.ahead.used.get(), db.ahead.dropped.get())
    }

    /// A page read ahead is handed over while only earlier users are written, and dropped
    /// when a write reaches its users or anything else uses the connection: each page then
    /// reads as a page read directly would.
    #[test]
    fn a_page_read_ahead_is_handed_over_only_while_nothing_has_changed_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = tenant(dir.path());
        let q = everyone();
        let mut renamed = db.get_user(33).unwrap().unwrap();
        let first = db.list_users(q.clone(), None, 10).unwrap();
        assert_eq!(ids(&first), (1..=10).collect::<Vec<_>>());
        // What the page holds is asked for: the next page is read ahead.
        assert_eq!(held_by(&mut db, &ids(&first)), [1; 10]);
        // The first page's writes: its own users only.
        db.delete_assignments(vec![(3, SKU.into())]).unwrap();
        db.add_members(1, vec![2, 4]).unwrap();
        let second = db.list_users(q.clone(), Some(10), 10).unwrap();
        assert_eq!(ids(&second), (11..=20).collect::<Vec<_>>());
        assert_eq!(stats(&db), (1, 0));
        // Asked for twice, a user gets the same list twice.
        let mut asked = ids(&second);
        asked.push(12);
        assert_eq!(held_by(&mut db, &asked), [1; 11]);
        // A write about a user of the page read ahead drops it.
        db.delete_assignments(vec![(25, SKU.into())]).unwrap();
        let third = db.list_users(q.clone(), Some(20), 10).unwrap();
        assert_eq!(stats(&db), (1, 1));
        assert_eq!(
            held_by(&mut db, &ids(&third))[4],
            0,
            "user 25 holds nothing now"
        );
        // A rename (any use of the connection but the two reads) drops it.
        renamed.upn = "renamed@t.com".into();
        db.update_user(renamed).unwrap();
        let last = db.list_users(q.clone(), Some(30), 10).unwrap();
        assert_eq!(stats(&db), (1, 2));
        assert_eq!(last[2].upn, "renamed@t.com");
        // So does any write but a page's own, and a page's own about later users.
        let page = |db: &mut Db, after: Option<u64>, q: &UserQuery| {
            let users = db.list_users(q.clone(), after, 10).unwrap();
            held_by(db, &ids(&users));
            users
        };
        let mut members = everyone();
        members.not_member_of = Some(1);
        page(&mut db, None, &members);
        db.insert_users(vec![user("new@t.com")]).unwrap();
        assert_eq!(
            ids(&page(&mut db, Some(11), &members)),
            (12..=21).collect::<Vec<_>>()
        );
        assert_eq!(stats(&db), (1, 3));
        db.add_members(1, vec![25]).unwrap();
        assert!(!ids(&page(&mut db, Some(21), &members)).contains(&25));
        assert_eq!(stats(&db), (1, 4));
        // Another query's page is not handed over for this one's (the members' page read
        // ahead is dropped by the first, and this one's by the next).
        let first = page(&mut db, None, &q);
        let mut other = everyone();
        other.unlicensed_only = true;
        let none = db.list_users(other, Some(ids(&first)[9]), 10).unwrap();
        assert_eq!(ids(&none), [25, 36], "the two without a license");
        assert_eq!(stats(&db), (1, 6));
        // A caller that asks what a few of a page hold reads nothing ahead.
        let second = db.list_users(q.clone(), Some(10), 10).unwrap();
        assert_eq!(held_by(&mut db, &[ids(&second)[0], 1]), [1, 1]);
        held_by(&mut db, &ids(&second)[..4]);
        db.list_users(q.clone(), Some(20), 10).unwrap();
        assert_eq!(
            stats(&db),
            (1, 6),
            "nothing was read ahead, nothing dropped"
        );
        db.sync().unwrap();
    }

    fn user(upn: &str) -> crate::bindings::types::User {
        crate::bindings::types::User {
            id: 0,
            upn: upn.into(),
            display_name: "N".into(),
            department: None,
            usage_location: None,
            enabled: true,
            kind: crate::bindings::types::UserKind::User,
            created_at: 1,
            deleted_at: None,
            mailbox_gb: 0,
            retention_hold: false,
        }
    }

    /// A page read ahead behind a write that fails is never read: it is read when asked for,
    /// and the failure is reported, not waited on forever.
    #[test]
    fn a_page_read_ahead_behind_a_failed_write_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = tenant(dir.path());
        let q = everyone();
        let first = db.list_users(q.clone(), None, 10).unwrap();
        held_by(&mut db, &ids(&first));
        let bad = assignment(1, "00000000-0000-0000-0000-0000000000ff");
        db.insert_assignments(vec![bad]).unwrap();
        // Handed over (read before the failing write), and the next page queued behind it.
        let second = db.list_users(q.clone(), Some(10), 10).unwrap();
        assert_eq!(stats(&db), (1, 0));
        held_by(&mut db, &ids(&second));
        let third = db.list_users(q.clone(), Some(20), 10).unwrap();
        assert_eq!(ids(&third), (21..=30).collect::<Vec<_>>());
        assert_eq!(stats(&db), (1, 1));
        let err = format!("{:#}", db.sync().unwrap_err());
        assert!(err.contains("is not in the catalog"), "{err}");
    }
}
