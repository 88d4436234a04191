//! The WIT `store` import over SQLite: one prepared statement per access pattern.
//! A SQLite error traps the call (and the host rolls it back); it is never a refusal.
//! The methods here hand each group to the file named for it (tenant.rs, catalog.rs,
//! subscriptions.rs, users.rs, assignments.rs, audit.rs, billing.rs), whose rows are read
//! by rows.rs and whose enums are written as text.rs says.

use super::Db;
use crate::bindings::seats::licensing::store::{Host, UserQuery};
use crate::bindings::seats::licensing::types::Host as TypesHost;
use crate::bindings::types::*;
use rusqlite::params;
use wasmtime::Result;

impl TypesHost for Db {}

impl Host for Db {
    // The tenant and its admin roles (tenant.rs).
    fn get_tenant(&mut self) -> Result<Option<Tenant>> {
        self.tenant_get()
    }
    fn put_tenant(&mut self, t: Tenant) -> Result<()> {
        self.tenant_put(t)
    }
    fn roles_of(&mut self, upn: String) -> Result<Vec<Role>> {
        self.tenant_roles_of(upn)
    }
    fn grant_role(&mut self, user_id: u64, role: Role) -> Result<()> {
        self.tenant_grant_role(user_id, role)
    }

    // The catalog (catalog.rs).
    fn put_products(&mut self, products: Vec<Product>) -> Result<()> {
        self.catalog_put_products(products)
    }
    fn put_service_plans(&mut self, plans: Vec<ServicePlan>) -> Result<()> {
        self.catalog_put_service_plans(plans)
    }
    fn set_product_plans(&mut self, sku_id: String, plan_ids: Vec<String>) -> Result<()> {
        self.catalog_set_product_plans(sku_id, plan_ids)
    }
    fn set_product_price(
        &mut self,
        sku_id: String,
        monthly: Option<String>,
        annual: Option<String>,
        trial: Option<bool>,
        self_service: Option<bool>,
    ) -> Result<()> {
        self.catalog_set_product_price(sku_id, monthly, annual, trial, self_service)
    }
    fn get_product(&mut self, sku_id: String) -> Result<Option<Product>> {
        self.catalog_get_product(sku_id)
    }
    fn find_products(&mut self, part_number: String) -> Result<Vec<Product>> {
        self.catalog_find_products(part_number)
    }
    fn list_products(&mut self, after: Option<String>, limit: u32) -> Result<Vec<Product>> {
        self.catalog_list_products(after, limit)
    }
    fn plans_of(&mut self, sku_ids: Vec<String>) -> Result<Vec<Vec<ServicePlan>>> {
        self.catalog_plans_of(sku_ids)
    }
    fn count_products(&mut self) -> Result<u32> {
        self.catalog_count_products()
    }
    fn plan_rules(&mut self) -> Result<Vec<PlanRule>> {
        self.catalog_plan_rules()
    }
    fn set_plan_rules(&mut self, rules: Vec<PlanRule>) -> Result<()> {
        self.catalog_set_plan_rules(rules)
    }

    // Subscriptions (subscriptions.rs).
    fn insert_subscription(&mut self, s: Subscription) -> Result<u64> {
        self.subscriptions_insert(s)
    }
    fn update_subscription(&mut self, s: Subscription) -> Result<()> {
        self.subscriptions_update(s)
    }
    fn get_subscription(&mut self, id: u64) -> Result<Option<Subscription>> {
        self.subscriptions_get(id)
    }
    fn subscriptions_of(&mut self, sku_id: String) -> Result<Vec<Subscription>> {
        self.subscriptions_of_sku(sku_id)
    }
    fn list_subscriptions(&mut self, after: Option<u64>, limit: u32) -> Result<Vec<Subscription>> {
        self.subscriptions_list(after, limit)
    }
    fn subscriptions_bought_by(&mut self, upn: String) -> Result<Vec<Subscription>> {
        self.subscriptions_of_purchaser(upn)
    }

    // Users and their service data (users.rs).
    fn insert_users(&mut self, users: Vec<User>) -> Result<Vec<u64>> {
        self.users_insert(users)
    }
    fn get_user(&mut self, id: u64) -> Result<Option<User>> {
        self.users_get(id)
    }
    fn find_users(&mut self, upns: Vec<String>) -> Result<Vec<Option<User>>> {
        self.users_find(upns)
    }
    fn list_users(&mut self, q: UserQuery, after: Option<u64>, limit: u32) -> Result<Vec<User>> {
        self.users_list(q, after, limit)
    }
    fn update_user(&mut self, u: User) -> Result<()> {
        self.users_update(u)
    }
    fn purge_user(&mut self, user_id: u64) -> Result<()> {
        self.users_purge(user_id)
    }
    fn deleted_before(&mut self, before: i64, limit: u32) -> Result<Vec<User>> {
        self.users_deleted_before(before, limit)
    }
    fn service_data_of(&mut self, user_ids: Vec<u64>) -> Result<Vec<Vec<ServiceData>>> {
        self.service_data_of_users(user_ids)
    }
    fn put_service_data(&mut self, data: Vec<ServiceData>) -> Result<()> {
        self.service_data_put(data)
    }
    fn retained_due(&mut self, before: i64, limit: u32) -> Result<Vec<ServiceData>> {
        self.service_data_retained_due(before, limit)
    }

    // Assignments (assignments.rs).
    fn assignments_of(&mut self, user_id: u64) -> Result<Vec<Assignment>> {
        self.assignments_where("a.user_id = ?1", user_id)
    }
    fn assigned_from(&mut self, subscription_id: u64) -> Result<Vec<Assignment>> {
        self.assignments_where("a.subscription = ?1", subscription_id)
    }
    fn release_to_pool(&mut self, subscription_id: u64) -> Result<()> {
        self.assignments_release_to_pool(subscription_id)
    }
    fn assignments_of_users(&mut self, user_ids: Vec<u64>) -> Result<Vec<Vec<Assignment>>> {
        self.assignments_of_user_ids(user_ids)
    }
    fn insert_assignments(&mut self, assignments: Vec<Assignment>) -> Result<()> {
        self.assignments_insert_many(assignments)
    }
    fn delete_assignments(&mut self, keys: Vec<(u64, String)>) -> Result<()> {
        self.assignments_delete_many(keys)
    }
    fn insert_assignment(&mut self, a: Assignment) -> Result<()> {
        self.assignments_insert(a)
    }
    fn delete_assignment(&mut self, user_id: u64, sku_id: String) -> Result<bool> {
        self.assignments_delete(user_id, sku_id)
    }
    fn update_assignments(&mut self, assignments: Vec<Assignment>) -> Result<()> {
        self.assignments_update(assignments)
    }
    fn assigned_counts(&mut self) -> Result<Vec<(String, u32)>> {
        self.assignments_assigned_counts()
    }
    fn count_assigned(&mut self, sku_id: String) -> Result<u32> {
        self.assignments_count_assigned(sku_id)
    }
    fn stash_assignments(&mut self, user_id: u64, assignments: Vec<Assignment>) -> Result<()> {
        self.assignments_stash(user_id, assignments)
    }
    fn take_stashed(&mut self, user_id: u64) -> Result<Vec<Assignment>> {
        self.assignments_take_stashed(user_id)
    }

    // The audit log (audit.rs).
    fn list_audit(
        &mut self,
        f: AuditFilter,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        self.audit_list(f, after, limit)
    }
    fn count_targets_after(&mut self, after: u64, prefix: String) -> Result<u32> {
        self.audit_count_targets(after, prefix)
    }
    fn append_audit(&mut self, entries: Vec<AuditEntry>) -> Result<()> {
        self.audit_append(entries)
    }

    // Groups (groups.rs).
    fn insert_group(&mut self, g: Group) -> Result<u64> {
        self.groups_insert(g)
    }
    fn update_group(&mut self, g: Group) -> Result<()> {
        self.groups_update(g)
    }
    fn delete_group(&mut self, id: u64) -> Result<()> {
        self.groups_delete(id)
    }
    fn get_group(&mut self, id: u64) -> Result<Option<Group>> {
        self.groups_get(id)
    }
    fn find_group(&mut self, name: String) -> Result<Option<Group>> {
        self.groups_find(name)
    }
    fn list_groups(&mut self, after: Option<u64>, limit: u32) -> Result<Vec<Group>> {
        self.groups_list(after, limit)
    }
    fn group_licenses(&mut self, id: u64) -> Result<Vec<GroupLicense>> {
        self.groups_licenses(id)
    }
    fn set_group_licenses(&mut self, id: u64, licenses: Vec<GroupLicense>) -> Result<()> {
        self.groups_set_licenses(id, licenses)
    }
    fn add_members(&mut self, id: u64, users: Vec<u64>) -> Result<()> {
        self.groups_add_members(id, users)
    }
    fn remove_members(&mut self, id: u64, users: Vec<u64>) -> Result<()> {
        self.groups_remove_members(id, users)
    }
    fn count_members(&mut self, id: u64) -> Result<u32> {
        self.groups_count_members(id)
    }
    fn groups_of(&mut self, user: u64) -> Result<Vec<u64>> {
        self.groups_of_user(user)
    }
    fn put_group_errors(&mut self, errors: Vec<GroupError>) -> Result<()> {
        self.groups_put_errors(errors)
    }
    fn group_errors_of(&mut self, user: u64) -> Result<Vec<GroupError>> {
        self.groups_errors_of(user)
    }
    fn clear_group_errors(&mut self, id: u64, users: Vec<u64>) -> Result<()> {
        self.groups_clear_errors(id, users)
    }
    fn group_errors(
        &mut self,
        group: Option<u64>,
        after: u32,
        limit: u32,
    ) -> Result<Vec<GroupError>> {
        self.groups_errors(group, after, limit)
    }

    // Inside the call's transaction; its COMMIT or ROLLBACK ends them.
    fn savepoint(&mut self) -> Result<u32> {
        self.marks += 1;
        let sql = format!("SAVEPOINT mark_{}", self.marks);
        self.conn().execute_batch(&sql)?;
        Ok(self.marks)
    }

    fn rollback_to(&mut self, mark: u32) -> Result<()> {
        if mark == 0 || mark > self.marks {
            wasmtime::bail!("the component rolled back to savepoint {mark}, which it never made");
        }
        self.listed.forget();
        let sql = format!("ROLLBACK TO mark_{mark}");
        self.conn().execute_batch(&sql)?;
        Ok(())
    }

    // Billing (billing.rs).
    fn insert_billing_profile(&mut self, p: BillingProfile) -> Result<u64> {
        self.billing_insert_profile(p)
    }
    fn update_billing_profile(&mut self, p: BillingProfile) -> Result<()> {
        self.billing_update_profile(p)
    }
    fn list_billing_profiles(&mut self) -> Result<Vec<BillingProfile>> {
        self.billing_profiles()
    }
    fn insert_payment_method(&mut self, m: PaymentMethod) -> Result<u64> {
        self.billing_put_method(m, true)
    }
    fn update_payment_method(&mut self, m: PaymentMethod) -> Result<()> {
        self.billing_put_method(m, false).map(drop)
    }
    fn get_payment_method(&mut self, id: u64) -> Result<Option<PaymentMethod>> {
        Ok(self.billing_methods("id = ?1", id)?.pop())
    }
    fn payment_methods_of(&mut self, profile_id: u64) -> Result<Vec<PaymentMethod>> {
        self.billing_methods("profile_id = ?1", profile_id)
    }
    fn insert_charges(&mut self, charges: Vec<Charge>) -> Result<Vec<u64>> {
        self.billing_insert_charges(charges)
    }
    fn charges_of(&mut self, subscription_id: u64) -> Result<Vec<Charge>> {
        self.billing_charges("subscription_id = ?1", Some(subscription_id))
    }
    fn uninvoiced_charges(&mut self, profile_id: Option<u64>) -> Result<Vec<Charge>> {
        match profile_id {
            Some(p) => self.billing_charges("invoice_id IS NULL AND profile_id = ?1", Some(p)),
            None => self.billing_charges("invoice_id IS NULL", None),
        }
    }
    fn insert_invoice(&mut self, invoice: Invoice, charge_ids: Vec<u64>) -> Result<u64> {
        self.billing_insert_invoice(invoice, charge_ids)
    }
    fn get_invoice(&mut self, id: u64) -> Result<Option<Invoice>> {
        Ok(self.billing_invoices("id = ?1", params![id as i64])?.pop())
    }
    fn list_invoices(
        &mut self,
        profile_ids: Vec<u64>,
        since: i64,
        until: i64,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Invoice>> {
        self.billing_invoices(
            "profile_id IN (SELECT value FROM json_each(?1))
             AND period_start >= ?2 AND period_start < ?3
             AND (?4 IS NULL OR (period_start, id) < (SELECT period_start, id FROM invoices WHERE id = ?4))
             ORDER BY period_start DESC, id DESC LIMIT ?5",
            params![
                serde_json::to_string(&profile_ids)?,
                since,
                until,
                after.map(|a| a as i64),
                limit
            ],
        )
    }
    fn last_invoice(&mut self, profile_id: u64) -> Result<Option<Invoice>> {
        Ok(self
            .billing_invoices(
                "profile_id = ?1 ORDER BY period_start DESC, id DESC LIMIT 1",
                params![profile_id as i64],
            )?
            .into_iter()
            .next())
    }
    fn invoice_lines(&mut self, invoice_id: u64) -> Result<Vec<Charge>> {
        self.billing_charges("invoice_id = ?1", Some(invoice_id))
    }
    fn get_idempotency(&mut self, key: String) -> Result<Option<IdempotencyRecord>> {
        self.billing_get_idempotency(key)
    }
    fn put_idempotency(&mut self, entry: IdempotencyRecord) -> Result<()> {
        self.billing_put_idempotency(entry)
    }
}
