//! Users joining and leaving a group in one call (GL1, GL5, GL8): the membership, its audit
//! entries, the group's products given or taken through the planner, and the waiting line
//! served from what was freed. Static members added or removed and dynamic ones moved by a
//! rule go the same way.

use super::audit_membership;
use crate::Store;
use crate::bulk::{self, GroupRun, Members};
use crate::cx::Cx;
use crate::error::Result;
use crate::exports::seats::licensing::groups::GroupChange;
use crate::types::{Group, GroupLicense, User};
use std::collections::BTreeSet;

/// Users joining and leaving one group in one call, with the group's products.
pub(super) struct Moves<'c, 's, S: Store + ?Sized> {
    cx: &'c Cx<'s, S>,
    group: Group,
    give: Vec<GroupLicense>,
    total: GroupChange,
    freed: BTreeSet<String>,
}

impl<'c, 's, S: Store + ?Sized> Moves<'c, 's, S> {
    pub(super) fn new(cx: &'c Cx<'s, S>, group: Group) -> Self {
        let give = cx.store.group_licenses(group.id);
        Moves {
            cx,
            total: GroupChange {
                group: group.clone(),
                changed: 0,
                unchanged: 0,
                errors: 0,
                failures: Vec::new(),
            },
            group,
            give,
            freed: BTreeSet::new(),
        }
    }

    fn add(&mut self, run: GroupRun) {
        let t = &mut self.total;
        t.changed += run.changed;
        t.unchanged += run.unchanged;
        t.errors += run.errors;
        let room = 1000usize.saturating_sub(t.failures.len());
        t.failures.extend(run.failures.into_iter().take(room));
        self.freed.extend(run.freed);
    }

    pub(super) fn join(&mut self, users: &[User]) -> Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
        self.cx.store.add_members(self.group.id, &ids);
        audit_membership(self.cx, &self.group, users, true);
        if !self.give.is_empty() {
            let give = self.give.clone();
            let run =
                bulk::change_group(self.cx, self.group.id, &give, &[], Members::Given(users))?;
            self.add(run);
        }
        Ok(())
    }

    pub(super) fn leave(&mut self, users: &[User]) -> Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
        let take: Vec<String> = self.give.iter().map(|l| l.sku_id.clone()).collect();
        if !take.is_empty() {
            let run =
                bulk::change_group(self.cx, self.group.id, &[], &take, Members::Given(users))?;
            self.add(run);
        }
        self.cx.store.remove_members(self.group.id, &ids);
        self.cx.store.clear_group_errors(self.group.id, &ids);
        audit_membership(self.cx, &self.group, users, false);
        Ok(())
    }

    /// Serves the waiting line from what the moves freed (GL8) and says what they did.
    pub(super) fn done(self) -> Result<GroupChange> {
        bulk::serve_waiting(self.cx, &self.freed)?;
        Ok(self.total)
    }
}
