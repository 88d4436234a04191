//! The cmdlets: one Rhai function per domain operation, named verb_noun after the Microsoft
//! Graph PowerShell cmdlet it mirrors. Objects are maps with the fields of the JSON output.

use super::convert::*;
use crate::progress::Spinner;
use crate::service::Session;
use crate::service::model::bulk::{AddRemove, LicenseChange};
use crate::service::model::types::{AuditFilter, UserKind};
use crate::service::model::users::{NewLicensedUser, NewUser, UserFilter, UserUpdate};
use crate::views::*;
use rhai::{Dynamic, Engine, Map};
use std::cell::RefCell;
use std::rc::Rc;

pub type Shared = Rc<RefCell<Session>>;

fn user_filter(m: &Map) -> UserFilter {
    UserFilter {
        unlicensed_only: opt::<bool>(m, "unlicensed").unwrap_or(false),
        product: opt_string(m, "product"),
        department: opt_string(m, "department"),
        usage_location: opt_string(m, "usage_location"),
        enabled: opt::<bool>(m, "enabled"),
        deleted: opt::<bool>(m, "deleted").unwrap_or(false),
        group: opt_string(m, "group"),
        in_error: opt::<bool>(m, "in_error").unwrap_or(false),
    }
}

/// A user map: `upn`, `display_name`, `department`, `usage_location`, `enabled`, `kind`,
/// `mailbox_gb` and `licenses` (products as the bulk cmdlets take them).
fn new_licensed_user(m: &Map) -> Fallible<NewLicensedUser> {
    let kind = match opt_string(m, "kind").as_deref() {
        None | Some("user") => UserKind::User,
        Some("shared-mailbox") => UserKind::SharedMailbox,
        Some("room-mailbox") => UserKind::RoomMailbox,
        Some("resource-mailbox") => UserKind::ResourceMailbox,
        Some(other) => return Err(thrown("invalid", format!("unknown user kind '{other}'"))),
    };
    Ok(NewLicensedUser {
        user: NewUser {
            upn: opt_string(m, "upn").unwrap_or_default(),
            display_name: opt_string(m, "display_name").unwrap_or_default(),
            department: opt_string(m, "department"),
            usage_location: opt_string(m, "usage_location"),
            enabled: opt::<bool>(m, "enabled").unwrap_or(true),
            kind,
            mailbox_gb: opt::<i64>(m, "mailbox_gb")
                .unwrap_or(0)
                .clamp(0, u32::MAX as i64) as u32,
        },
        licenses: match m.get("licenses") {
            Some(l) if !l.is_unit() => choices(l.clone())?,
            _ => Vec::new(),
        },
    })
}

fn get_users(s: &Shared, filter: UserFilter) -> Fallible<Dynamic> {
    let users = s.borrow_mut().all_users(&filter).map_err(from_call)?;
    let rows: Vec<UserRow> = users.into_iter().map(UserRow::from).collect();
    rows_of(&rows)
}

fn rows_of<T: serde::Serialize>(values: &[T]) -> Fallible<Dynamic> {
    rows(values)
}

/// The users a filter selects (`users_where(#{ product: "SPE_E3" })`), for a bulk cmdlet to
/// change inside the component a page at a time: any number of users in flat memory, and a
/// summary (counts, the failures) instead of one row per user.
#[derive(Clone)]
pub struct UserSelection(pub(super) UserFilter);

/// Runs a bulk change with a spinner on a terminal: over users given, one row per user; over
/// a `users_where` selection, a summary map.
fn change(
    s: &Shared,
    users: Dynamic,
    change: LicenseChange,
    all: bool,
    what: &str,
) -> Fallible<Dynamic> {
    if let Some(UserSelection(filter)) = users.clone().try_cast::<UserSelection>() {
        let spinner = Spinner::selected(what);
        let summary = s.borrow_mut().change_licenses_where(&filter, &change, all);
        drop(spinner);
        return to_dynamic(&BulkSummaryView::from(summary.map_err(from_call)?));
    }
    let users = upns(users)?;
    let spinner = Spinner::start(users.len(), what);
    let result = s.borrow_mut().change_licenses(&users, &change, all);
    drop(spinner);
    rows_of(&OutcomeRow::all(result.map_err(from_call)?))
}

fn all_or_nothing(options: &Map) -> bool {
    opt::<bool>(options, "all_or_nothing").unwrap_or(false)
}

pub fn register(engine: &mut Engine, s: &Shared) {
    super::billing_cmdlets::register(engine, s);
    super::group_cmdlets::register(engine, s);
    // Get-MgUser
    let c = s.clone();
    engine.register_fn("get_users", move || get_users(&c, user_filter(&Map::new())));
    let c = s.clone();
    engine.register_fn("get_users", move |filter: Map| {
        get_users(&c, user_filter(&filter))
    });
    // Get-MgUser -Filter, left in the component: for the bulk cmdlets.
    engine.register_type_with_name::<UserSelection>("UserSelection");
    engine.register_fn("users_where", |filter: Map| {
        UserSelection(user_filter(&filter))
    });
    // `each_user(selection, |u| ...)`: every user a selection holds, a page at a time; the
    // function may call cmdlets (the session is not held while it runs).
    let c = s.clone();
    engine.register_fn(
        "each_user",
        move |ctx: rhai::NativeCallContext,
              selection: UserSelection,
              f: rhai::FnPtr|
              -> Fallible<i64> {
            let (mut count, mut after) = (0i64, None);
            loop {
                let (users, next) = c
                    .borrow_mut()
                    .user_page(&selection.0, after)
                    .map_err(from_call)?;
                for u in users {
                    let _: Dynamic =
                        f.call_within_context(&ctx, (to_dynamic(&UserRow::from(u))?,))?;
                    count += 1;
                }
                match next {
                    Some(n) => after = Some(n),
                    None => return Ok(count),
                }
            }
        },
    );
    let c = s.clone();
    engine.register_fn("get_user", move |upn: &str| -> Fallible<Dynamic> {
        let d = c.borrow_mut().get_user(upn).map_err(from_call)?;
        let mut m = to_dynamic(&UserRow::from(d.user))?.cast::<Map>();
        m.insert("needs_license".into(), d.needs_license.into());
        let licenses: Vec<UserLicenseRow> =
            d.licenses.into_iter().map(UserLicenseRow::from).collect();
        m.insert("licenses".into(), rows(&licenses)?);
        let data: Vec<ServiceDataRow> = d
            .service_data
            .into_iter()
            .map(ServiceDataRow::from)
            .collect();
        m.insert("service_data".into(), rows(&data)?);
        Ok(m.into())
    });
    // New-MgUser (with -AssignedLicenses, as the admin center's add-user wizard: S7)
    let c = s.clone();
    engine.register_fn("new_user", move |m: Map| -> Fallible<Dynamic> {
        let new = [new_licensed_user(&m)?];
        let mut users = c
            .borrow_mut()
            .create_licensed_users(&new)
            .map_err(from_call)?;
        to_dynamic(&UserRow::from(users.remove(0)))
    });
    // The admin center's "Add multiple users": every user with their licenses, or none.
    let c = s.clone();
    engine.register_fn(
        "new_users",
        move |users: rhai::Array| -> Fallible<Dynamic> {
            let new = users
                .into_iter()
                .map(|u| match u.try_cast::<Map>() {
                    Some(m) => new_licensed_user(&m),
                    None => Err(thrown("invalid", "new_users takes an array of user maps")),
                })
                .collect::<Fallible<Vec<_>>>()?;
            let users = c
                .borrow_mut()
                .create_licensed_users(&new)
                .map_err(from_call)?;
            let rows: Vec<UserRow> = users.into_iter().map(UserRow::from).collect();
            rows_of(&rows)
        },
    );
    // Update-MgUser
    let c = s.clone();
    engine.register_fn(
        "update_user",
        move |upn: &str, m: Map| -> Fallible<Dynamic> {
            let update = UserUpdate {
                display_name: opt_string(&m, "display_name"),
                department: opt_string(&m, "department"),
                usage_location: opt_string(&m, "usage_location"),
                enabled: opt::<bool>(&m, "enabled"),
            };
            let u = c
                .borrow_mut()
                .update_user(upn, &update)
                .map_err(from_call)?;
            to_dynamic(&UserRow::from(u))
        },
    );
    // Remove-MgUser, Restore-MgDirectoryDeletedItem
    let c = s.clone();
    engine.register_fn("remove_user", move |upn: &str| -> Fallible<Dynamic> {
        let u = c.borrow_mut().delete_user(upn).map_err(from_call)?;
        to_dynamic(&UserRow::from(u))
    });
    let c = s.clone();
    engine.register_fn("restore_user", move |upn: &str| -> Fallible<Dynamic> {
        let r = c.borrow_mut().restore_user(upn).map_err(from_call)?;
        let mut m = to_dynamic(&UserRow::from(r.user))?.cast::<Map>();
        m.insert("restored".into(), to_dynamic(&r.restored)?);
        m.insert("not_restored".into(), to_dynamic(&r.not_restored)?);
        Ok(m.into())
    });
    // Get-MgSubscribedSku
    let c = s.clone();
    engine.register_fn("get_licenses", move || -> Fallible<Dynamic> {
        let pools = c.borrow_mut().licenses_page().map_err(from_call)?;
        let rows: Vec<LicenseRow> = pools.into_iter().map(LicenseRow::from).collect();
        rows_of(&rows)
    });
    let c = s.clone();
    engine.register_fn("get_products", move || -> Fallible<Dynamic> {
        let products = c.borrow_mut().products().map_err(from_call)?;
        let rows = crate::views::product_rows(products);
        rows_of(&rows)
    });
    // Get-MgSubscription (companySubscription)
    let c = s.clone();
    engine.register_fn("get_subscriptions", move || -> Fallible<Dynamic> {
        let subs = c.borrow_mut().list_subscriptions().map_err(from_call)?;
        let rows: Vec<SubscriptionRow> = subs.into_iter().map(SubscriptionRow::from).collect();
        rows_of(&rows)
    });
    // New-MgSubscription-like: bought and charged at once (S4), with its ledger lines.
    let buy = |c: &Shared, order: crate::service::model::billing::Purchase| -> Fallible<Dynamic> {
        let r = c.borrow_mut().buy_order(&order).map_err(from_call)?;
        super::billing_cmdlets::billed(r)
    };
    let c = s.clone();
    engine.register_fn("new_subscription", move |product: &str, quantity: i64| {
        buy(
            &c,
            super::billing_cmdlets::purchase(product, quantity, &Map::new())?,
        )
    });
    let c = s.clone();
    engine.register_fn(
        "new_subscription",
        move |product: &str, quantity: i64, options: Map| {
            buy(
                &c,
                super::billing_cmdlets::purchase(product, quantity, &options)?,
            )
        },
    );
    let c = s.clone();
    engine.register_fn(
        "set_quantity",
        move |id: i64, total: i64| -> Fallible<Dynamic> {
            let id = u64::try_from(id)
                .map_err(|_| thrown("invalid", format!("{id} is not a subscription id")))?;
            let r = c
                .borrow_mut()
                .change_quantity(id, total, None, None)
                .map_err(from_call)?;
            super::billing_cmdlets::billed(r)
        },
    );
    // Set-MgUserLicense -AddLicenses -RemoveLicenses: one atomic change (G2).
    let c = s.clone();
    engine.register_fn(
        "set_user_license",
        move |upn: &str, m: Map| -> Fallible<Dynamic> {
            let (add, remove) = add_remove(&m)?;
            let licenses = c
                .borrow_mut()
                .set_user_licenses(upn, &add, &remove)
                .map_err(from_call)?;
            let rows: Vec<UserLicenseRow> =
                licenses.into_iter().map(UserLicenseRow::from).collect();
            rows_of(&rows)
        },
    );
    // Set-MgUserLicense over many users: each user's additions and removals as one change.
    let c = s.clone();
    engine.register_fn(
        "set_licenses",
        move |users: Dynamic, m: Map| -> Fallible<Dynamic> {
            let (add, remove) = add_remove(&m)?;
            let all = all_or_nothing(&m);
            let set = LicenseChange::Set(AddRemove { add, remove });
            change(&c, users, set, all, "changing licenses")
        },
    );
    // The bulk modes (L5, L6): one call to the component for all the users.
    let c = s.clone();
    engine.register_fn("add_licenses", move |users: Dynamic, products: Dynamic| {
        add(&c, users, products, &Map::new())
    });
    let c = s.clone();
    engine.register_fn(
        "add_licenses",
        move |users: Dynamic, products: Dynamic, o: Map| add(&c, users, products, &o),
    );
    let c = s.clone();
    engine.register_fn(
        "replace_licenses",
        move |users: Dynamic, products: Dynamic| replace(&c, users, products, &Map::new()),
    );
    let c = s.clone();
    engine.register_fn(
        "replace_licenses",
        move |users: Dynamic, products: Dynamic, o: Map| replace(&c, users, products, &o),
    );
    let c = s.clone();
    engine.register_fn("remove_all_licenses", move |users: Dynamic| {
        remove_all(&c, users, &Map::new())
    });
    let c = s.clone();
    engine.register_fn("remove_all_licenses", move |users: Dynamic, o: Map| {
        remove_all(&c, users, &o)
    });
    let c = s.clone();
    engine.register_fn(
        "remove_licenses",
        move |users: Dynamic, products: Dynamic| remove(&c, users, products, &Map::new()),
    );
    let c = s.clone();
    engine.register_fn(
        "remove_licenses",
        move |users: Dynamic, products: Dynamic, o: Map| remove(&c, users, products, &o),
    );
    // Conflicts and audit.
    let c = s.clone();
    engine.register_fn("get_conflicts", move || -> Fallible<Dynamic> {
        let conflicts = c.borrow_mut().conflicts().map_err(from_call)?;
        let rows: Vec<ConflictRow> = conflicts.into_iter().map(ConflictRow::from).collect();
        rows_of(&rows)
    });
    let c = s.clone();
    engine.register_fn("get_audit", move || audit(&c, &Map::new()));
    let c = s.clone();
    engine.register_fn("get_audit", move |m: Map| audit(&c, &m));
}

fn add(s: &Shared, users: Dynamic, products: Dynamic, o: &Map) -> Fallible<Dynamic> {
    let add = LicenseChange::Add(choices(products)?);
    change(s, users, add, all_or_nothing(o), "adding licenses")
}

fn replace(s: &Shared, users: Dynamic, products: Dynamic, o: &Map) -> Fallible<Dynamic> {
    let replace = LicenseChange::Replace(choices(products)?);
    change(s, users, replace, all_or_nothing(o), "replacing licenses")
}

fn remove_all(s: &Shared, users: Dynamic, o: &Map) -> Fallible<Dynamic> {
    let all = all_or_nothing(o);
    change(
        s,
        users,
        LicenseChange::RemoveAll,
        all,
        "removing all licenses",
    )
}

fn remove(s: &Shared, users: Dynamic, products: Dynamic, o: &Map) -> Fallible<Dynamic> {
    let remove = LicenseChange::Remove(strings(products)?);
    change(s, users, remove, all_or_nothing(o), "removing licenses")
}

fn audit(s: &Shared, m: &Map) -> Fallible<Dynamic> {
    let filter = AuditFilter {
        actor: opt_string(m, "by"),
        action: opt_string(m, "action"),
        target: opt_string(m, "target"),
        since: None,
        until: None,
        newest_first: false,
    };
    let records = match m.get("last").map(|v| v.as_int()) {
        None => s.borrow_mut().all_audit(&filter, None),
        Some(Ok(n)) if n > 0 => s.borrow_mut().newest_audit(&filter, n as usize),
        Some(_) => {
            return Err(thrown(
                "invalid",
                "get_audit: `last` is a number of entries, at least 1",
            ));
        }
    }
    .map_err(from_call)?;
    let out: Vec<crate::views::audit::AuditRow> = records
        .into_iter()
        .map(crate::views::audit::AuditRow::from)
        .collect();
    rows(&out)
}
