//! The tables of the in-memory store: every row it keeps, compared table by table.

use crate::types::{
    Assignment, AuditEntry, BillingProfile, Charge, IdempotencyRecord, Invoice, PaymentMethod,
    PlanRule, Product, Role, ServiceData, ServicePlan, Subscription, Tenant, User,
};
use crate::types::{Group, GroupError, GroupLicense};
use std::collections::BTreeMap;
use std::collections::BTreeSet;

#[derive(Default, Clone)]
pub struct Tables {
    pub tenant: Option<Tenant>,
    pub roles: BTreeMap<u64, Vec<Role>>,
    pub products: BTreeMap<String, Product>,
    pub plans: BTreeMap<String, ServicePlan>,
    pub product_plans: BTreeMap<String, Vec<String>>,
    pub subscriptions: BTreeMap<u64, Subscription>,
    pub users: BTreeMap<u64, User>,
    /// (user id, sku id) -> assignment
    pub assignments: BTreeMap<(u64, String), Assignment>,
    pub audit: Vec<AuditEntry>,
    pub stashed: BTreeMap<u64, Vec<Assignment>>,
    pub plan_rules: Vec<PlanRule>,
    pub service_data: BTreeMap<(u64, String), ServiceData>,
    pub profiles: BTreeMap<u64, BillingProfile>,
    pub payment_methods: BTreeMap<u64, PaymentMethod>,
    pub charges: BTreeMap<u64, Charge>,
    pub invoices: BTreeMap<u64, Invoice>,
    pub idempotency: BTreeMap<String, IdempotencyRecord>,
    pub groups: BTreeMap<u64, Group>,
    pub group_licenses: BTreeMap<u64, Vec<GroupLicense>>,
    /// (group id, user id)
    pub members: BTreeSet<(u64, u64)>,
    /// (group id, user id) -> error
    pub group_errors: BTreeMap<(u64, u64), GroupError>,
}

impl PartialEq for Tables {
    fn eq(&self, o: &Self) -> bool {
        self.tenant == o.tenant
            && self.roles == o.roles
            && self.products == o.products
            && self.plans == o.plans
            && self.product_plans == o.product_plans
            && self.subscriptions == o.subscriptions
            && self.users == o.users
            && self.assignments == o.assignments
            && self.audit == o.audit
            && self.stashed == o.stashed
            && self.plan_rules == o.plan_rules
            && self.service_data == o.service_data
            && self.profiles == o.profiles
            && self.payment_methods == o.payment_methods
            && self.charges == o.charges
            && self.invoices == o.invoices
            && self.idempotency == o.idempotency
            && self.groups == o.groups
            && self.group_licenses == o.group_licenses
            && self.members == o.members
            && self.group_errors == o.group_errors
    }
}

impl std::fmt::Debug for Tables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Tables {{ {} products, {} subscriptions, {} users, {} assignments, {} audit }}",
            self.products.len(),
            self.subscriptions.len(),
            self.users.len(),
            self.assignments.len(),
            self.audit.len()
        )
    }
}
