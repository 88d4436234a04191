//! What the rules look up by key: the organisation's users by UPN, active or not, who needs
//! a license (L9), who can receive one (G1), a listing's filter as a store query (L10); and
//! subscriptions by id.

use crate::error::{Result, conflict, invalid, not_found};
use crate::exports::seats::licensing::users::UserFilter;
use crate::seats::licensing::store::UserQuery;
use crate::types::{ObjectKind, Subscription, User, UserKind};
use crate::{Store, catalog, validate};

/// A mailbox's quota: shared, room and resource mailboxes over it need a license (L9).
pub const MAILBOX_QUOTA_GB: u32 = 50;

/// A user of the organisation by UPN, deleted or not.
pub fn find<S: Store + ?Sized>(store: &S, upn: &str) -> Result<User> {
    store.find_user(upn.trim()).ok_or_else(|| {
        not_found(
            ObjectKind::User,
            upn.trim(),
            format!(
                "no user '{}' in this tenant; `seats users` lists them",
                upn.trim()
            ),
        )
    })
}

/// A subscription by id.
pub fn subscription<S: Store + ?Sized>(store: &S, id: u64) -> Result<Subscription> {
    store.get_subscription(id).ok_or_else(|| {
        not_found(
            ObjectKind::Subscription,
            id.to_string(),
            format!("no subscription {id}; `seats subscriptions` lists them"),
        )
    })
}

/// A user of the organisation that is not deleted.
pub fn find_active<S: Store + ?Sized>(store: &S, upn: &str) -> Result<User> {
    let user = find(store, upn)?;
    if user.deleted_at.is_some() {
        return Err(conflict(format!(
            "{} was deleted; restore the user first",
            user.upn
        )));
    }
    Ok(user)
}

/// L9: a user account needs a license; shared, room and resource mailboxes only over 50 GB.
pub fn needs_license(user: &User) -> bool {
    user.kind == UserKind::User || user.mailbox_gb > MAILBOX_QUOTA_GB
}

/// L9 and G1: whether the user can be given a license at all.
pub fn receivable(user: &User, default_location: Option<&str>) -> Result<()> {
    if !needs_license(user) {
        return Err(invalid(
            "user",
            format!(
                "{} is a {} mailbox of {} GB: it needs no license unless it is over its \
                 {MAILBOX_QUOTA_GB} GB quota",
                user.upn,
                match user.kind {
                    UserKind::SharedMailbox => "shared",
                    UserKind::RoomMailbox => "room",
                    _ => "resource",
                },
                user.mailbox_gb
            ),
        ));
    }
    if user.usage_location.is_none() && default_location.is_none() {
        return Err(invalid(
            "usage-location",
            format!(
                "{} has no usage location, and a license can only be assigned to a user with \
                 one: set the user's usage location (`seats users set {} --usage-location DK`) \
                 or the tenant's default first",
                user.upn, user.upn
            ),
        ));
    }
    Ok(())
}

/// The store query for a filter; bad values are refused.
pub fn query<S: Store + ?Sized>(store: &S, filter: &UserFilter) -> Result<UserQuery> {
    let holding = filter
        .product
        .as_deref()
        .map(|p| catalog::resolve(store, p).map(|p| p.sku_id))
        .transpose()?;
    Ok(UserQuery {
        include_deleted: filter.deleted,
        unlicensed_only: filter.unlicensed_only,
        holding,
        department: filter.department.clone(),
        usage_location: filter
            .usage_location
            .as_deref()
            .map(|l| validate::country("usage-location", l))
            .transpose()?,
        enabled: filter.enabled,
        kind: None,
        member_of: filter
            .group
            .as_deref()
            .map(|g| group(store, g).map(|g| g.id))
            .transpose()?,
        not_member_of: None,
        in_error: filter.in_error,
    })
}

/// Narrows a page of the store's answer to what the filter means.
pub fn keep(filter: &UserFilter, users: &mut Vec<User>) {
    if filter.deleted {
        users.retain(|u| u.deleted_at.is_some());
    } else if filter.unlicensed_only {
        // Mailboxes that need no license are not "unlicensed users" (L9).
        users.retain(needs_license);
    }
}

/// A group by name (without regard to case) or by id (GL1).
pub fn group<S: Store + ?Sized>(store: &S, key: &str) -> Result<crate::types::Group> {
    let key = key.trim();
    let found = match key.parse::<u64>() {
        Ok(id) => store.get_group(id).or_else(|| store.find_group(key)),
        Err(_) => store.find_group(key),
    };
    found.ok_or_else(|| {
        not_found(
            ObjectKind::Group,
            key,
            format!("no group '{key}' in this tenant; `seats groups` lists them"),
        )
    })
}

// Beside the store, so that a module under `directory` in the graph can use it too.
pub use crate::store::everyone;
