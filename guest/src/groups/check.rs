//! Group-based licensing's invariants, for `seats check` (GL2-GL5): every seat has a source;
//! every inherited seat has a group that gives it to a member; every member of a group with
//! products holds them all from it or is in error for it, and one in error holds none of them.
//!
//! Checked in `check::run`'s one pass over the users (in id order) with no store call per user
//! (a million users hold group licenses): each group with products reads its members' ids
//! alongside, a page at a time, as a merge.

use crate::Store;
use crate::hash::{HashMap, HashSet};
use crate::seats::licensing::store::UserQuery;
use crate::types::{Assignment, Group, GroupLicense, User};
use std::collections::VecDeque;

const PAGE: u32 = 5000;

/// A group with products, its members read in id order as the users go by.
struct Giving {
    group: Group,
    gives: Vec<GroupLicense>,
    in_error: HashSet<u64>,
    /// Member ids read and not yet passed, and where the next page starts.
    ahead: VecDeque<u64>,
    after: Option<u64>,
    read_all: bool,
}

impl Giving {
    /// Whether `user` is a member; users come in increasing id order.
    fn has<S: Store + ?Sized>(&mut self, store: &S, user: u64) -> bool {
        loop {
            while self.ahead.front().is_some_and(|id| *id < user) {
                self.ahead.pop_front();
            }
            if let Some(id) = self.ahead.front() {
                return *id == user;
            }
            if self.read_all {
                return false;
            }
            let query = UserQuery {
                member_of: Some(self.group.id),
                include_deleted: true,
                ..crate::directory::everyone()
            };
            let page = store.list_users(&query, self.after, PAGE);
            self.read_all = page.len() < PAGE as usize;
            self.after = page.last().map(|u| u.id).or(self.after);
            self.ahead.extend(page.into_iter().map(|u| u.id));
        }
    }
}

/// The groups' side of the pass: call `user` for each user, in id order.
pub struct Sources {
    giving: Vec<Giving>,
    /// Every group a seat names, with its products (`None`: no such group).
    licenses: HashMap<u64, Option<Vec<GroupLicense>>>,
}

impl Sources {
    /// Reads the groups that give products, and who is in error for each.
    pub fn new<S: Store + ?Sized>(store: &S) -> Self {
        let mut giving = Vec::new();
        for group in super::all(store) {
            let gives = store.group_licenses(group.id);
            if gives.is_empty() {
                continue;
            }
            let in_error = crate::bulk::in_error(store, group.id);
            giving.push(Giving {
                group,
                gives,
                in_error,
                ahead: VecDeque::new(),
                after: None,
                read_all: false,
            });
        }
        Sources {
            giving,
            licenses: HashMap::default(),
        }
    }

    pub fn user<S: Store + ?Sized>(
        &mut self,
        store: &S,
        user: &User,
        held: &[Assignment],
        problems: &mut Vec<String>,
    ) {
        for a in held {
            if !a.direct && a.groups.is_empty() {
                problems.push(format!(
                    "{}'s license of {} has no source: neither assigned to the user nor given by \
                     a group",
                    user.upn, a.sku_id
                ));
            }
            for g in &a.groups {
                let gives = self
                    .licenses
                    .entry(*g)
                    .or_insert_with(|| store.get_group(*g).map(|_| store.group_licenses(*g)));
                match gives {
                    None => problems.push(format!(
                        "{}'s license of {} comes from group {g}, which does not exist",
                        user.upn, a.sku_id
                    )),
                    Some(l) if !l.iter().any(|l| l.sku_id == a.sku_id) => problems.push(format!(
                        "{}'s license of {} comes from group {g}, which does not give it",
                        user.upn, a.sku_id
                    )),
                    Some(_) => {}
                }
            }
        }
        for g in &mut self.giving {
            let from_g = g
                .gives
                .iter()
                .filter(|l| {
                    held.iter()
                        .any(|a| a.sku_id == l.sku_id && a.groups.contains(&g.group.id))
                })
                .count();
            let member = g.has(store, user.id);
            let in_error = g.in_error.contains(&user.id);
            let name = &g.group.name;
            if !member {
                // GL5: what a group gave goes when the user leaves it.
                if from_g > 0 {
                    problems.push(format!(
                        "{}'s license of {} comes from group {name}, which the user is not a \
                         member of",
                        user.upn,
                        held.iter()
                            .find(|a| a.groups.contains(&g.group.id))
                            .map_or("", |a| a.sku_id.as_str())
                    ));
                }
                if in_error {
                    problems.push(format!(
                        "{} is in error for group {name}, which the user is not a member of",
                        user.upn
                    ));
                }
            } else if in_error && from_g > 0 {
                problems.push(format!(
                    "{} is in error for group {name} but holds {from_g} of its products from it",
                    user.upn
                ));
            } else if !in_error && user.deleted_at.is_none() && from_g < g.gives.len() {
                problems.push(format!(
                    "{} is a member of group {name} and not in error, but holds {from_g} of its \
                     {} products from it",
                    user.upn,
                    g.gives.len()
                ));
            }
        }
    }
}
