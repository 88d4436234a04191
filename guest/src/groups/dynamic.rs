//! Dynamic groups (GL1, GL8): their members are the users their rule selects, kept so in the
//! call that creates a user, changes a user's attributes, or sets the rule.

use super::moves::{Gives, Moves};
use super::{PAGE, audit_state, everyone, parsed, rule};
use crate::Store;
use crate::cx::Cx;
use crate::error::Result;
use crate::exports::seats::licensing::groups::GroupChange;
use crate::hash::HashSet;
use crate::seats::licensing::store::UserQuery;
use crate::types::{Group, Operation, User};
use std::collections::VecDeque;

/// The dynamic groups with their rules, read once per call.
fn dynamic<S: Store + ?Sized>(store: &S) -> Vec<(Group, rule::Rule)> {
    super::all(store)
        .into_iter()
        .filter_map(|g| {
            // A stored rule was parsed when it was set.
            let rule = rule::parse(g.rule.as_deref()?).ok()?;
            Some((g, rule))
        })
        .collect()
}

/// Pages of the users a query selects, in id order, each handed to `each`. The next page is
/// read before `each` writes this one, so that a store that writes behind writes one page
/// while the next is planned; a page's writes move only users up to its last id.
fn pages<S: Store + ?Sized>(
    store: &S,
    query: &UserQuery,
    mut each: impl FnMut(Vec<User>) -> Result<()>,
) -> Result<()> {
    let read = |after: Option<u64>| {
        let users = store.list_users(query, after, PAGE);
        let next = (users.len() == PAGE as usize)
            .then(|| users.last().map(|u| u.id))
            .flatten();
        (users, next)
    };
    let (mut users, mut next) = read(None);
    while !users.is_empty() {
        let ahead = next.map(|after| read(Some(after)));
        each(users)?;
        match ahead {
            Some((u, n)) => (users, next) = (u, n),
            None => return Ok(()),
        }
    }
    Ok(())
}

/// GL1, GL8: new users join the dynamic groups whose rules select them, and get those groups'
/// products, in the call that creates them.
pub fn join_by_rules<S: Store + ?Sized>(cx: &Cx<S>, users: &[User]) -> Result<()> {
    for (group, rule) in dynamic(cx.store) {
        let joining: Vec<User> = users.iter().filter(|u| rule.matches(u)).cloned().collect();
        if !joining.is_empty() {
            let gives = Gives::of(cx.store, group.id);
            let mut moves = Moves::new(cx, group, &gives).outsiders();
            moves.join(&joining)?;
            moves.done()?;
        }
    }
    Ok(())
}

/// GL1, GL8: a user whose attributes changed moves into and out of the dynamic groups, with
/// their products, in the same call.
pub fn follow_rules<S: Store + ?Sized>(cx: &Cx<S>, user: &User) -> Result<()> {
    let member_of = cx.store.groups_of(user.id);
    for (group, rule) in dynamic(cx.store) {
        let (now, was) = (rule.matches(user), member_of.contains(&group.id));
        if now == was {
            continue;
        }
        let gives = Gives::of(cx.store, group.id);
        let mut moves = Moves::new(cx, group, &gives).outsiders();
        let one = std::slice::from_ref(user);
        if now {
            moves.join(one)?
        } else {
            moves.leave(one)?
        }
        moves.done()?;
    }
    Ok(())
}

/// GL1, GL8: a group's rule set; the users it selects are its members from this call on, with
/// its products, and those it no longer selects leave, a page at a time. When the rule
/// requires a department or usage location, only the users with one of them are read (the
/// store's index), and the members; otherwise every user is.
pub fn set_rule<S: Store + ?Sized>(cx: &Cx<S>, key: &str, rule_text: &str) -> Result<GroupChange> {
    cx.require(Operation::ManageGroups)?;
    let mut group = super::resolve(cx.store, key)?;
    let rule = parsed(rule_text)?;
    let before = audit_state(cx.store, &group);
    group.rule = Some(rule_text.trim().to_string());
    cx.store.update_group(&group);
    let after = audit_state(cx.store, &group);
    cx.audit(
        "group.rule",
        format!("group:{}", group.name),
        Some(&before),
        Some(&after),
    );
    let members = UserQuery {
        member_of: Some(group.id),
        ..everyone()
    };
    let gives = Gives::of(cx.store, group.id);
    let mut moves = Moves::new(cx, group.clone(), &gives).outsiders();
    match rule.narrowing() {
        Some(n) => {
            // Those who leave are among the members; those who join have a required value.
            pages(cx.store, &members, |users| {
                let leaving: Vec<User> = users.into_iter().filter(|u| !rule.matches(u)).collect();
                moves.leave(&leaving)
            })?;
            for value in &n.values {
                let mut q = UserQuery {
                    not_member_of: Some(group.id),
                    ..everyone()
                };
                match n.property {
                    rule::Property::Department => q.department = Some(value.clone()),
                    _ => q.usage_location = Some(value.to_ascii_uppercase()),
                }
                pages(cx.store, &q, |users| {
                    let joining: Vec<User> =
                        users.into_iter().filter(|u| rule.matches(u)).collect();
                    moves.join(&joining)
                })?;
            }
        }
        None => {
            // Every user, with the members read alongside in id order (a merge: each once).
            let (mut known, mut cursor, mut read_all) = (VecDeque::new(), None, false);
            pages(cx.store, &everyone(), |users| {
                let last = users.last().map_or(0, |u| u.id);
                while !read_all && known.back().is_none_or(|id| *id < last) {
                    let page = cx.store.list_users(&members, cursor, PAGE);
                    read_all = page.len() < PAGE as usize;
                    cursor = page.last().map(|u| u.id).or(cursor);
                    known.extend(page.into_iter().map(|u| u.id));
                }
                let mut was = HashSet::default();
                while known.front().is_some_and(|id| *id <= last) {
                    was.extend(known.pop_front());
                }
                let (joining, leaving): (Vec<User>, Vec<User>) = users
                    .into_iter()
                    .filter(|u| rule.matches(u) != was.contains(&u.id))
                    .partition(|u| rule.matches(u));
                // Leavers first: their seats are the joiners' to take (L2).
                moves.leave(&leaving)?;
                moves.join(&joining)
            })?;
        }
    }
    moves.done()
}
