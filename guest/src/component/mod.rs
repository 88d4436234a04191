//! The component's glue: the WIT `store` import as a [`Store`], and each export as a call
//! into the rules with the acting principal and the time from wasi:clocks.

use crate::billing::{invoices, payments, purchases};
use crate::cx::Cx;
use crate::exports::seats::licensing::{
    audit, billing, bulk, catalog, licenses, subscriptions, tenant, users,
};
use crate::types::*;
use store::WitStore;

mod groups;
mod store;

/// Now, from wasi:clocks/wall-clock: the host decides what time it is (`--now`).
fn now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as Timestamp)
        .unwrap_or(0)
}

fn cx(actor: Principal) -> Cx<'static, WitStore> {
    Cx::new(&WitStore, actor, now())
}

struct Component;

impl tenant::Guest for Component {
    fn role_table() -> Vec<tenant::RoleRule> {
        crate::roles::table()
    }
    fn authorize(actor: Principal, operation: Operation) -> Result<(), Error> {
        crate::roles::authorize(&WitStore, &actor, operation).map(drop)
    }
    fn check_invariants(actor: Principal) -> Result<tenant::CheckReport, Error> {
        crate::check::run(&cx(actor))
    }
    fn set_default_usage_location(
        actor: Principal,
        location: Option<String>,
    ) -> Result<Tenant, Error> {
        crate::tenant::set_default_usage_location(&cx(actor), location.as_deref())
    }
    fn setup(setup: tenant::TenantSetup) -> Result<Tenant, Error> {
        crate::tenant::setup(&WitStore, now(), &setup)
    }
    fn get_tenant(actor: Principal) -> Result<Tenant, Error> {
        crate::tenant::get(&cx(actor))
    }
    fn roles(actor: Principal, upn: String) -> Result<Vec<Role>, Error> {
        crate::tenant::roles(&cx(actor), &upn)
    }
    fn grant_role(actor: Principal, upn: String, role: Role) -> Result<(), Error> {
        crate::tenant::grant_role(&cx(actor), &upn, role)
    }
}

impl catalog::Guest for Component {
    fn plan_rules(actor: Principal) -> Result<Vec<PlanRule>, Error> {
        crate::rules::list(&cx(actor))
    }
    fn set_plan_rules(actor: Principal, rules: Vec<PlanRule>) -> Result<u32, Error> {
        crate::rules::set(&cx(actor), &rules)
    }
    fn import_catalog(
        actor: Principal,
        rows: Vec<catalog::CatalogRow>,
    ) -> Result<catalog::ImportSummary, Error> {
        crate::catalog::import(&cx(actor), &rows)
    }
    fn list_products(
        actor: Principal,
        after: Option<String>,
        limit: u32,
    ) -> Result<catalog::ProductPage, Error> {
        crate::catalog::list(&cx(actor), after.as_deref(), limit)
    }
    fn get_product(actor: Principal, product: String) -> Result<catalog::ProductDetails, Error> {
        crate::catalog::get(&cx(actor), &product)
    }
    fn set_price(
        actor: Principal,
        product: String,
        price: catalog::PriceUpdate,
    ) -> Result<Product, Error> {
        crate::catalog::set_price(&cx(actor), &product, &price)
    }
}

impl users::Guest for Component {
    fn update_user(
        actor: Principal,
        upn: String,
        update: users::UserUpdate,
    ) -> Result<User, Error> {
        crate::users::update(&cx(actor), &upn, &update)
    }
    fn delete_user(actor: Principal, upn: String) -> Result<User, Error> {
        crate::users::delete(&cx(actor), &upn)
    }
    fn restore_user(actor: Principal, upn: String) -> Result<users::RestoreResult, Error> {
        crate::users::restore(&cx(actor), &upn)
    }
    fn update_mailbox(
        actor: Principal,
        upn: String,
        mailbox_gb: Option<u32>,
        hold: Option<bool>,
    ) -> Result<User, Error> {
        crate::users::update_mailbox(&cx(actor), &upn, mailbox_gb, hold)
    }
    fn create_user(actor: Principal, user: users::NewUser) -> Result<User, Error> {
        crate::users::create(&cx(actor), &user)
    }
    fn create_users(actor: Principal, users: Vec<users::NewUser>) -> Result<Vec<User>, Error> {
        crate::users::create_many(&cx(actor), &users)
    }
    fn create_licensed_users(
        actor: Principal,
        users: Vec<users::NewLicensedUser>,
    ) -> Result<Vec<User>, Error> {
        crate::users::create_licensed(&cx(actor), &users)
    }
    fn get_user(actor: Principal, upn: String) -> Result<users::UserDetails, Error> {
        crate::users::get(&cx(actor), &upn)
    }
    fn list_users(
        actor: Principal,
        filter: users::UserFilter,
        after: Option<u64>,
        limit: u32,
    ) -> Result<users::UserPage, Error> {
        crate::users::list(&cx(actor), &filter, after, limit)
    }
    fn list_holdings(
        actor: Principal,
        filter: users::UserFilter,
        after: Option<u64>,
        limit: u32,
    ) -> Result<users::HoldingPage, Error> {
        crate::users::holdings(&cx(actor), &filter, after, limit)
    }
}

impl licenses::Guest for Component {
    fn pool_of(product: String) -> Option<licenses::LicensePool> {
        let product = crate::catalog::resolve(&WitStore, &product).ok()?;
        Some(crate::pool::of_product(&WitStore, &product))
    }
    fn licenses_page(actor: Principal) -> Result<Vec<licenses::LicensePool>, Error> {
        crate::licenses::page(&cx(actor))
    }
    fn conflicts(actor: Principal) -> Result<Vec<licenses::LicenseConflict>, Error> {
        crate::licenses::conflicts(&cx(actor))
    }
    fn assign(
        actor: Principal,
        upn: String,
        product: String,
        disabled_plans: Vec<String>,
    ) -> Result<licenses::UserLicense, Error> {
        crate::licenses::assign(&cx(actor), &upn, &product, &disabled_plans)
    }
    fn unassign(actor: Principal, upn: String, product: String) -> Result<(), Error> {
        crate::licenses::unassign(&cx(actor), &upn, &product)
    }
    fn set_disabled_plans(
        actor: Principal,
        upn: String,
        product: String,
        disabled_plans: Vec<String>,
    ) -> Result<licenses::UserLicense, Error> {
        crate::licenses::set_disabled_plans(&cx(actor), &upn, &product, &disabled_plans)
    }
    fn user_licenses(actor: Principal, upn: String) -> Result<Vec<licenses::UserLicense>, Error> {
        crate::licenses::user_licenses(&cx(actor), &upn)
    }
    fn set_user_licenses(
        actor: Principal,
        upn: String,
        add: Vec<licenses::LicenseChoice>,
        remove: Vec<String>,
    ) -> Result<Vec<licenses::UserLicense>, Error> {
        crate::bulk::set_user_licenses(&cx(actor), &upn, &add, &remove)
    }
}

impl bulk::Guest for Component {
    fn change(
        actor: Principal,
        upns: Vec<String>,
        change: bulk::LicenseChange,
        all: bool,
    ) -> Result<licenses::BulkResult, Error> {
        crate::bulk::change(&cx(actor), &upns, &change, all)
    }
    fn change_where(
        actor: Principal,
        filter: users::UserFilter,
        change: bulk::LicenseChange,
        all: bool,
        failure_limit: u32,
    ) -> Result<bulk::BulkSummary, Error> {
        crate::bulk::change_where(&cx(actor), &filter, &change, all, failure_limit)
    }
}

impl subscriptions::Guest for Component {
    fn my_subscriptions(actor: Principal) -> Result<Vec<subscriptions::SelfServiceView>, Error> {
        crate::self_service::mine(&cx(actor))
    }
    fn assign_self_service(actor: Principal, id: u64, upn: String) -> Result<(), Error> {
        crate::self_service::assign(&cx(actor), id, &upn)
    }
    fn unassign_self_service(actor: Principal, id: u64, upn: String) -> Result<(), Error> {
        crate::self_service::unassign(&cx(actor), id, &upn)
    }
    fn self_service_overview(
        actor: Principal,
    ) -> Result<Vec<subscriptions::SelfServiceView>, Error> {
        crate::self_service::overview(&cx(actor))
    }
    fn take_over(actor: Principal, id: u64) -> Result<subscriptions::SubscriptionView, Error> {
        crate::self_service::take_over(&cx(actor), id)
    }
    fn import_subscriptions(
        actor: Principal,
        existing: Vec<subscriptions::ExistingSubscription>,
    ) -> Result<Vec<subscriptions::SubscriptionView>, Error> {
        crate::billing::imports::import(&cx(actor), &existing)
    }
    fn list_subscriptions(actor: Principal) -> Result<Vec<subscriptions::SubscriptionView>, Error> {
        crate::subscriptions::list(&cx(actor))
    }
    fn set_recurring(
        actor: Principal,
        id: u64,
        on: bool,
    ) -> Result<subscriptions::SubscriptionView, Error> {
        crate::lifecycle::set_recurring(&cx(actor), id, on)
    }
    fn renew(actor: Principal, id: u64) -> Result<subscriptions::SubscriptionView, Error> {
        crate::lifecycle::renew(&cx(actor), id)
    }
    fn process_lifecycle(actor: Principal) -> Result<subscriptions::ProcessReport, Error> {
        crate::lifecycle::process(&cx(actor))
    }
}

impl audit::Guest for Component {
    fn describe_change(mark: u64) -> Result<audit::ChangeSummary, Error> {
        crate::change::describe(&WitStore, mark)
    }
    fn overview_of_change(mark: u64) -> Result<audit::ChangeOverview, Error> {
        crate::change::overview(&WitStore, mark)
    }
    fn page_of_change(after: u64, limit: u32) -> Result<audit::ChangePage, Error> {
        crate::change::page(&WitStore, after, limit)
    }
    fn list_audit(
        actor: Principal,
        filter: AuditFilter,
        after: Option<u64>,
        limit: u32,
    ) -> Result<audit::AuditPage, Error> {
        crate::audit::list(&cx(actor), &filter, after, limit)
    }
}

impl billing::Guest for Component {
    fn list_profiles(actor: Principal) -> Result<Vec<BillingProfile>, Error> {
        payments::visible(&cx(actor))
    }
    fn create_profile(actor: Principal, name: String) -> Result<BillingProfile, Error> {
        payments::create_profile(&cx(actor), &name)
    }
    fn list_payment_methods(
        actor: Principal,
        profile: Option<u64>,
    ) -> Result<Vec<PaymentMethod>, Error> {
        payments::list(&cx(actor), profile)
    }
    fn add_payment_method(
        actor: Principal,
        profile: Option<u64>,
        method: billing::NewPaymentMethod,
        make_default: bool,
    ) -> Result<PaymentMethod, Error> {
        payments::add(&cx(actor), profile, &method, make_default)
    }
    fn update_card(
        actor: Principal,
        id: u64,
        update: billing::CardUpdate,
    ) -> Result<PaymentMethod, Error> {
        payments::update_card(&cx(actor), id, &update)
    }
    fn replace_payment_method(
        actor: Principal,
        id: u64,
        method: billing::NewPaymentMethod,
    ) -> Result<PaymentMethod, Error> {
        payments::replace(&cx(actor), id, &method)
    }
    fn set_default_payment_method(actor: Principal, id: u64) -> Result<BillingProfile, Error> {
        payments::set_default(&cx(actor), id)
    }
    fn buy(actor: Principal, order: billing::Purchase) -> Result<billing::BillingResult, Error> {
        purchases::buy(&cx(actor), &order)
    }
    fn preview_purchase(
        actor: Principal,
        order: billing::Purchase,
    ) -> Result<billing::Preview, Error> {
        purchases::preview_purchase(&cx(actor), &order)
    }
    fn change_quantity(
        actor: Principal,
        id: u64,
        total: i64,
        product_key: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<billing::BillingResult, Error> {
        purchases::change_quantity(
            &cx(actor),
            id,
            total,
            product_key.as_deref(),
            idempotency_key.as_deref(),
        )
    }
    fn preview_quantity(actor: Principal, id: u64, total: i64) -> Result<billing::Preview, Error> {
        purchases::preview_quantity(&cx(actor), id, total)
    }
    fn start_trial(
        actor: Principal,
        product: String,
    ) -> Result<subscriptions::SubscriptionView, Error> {
        purchases::start_trial(&cx(actor), &product)
    }
    fn buy_trial(
        actor: Principal,
        id: u64,
        billing: BillingFrequency,
        idempotency_key: Option<String>,
    ) -> Result<billing::BillingResult, Error> {
        purchases::buy_trial(&cx(actor), id, billing, idempotency_key.as_deref())
    }
    fn cancel(
        actor: Principal,
        id: u64,
        reason: CancelReason,
        feedback: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<billing::BillingResult, Error> {
        purchases::cancel(
            &cx(actor),
            id,
            reason,
            feedback.as_deref(),
            idempotency_key.as_deref(),
        )
    }
    fn complete_credit_check(
        actor: Principal,
        id: u64,
    ) -> Result<subscriptions::SubscriptionView, Error> {
        purchases::complete_credit_check(&cx(actor), id)
    }
    fn list_invoices(
        actor: Principal,
        period: billing::InvoicePeriod,
        profile: Option<u64>,
        after: Option<u64>,
        limit: u32,
    ) -> Result<billing::InvoicePage, Error> {
        invoices::list(&cx(actor), &period, profile, after, limit)
    }
    fn get_invoice(actor: Principal, id: u64) -> Result<billing::InvoiceDetail, Error> {
        invoices::get(&cx(actor), id)
    }
    fn pending_charges(actor: Principal, profile: Option<u64>) -> Result<Vec<Charge>, Error> {
        invoices::pending(&cx(actor), profile)
    }
}

crate::export!(Component with_types_in crate);
