//! What the rules need persisted: one method per access pattern, mirroring the WIT `store`.
//!
//! In the component, [`crate::component`] implements it over the host's `store` import; in
//! native tests, [`crate::memory::MemoryStore`] does. A storage failure is the host's to
//! report (it traps), so these methods return plain values.

use crate::seats::licensing::store::UserQuery;
use crate::types::{
    Assignment, AuditEntry, Product, Role, ServicePlan, Subscription, Tenant, User,
};
use crate::types::{AuditFilter, AuditRecord, PlanRule, ServiceData, Timestamp};
use crate::types::{BillingProfile, Charge, IdempotencyRecord, Invoice, PaymentMethod};
use crate::types::{Group, GroupError, GroupLicense};

/// Every active user: the query the others narrow (`UserQuery { department, ..everyone() }`).
pub fn everyone() -> crate::seats::licensing::store::UserQuery {
    crate::seats::licensing::store::UserQuery {
        include_deleted: false,
        unlicensed_only: false,
        holding: None,
        department: None,
        usage_location: None,
        enabled: None,
        kind: None,
        member_of: None,
        not_member_of: None,
        in_error: false,
    }
}

pub trait Store {
    fn get_tenant(&self) -> Option<Tenant>;
    fn put_tenant(&self, tenant: &Tenant);

    fn roles_of(&self, upn: &str) -> Vec<Role>;
    fn grant_role(&self, user_id: u64, role: Role);

    fn put_products(&self, products: &[Product]);
    fn put_service_plans(&self, plans: &[ServicePlan]);
    fn set_product_plans(&self, sku_id: &str, plan_ids: &[String]);
    fn set_product_price(
        &self,
        sku_id: &str,
        monthly: Option<&str>,
        annual: Option<&str>,
        trial_available: Option<bool>,
        self_service: Option<bool>,
    );
    fn get_product(&self, sku_id: &str) -> Option<Product>;
    fn find_products(&self, part_number: &str) -> Vec<Product>;
    fn list_products(&self, after: Option<&str>, limit: u32) -> Vec<Product>;
    fn plans_of(&self, sku_ids: &[String]) -> Vec<Vec<ServicePlan>>;
    fn count_products(&self) -> u32;
    fn plan_rules(&self) -> Vec<PlanRule>;
    fn set_plan_rules(&self, rules: &[PlanRule]);

    fn insert_subscription(&self, subscription: &Subscription) -> u64;
    fn update_subscription(&self, subscription: &Subscription);
    fn get_subscription(&self, id: u64) -> Option<Subscription>;
    fn subscriptions_of(&self, sku_id: &str) -> Vec<Subscription>;
    fn list_subscriptions(&self, after: Option<u64>, limit: u32) -> Vec<Subscription>;
    fn subscriptions_bought_by(&self, upn: &str) -> Vec<Subscription>;

    fn insert_users(&self, users: &[User]) -> Vec<u64>;
    fn get_user(&self, id: u64) -> Option<User>;
    fn find_users(&self, upns: &[String]) -> Vec<Option<User>>;
    fn list_users(&self, query: &UserQuery, after: Option<u64>, limit: u32) -> Vec<User>;

    fn update_user(&self, user: &User);
    fn purge_user(&self, user_id: u64);
    fn deleted_before(&self, before: Timestamp, limit: u32) -> Vec<User>;

    fn stash_assignments(&self, user_id: u64, assignments: &[Assignment]);
    fn take_stashed(&self, user_id: u64) -> Vec<Assignment>;
    fn service_data_of(&self, user_ids: &[u64]) -> Vec<Vec<ServiceData>>;
    fn put_service_data(&self, data: &[ServiceData]);
    fn retained_due(&self, before: Timestamp, limit: u32) -> Vec<ServiceData>;

    fn assignments_of(&self, user_id: u64) -> Vec<Assignment>;
    fn insert_assignment(&self, assignment: &Assignment);
    fn delete_assignment(&self, user_id: u64, sku_id: &str) -> bool;
    fn update_assignments(&self, assignments: &[Assignment]);
    fn assigned_counts(&self) -> Vec<(String, u32)>;
    fn count_assigned(&self, sku_id: &str) -> u32;
    fn assigned_from(&self, subscription_id: u64) -> Vec<Assignment>;
    fn release_to_pool(&self, subscription_id: u64);

    fn append_audit(&self, entries: &[AuditEntry]);

    fn insert_group(&self, group: &Group) -> u64;
    fn update_group(&self, group: &Group);
    fn delete_group(&self, id: u64);
    fn get_group(&self, id: u64) -> Option<Group>;
    fn find_group(&self, name: &str) -> Option<Group>;
    fn list_groups(&self, after: Option<u64>, limit: u32) -> Vec<Group>;
    fn group_licenses(&self, group_id: u64) -> Vec<GroupLicense>;
    fn set_group_licenses(&self, group_id: u64, licenses: &[GroupLicense]);
    fn add_members(&self, group_id: u64, user_ids: &[u64]);
    fn remove_members(&self, group_id: u64, user_ids: &[u64]);
    fn count_members(&self, group_id: u64) -> u32;
    fn groups_of(&self, user_id: u64) -> Vec<u64>;
    fn put_group_errors(&self, errors: &[GroupError]);
    fn clear_group_errors(&self, group_id: u64, user_ids: &[u64]);
    fn group_errors_of(&self, user_id: u64) -> Vec<GroupError>;
    fn group_errors(&self, group_id: Option<u64>, after: u32, limit: u32) -> Vec<GroupError>;
    /// Marks what the call has written so far; `rollback_to` undoes every write after it.
    fn savepoint(&self) -> u32;
    fn rollback_to(&self, mark: u32);
    fn list_audit(&self, filter: &AuditFilter, after: Option<u64>, limit: u32) -> Vec<AuditRecord>;
    fn count_targets_after(&self, after: u64, prefix: &str) -> u32;

    /// The assignments of each user, in the order asked.
    fn assignments_of_users(&self, user_ids: &[u64]) -> Vec<Vec<Assignment>> {
        user_ids.iter().map(|id| self.assignments_of(*id)).collect()
    }
    fn insert_assignments(&self, assignments: &[Assignment]) {
        for a in assignments {
            self.insert_assignment(a);
        }
    }
    fn delete_assignments(&self, keys: &[(u64, String)]) {
        for (user, sku) in keys {
            self.delete_assignment(*user, sku);
        }
    }

    /// One user by UPN, without regard to case.
    fn find_user(&self, upn: &str) -> Option<User> {
        self.find_users(&[upn.to_string()]).pop().flatten()
    }

    fn insert_billing_profile(&self, profile: &BillingProfile) -> u64;
    fn update_billing_profile(&self, profile: &BillingProfile);
    fn list_billing_profiles(&self) -> Vec<BillingProfile>;
    fn insert_payment_method(&self, method: &PaymentMethod) -> u64;
    fn update_payment_method(&self, method: &PaymentMethod);
    fn get_payment_method(&self, id: u64) -> Option<PaymentMethod>;
    fn payment_methods_of(&self, profile_id: u64) -> Vec<PaymentMethod>;
    fn insert_charges(&self, charges: &[Charge]) -> Vec<u64>;
    fn charges_of(&self, subscription_id: u64) -> Vec<Charge>;
    fn uninvoiced_charges(&self, profile_id: Option<u64>) -> Vec<Charge>;
    fn insert_invoice(&self, invoice: &Invoice, charge_ids: &[u64]) -> u64;
    fn get_invoice(&self, id: u64) -> Option<Invoice>;
    fn list_invoices(
        &self,
        profile_ids: &[u64],
        since: Timestamp,
        until: Timestamp,
        after: Option<u64>,
        limit: u32,
    ) -> Vec<Invoice>;
    fn last_invoice(&self, profile_id: u64) -> Option<Invoice>;
    fn invoice_lines(&self, invoice_id: u64) -> Vec<Charge>;
    fn get_idempotency(&self, key: &str) -> Option<IdempotencyRecord>;
    fn put_idempotency(&self, record: &IdempotencyRecord);
}
