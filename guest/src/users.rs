//! The organisation's users (L10).

use crate::audited;
use crate::cx::Cx;
use crate::directory::{find, find_active, keep, needs_license, query};
use crate::error::{Result, blocked, conflict, invalid};
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::exports::seats::licensing::users::{
    HoldingPage, HoldingUser, NewLicensedUser, NewUser, RestoreResult, UserDetails, UserFilter,
    UserPage, UserUpdate,
};
use crate::hash::HashSet;
use crate::types::Operation;
use crate::types::{Timestamp, User};
use crate::{Store, bulk, provisioning, validate, view};

/// Most users one page returns.
pub const MAX_PAGE: u32 = 5000;

fn validated(new: &NewUser, default_location: Option<&str>, now: Timestamp) -> Result<User> {
    Ok(User {
        id: 0,
        upn: validate::upn("upn", &new.upn)?,
        display_name: validate::text("display-name", &new.display_name, 256)?,
        department: match new.department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(validate::text("department", d, 64)?),
        },
        usage_location: match new.usage_location.as_deref().map(str::trim) {
            None | Some("") => default_location.map(str::to_string),
            Some(l) => Some(validate::country("usage-location", l)?),
        },
        enabled: new.enabled,
        kind: new.kind,
        mailbox_gb: new.mailbox_gb,
        retention_hold: false,
        created_at: now,
        deleted_at: None,
    })
}

pub fn create<S: Store + ?Sized>(cx: &Cx<S>, new: &NewUser) -> Result<User> {
    Ok(create_many(cx, std::slice::from_ref(new))?.remove(0))
}

/// Creates every user or, when one is refused, none.
pub fn create_many<S: Store + ?Sized>(cx: &Cx<S>, new: &[NewUser]) -> Result<Vec<User>> {
    cx.require(Operation::ManageUsers)?;
    let mut users = checked_new(cx, new.iter())?;
    for page in users.chunks_mut(bulk::CHUNK) {
        insert_new(cx, page);
    }
    crate::groups::join_by_rules(cx, &users)?;
    Ok(users)
}

/// S7: creates the users and assigns each their licenses, as one change. Everything is
/// checked before anything is written: the first refusal (a user, or a license: no room, no
/// usage location, a plan conflict, a mailbox that needs none) refuses the call.
pub fn create_licensed<S: Store + ?Sized>(
    cx: &Cx<S>,
    new: &[NewLicensedUser],
) -> Result<Vec<User>> {
    create_licensed_paged(cx, new, bulk::CHUNK)
}

/// [`create_licensed`], writing `page` users at a time (small pages for tests).
pub fn create_licensed_paged<S: Store + ?Sized>(
    cx: &Cx<S>,
    new: &[NewLicensedUser],
    page: usize,
) -> Result<Vec<User>> {
    cx.require(Operation::ManageUsers)?;
    if new.iter().any(|n| !n.licenses.is_empty()) {
        cx.require(Operation::AssignLicense)?;
    }
    let mut users = checked_new(cx, new.iter().map(|n| &n.user))?;
    let licenses: Vec<&[LicenseChoice]> = new.iter().map(|n| n.licenses.as_slice()).collect();
    let plan = bulk::plan_new(cx, &users, &licenses)?;
    for (i, chunk) in users.chunks_mut(page).enumerate() {
        insert_new(cx, chunk);
        bulk::write_new(cx, &plan, chunk, i * page);
    }
    crate::groups::join_by_rules(cx, &users)?;
    Ok(users)
}

/// The users validated, none given twice and none taken; nothing is written.
fn checked_new<'n, S: Store + ?Sized>(
    cx: &Cx<S>,
    new: impl ExactSizeIterator<Item = &'n NewUser>,
) -> Result<Vec<User>> {
    let default_location = cx.store.get_tenant().and_then(|t| t.default_usage_location);
    let mut users = Vec::with_capacity(new.len());
    let mut seen = HashSet::with_capacity_and_hasher(new.len(), Default::default());
    for n in new {
        let u = validated(n, default_location.as_deref(), cx.now)?;
        if !seen.insert(u.upn.to_lowercase()) {
            return Err(invalid("upn", format!("{} is given twice", u.upn)));
        }
        users.push(u);
    }
    for page in users.chunks(bulk::CHUNK) {
        let upns: Vec<String> = page.iter().map(|u| u.upn.clone()).collect();
        if let Some(Some(taken)) = cx.store.find_users(&upns).into_iter().find(Option::is_some) {
            return Err(conflict(format!(
                "a user {} already exists; choose another user principal name",
                taken.upn
            )));
        }
    }
    Ok(users)
}

/// Inserts checked users (at most `bulk::CHUNK`), giving them their ids, and audits them.
fn insert_new<S: Store + ?Sized>(cx: &Cx<S>, users: &mut [User]) {
    let ids = cx.store.insert_users(users);
    let entries: Vec<_> = users
        .iter_mut()
        .zip(ids)
        .map(|(u, id)| {
            u.id = id;
            cx.audit_entry(
                "user.create",
                format!("user:{}", u.upn),
                audited::NOTHING,
                Some(&*u),
            )
        })
        .collect();
    cx.store.append_audit(&entries);
}

/// How long a deleted user can be restored (L8).
pub const RESTORE_DAYS: i64 = 30;
const DAY: Timestamp = 86_400;

pub fn get<S: Store + ?Sized>(cx: &Cx<S>, upn: &str) -> Result<UserDetails> {
    cx.require(Operation::Read)?;
    let user = find(cx.store, upn)?;
    let licenses = view::licenses_of(cx.store, &user);
    let service_data = cx.store.service_data_of(&[user.id]).remove(0);
    let license_errors = cx
        .store
        .group_errors_of(user.id)
        .into_iter()
        .map(|e| crate::exports::seats::licensing::groups::MemberError {
            group: cx
                .store
                .get_group(e.group_id)
                .map_or_else(|| e.group_id.to_string(), |g| g.name),
            upn: user.upn.clone(),
            code: e.code,
            message: e.message,
            since: e.since,
        })
        .collect();
    Ok(UserDetails {
        needs_license: needs_license(&user),
        user,
        licenses,
        service_data,
        license_errors,
    })
}

/// L8: deletes a user; every license is freed at once and kept for a restore within 30 days.
pub fn delete<S: Store + ?Sized>(cx: &Cx<S>, upn: &str) -> Result<User> {
    let actor = cx.require(Operation::DeleteUser)?;
    let mut user = find_active(cx.store, upn)?;
    if user.id == actor.id {
        return Err(conflict(format!(
            "{} cannot delete their own account; ask another administrator",
            user.upn
        )));
    }
    // Through the one planner: every license freed (self-service ones too), kept for a
    // restore, and the data each provided retained (L7).
    bulk::single(bulk::run(
        cx,
        std::slice::from_ref(&user.upn),
        bulk::Mode::Delete,
        true,
    )?)?;
    let before = user.clone();
    user.deleted_at = Some(cx.now);
    cx.store.update_user(&user);
    // A deleted user waits for no group's license (GL8).
    for group in cx.store.groups_of(user.id) {
        cx.store.clear_group_errors(group, &[user.id]);
    }
    // OneDrive goes 30 days after the user does, licensed or not (L7).
    let current = cx.store.service_data_of(&[user.id]).remove(0);
    cx.store.put_service_data(&provisioning::transition(
        &user,
        &current,
        &Default::default(),
        true,
        cx.now,
    ));
    cx.audit(
        "user.delete",
        format!("user:{}", user.upn),
        Some(&before),
        Some(&user),
    );
    Ok(user)
}

/// L8: restores a user deleted less than 30 days ago, with each license its pool has room for.
pub fn restore<S: Store + ?Sized>(cx: &Cx<S>, upn: &str) -> Result<RestoreResult> {
    cx.require(Operation::DeleteUser)?;
    let mut user = find(cx.store, upn)?;
    let Some(deleted_at) = user.deleted_at else {
        return Err(conflict(format!("{} is not deleted", user.upn)));
    };
    if cx.now >= deleted_at + RESTORE_DAYS * DAY {
        return Err(blocked(
            crate::types::BlockedReason::RestoreWindowClosed,
            "create the user again (`seats users add`)",
            format!(
                "{} was deleted over {RESTORE_DAYS} days ago and can no longer be restored",
                user.upn
            ),
        ));
    }
    let before = user.clone();
    user.deleted_at = None;
    cx.store.update_user(&user);
    let stashed = cx.store.take_stashed(user.id);
    let mut restored = Vec::new();
    let mut not_restored = Vec::new();
    for a in stashed {
        let Some(product) = cx.store.get_product(&a.sku_id) else {
            continue;
        };
        let choice = LicenseChoice {
            product: a.sku_id.clone(),
            disabled_plans: a.disabled_plans.clone(),
        };
        // From the pool it came from: its self-service subscription while it is still one.
        let from = a.subscription.filter(|id| {
            cx.store
                .get_subscription(*id)
                .is_some_and(|s| !crate::pool::is_organisations(&s))
        });
        let result = bulk::run(
            cx,
            std::slice::from_ref(&user.upn),
            bulk::Mode::Restore(&[choice], from),
            true,
        )?;
        match bulk::single(result) {
            Ok(()) => restored.push(product.part_number),
            Err(e) => not_restored.push(format!("{}: {}", product.part_number, e.text())),
        }
    }
    // GL1: the groups the user is a member of give their products again.
    for group in cx.store.groups_of(user.id) {
        let give = cx.store.group_licenses(group);
        if give.is_empty() {
            continue;
        }
        let held_before: Vec<String> = cx
            .store
            .assignments_of(user.id)
            .into_iter()
            .map(|a| a.sku_id)
            .collect();
        let members = std::slice::from_ref(&user);
        bulk::change_group(cx, group, &give, &[], bulk::Members::Given(members))?;
        for l in give {
            let now_held = cx
                .store
                .assignments_of(user.id)
                .iter()
                .any(|a| a.sku_id == l.sku_id);
            if now_held
                && !held_before.contains(&l.sku_id)
                && let Some(p) = cx.store.get_product(&l.sku_id)
            {
                restored.push(p.part_number);
            }
        }
    }
    // L8: the restored user's data is theirs again: no timer their deletion (or an earlier
    // removal) started purges it; what their licenses provide is active again.
    let current = cx.store.service_data_of(&[user.id]).remove(0);
    cx.store
        .put_service_data(&provisioning::restored(&current, cx.now));
    cx.audit(
        "user.restore",
        format!("user:{}", user.upn),
        Some(&before),
        Some(&user),
    );
    Ok(RestoreResult {
        user,
        restored,
        not_restored,
    })
}

/// Changes a user's name, department, usage location (G1) or sign-in.
pub fn update<S: Store + ?Sized>(cx: &Cx<S>, upn: &str, u: &UserUpdate) -> Result<User> {
    cx.require(Operation::ManageUsers)?;
    let mut user = find_active(cx.store, upn)?;
    let before = user.clone();
    if let Some(name) = &u.display_name {
        user.display_name = validate::text("display-name", name, 256)?;
    }
    if let Some(d) = &u.department {
        user.department = match d.trim() {
            "" => None,
            d => Some(validate::text("department", d, 64)?),
        };
    }
    if let Some(l) = &u.usage_location {
        user.usage_location = Some(validate::country("usage-location", l)?);
    }
    if let Some(e) = u.enabled {
        user.enabled = e;
    }
    if user != before {
        cx.store.update_user(&user);
        cx.audit(
            "user.update",
            format!("user:{}", user.upn),
            Some(&before),
            Some(&user),
        );
        // GL8: in and out of dynamic groups, with their licenses, in this call.
        crate::groups::follow_rules(cx, &user)?;
    }
    Ok(user)
}

/// Sets a mailbox's size (L9) or retention hold (L7).
pub fn update_mailbox<S: Store + ?Sized>(
    cx: &Cx<S>,
    upn: &str,
    mailbox_gb: Option<u32>,
    hold: Option<bool>,
) -> Result<User> {
    cx.require(Operation::ManageUsers)?;
    let mut user = find_active(cx.store, upn)?;
    let before = user.clone();
    if let Some(gb) = mailbox_gb {
        if gb > 100_000 {
            return Err(invalid(
                "mailbox-gb",
                format!("{gb} GB is not a mailbox size: use 0 to 100000"),
            ));
        }
        user.mailbox_gb = gb;
    }
    if let Some(h) = hold {
        user.retention_hold = h;
    }
    if user != before {
        cx.store.update_user(&user);
        cx.audit(
            "user.mailbox",
            format!("user:{}", user.upn),
            Some(&before),
            Some(&user),
        );
    }
    Ok(user)
}

/// L8: users deleted over 30 days ago are removed for good.
pub fn purge_deleted<S: Store + ?Sized>(cx: &Cx<S>) -> u32 {
    let mut purged = 0;
    loop {
        let due = cx.store.deleted_before(cx.now - RESTORE_DAYS * DAY, 1000);
        if due.is_empty() {
            return purged;
        }
        for u in due {
            cx.store.purge_user(u.id);
            cx.audit(
                "user.purge",
                format!("user:{}", u.upn),
                Some(&u),
                audited::NOTHING,
            );
            purged += 1;
        }
    }
}

/// Active users (L10), optionally only the unlicensed ones, a page at a time.
pub fn list<S: Store + ?Sized>(
    cx: &Cx<S>,
    filter: &UserFilter,
    after: Option<u64>,
    limit: u32,
) -> Result<UserPage> {
    cx.require(Operation::Read)?;
    if limit == 0 || limit > MAX_PAGE {
        return Err(invalid(
            "limit",
            format!("a page holds 1 to {MAX_PAGE} users"),
        ));
    }
    let query = query(cx.store, filter)?;
    let mut users = cx.store.list_users(&query, after, limit);
    let next = (users.len() == limit as usize).then(|| users[users.len() - 1].id);
    keep(filter, &mut users);
    Ok(UserPage { users, next })
}

/// The users `list` lists, each with their licenses as stored and their group errors (GL3).
pub fn holdings<S: Store + ?Sized>(
    cx: &Cx<S>,
    filter: &UserFilter,
    after: Option<u64>,
    limit: u32,
) -> Result<HoldingPage> {
    let page = list(cx, filter, after, limit)?;
    let ids: Vec<u64> = page.users.iter().map(|u| u.id).collect();
    let licenses = cx.store.assignments_of_users(&ids);
    let users = page
        .users
        .into_iter()
        .zip(licenses)
        .map(|(user, licenses)| HoldingUser {
            errors: cx.store.group_errors_of(user.id),
            user,
            licenses,
        })
        .collect();
    Ok(HoldingPage {
        users,
        next: page.next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::Error;

    fn all(cx: &Cx<crate::memory::MemoryStore>, unlicensed_only: bool) -> Vec<String> {
        let filter = UserFilter {
            unlicensed_only,
            product: None,
            department: None,
            usage_location: None,
            enabled: None,
            deleted: false,
            group: None,
            in_error: false,
        };
        list(cx, &filter, None, 100)
            .unwrap()
            .users
            .into_iter()
            .map(|u| u.upn)
            .collect()
    }

    #[test]
    fn l10_lists_active_users_and_the_unlicensed_ones() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 5);
        add_user(&store, "ana@contoso.com");
        add_user(&store, "bo@contoso.com");
        let cx = admin(&store);
        crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        assert_eq!(
            all(&cx, false),
            vec![ADMIN, "ana@contoso.com", "bo@contoso.com"]
        );
        assert_eq!(all(&cx, true), vec![ADMIN, "bo@contoso.com"]);
    }

    #[test]
    fn users_page_with_a_cursor() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let many: Vec<_> = (0..25)
            .map(|i| new_user(&format!("u{i}@contoso.com")))
            .collect();
        create_many(&cx, &many).unwrap();
        let filter = UserFilter {
            unlicensed_only: false,
            product: None,
            department: None,
            usage_location: None,
            enabled: None,
            deleted: false,
            group: None,
            in_error: false,
        };
        let mut seen = 0;
        let mut after = None;
        loop {
            let page = list(&cx, &filter, after, 10).unwrap();
            seen += page.users.len();
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, 26);
    }

    #[test]
    fn a_duplicate_upn_is_refused_and_nothing_is_created() {
        let (store, _) = tenant_with_catalog();
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        let before = store.snapshot();
        let err = create_many(
            &cx,
            &[new_user("new@contoso.com"), new_user("ANA@contoso.com")],
        )
        .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        let err =
            create_many(&cx, &[new_user("x@contoso.com"), new_user("X@contoso.com")]).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn g1_the_tenant_default_usage_location_applies() {
        let (store, _) = tenant_with_catalog();
        let mut t = store.get_tenant().unwrap();
        t.default_usage_location = Some("SE".into());
        store.put_tenant(&t);
        let mut n = new_user("ana@contoso.com");
        n.usage_location = None;
        let u = create(&admin(&store), &n).unwrap();
        assert_eq!(u.usage_location.as_deref(), Some("SE"));
        n.upn = "bo@contoso.com".into();
        n.usage_location = Some("Sweden".into());
        assert_eq!(create(&admin(&store), &n).unwrap_err().kind(), "invalid");
    }

    #[test]
    fn l8_deleting_frees_every_license_and_a_restore_brings_back_what_fits() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 1);
        buy(&store, "SPE_E5", 1);
        add_user(&store, "ana@contoso.com");
        add_user(&store, "bo@contoso.com");
        let cx = admin(&store);
        crate::bulk::run(
            &cx,
            &["ana@contoso.com".into()],
            crate::bulk::Mode::Add(&[
                LicenseChoice {
                    product: "SPE_E3".into(),
                    disabled_plans: vec!["MCOSTANDARD".into()],
                },
                LicenseChoice {
                    product: "SPE_E5".into(),
                    disabled_plans: vec![],
                },
            ]),
            true,
        )
        .unwrap();
        delete(&cx, "ana@contoso.com").unwrap();
        let e3 = crate::catalog::resolve(&store, "SPE_E3").unwrap();
        assert_eq!(
            crate::pool::of_product(&store, &e3).assigned,
            0,
            "freed at once"
        );
        assert!(all(&cx, false).iter().all(|u| u != "ana@contoso.com"));
        // Someone else takes the E3 license meanwhile.
        crate::licenses::assign(&cx, "bo@contoso.com", "SPE_E3", &[]).unwrap();
        let r = restore(&Cx::new(&store, ADMIN, NOW + 10 * DAY), "ana@contoso.com").unwrap();
        assert_eq!(r.restored, vec!["SPE_E5".to_string()]);
        assert_eq!(r.not_restored.len(), 1);
        assert!(
            r.not_restored[0].starts_with("SPE_E3"),
            "{:?}",
            r.not_restored
        );
        assert!(r.user.deleted_at.is_none());
    }

    #[test]
    fn l8_a_user_deleted_over_30_days_ago_cannot_be_restored_and_is_purged() {
        let (store, _) = tenant_with_catalog();
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        delete(&cx, "ana@contoso.com").unwrap();
        let late = Cx::new(&store, ADMIN, NOW + 31 * DAY);
        assert_eq!(
            restore(&late, "ana@contoso.com").unwrap_err().kind(),
            "blocked"
        );
        crate::lifecycle::process(&late).unwrap();
        assert!(store.find_user("ana@contoso.com").is_none());
        assert_eq!(
            delete(&cx, ADMIN).unwrap_err().kind(),
            "conflict",
            "no one deletes themselves"
        );
    }
}
