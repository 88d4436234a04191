//! Group-based licensing's invariants, for `seats check` (GL2-GL5): every seat has a source;
//! every inherited seat has a group that gives it to a member; every member of a group with
//! products holds them all from it or is in error for it, and one in error holds none of them.

use crate::Store;
use crate::seats::licensing::store::UserQuery;
use crate::types::{Assignment, Group, GroupLicense, User};
use std::collections::{HashMap, HashSet};

/// Per-user checks, called by `check::run` for each user's licenses as it reads them, with no
/// store call per user (a million users hold group licenses): each group's licenses are read
/// once, and the seats each group gives are counted, to be matched against its members'.
#[derive(Default)]
pub struct Sources {
    licenses: HashMap<u64, Option<Vec<GroupLicense>>>,
    /// (group, sku) -> seats that name the group as a source.
    given: HashMap<(u64, String), u64>,
}

impl Sources {
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
                    Some(_) => *self.given.entry((*g, a.sku_id.clone())).or_default() += 1,
                }
            }
        }
    }
}

/// GL5: the seats a group gives to users who are not (or no longer) its members, named; read
/// only when the counts say there are some.
fn not_members<S: Store + ?Sized>(store: &S, group: &Group, sku: &str, problems: &mut Vec<String>) {
    let query = UserQuery {
        holding: Some(sku.to_string()),
        ..crate::directory::everyone()
    };
    let mut after = None;
    loop {
        let users = store.list_users(&query, after, 5000);
        let Some(last) = users.last() else { return };
        after = Some(last.id);
        let full = users.len() == 5000;
        let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
        for (u, held) in users.iter().zip(store.assignments_of_users(&ids)) {
            let from_g = held
                .iter()
                .any(|a| a.sku_id == sku && a.groups.contains(&group.id));
            if from_g && !store.groups_of(u.id).contains(&group.id) {
                problems.push(format!(
                    "{}'s license of {sku} comes from group {}, which the user is not a member of",
                    u.upn, group.name
                ));
            }
        }
        if !full {
            return;
        }
    }
}

/// GL4: each member of each group with products holds them all from it, or none and is in
/// error for it.
pub fn members<S: Store + ?Sized>(store: &S, sources: &Sources, problems: &mut Vec<String>) {
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
            let mut held_from: HashMap<&str, u64> = HashMap::new();
            let mut from = None;
            loop {
                let users = store.list_users(&query, from, 5000);
                let Some(last) = users.last() else { break };
                from = Some(last.id);
                let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
                for (u, held) in users.iter().zip(store.assignments_of_users(&ids)) {
                    let mut from_g = 0;
                    for l in &gives {
                        if held
                            .iter()
                            .any(|a| a.sku_id == l.sku_id && a.groups.contains(&g.id))
                        {
                            from_g += 1;
                            *held_from.entry(l.sku_id.as_str()).or_default() += 1;
                        }
                    }
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
            // More seats name the group than its members hold from it: some are not members.
            for l in &gives {
                let given = sources.given.get(&(g.id, l.sku_id.clone())).copied();
                if given.unwrap_or(0) > held_from.get(l.sku_id.as_str()).copied().unwrap_or(0) {
                    not_members(store, &g, &l.sku_id, problems);
                }
            }
        }
        if !full {
            break;
        }
    }
}
