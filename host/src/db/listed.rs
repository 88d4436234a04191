//! The users a bulk change has just listed, by exact UPN, so that the audit entries it
//! appends for them name them by id without looking each UPN up again.
//!
//! An entry about a user is stored with the user's id while the user holds the UPN it names
//! (schema 13, `audit.rs`). The writer thread found that id with one probe of the UPN index
//! per entry: at 1M users, 622,779 probes spread over the whole index, about a tenth of the
//! writer's time in the replace. The rows `list-users` returned are those users, read on the
//! main thread after every queued write had run.
//!
//! What was read holds until a user's UPN changes or the user goes: `update-user` and
//! `purge-user` forget it all, as does every step of a transaction (a rollback may undo a
//! user that was read) and `rollback-to`. A user created after the read cannot take a UPN
//! that is held (the index is unique without regard to case). Entries whose user is not
//! here are looked up as before.

use std::cell::RefCell;
use std::collections::HashMap;

/// Users are kept in two generations of at most this many each: a few pages of a bulk change
/// (5,000 users each). The planner reads a page ahead of the one it writes, so the page whose
/// entries are appended is always the newer generation's or the one before it. A single
/// map cleared when full dropped the page about to be written once in four pages.
const GENERATION: usize = 10_000;

#[derive(Default)]
pub(super) struct Listed(RefCell<Generations>);

#[derive(Default)]
struct Generations {
    newer: HashMap<String, i64>,
    older: HashMap<String, i64>,
}

impl Listed {
    /// Keeps the users of a page just read.
    pub(super) fn keep<'a>(&self, users: impl ExactSizeIterator<Item = (&'a str, u64)>) {
        let mut kept = self.0.borrow_mut();
        if users.len() > GENERATION {
            return;
        }
        if kept.newer.len() + users.len() > GENERATION {
            let newer = std::mem::take(&mut kept.newer);
            kept.older = newer;
        }
        for (upn, id) in users {
            kept.newer.insert(upn.to_string(), id as i64);
        }
    }

    pub(super) fn forget(&self) {
        let mut kept = self.0.borrow_mut();
        kept.newer.clear();
        kept.older.clear();
    }

    /// The id of each entry's user, where the entry names a user kept here (`user:` and the
    /// exact UPN); none for the others.
    pub(super) fn ids_of<'a>(&self, targets: impl Iterator<Item = &'a str>) -> Vec<Option<i64>> {
        let kept = self.0.borrow();
        targets
            .map(|t| {
                let upn = t.strip_prefix("user:")?;
                kept.newer.get(upn).or_else(|| kept.older.get(upn)).copied()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_user_is_found_by_exact_upn_until_forgotten() {
        let listed = Listed::default();
        listed.keep([("ana@t.com", 7), ("bo@t.com", 8)].into_iter());
        assert_eq!(
            listed.ids_of(["user:ana@t.com", "user:ANA@t.com", "group:x", "ana@t.com"].into_iter()),
            [Some(7), None, None, None]
        );
        listed.forget();
        assert_eq!(listed.ids_of(["user:ana@t.com"].into_iter()), [None]);
    }

    /// The planner appends a page's entries after it has read the next page: every page's
    /// users are still kept then, however many pages go by.
    #[test]
    fn a_page_is_kept_while_the_page_after_it_is_read() {
        let listed = Listed::default();
        let page = |n: usize| -> Vec<(String, u64)> {
            (0..5_000)
                .map(|i| (format!("u{n}-{i}@t.com"), (n * 5_000 + i) as u64))
                .collect()
        };
        let mut ahead = page(0);
        listed.keep(ahead.iter().map(|(u, id)| (u.as_str(), *id)));
        for n in 1..12 {
            let written = std::mem::replace(&mut ahead, page(n));
            listed.keep(ahead.iter().map(|(u, id)| (u.as_str(), *id)));
            let targets: Vec<String> = written.iter().map(|(u, _)| format!("user:{u}")).collect();
            let ids = listed.ids_of(targets.iter().map(String::as_str));
            assert!(
                ids.iter().all(Option::is_some),
                "page {} was dropped",
                n - 1
            );
        }
    }
}
