//! Users joining and leaving a group in one call (GL1, GL5, GL8): the membership, its audit
//! entries, the group's products given or taken through the planner, and the waiting line
//! served from what was freed. Static members added or removed and dynamic ones moved by a
//! rule go the same way.
//!
//! A call moves users a page at a time (a rule change moves 100,000 at 1M users): each page's
//! licenses are read when it is handed in, and its writes (licenses, then membership) are
//! queued when the next page is, so that SQLite writes one page while the next is planned.

use super::{audit_membership, audit_state};
use crate::Store;
use crate::bulk::{GroupPages, GroupRun};
use crate::cx::Cx;
use crate::error::Result;
use crate::exports::seats::licensing::groups::GroupChange;
use crate::types::{Group, GroupAudit, GroupLicense, User};
use std::collections::BTreeSet;

/// What a group gives its members: the products with their plans, and their sku ids (what
/// leaving members lose). Read by the caller, so that the moves can borrow it.
pub(super) struct Gives {
    give: Vec<GroupLicense>,
    take: Vec<String>,
}

impl Gives {
    pub(super) fn of<S: Store + ?Sized>(store: &S, group: u64) -> Self {
        let give = store.group_licenses(group);
        let take = give.iter().map(|l| l.sku_id.clone()).collect();
        Gives { give, take }
    }
}

/// One direction of moves: the planner over the pages, and the last page's users, whose
/// membership is written after their licenses.
struct Flow<'c, 's, 'm, S: Store + ?Sized> {
    pages: GroupPages<'c, 's, 'm, S>,
    last: Vec<User>,
}

/// Users joining and leaving one group in one call, with the group's products.
pub(super) struct Moves<'c, 's, 'm, S: Store + ?Sized> {
    cx: &'c Cx<'s, S>,
    group: Group,
    /// The group as its membership entries record it, read once.
    state: GroupAudit,
    gives: &'m Gives,
    joins: Option<Flow<'c, 's, 'm, S>>,
    leaves: Option<Flow<'c, 's, 'm, S>>,
    /// What the flows closed so far did.
    total: GroupChange,
    freed: BTreeSet<String>,
    /// Every user who joins is not a member yet (a rule's newcomers), so none is in error
    /// for the group; static additions may name members, who may be.
    outsiders: bool,
}

/// A page's membership written: joined, or left (and no longer in error for the group).
fn membership<S: Store + ?Sized>(
    cx: &Cx<S>,
    group: &Group,
    state: &GroupAudit,
    users: &[User],
    joined: bool,
) {
    if users.is_empty() {
        return;
    }
    let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
    if joined {
        cx.store.add_members(group.id, &ids);
    } else {
        cx.store.remove_members(group.id, &ids);
        cx.store.clear_group_errors(group.id, &ids);
    }
    audit_membership(cx, state, users, joined);
}

impl<'c, 's, 'm, S: Store + ?Sized> Moves<'c, 's, 'm, S> {
    pub(super) fn new(cx: &'c Cx<'s, S>, group: Group, gives: &'m Gives) -> Self {
        Moves {
            cx,
            state: audit_state(cx.store, &group),
            group: group.clone(),
            gives,
            joins: None,
            leaves: None,
            total: GroupChange {
                group: group.clone(),
                changed: 0,
                unchanged: 0,
                errors: 0,
                failures: Vec::new(),
            },
            freed: BTreeSet::new(),
            outsiders: false,
        }
    }

    /// The users who join will not be members already (see `outsiders`).
    pub(super) fn outsiders(mut self) -> Self {
        self.outsiders = true;
        self
    }

    pub(super) fn join(&mut self, users: &[User]) -> Result<()> {
        self.moved(users, true)
    }

    pub(super) fn leave(&mut self, users: &[User]) -> Result<()> {
        self.moved(users, false)
    }

    fn moved(&mut self, users: &[User], joined: bool) -> Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        // Joiners count the seats leavers freed (L2): the leavers' pages are written, and the
        // joiners' planner counts its pools again, before joiners who follow leavers are
        // planned. A rule narrowed to its values moves every leaver first, so this happens
        // once; a rule read over every user alternates, a page at a time.
        if joined && self.leaves.is_some() {
            self.close(false);
            self.close(true);
        }
        let (cx, group, state) = (self.cx, &self.group, &self.state);
        if self.gives.give.is_empty() {
            membership(cx, group, state, users, joined);
            return Ok(());
        }
        let flow = if joined {
            &mut self.joins
        } else {
            &mut self.leaves
        };
        if flow.is_none() {
            let (give, take): (&[GroupLicense], &[String]) = if joined {
                (&self.gives.give, &[])
            } else {
                (&[], &self.gives.take)
            };
            *flow = Some(Flow {
                // Leavers' errors are cleared with their membership.
                pages: GroupPages::new(cx, group.id, give, take, self.outsiders || !joined)?,
                last: Vec::new(),
            });
        }
        let flow = flow.as_mut().expect("set above");
        let last = std::mem::replace(&mut flow.last, users.to_vec());
        flow.pages
            .push(users, || membership(cx, group, state, &last, joined));
        Ok(())
    }

    /// Queues a flow's last writes (its licenses, then its last page's membership) and adds
    /// what it did.
    fn close(&mut self, joined: bool) {
        let flow = if joined {
            self.joins.take()
        } else {
            self.leaves.take()
        };
        let Some(flow) = flow else { return };
        let run: GroupRun = flow.pages.finish();
        membership(self.cx, &self.group, &self.state, &flow.last, joined);
        let t = &mut self.total;
        t.changed += run.changed;
        t.unchanged += run.unchanged;
        t.errors += run.errors;
        let room = 1000usize.saturating_sub(t.failures.len());
        t.failures.extend(run.failures.into_iter().take(room));
        self.freed.extend(run.freed);
    }

    /// Writes what is left, serves the waiting line from what the moves freed (GL8) and says
    /// what they did.
    pub(super) fn done(mut self) -> Result<GroupChange> {
        self.close(false);
        self.close(true);
        crate::bulk::serve_waiting(self.cx, &self.freed)?;
        Ok(self.total)
    }
}
