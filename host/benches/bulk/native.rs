//! Path (c): the domain linked natively (the guest crate as an rlib), over the host's own
//! SQLite store. The guest's `Store` trait is implemented by calling the host's `store`
//! implementation (`Db`, the code the component's import runs) and converting between
//! the two generated type sets, so (b) and (c) differ only in the component boundary.
//!
//! Only what the benchmarked operations use is wired; the rest panics (like a trap).

use guest::seats::licensing::store::UserQuery as GUserQuery;
use guest::types as g;
use seats::component::seats::licensing::store::{Host, UserQuery};
use seats::component::types as h;
use seats::db::Db;
use std::cell::RefCell;

pub struct Native(pub RefCell<Db>, pub Timings);

/// Time spent in each store function (calls, total), to see where the time goes.
#[derive(Default)]
pub struct Timings(RefCell<std::collections::BTreeMap<&'static str, (u32, std::time::Duration)>>);

impl Timings {
    /// `name calls/seconds` per function, slowest first.
    pub fn report(&self) -> String {
        let mut all: Vec<_> = self.0.borrow().iter().map(|(k, v)| (*k, *v)).collect();
        all.sort_by_key(|a| std::cmp::Reverse(a.1.1));
        all.iter()
            .map(|(name, (calls, d))| format!("{name} {calls}x {:.3}s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

macro_rules! enums {
    ($($name:ident { $($v:ident),* $(,)? })*) => {
        $(
            #[allow(dead_code)]
            impl Conv<g::$name> for h::$name {
                fn conv(self) -> g::$name {
                    match self { $(h::$name::$v => g::$name::$v),* }
                }
            }
            #[allow(dead_code)]
            impl Conv<h::$name> for g::$name {
                fn conv(self) -> h::$name {
                    match self { $(g::$name::$v => h::$name::$v),* }
                }
            }
        )*
    };
}

/// A conversion between the host's and the guest's generated types (same WIT shape).
pub trait Conv<T> {
    fn conv(self) -> T;
}

impl<A: Conv<B>, B> Conv<Vec<B>> for Vec<A> {
    fn conv(self) -> Vec<B> {
        self.into_iter().map(Conv::conv).collect()
    }
}

impl<A: Conv<B>, B> Conv<Option<B>> for Option<A> {
    fn conv(self) -> Option<B> {
        self.map(Conv::conv)
    }
}

enums! {
    Role { GlobalAdmin, BillingAdmin, UserAdmin, LicenseAdmin, ServiceAdmin, PasswordAdmin }
    Cloud { Worldwide, Vianet }
    PlanRuleKind { Exclusive, Requires }
    SubscriptionStatus { Trial, Active, Expired, Disabled, Deleted, Cancelled }
    BillingFrequency { Monthly, Annual }
    PurchaseChannel { Direct, ProductKey, Reseller, SelfService }
    CancelReason { NoLongerNeeded, TooExpensive, SwitchingProduct, MissingFeatures, Other }
    UserKind { User, SharedMailbox, RoomMailbox, ResourceMailbox }
    Workload { Mailbox, Onedrive, TeamSite, Teams, OfficeApps }
    DataState { Active, Retained, Removed, Purged }
    GraphCode {
        CountViolation, MutuallyExclusiveViolation, DependencyViolation,
        ProhibitedInUsageLocationViolation, UniquenessViolation, Other
    }
}

/// Records with the same fields on both sides, converted field by field.
macro_rules! records {
    ($($name:ident { plain: [$($p:ident),*], conv: [$($c:ident),*] })*) => {
        $(
            impl Conv<g::$name> for h::$name {
                fn conv(self) -> g::$name {
                    g::$name { $($p: self.$p,)* $($c: self.$c.conv(),)* }
                }
            }
            impl Conv<h::$name> for g::$name {
                fn conv(self) -> h::$name {
                    h::$name { $($p: self.$p,)* $($c: self.$c.conv(),)* }
                }
            }
        )*
    };
}

records! {
    Tenant { plain: [name, country, currency, default_usage_location, created_at, time_zone], conv: [cloud] }
    Product { plain: [sku_id, part_number, display_name, price_monthly, price_annual, trial_available, self_service], conv: [] }
    ServicePlan { plain: [id, name, friendly_name], conv: [] }
    PlanRule { plain: [name, plans], conv: [kind] }
    Cancellation { plain: [at, feedback], conv: [reason] }
    Subscription {
        plain: [id, sku_id, quantity, recurring, created_at, anchor, terms, term_end, purchaser,
                billing_profile, payment_method, partner, credit_check_until],
        conv: [status, billing, channel, cancellation]
    }
    User {
        plain: [id, upn, display_name, department, usage_location, enabled, mailbox_gb,
                retention_hold, created_at, deleted_at],
        conv: [kind]
    }
    ServiceData { plain: [user_id, since, until], conv: [workload, state] }
    Assignment {
        plain: [user_id, sku_id, disabled_plans, assigned_at, assigned_by, subscription, direct,
                groups, own_disabled_plans],
        conv: []
    }
    Group { plain: [id, name, description, rule, created_at], conv: [] }
    GroupLicense { plain: [sku_id, disabled_plans], conv: [] }
    GroupError { plain: [user_id, group_id, message, since], conv: [code] }
    AuditEntry { plain: [at, actor, action, target, before, after], conv: [] }
}

fn query(q: &GUserQuery) -> UserQuery {
    UserQuery {
        include_deleted: q.include_deleted,
        unlicensed_only: q.unlicensed_only,
        holding: q.holding.clone(),
        department: q.department.clone(),
        usage_location: q.usage_location.clone(),
        enabled: q.enabled,
        kind: q.kind.conv(),
        member_of: q.member_of,
        not_member_of: q.not_member_of,
        in_error: q.in_error,
    }
}

impl Native {
    fn h(&self) -> std::cell::RefMut<'_, Db> {
        self.0.borrow_mut()
    }
    fn timed<T>(&self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let started = std::time::Instant::now();
        let out = f();
        let mut t = self.1.0.borrow_mut();
        let e = t.entry(name).or_default();
        e.0 += 1;
        e.1 += started.elapsed();
        out
    }
}

/// A storage failure is a panic here, as it is a trap in the component.
fn ok<T>(r: wasmtime::Result<T>) -> T {
    r.expect("the store failed")
}

macro_rules! unused {
    ($($name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)*) => {
        $(
            fn $name(&self, $($arg: $ty),*) $(-> $ret)? {
                $(let _ = $arg;)*
                unreachable!(concat!("the benchmark does not use ", stringify!($name)))
            }
        )*
    };
}

impl guest::Store for Native {
    fn get_tenant(&self) -> Option<g::Tenant> {
        self.timed("get_tenant", || ok(self.h().get_tenant()).conv())
    }
    fn roles_of(&self, upn: &str) -> Vec<g::Role> {
        self.timed("roles_of", || ok(self.h().roles_of(upn.to_string())).conv())
    }
    fn get_product(&self, sku_id: &str) -> Option<g::Product> {
        self.timed("get_product", || {
            ok(self.h().get_product(sku_id.to_string())).conv()
        })
    }
    fn find_products(&self, part_number: &str) -> Vec<g::Product> {
        self.timed("find_products", || {
            ok(self.h().find_products(part_number.to_string())).conv()
        })
    }
    fn plans_of(&self, sku_ids: &[String]) -> Vec<Vec<g::ServicePlan>> {
        self.timed("plans_of", || {
            ok(self.h().plans_of(sku_ids.to_vec()))
                .into_iter()
                .map(Conv::conv)
                .collect()
        })
    }
    fn plan_rules(&self) -> Vec<g::PlanRule> {
        self.timed("plan_rules", || ok(self.h().plan_rules()).conv())
    }
    fn get_subscription(&self, id: u64) -> Option<g::Subscription> {
        ok(self.h().get_subscription(id)).conv()
    }
    fn subscriptions_of(&self, sku_id: &str) -> Vec<g::Subscription> {
        self.timed("subscriptions_of", || {
            ok(self.h().subscriptions_of(sku_id.to_string())).conv()
        })
    }
    fn get_user(&self, id: u64) -> Option<g::User> {
        ok(self.h().get_user(id)).conv()
    }
    fn find_users(&self, upns: &[String]) -> Vec<Option<g::User>> {
        self.timed("find_users", || {
            ok(self.h().find_users(upns.to_vec())).conv()
        })
    }
    fn list_users(&self, q: &GUserQuery, after: Option<u64>, limit: u32) -> Vec<g::User> {
        self.timed("list_users", || {
            ok(self.h().list_users(query(q), after, limit)).conv()
        })
    }
    fn service_data_of(&self, user_ids: &[u64]) -> Vec<Vec<g::ServiceData>> {
        self.timed("service_data_of", || {
            ok(self.h().service_data_of(user_ids.to_vec()))
                .into_iter()
                .map(Conv::conv)
                .collect()
        })
    }
    fn put_service_data(&self, data: &[g::ServiceData]) {
        self.timed("put_service_data", || {
            ok(self.h().put_service_data(data.to_vec().conv()))
        })
    }
    fn assignments_of(&self, user_id: u64) -> Vec<g::Assignment> {
        ok(self.h().assignments_of(user_id)).conv()
    }
    fn assignments_of_users(&self, user_ids: &[u64]) -> Vec<Vec<g::Assignment>> {
        self.timed("assignments_of_users", || {
            ok(self.h().assignments_of_users(user_ids.to_vec()))
                .into_iter()
                .map(Conv::conv)
                .collect()
        })
    }
    fn insert_assignment(&self, a: &g::Assignment) {
        ok(self.h().insert_assignment(a.clone().conv()))
    }
    fn insert_assignments(&self, assignments: &[g::Assignment]) {
        self.timed("insert_assignments", || {
            ok(self.h().insert_assignments(assignments.to_vec().conv()))
        })
    }
    fn delete_assignment(&self, user_id: u64, sku_id: &str) -> bool {
        ok(self.h().delete_assignment(user_id, sku_id.to_string()))
    }
    fn delete_assignments(&self, keys: &[(u64, String)]) {
        self.timed("delete_assignments", || {
            ok(self.h().delete_assignments(keys.to_vec()))
        })
    }
    fn update_assignments(&self, assignments: &[g::Assignment]) {
        self.timed("update_assignments", || {
            ok(self.h().update_assignments(assignments.to_vec().conv()))
        })
    }
    // What a bulk call asks of groups: the waiting line, when it freed licenses (GL8).
    fn group_errors(&self, group: Option<u64>, after: u32, limit: u32) -> Vec<g::GroupError> {
        self.timed("group_errors", || {
            ok(self.h().group_errors(group, after, limit)).conv()
        })
    }
    fn group_licenses(&self, group_id: u64) -> Vec<g::GroupLicense> {
        ok(self.h().group_licenses(group_id)).conv()
    }
    fn count_assigned(&self, sku_id: &str) -> u32 {
        self.timed("count_assigned", || {
            ok(self.h().count_assigned(sku_id.to_string()))
        })
    }
    fn assigned_from(&self, subscription_id: u64) -> Vec<g::Assignment> {
        ok(self.h().assigned_from(subscription_id)).conv()
    }
    fn append_audit(&self, entries: &[g::AuditEntry]) {
        self.timed("append_audit", || {
            ok(self.h().append_audit(entries.to_vec().conv()))
        })
    }
    fn savepoint(&self) -> u32 {
        self.timed("savepoint", || ok(self.h().savepoint()))
    }
    fn rollback_to(&self, mark: u32) {
        ok(self.h().rollback_to(mark))
    }

    unused! {
        put_tenant(tenant: &g::Tenant);
        grant_role(user_id: u64, role: g::Role);
        put_products(products: &[g::Product]);
        put_service_plans(plans: &[g::ServicePlan]);
        set_product_plans(sku_id: &str, plan_ids: &[String]);
        set_product_price(sku_id: &str, monthly: Option<&str>, annual: Option<&str>, trial: Option<bool>, self_service: Option<bool>);
        list_products(after: Option<&str>, limit: u32) -> Vec<g::Product>;
        count_products() -> u32;
        set_plan_rules(rules: &[g::PlanRule]);
        insert_subscription(subscription: &g::Subscription) -> u64;
        update_subscription(subscription: &g::Subscription);
        list_subscriptions(after: Option<u64>, limit: u32) -> Vec<g::Subscription>;
        subscriptions_bought_by(upn: &str) -> Vec<g::Subscription>;
        insert_users(users: &[g::User]) -> Vec<u64>;
        update_user(user: &g::User);
        purge_user(user_id: u64);
        deleted_before(before: g::Timestamp, limit: u32) -> Vec<g::User>;
        stash_assignments(user_id: u64, assignments: &[g::Assignment]);
        take_stashed(user_id: u64) -> Vec<g::Assignment>;
        retained_due(before: g::Timestamp, limit: u32) -> Vec<g::ServiceData>;
        assigned_counts() -> Vec<(String, u32)>;
        release_to_pool(subscription_id: u64);
        list_audit(filter: &g::AuditFilter, after: Option<u64>, limit: u32) -> Vec<g::AuditRecord>;
        count_targets_after(after: u64, prefix: &str) -> u32;
        insert_billing_profile(profile: &g::BillingProfile) -> u64;
        update_billing_profile(profile: &g::BillingProfile);
        list_billing_profiles() -> Vec<g::BillingProfile>;
        insert_payment_method(method: &g::PaymentMethod) -> u64;
        update_payment_method(method: &g::PaymentMethod);
        get_payment_method(id: u64) -> Option<g::PaymentMethod>;
        payment_methods_of(profile_id: u64) -> Vec<g::PaymentMethod>;
        insert_charges(charges: &[g::Charge]) -> Vec<u64>;
        charges_of(subscription_id: u64) -> Vec<g::Charge>;
        uninvoiced_charges(profile_id: Option<u64>) -> Vec<g::Charge>;
        insert_invoice(invoice: &g::Invoice, charge_ids: &[u64]) -> u64;
        get_invoice(id: u64) -> Option<g::Invoice>;
        list_invoices(profile_ids: &[u64], since: g::Timestamp, until: g::Timestamp, after: Option<u64>, limit: u32) -> Vec<g::Invoice>;
        last_invoice(profile_id: u64) -> Option<g::Invoice>;
        invoice_lines(invoice_id: u64) -> Vec<g::Charge>;
        get_idempotency(key: &str) -> Option<g::IdempotencyRecord>;
        put_idempotency(record: &g::IdempotencyRecord);
        insert_group(group: &g::Group) -> u64;
        update_group(group: &g::Group);
        delete_group(id: u64);
        get_group(id: u64) -> Option<g::Group>;
        find_group(name: &str) -> Option<g::Group>;
        list_groups(after: Option<u64>, limit: u32) -> Vec<g::Group>;
        set_group_licenses(group_id: u64, licenses: &[g::GroupLicense]);
        add_members(group_id: u64, user_ids: &[u64]);
        remove_members(group_id: u64, user_ids: &[u64]);
        count_members(group_id: u64) -> u32;
        groups_of(user_id: u64) -> Vec<u64>;
        put_group_errors(errors: &[g::GroupError]);
        clear_group_errors(group_id: u64, user_ids: &[u64]);
        group_errors_of(user_id: u64) -> Vec<g::GroupError>;
    }
}
