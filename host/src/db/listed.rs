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

/// At most this many users are kept: a few pages of a bulk change (5,000 users each).
const KEPT: usize = 20_000;

#[derive(Default)]
pub(super) struct Listed(RefCell<HashMap<String, i64>>);

impl Listed {
    /// Keeps the users of a page just read.
    pub(super) fn keep<'a>(&self, users: impl ExactSizeIterator<Item = (&'a str, u64)>) {
        let mut kept = self.0.borrow_mut();
        if kept.len() + users.len() > KEPT {
            kept.clear();
        }
        if users.len() > KEPT {
            return;
        }
        for (upn, id) in users {
            kept.insert(upn.to_string(), id as i64);
        }
    }

    pub(super) fn forget(&self) {
        let mut kept = self.0.borrow_mut();
        if !kept.is_empty() {
            kept.clear();
        }
    }

    /// The id of each entry's user, where the entry names a user kept here (`user:` and the
    /// exact UPN); none for the others.
    pub(super) fn ids_of<'a>(&self, targets: impl Iterator<Item = &'a str>) -> Vec<Option<i64>> {
        let kept = self.0.borrow();
        targets
            .map(|t| {
                let upn = t.strip_prefix("user:")?;
                kept.get(upn).copied()
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
}
