//! Group-based licensing's invariants, for `seats check` (GL2-GL5): every seat has a source;
//! every inherited seat has a group that gives it to a member; every member of a group with
//! products holds them all from it or is in error for it, and one in error holds none of them.

use crate::Store;
use crate::seats::licensing::store::UserQuery;
use crate::types::{Assignment, GroupLicense, User};
use std::collections::{HashMap, HashSet};

/// Per-user checks, called by `check::run` for each user's licenses as it reads them; the
/// groups' licenses are read once per group.
#[derive(Default)]
pub struct Sources {
    licenses: HashMap<u64, Option<Vec<GroupLicense>>>,
}

impl Sources {
    pub fn user<S: Store + ?Sized>(
        &mut self,
        store: &S,
        user: &User,
        held: &[Assignment],
        problems: &mut Vec<String>,
    ) {
        if held.iter().all(|a| a.groups.is_empty()) {
            for a in held.iter().filter(|a| !a.direct) {
                problems.push(format!(
                    "{}'s license of {} has no source: neither assigned to the user nor given by \
                     a group",
                    user.upn, a.sku_id
                ));
            }
            return;
        }
        let member_of = store.groups_of(user.id);
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
                    Some(_) if !member_of.contains(g) => problems.push(format!(
                        "{}'s license of {} comes from group {g}, which the user is not a member of",
                        user.upn, a.sku_id
                    )),
                    Some(_) => {}
                }
            }
        }
    }
}

/// GL4: each member of each group with products holds them all from it, or none and is in
/// error for it.
pub fn members<S: Store + ?Sized>(store: &S, problems: &mut Vec<String>) {
    let mut after = None;
    loop {
        let groups = store.list_groups(after, 1000);
        let Some(last) = groups.last() else { break };
        after = Some(last.id);
        let full = groups.len() == 1000;
        for g in groups {
            let gives = store.group_licenses(g.id);
            if gives.is_empty() {
                continue;
            }
            let mut in_error = HashSet::new();
            let mut skip = 0;
            loop {
                let page = store.group_errors(Some(g.id), skip, 10_000);
                skip += page.len() as u32;
                let last_page = page.len() < 10_000;
                in_error.extend(page.into_iter().map(|e| e.user_id));
                if last_page {
                    break;
                }
            }
            let query = UserQuery {
                member_of: Some(g.id),
                ..crate::directory::everyone()
            };
            let mut from = None;
            loop {
                let users = store.list_users(&query, from, 5000);
                let Some(last) = users.last() else { break };
                from = Some(last.id);
                let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
                for (u, held) in users.iter().zip(store.assignments_of_users(&ids)) {
                    let from_g = gives
                        .iter()
                        .filter(|l| {
                            held.iter()
                                .any(|a| a.sku_id == l.sku_id && a.groups.contains(&g.id))
                        })
                        .count();
                    if in_error.contains(&u.id) && from_g > 0 {
                        problems.push(format!(
                            "{} is in error for group {} but holds {from_g} of its products from it",
                            u.upn, g.name
                        ));
                    } else if !in_error.contains(&u.id) && from_g < gives.len() {
                        problems.push(format!(
                            "{} is a member of group {} and not in error, but holds {from_g} of \
                             its {} products from it",
                            u.upn,
                            g.name,
                            gives.len()
                        ));
                    }
                }
                if users.len() < 5000 {
                    break;
                }
            }
        }
        if !full {
            break;
        }
    }
}
