//! An in-memory [`Store`]: for native unit tests of the rules, and for embedders who want
//! the domain without a database.

use crate::Store;
use crate::seats::licensing::store::UserQuery;
use crate::types::{
    Assignment, AuditEntry, Product, Role, ServicePlan, Subscription, Tenant, User,
};
use crate::types::{AuditFilter, AuditRecord, PlanRule, ServiceData, Timestamp};
use crate::types::{BillingProfile, Charge, IdempotencyRecord, Invoice, PaymentMethod};
use crate::types::{Group, GroupError, GroupLicense};
use std::cell::RefCell;
use std::collections::BTreeMap;

mod groups;
mod tables;

pub use tables::Tables;

#[derive(Default)]
pub struct MemoryStore {
    pub tables: RefCell<Tables>,
    /// The tables at each savepoint.
    marks: RefCell<Vec<Tables>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every table, to compare before and after a refused call.
    pub fn snapshot(&self) -> Tables {
        self.tables.borrow().clone()
    }
}

impl Store for MemoryStore {
    fn get_tenant(&self) -> Option<Tenant> {
        self.tables.borrow().tenant.clone()
    }
    fn put_tenant(&self, tenant: &Tenant) {
        self.tables.borrow_mut().tenant = Some(tenant.clone());
    }

    fn roles_of(&self, upn: &str) -> Vec<Role> {
        let Some(user) = self.find_user(upn) else {
            return vec![];
        };
        self.tables
            .borrow()
            .roles
            .get(&user.id)
            .cloned()
            .unwrap_or_default()
    }
    fn grant_role(&self, user_id: u64, role: Role) {
        let mut t = self.tables.borrow_mut();
        let roles = t.roles.entry(user_id).or_default();
        if !roles.contains(&role) {
            roles.push(role);
        }
    }

    fn put_products(&self, products: &[Product]) {
        let mut t = self.tables.borrow_mut();
        for p in products {
            let mut p = p.clone();
            if let Some(old) = t.products.get(&p.sku_id) {
                p.price_monthly = p.price_monthly.or(old.price_monthly.clone());
                p.price_annual = p.price_annual.or(old.price_annual.clone());
            }
            t.products.insert(p.sku_id.clone(), p);
        }
    }
    fn put_service_plans(&self, plans: &[ServicePlan]) {
        let mut t = self.tables.borrow_mut();
        for p in plans {
            t.plans.insert(p.id.clone(), p.clone());
        }
    }
    fn set_product_plans(&self, sku_id: &str, plan_ids: &[String]) {
        self.tables
            .borrow_mut()
            .product_plans
            .insert(sku_id.to_string(), plan_ids.to_vec());
    }
    fn set_product_price(
        &self,
        sku_id: &str,
        monthly: Option<&str>,
        annual: Option<&str>,
        trial_available: Option<bool>,
        self_service: Option<bool>,
    ) {
        let mut t = self.tables.borrow_mut();
        if let Some(p) = t.products.get_mut(sku_id) {
            if let Some(m) = monthly {
                p.price_monthly = Some(m.to_string());
            }
            if let Some(a) = annual {
                p.price_annual = Some(a.to_string());
            }
            if let Some(t) = trial_available {
                p.trial_available = t;
            }
            if let Some(x) = self_service {
                p.self_service = x;
            }
        }
    }
    fn get_product(&self, sku_id: &str) -> Option<Product> {
        self.tables.borrow().products.get(sku_id).cloned()
    }
    fn find_products(&self, part_number: &str) -> Vec<Product> {
        let t = self.tables.borrow();
        t.products
            .values()
            .filter(|p| p.part_number.eq_ignore_ascii_case(part_number))
            .cloned()
            .collect()
    }
    fn list_products(&self, after: Option<&str>, limit: u32) -> Vec<Product> {
        let t = self.tables.borrow();
        t.products
            .values()
            .filter(|p| after.is_none_or(|a| p.sku_id.as_str() > a))
            .take(limit as usize)
            .cloned()
            .collect()
    }
    fn plans_of(&self, sku_ids: &[String]) -> Vec<Vec<ServicePlan>> {
        let t = self.tables.borrow();
        sku_ids
            .iter()
            .map(|sku| {
                t.product_plans
                    .get(sku)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| t.plans.get(id).cloned())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
    fn count_products(&self) -> u32 {
        self.tables.borrow().products.len() as u32
    }

    fn plan_rules(&self) -> Vec<PlanRule> {
        self.tables.borrow().plan_rules.clone()
    }
    fn set_plan_rules(&self, rules: &[PlanRule]) {
        self.tables.borrow_mut().plan_rules = rules.to_vec();
    }
    fn insert_subscription(&self, subscription: &Subscription) -> u64 {
        let mut t = self.tables.borrow_mut();
        let id = t.subscriptions.keys().next_back().map_or(1, |k| k + 1);
        let mut s = subscription.clone();
        s.id = id;
        t.subscriptions.insert(id, s);
        id
    }
    fn update_subscription(&self, subscription: &Subscription) {
        self.tables
            .borrow_mut()
            .subscriptions
            .insert(subscription.id, subscription.clone());
    }
    fn get_subscription(&self, id: u64) -> Option<Subscription> {
        self.tables.borrow().subscriptions.get(&id).cloned()
    }
    fn subscriptions_of(&self, sku_id: &str) -> Vec<Subscription> {
        let t = self.tables.borrow();
        t.subscriptions
            .values()
            .filter(|s| s.sku_id == sku_id)
            .cloned()
            .collect()
    }
    fn list_subscriptions(&self, after: Option<u64>, limit: u32) -> Vec<Subscription> {
        let t = self.tables.borrow();
        t.subscriptions
            .range(after.map_or(0, |a| a + 1)..)
            .take(limit as usize)
            .map(|(_, s)| s.clone())
            .collect()
    }

    fn subscriptions_bought_by(&self, upn: &str) -> Vec<Subscription> {
        let t = self.tables.borrow();
        t.subscriptions
            .values()
            .filter(|s| {
                s.purchaser
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(upn))
            })
            .cloned()
            .collect()
    }
    fn insert_users(&self, users: &[User]) -> Vec<u64> {
        let mut t = self.tables.borrow_mut();
        let first = t.users.keys().next_back().map_or(1, |k| k + 1);
        let mut ids = Vec::with_capacity(users.len());
        for (id, u) in (first..).zip(users) {
            let mut u = u.clone();
            u.id = id;
            t.users.insert(id, u);
            ids.push(id);
        }
        ids
    }
    fn get_user(&self, id: u64) -> Option<User> {
        self.tables.borrow().users.get(&id).cloned()
    }
    fn find_users(&self, upns: &[String]) -> Vec<Option<User>> {
        let t = self.tables.borrow();
        upns.iter()
            .map(|upn| {
                t.users
                    .values()
                    .find(|u| u.upn.eq_ignore_ascii_case(upn))
                    .cloned()
            })
            .collect()
    }
    fn list_users(&self, q: &UserQuery, after: Option<u64>, limit: u32) -> Vec<User> {
        let t = self.tables.borrow();
        let holds = |id: u64, sku: &str| t.assignments.contains_key(&(id, sku.to_string()));
        let licensed = |id: u64| {
            t.assignments
                .range((id, String::new())..)
                .next()
                .is_some_and(|((u, _), _)| *u == id)
        };
        t.users
            .range(after.map_or(0, |a| a + 1)..)
            .map(|(_, u)| u)
            .filter(|u| q.include_deleted || u.deleted_at.is_none())
            .filter(|u| !q.unlicensed_only || !licensed(u.id))
            .filter(|u| q.holding.as_deref().is_none_or(|s| holds(u.id, s)))
            .filter(|u| {
                q.department.as_deref().is_none_or(|d| {
                    u.department
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(d))
                })
            })
            .filter(|u| {
                q.usage_location
                    .as_deref()
                    .is_none_or(|l| u.usage_location.as_deref() == Some(l))
            })
            .filter(|u| q.enabled.is_none_or(|e| u.enabled == e))
            .filter(|u| q.kind.is_none_or(|k| u.kind == k))
            .filter(|u| q.member_of.is_none_or(|g| t.members.contains(&(g, u.id))))
            .filter(|u| {
                q.not_member_of
                    .is_none_or(|g| !t.members.contains(&(g, u.id)))
            })
            .filter(|u| !q.in_error || t.group_errors.keys().any(|(_, e)| *e == u.id))
            .take(limit as usize)
            .cloned()
            .collect()
    }

    fn update_user(&self, user: &User) {
        self.tables.borrow_mut().users.insert(user.id, user.clone());
    }
    fn purge_user(&self, user_id: u64) {
        let mut t = self.tables.borrow_mut();
        t.users.remove(&user_id);
        t.roles.remove(&user_id);
        t.stashed.remove(&user_id);
        t.service_data.retain(|(u, _), _| *u != user_id);
        t.members.retain(|(_, u)| *u != user_id);
        t.group_errors.retain(|(_, u), _| *u != user_id);
    }
    fn deleted_before(&self, before: Timestamp, limit: u32) -> Vec<User> {
        let t = self.tables.borrow();
        t.users
            .values()
            .filter(|u| u.deleted_at.is_some_and(|d| d < before))
            .take(limit as usize)
            .cloned()
            .collect()
    }
    fn stash_assignments(&self, user_id: u64, assignments: &[Assignment]) {
        self.tables
            .borrow_mut()
            .stashed
            .insert(user_id, assignments.to_vec());
    }
    fn take_stashed(&self, user_id: u64) -> Vec<Assignment> {
        self.tables
            .borrow_mut()
            .stashed
            .remove(&user_id)
            .unwrap_or_default()
    }
    fn service_data_of(&self, user_ids: &[u64]) -> Vec<Vec<ServiceData>> {
        let t = self.tables.borrow();
        user_ids
            .iter()
            .map(|id| {
                t.service_data
                    .iter()
                    .filter(|((u, _), _)| u == id)
                    .map(|(_, d)| *d)
                    .collect()
            })
            .collect()
    }
    fn put_service_data(&self, data: &[ServiceData]) {
        let mut t = self.tables.borrow_mut();
        for d in data {
            t.service_data
                .insert((d.user_id, format!("{:?}", d.workload)), *d);
        }
    }
    fn retained_due(&self, before: Timestamp, limit: u32) -> Vec<ServiceData> {
        let t = self.tables.borrow();
        t.service_data
            .values()
            .filter(|d| d.until.is_some_and(|u| u < before))
            .take(limit as usize)
            .cloned()
            .collect()
    }
    fn assignments_of(&self, user_id: u64) -> Vec<Assignment> {
        let t = self.tables.borrow();
        t.assignments
            .range((user_id, String::new())..)
            .take_while(|((u, _), _)| *u == user_id)
            .map(|(_, a)| a.clone())
            .collect()
    }
    fn insert_assignment(&self, a: &Assignment) {
        self.tables
            .borrow_mut()
            .assignments
            .insert((a.user_id, a.sku_id.clone()), a.clone());
    }
    fn delete_assignment(&self, user_id: u64, sku_id: &str) -> bool {
        self.tables
            .borrow_mut()
            .assignments
            .remove(&(user_id, sku_id.to_string()))
            .is_some()
    }
    fn update_assignments(&self, assignments: &[Assignment]) {
        let mut t = self.tables.borrow_mut();
        for a in assignments {
            if let Some(held) = t.assignments.get_mut(&(a.user_id, a.sku_id.clone())) {
                *held = Assignment {
                    assigned_at: held.assigned_at,
                    assigned_by: held.assigned_by.clone(),
                    ..a.clone()
                };
            }
        }
    }
    fn assigned_counts(&self) -> Vec<(String, u32)> {
        let t = self.tables.borrow();
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for ((_, sku), a) in &t.assignments {
            if a.subscription.is_none() {
                *counts.entry(sku.clone()).or_default() += 1;
            }
        }
        counts.into_iter().collect()
    }
    fn count_assigned(&self, sku_id: &str) -> u32 {
        let t = self.tables.borrow();
        t.assignments
            .iter()
            .filter(|((_, s), a)| s == sku_id && a.subscription.is_none())
            .count() as u32
    }
    fn assigned_from(&self, subscription_id: u64) -> Vec<Assignment> {
        let t = self.tables.borrow();
        t.assignments
            .values()
            .filter(|a| a.subscription == Some(subscription_id))
            .cloned()
            .collect()
    }
    fn release_to_pool(&self, subscription_id: u64) {
        let mut t = self.tables.borrow_mut();
        for a in t
            .assignments
            .values_mut()
            .filter(|a| a.subscription == Some(subscription_id))
        {
            a.subscription = None;
        }
    }

    fn append_audit(&self, entries: &[AuditEntry]) {
        self.tables.borrow_mut().audit.extend_from_slice(entries);
    }
    fn insert_group(&self, g: &Group) -> u64 {
        self.tables.borrow_mut().insert_group(g)
    }
    fn update_group(&self, g: &Group) {
        self.tables.borrow_mut().groups.insert(g.id, g.clone());
    }
    fn delete_group(&self, id: u64) {
        self.tables.borrow_mut().delete_group(id)
    }
    fn get_group(&self, id: u64) -> Option<Group> {
        self.tables.borrow().groups.get(&id).cloned()
    }
    fn find_group(&self, name: &str) -> Option<Group> {
        self.tables.borrow().find_group(name)
    }
    fn list_groups(&self, after: Option<u64>, limit: u32) -> Vec<Group> {
        self.tables.borrow().list_groups(after, limit)
    }
    fn group_licenses(&self, id: u64) -> Vec<GroupLicense> {
        let t = self.tables.borrow();
        t.group_licenses.get(&id).cloned().unwrap_or_default()
    }
    fn set_group_licenses(&self, id: u64, licenses: &[GroupLicense]) {
        self.tables.borrow_mut().set_group_licenses(id, licenses)
    }
    fn add_members(&self, id: u64, users: &[u64]) {
        let mut t = self.tables.borrow_mut();
        t.members.extend(users.iter().map(|u| (id, *u)));
    }
    fn remove_members(&self, id: u64, users: &[u64]) {
        let mut t = self.tables.borrow_mut();
        for u in users {
            t.members.remove(&(id, *u));
        }
    }
    fn count_members(&self, id: u64) -> u32 {
        let t = self.tables.borrow();
        t.members.range((id, 0)..=(id, u64::MAX)).count() as u32
    }
    fn groups_of(&self, user: u64) -> Vec<u64> {
        self.tables.borrow().groups_of(user)
    }
    fn put_group_errors(&self, errors: &[GroupError]) {
        let mut t = self.tables.borrow_mut();
        for e in errors {
            // An error that was there keeps its place in the waiting line (GL8).
            let since = t
                .group_errors
                .get(&(e.group_id, e.user_id))
                .map(|o| o.since);
            let e = crate::types::GroupError {
                since: since.unwrap_or(e.since),
                ..e.clone()
            };
            t.group_errors.insert((e.group_id, e.user_id), e);
        }
    }
    fn group_errors_of(&self, user: u64) -> Vec<GroupError> {
        let t = self.tables.borrow();
        let mut e: Vec<GroupError> = t
            .group_errors
            .values()
            .filter(|e| e.user_id == user)
            .cloned()
            .collect();
        e.sort_by_key(|e| (e.since, e.group_id));
        e
    }
    fn clear_group_errors(&self, id: u64, users: &[u64]) {
        let mut t = self.tables.borrow_mut();
        for u in users {
            t.group_errors.remove(&(id, *u));
        }
    }
    fn group_errors(&self, group: Option<u64>, after: u32, limit: u32) -> Vec<GroupError> {
        self.tables.borrow().group_errors(group, after, limit)
    }
    fn savepoint(&self) -> u32 {
        let mut marks = self.marks.borrow_mut();
        marks.push(self.tables.borrow().clone());
        marks.len() as u32 - 1
    }
    fn rollback_to(&self, mark: u32) {
        let marks = self.marks.borrow();
        *self.tables.borrow_mut() = marks[mark as usize].clone();
    }
    fn count_targets_after(&self, after: u64, prefix: &str) -> u32 {
        let t = self.tables.borrow();
        let targets: std::collections::HashSet<&str> = t
            .audit
            .iter()
            .skip(after as usize)
            .map(|e| e.target.as_str())
            .filter(|target| target.starts_with(prefix))
            .collect();
        targets.len() as u32
    }
    fn list_audit(&self, f: &AuditFilter, after: Option<u64>, limit: u32) -> Vec<AuditRecord> {
        let t = self.tables.borrow();
        let family = |a: &str| {
            f.action
                .as_deref()
                .is_none_or(|x| a == x || a.starts_with(&format!("{x}.")))
        };
        let ids = 1..=t.audit.len() as u64;
        let ids: Box<dyn Iterator<Item = u64>> = if f.newest_first {
            Box::new(ids.rev())
        } else {
            Box::new(ids)
        };
        let past = |id: u64| match after {
            None => true,
            Some(a) if f.newest_first => id < a,
            Some(a) => id > a,
        };
        ids.filter(|&id| past(id))
            .map(|id| (id, &t.audit[id as usize - 1]))
            .filter(|(_, e)| {
                f.actor
                    .as_deref()
                    .is_none_or(|a| e.actor.eq_ignore_ascii_case(a))
            })
            .filter(|(_, e)| family(&e.action))
            .filter(|(_, e)| f.target.as_deref().is_none_or(|x| e.target == x))
            .filter(|(_, e)| f.since.is_none_or(|s| e.at >= s) && f.until.is_none_or(|u| e.at < u))
            .map(|(id, e)| AuditRecord {
                id,
                entry: e.clone(),
            })
            .take(limit as usize)
            .collect()
    }

    fn insert_billing_profile(&self, profile: &BillingProfile) -> u64 {
        let mut t = self.tables.borrow_mut();
        let id = t.profiles.keys().last().map_or(1, |k| k + 1);
        t.profiles.insert(
            id,
            BillingProfile {
                id,
                ..profile.clone()
            },
        );
        id
    }
    fn update_billing_profile(&self, profile: &BillingProfile) {
        self.tables
            .borrow_mut()
            .profiles
            .insert(profile.id, profile.clone());
    }
    fn list_billing_profiles(&self) -> Vec<BillingProfile> {
        self.tables.borrow().profiles.values().cloned().collect()
    }
    fn insert_payment_method(&self, method: &PaymentMethod) -> u64 {
        let mut t = self.tables.borrow_mut();
        let id = t.payment_methods.keys().last().map_or(1, |k| k + 1);
        t.payment_methods.insert(
            id,
            PaymentMethod {
                id,
                ..method.clone()
            },
        );
        id
    }
    fn update_payment_method(&self, method: &PaymentMethod) {
        self.tables
            .borrow_mut()
            .payment_methods
            .insert(method.id, method.clone());
    }
    fn get_payment_method(&self, id: u64) -> Option<PaymentMethod> {
        self.tables.borrow().payment_methods.get(&id).cloned()
    }
    fn payment_methods_of(&self, profile_id: u64) -> Vec<PaymentMethod> {
        let t = self.tables.borrow();
        t.payment_methods
            .values()
            .filter(|m| m.profile_id == profile_id)
            .cloned()
            .collect()
    }
    fn insert_charges(&self, charges: &[Charge]) -> Vec<u64> {
        let mut t = self.tables.borrow_mut();
        charges
            .iter()
            .map(|c| {
                let id = t.charges.keys().last().map_or(1, |k| k + 1);
                t.charges.insert(
                    id,
                    Charge {
                        id,
                        invoice_id: None,
                        ..c.clone()
                    },
                );
                id
            })
            .collect()
    }
    fn charges_of(&self, subscription_id: u64) -> Vec<Charge> {
        let t = self.tables.borrow();
        t.charges
            .values()
            .filter(|c| c.subscription_id == subscription_id)
            .cloned()
            .collect()
    }
    fn uninvoiced_charges(&self, profile_id: Option<u64>) -> Vec<Charge> {
        let t = self.tables.borrow();
        t.charges
            .values()
            .filter(|c| c.invoice_id.is_none() && profile_id.is_none_or(|p| c.profile_id == p))
            .cloned()
            .collect()
    }
    fn insert_invoice(&self, invoice: &Invoice, charge_ids: &[u64]) -> u64 {
        let mut t = self.tables.borrow_mut();
        // The database's UNIQUE (profile, period start): a second invoice for a period is a bug.
        assert!(
            !t.invoices
                .values()
                .any(|i| i.profile_id == invoice.profile_id
                    && i.period_start == invoice.period_start),
            "period invoiced twice"
        );
        let id = t.invoices.keys().last().map_or(1, |k| k + 1);
        t.invoices.insert(
            id,
            Invoice {
                id,
                ..invoice.clone()
            },
        );
        for c in charge_ids {
            let c = t.charges.get_mut(c).expect("charge exists");
            assert!(c.invoice_id.is_none(), "line invoiced twice");
            c.invoice_id = Some(id);
        }
        id
    }
    fn get_invoice(&self, id: u64) -> Option<Invoice> {
        self.tables.borrow().invoices.get(&id).cloned()
    }
    fn list_invoices(
        &self,
        profile_ids: &[u64],
        since: Timestamp,
        until: Timestamp,
        after: Option<u64>,
        limit: u32,
    ) -> Vec<Invoice> {
        let t = self.tables.borrow();
        let key = |i: &Invoice| std::cmp::Reverse((i.period_start, i.id));
        // An unknown cursor reads nothing, as the database's row comparison does.
        let cursor = match after.map(|id| t.invoices.get(&id)) {
            Some(None) => return Vec::new(),
            Some(Some(i)) => Some(key(i)),
            None => None,
        };
        let mut all: Vec<Invoice> = t
            .invoices
            .values()
            .filter(|i| profile_ids.contains(&i.profile_id))
            .filter(|i| i.period_start >= since && i.period_start < until)
            .filter(|i| cursor.is_none_or(|c| key(i) > c))
            .cloned()
            .collect();
        all.sort_by_key(key);
        all.truncate(limit as usize);
        all
    }
    fn last_invoice(&self, profile_id: u64) -> Option<Invoice> {
        let t = self.tables.borrow();
        t.invoices
            .values()
            .filter(|i| i.profile_id == profile_id)
            .max_by_key(|i| i.period_start)
            .cloned()
    }
    fn invoice_lines(&self, invoice_id: u64) -> Vec<Charge> {
        let t = self.tables.borrow();
        t.charges
            .values()
            .filter(|c| c.invoice_id == Some(invoice_id))
            .cloned()
            .collect()
    }
    fn get_idempotency(&self, key: &str) -> Option<IdempotencyRecord> {
        self.tables.borrow().idempotency.get(key).cloned()
    }
    fn put_idempotency(&self, record: &IdempotencyRecord) {
        self.tables
            .borrow_mut()
            .idempotency
            .insert(record.key.clone(), record.clone());
    }
}
