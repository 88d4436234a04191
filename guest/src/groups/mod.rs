//! Group-based licensing (GL1-GL10): groups whose members inherit the group's products, in
//! the transaction that changes the group or its members (GL8). What a member holds is
//! planned by the one planner (`bulk`), page by page over the members.

pub mod check;
mod dynamic;
mod moves;
pub mod rule;

use crate::directory::everyone;
pub use dynamic::{follow_rules, join_by_rules, set_rule};

use crate::bulk::{self, GroupRun, Members};
use crate::cx::Cx;
use crate::error::{Result, conflict, invalid, not_found};
use crate::exports::seats::licensing::groups::{GroupChange, GroupDetails, GroupPage, MemberError};
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::types::{
    Error, GraphCode, Group, GroupAudit, GroupLicense, ObjectKind, Operation, User,
};
use crate::{Store, audited, catalog, directory, validate};

/// Longest group name, in characters (Entra's displayName).
const NAME_MAX: usize = 256;
/// Users read per page when a rule is evaluated over the tenant.
const PAGE: u32 = 10_000;

pub use crate::directory::group as resolve;

/// Graph's code for why a member could not be given a group's products (GL3, GL4).
pub fn code_of(e: &Error) -> GraphCode {
    match e {
        Error::InsufficientLicenses(_) => GraphCode::CountViolation,
        Error::Violation(v) => v.code,
        Error::Invalid(i) if i.field == "usage-location" => {
            GraphCode::ProhibitedInUsageLocationViolation
        }
        _ => GraphCode::Other,
    }
}

/// Why, in words, as the member's error keeps it.
pub fn reason_of(e: &Error) -> String {
    match e {
        Error::NotFound(x) => x.message.clone(),
        Error::Forbidden(x) => x.message.clone(),
        Error::InsufficientLicenses(x) => x.message.clone(),
        Error::Blocked(x) => x.message.clone(),
        Error::Invalid(x) => x.message.clone(),
        Error::Conflict(m) => m.clone(),
        Error::Violation(x) => x.message.clone(),
    }
}

pub(crate) fn audit_state<S: Store + ?Sized>(store: &S, group: &Group) -> GroupAudit {
    let mut licenses: Vec<String> = store
        .group_licenses(group.id)
        .iter()
        .map(|l| part_number(store, &l.sku_id))
        .collect();
    licenses.sort();
    GroupAudit {
        group: group.clone(),
        licenses,
    }
}

/// Every group, read a page at a time (a tenant has few, so they are held at once).
pub fn all<S: Store + ?Sized>(store: &S) -> Vec<Group> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.list_groups(after, 1000);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let full = page.len() == 1000;
        out.extend(page);
        if !full {
            return out;
        }
    }
    out
}

fn part_number<S: Store + ?Sized>(store: &S, sku: &str) -> String {
    store
        .get_product(sku)
        .map_or_else(|| sku.to_string(), |p| p.part_number)
}

/// GL1: a new group, static or dynamic. A dynamic group's members are the users its rule
/// selects, from now on.
pub fn create<S: Store + ?Sized>(
    cx: &Cx<S>,
    name: &str,
    description: Option<&str>,
    rule_text: Option<&str>,
) -> Result<Group> {
    cx.require(Operation::ManageGroups)?;
    let name = validate::text("name", name, NAME_MAX)?;
    if name.parse::<u64>().is_ok() {
        return Err(invalid(
            "name",
            "a group's name cannot be a number: numbers name groups by id",
        ));
    }
    let description = description
        .map(|d| validate::text("description", d, 1024))
        .transpose()?;
    if cx.store.find_group(&name).is_some() {
        return Err(conflict(format!("a group named '{name}' exists already")));
    }
    let selects = rule_text.map(parsed).transpose()?;
    let mut group = Group {
        id: 0,
        name,
        description,
        rule: rule_text.map(|r| r.trim().to_string()),
        created_at: cx.now,
    };
    group.id = cx.store.insert_group(&group);
    if let Some(rule) = selects {
        // Its members now; they have no license from it yet (it gives none).
        let mut after = None;
        loop {
            let users = cx.store.list_users(&everyone(), after, PAGE);
            let Some(last) = users.last() else { break };
            after = Some(last.id);
            let ids: Vec<u64> = users
                .iter()
                .filter(|u| rule.matches(u))
                .map(|u| u.id)
                .collect();
            cx.store.add_members(group.id, &ids);
            if users.len() < PAGE as usize {
                break;
            }
        }
    }
    let state = audit_state(cx.store, &group);
    cx.audit(
        "group.create",
        format!("group:{}", group.name),
        audited::NOTHING,
        Some(&state),
    );
    Ok(group)
}

pub(crate) fn parsed(rule_text: &str) -> Result<rule::Rule> {
    rule::parse(rule_text).map_err(|e| {
        invalid(
            "rule",
            format!(
                "the membership rule does not parse at column {}: {}",
                e.column, e.message
            ),
        )
    })
}

/// GL6: a group that still gives products cannot be deleted; its licenses are removed first.
pub fn delete<S: Store + ?Sized>(cx: &Cx<S>, key: &str) -> Result<Group> {
    cx.require(Operation::ManageGroups)?;
    let group = resolve(cx.store, key)?;
    let licenses = cx.store.group_licenses(group.id);
    if !licenses.is_empty() {
        let parts: Vec<String> = licenses
            .iter()
            .map(|l| part_number(cx.store, &l.sku_id))
            .collect();
        let removes: Vec<String> = parts.iter().map(|p| format!("--remove {p}")).collect();
        return Err(conflict(format!(
            "group {} still gives {}: remove its licenses first (`seats groups license {} {}`), \
             then delete it",
            group.name,
            parts.join(", "),
            group.name,
            removes.join(" ")
        )));
    }
    let state = audit_state(cx.store, &group);
    cx.store.delete_group(group.id);
    cx.audit(
        "group.delete",
        format!("group:{}", group.name),
        Some(&state),
        audited::NOTHING,
    );
    Ok(group)
}

pub fn list<S: Store + ?Sized>(cx: &Cx<S>, after: Option<u64>, limit: u32) -> Result<GroupPage> {
    cx.require(Operation::Read)?;
    let limit = limit.clamp(1, 1000);
    let groups = cx.store.list_groups(after, limit);
    let next = (groups.len() == limit as usize)
        .then(|| groups.last().map(|g| g.id))
        .flatten();
    Ok(GroupPage { groups, next })
}

/// The products a group gives (GL1), by GUID, without counting its members.
pub fn licenses<S: Store + ?Sized>(cx: &Cx<S>, key: &str) -> Result<Vec<GroupLicense>> {
    cx.require(Operation::Read)?;
    let group = resolve(cx.store, key)?;
    Ok(cx.store.group_licenses(group.id))
}

pub fn details<S: Store + ?Sized>(cx: &Cx<S>, key: &str) -> Result<GroupDetails> {
    cx.require(Operation::Read)?;
    let group = resolve(cx.store, key)?;
    let licenses = cx
        .store
        .group_licenses(group.id)
        .into_iter()
        .map(|l| LicenseChoice {
            product: part_number(cx.store, &l.sku_id),
            disabled_plans: l.disabled_plans,
        })
        .collect();
    Ok(GroupDetails {
        members: cx.store.count_members(group.id),
        errors: count_errors(cx.store, group.id),
        licenses,
        group,
    })
}

fn count_errors<S: Store + ?Sized>(store: &S, group: u64) -> u32 {
    let (mut n, page) = (0u32, 10_000u32);
    loop {
        let got = store.group_errors(Some(group), n, page).len() as u32;
        n += got;
        if got < page {
            return n;
        }
    }
}

fn change(group: Group, run: GroupRun) -> GroupChange {
    GroupChange {
        group,
        changed: run.changed,
        unchanged: run.unchanged,
        errors: run.errors,
        failures: run.failures,
    }
}

/// The users named, each once, refused whole when one is unknown or deleted.
fn users_named<S: Store + ?Sized>(store: &S, upns: &[String]) -> Result<Vec<User>> {
    if upns.is_empty() {
        return Err(invalid("users", "name at least one user"));
    }
    let mut seen = crate::hash::HashSet::default();
    let mut users = Vec::new();
    for (upn, found) in upns.iter().zip(store.find_users(upns)) {
        let user = found.ok_or_else(|| directory::find(store, upn).unwrap_err())?;
        if user.deleted_at.is_some() {
            return Err(conflict(format!(
                "{} was deleted; restore the user first",
                user.upn
            )));
        }
        if seen.insert(user.id) {
            users.push(user);
        }
    }
    Ok(users)
}

fn static_group<S: Store + ?Sized>(store: &S, key: &str) -> Result<Group> {
    let group = resolve(store, key)?;
    if group.rule.is_some() {
        return Err(invalid(
            "group",
            format!(
                "{} is a dynamic group: its rule decides its members, not additions or removals",
                group.name
            ),
        ));
    }
    Ok(group)
}

/// One entry per user who joined (or left) the group, with the group as its state.
pub(crate) fn audit_membership<S: Store + ?Sized>(
    cx: &Cx<S>,
    state: &GroupAudit,
    users: &[User],
    joined: bool,
) {
    let entries: Vec<_> = users
        .iter()
        .map(|u| {
            let target = format!("user:{}", u.upn);
            if joined {
                cx.audit_entry("group.member-add", target, audited::NOTHING, Some(state))
            } else {
                cx.audit_entry("group.member-remove", target, Some(state), audited::NOTHING)
            }
        })
        .collect();
    cx.store.append_audit(&entries);
}

/// GL1, GL4: users join a static group and get its products now (all or none each).
pub fn add_members<S: Store + ?Sized>(
    cx: &Cx<S>,
    key: &str,
    upns: &[String],
) -> Result<GroupChange> {
    cx.require(Operation::ManageGroups)?;
    let group = static_group(cx.store, key)?;
    let users = users_named(cx.store, upns)?;
    let gives = moves::Gives::of(cx.store, group.id);
    let mut moves = moves::Moves::new(cx, group, &gives);
    moves.join(&users)?;
    moves.done()
}

/// GL5: users leave a static group and lose what only it gave (L7's retention for their data).
pub fn remove_members<S: Store + ?Sized>(
    cx: &Cx<S>,
    key: &str,
    upns: &[String],
) -> Result<GroupChange> {
    cx.require(Operation::ManageGroups)?;
    let group = static_group(cx.store, key)?;
    let users = users_named(cx.store, upns)?;
    let gives = moves::Gives::of(cx.store, group.id);
    let mut moves = moves::Moves::new(cx, group, &gives);
    moves.leave(&users)?;
    moves.done()
}

/// GL1, GL10 (Set-MgGroupLicense): the group's products added and removed as one change for
/// every member; a product added again gets the plans given.
pub fn set_licenses<S: Store + ?Sized>(
    cx: &Cx<S>,
    key: &str,
    add: &[LicenseChoice],
    remove: &[String],
) -> Result<GroupChange> {
    if add.is_empty() && remove.is_empty() {
        return Err(invalid(
            "licenses",
            "no license changes given: name at least one product to add or remove",
        ));
    }
    if !add.is_empty() {
        cx.require(Operation::AssignLicense)?;
    }
    if !remove.is_empty() {
        cx.require(Operation::RemoveLicense)?;
    }
    let group = resolve(cx.store, key)?;
    let before = cx.store.group_licenses(group.id);
    let added = bulk::group_licenses(cx.store, add)?;
    let mut after: Vec<GroupLicense> = before.clone();
    let mut take = Vec::new();
    for p in remove {
        let product = catalog::resolve(cx.store, p)?;
        if added.iter().any(|(a, _)| a.sku_id == product.sku_id) {
            return Err(invalid(
                "licenses",
                format!("{} is both added and removed", product.part_number),
            ));
        }
        if !before.iter().any(|l| l.sku_id == product.sku_id) {
            return Err(not_found(
                ObjectKind::License,
                format!("{}/{}", group.name, product.part_number),
                format!("group {} gives no {}", group.name, product.part_number),
            ));
        }
        after.retain(|l| l.sku_id != product.sku_id);
        take.push(product.sku_id);
    }
    for (_, license) in added {
        after.retain(|l| l.sku_id != license.sku_id);
        after.push(license);
    }
    let state_before = audit_state(cx.store, &group);
    cx.store.set_group_licenses(group.id, &after);
    let state_after = audit_state(cx.store, &group);
    cx.audit(
        "group.licenses",
        format!("group:{}", group.name),
        Some(&state_before),
        Some(&state_after),
    );
    let run = bulk::change_group(cx, group.id, &after, &take, Members::Of(group.id))?;
    bulk::serve_waiting(cx, &run.freed)?;
    Ok(change(group, run))
}

/// GL7: the group's products given again to its members in error.
pub fn reprocess<S: Store + ?Sized>(cx: &Cx<S>, key: &str) -> Result<GroupChange> {
    cx.require(Operation::AssignLicense)?;
    let group = resolve(cx.store, key)?;
    let mut users = Vec::new();
    let (mut after, page) = (0u32, 10_000u32);
    loop {
        let errors = cx.store.group_errors(Some(group.id), after, page);
        after += errors.len() as u32;
        users.extend(errors.iter().filter_map(|e| cx.store.get_user(e.user_id)));
        if errors.len() < page as usize {
            break;
        }
    }
    let give = cx.store.group_licenses(group.id);
    let run = bulk::change_group(cx, group.id, &give, &[], Members::Given(&users))?;
    Ok(change(group, run))
}

/// GL3: members in error, of one group or all, oldest first.
pub fn errors<S: Store + ?Sized>(
    cx: &Cx<S>,
    key: Option<&str>,
    after: u32,
    limit: u32,
) -> Result<Vec<MemberError>> {
    cx.require(Operation::Read)?;
    let group = key.map(|k| resolve(cx.store, k)).transpose()?;
    let limit = limit.clamp(1, 5000);
    let mut names = crate::hash::HashMap::default();
    Ok(cx
        .store
        .group_errors(group.as_ref().map(|g| g.id), after, limit)
        .into_iter()
        .map(|e| MemberError {
            group: names
                .entry(e.group_id)
                .or_insert_with(|| {
                    cx.store
                        .get_group(e.group_id)
                        .map_or_else(|| e.group_id.to_string(), |g| g.name)
                })
                .clone(),
            upn: cx
                .store
                .get_user(e.user_id)
                .map_or_else(|| e.user_id.to_string(), |u| u.upn),
            code: e.code,
            message: e.message,
            since: e.since,
        })
        .collect())
}

#[cfg(test)]
mod tests;
