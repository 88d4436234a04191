//! The host's `store` import as the rules' [`Store`].

use crate::Store;
use crate::seats::licensing::store as wit;
use crate::seats::licensing::store::UserQuery;
use crate::types::*;
use crate::types::{AuditFilter, AuditRecord};

/// The host's `store` import.
pub(super) struct WitStore;

impl Store for WitStore {
    fn get_tenant(&self) -> Option<Tenant> {
        wit::get_tenant()
    }
    fn put_tenant(&self, tenant: &Tenant) {
        wit::put_tenant(tenant)
    }
    fn roles_of(&self, upn: &str) -> Vec<Role> {
        wit::roles_of(upn)
    }
    fn grant_role(&self, user_id: u64, role: Role) {
        wit::grant_role(user_id, role)
    }
    fn put_products(&self, products: &[Product]) {
        wit::put_products(products)
    }
    fn put_service_plans(&self, plans: &[ServicePlan]) {
        wit::put_service_plans(plans)
    }
    fn set_product_plans(&self, sku_id: &str, plan_ids: &[String]) {
        wit::set_product_plans(sku_id, plan_ids)
    }
    fn set_product_price(
        &self,
        sku_id: &str,
        monthly: Option<&str>,
        annual: Option<&str>,
        trial_available: Option<bool>,
        self_service: Option<bool>,
    ) {
        wit::set_product_price(sku_id, monthly, annual, trial_available, self_service)
    }
    fn get_product(&self, sku_id: &str) -> Option<Product> {
        wit::get_product(sku_id)
    }
    fn find_products(&self, part_number: &str) -> Vec<Product> {
        wit::find_products(part_number)
    }
    fn list_products(&self, after: Option<&str>, limit: u32) -> Vec<Product> {
        wit::list_products(after, limit)
    }
    fn plans_of(&self, sku_ids: &[String]) -> Vec<Vec<ServicePlan>> {
        wit::plans_of(sku_ids)
    }
    fn count_products(&self) -> u32 {
        wit::count_products()
    }
    fn plan_rules(&self) -> Vec<PlanRule> {
        wit::plan_rules()
    }
    fn set_plan_rules(&self, rules: &[PlanRule]) {
        wit::set_plan_rules(rules)
    }
    fn insert_subscription(&self, subscription: &Subscription) -> u64 {
        wit::insert_subscription(subscription)
    }
    fn update_subscription(&self, subscription: &Subscription) {
        wit::update_subscription(subscription)
    }
    fn get_subscription(&self, id: u64) -> Option<Subscription> {
        wit::get_subscription(id)
    }
    fn subscriptions_of(&self, sku_id: &str) -> Vec<Subscription> {
        wit::subscriptions_of(sku_id)
    }
    fn list_subscriptions(&self, after: Option<u64>, limit: u32) -> Vec<Subscription> {
        wit::list_subscriptions(after, limit)
    }
    fn subscriptions_bought_by(&self, upn: &str) -> Vec<Subscription> {
        wit::subscriptions_bought_by(upn)
    }
    fn assigned_from(&self, subscription_id: u64) -> Vec<Assignment> {
        wit::assigned_from(subscription_id)
    }
    fn release_to_pool(&self, subscription_id: u64) {
        wit::release_to_pool(subscription_id)
    }
    fn insert_users(&self, users: &[User]) -> Vec<u64> {
        wit::insert_users(users)
    }
    fn get_user(&self, id: u64) -> Option<User> {
        wit::get_user(id)
    }
    fn find_users(&self, upns: &[String]) -> Vec<Option<User>> {
        wit::find_users(upns)
    }
    fn list_users(&self, query: &UserQuery, after: Option<u64>, limit: u32) -> Vec<User> {
        wit::list_users(query, after, limit)
    }
    fn update_user(&self, user: &User) {
        wit::update_user(user)
    }
    fn purge_user(&self, user_id: u64) {
        wit::purge_user(user_id)
    }
    fn deleted_before(&self, before: Timestamp, limit: u32) -> Vec<User> {
        wit::deleted_before(before, limit)
    }
    fn stash_assignments(&self, user_id: u64, assignments: &[Assignment]) {
        wit::stash_assignments(user_id, assignments)
    }
    fn take_stashed(&self, user_id: u64) -> Vec<Assignment> {
        wit::take_stashed(user_id)
    }
    fn service_data_of(&self, user_ids: &[u64]) -> Vec<Vec<ServiceData>> {
        wit::service_data_of(user_ids)
    }
    fn put_service_data(&self, data: &[ServiceData]) {
        wit::put_service_data(data)
    }
    fn retained_due(&self, before: Timestamp, limit: u32) -> Vec<ServiceData> {
        wit::retained_due(before, limit)
    }
    fn assignments_of(&self, user_id: u64) -> Vec<Assignment> {
        wit::assignments_of(user_id)
    }
    fn insert_assignment(&self, assignment: &Assignment) {
        wit::insert_assignment(assignment)
    }
    fn delete_assignment(&self, user_id: u64, sku_id: &str) -> bool {
        wit::delete_assignment(user_id, sku_id)
    }
    fn update_assignments(&self, assignments: &[Assignment]) {
        wit::update_assignments(assignments)
    }
    fn assigned_counts(&self) -> Vec<(String, u32)> {
        wit::assigned_counts()
    }
    fn count_assigned(&self, sku_id: &str) -> u32 {
        wit::count_assigned(sku_id)
    }
    fn append_audit(&self, entries: &[AuditEntry]) {
        wit::append_audit(entries)
    }
    fn savepoint(&self) -> u32 {
        wit::savepoint()
    }
    fn rollback_to(&self, mark: u32) {
        wit::rollback_to(mark)
    }
    fn list_audit(&self, filter: &AuditFilter, after: Option<u64>, limit: u32) -> Vec<AuditRecord> {
        wit::list_audit(filter, after, limit)
    }
    fn count_targets_after(&self, after: u64, prefix: &str) -> u32 {
        wit::count_targets_after(after, prefix)
    }
    fn assignments_of_users(&self, user_ids: &[u64]) -> Vec<Vec<Assignment>> {
        wit::assignments_of_users(user_ids)
    }
    fn insert_assignments(&self, assignments: &[Assignment]) {
        wit::insert_assignments(assignments)
    }
    fn delete_assignments(&self, keys: &[(u64, String)]) {
        wit::delete_assignments(keys)
    }
    fn insert_billing_profile(&self, profile: &BillingProfile) -> u64 {
        wit::insert_billing_profile(profile)
    }
    fn update_billing_profile(&self, profile: &BillingProfile) {
        wit::update_billing_profile(profile)
    }
    fn list_billing_profiles(&self) -> Vec<BillingProfile> {
        wit::list_billing_profiles()
    }
    fn insert_payment_method(&self, method: &PaymentMethod) -> u64 {
        wit::insert_payment_method(method)
    }
    fn update_payment_method(&self, method: &PaymentMethod) {
        wit::update_payment_method(method)
    }
    fn get_payment_method(&self, id: u64) -> Option<PaymentMethod> {
        wit::get_payment_method(id)
    }
    fn payment_methods_of(&self, profile_id: u64) -> Vec<PaymentMethod> {
        wit::payment_methods_of(profile_id)
    }
    fn insert_charges(&self, charges: &[Charge]) -> Vec<u64> {
        wit::insert_charges(charges)
    }
    fn charges_of(&self, subscription_id: u64) -> Vec<Charge> {
        wit::charges_of(subscription_id)
    }
    fn uninvoiced_charges(&self, profile_id: Option<u64>) -> Vec<Charge> {
        wit::uninvoiced_charges(profile_id)
    }
    fn insert_invoice(&self, invoice: &Invoice, charge_ids: &[u64]) -> u64 {
        wit::insert_invoice(invoice, charge_ids)
    }
    fn get_invoice(&self, id: u64) -> Option<Invoice> {
        wit::get_invoice(id)
    }
    fn list_invoices(
        &self,
        profile_ids: &[u64],
        since: Timestamp,
        until: Timestamp,
        after: Option<u64>,
        limit: u32,
    ) -> Vec<Invoice> {
        wit::list_invoices(profile_ids, since, until, after, limit)
    }
    fn last_invoice(&self, profile_id: u64) -> Option<Invoice> {
        wit::last_invoice(profile_id)
    }
    fn invoice_lines(&self, invoice_id: u64) -> Vec<Charge> {
        wit::invoice_lines(invoice_id)
    }
    fn get_idempotency(&self, key: &str) -> Option<IdempotencyRecord> {
        wit::get_idempotency(key)
    }
    fn put_idempotency(&self, record: &IdempotencyRecord) {
        wit::put_idempotency(record)
    }
    fn insert_group(&self, g: &Group) -> u64 {
        wit::insert_group(g)
    }
    fn update_group(&self, g: &Group) {
        wit::update_group(g)
    }
    fn delete_group(&self, id: u64) {
        wit::delete_group(id)
    }
    fn get_group(&self, id: u64) -> Option<Group> {
        wit::get_group(id)
    }
    fn find_group(&self, name: &str) -> Option<Group> {
        wit::find_group(name)
    }
    fn list_groups(&self, after: Option<u64>, limit: u32) -> Vec<Group> {
        wit::list_groups(after, limit)
    }
    fn group_licenses(&self, id: u64) -> Vec<GroupLicense> {
        wit::group_licenses(id)
    }
    fn set_group_licenses(&self, id: u64, licenses: &[GroupLicense]) {
        wit::set_group_licenses(id, licenses)
    }
    fn add_members(&self, id: u64, users: &[u64]) {
        wit::add_members(id, users)
    }
    fn remove_members(&self, id: u64, users: &[u64]) {
        wit::remove_members(id, users)
    }
    fn count_members(&self, id: u64) -> u32 {
        wit::count_members(id)
    }
    fn groups_of(&self, user: u64) -> Vec<u64> {
        wit::groups_of(user)
    }
    fn put_group_errors(&self, errors: &[GroupError]) {
        wit::put_group_errors(errors)
    }
    fn group_errors_of(&self, user: u64) -> Vec<GroupError> {
        wit::group_errors_of(user)
    }
    fn clear_group_errors(&self, id: u64, users: &[u64]) {
        wit::clear_group_errors(id, users)
    }
    fn group_errors(&self, group: Option<u64>, after: u32, limit: u32) -> Vec<GroupError> {
        wit::group_errors(group, after, limit)
    }
}
