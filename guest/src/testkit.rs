//! Fixtures for the native unit tests: a tenant, a small real catalog, users.

use crate::cx::Cx;
use crate::exports::seats::licensing::catalog::{CatalogRow, PriceUpdate};
use crate::exports::seats::licensing::tenant::TenantSetup;
use crate::exports::seats::licensing::users::NewUser;
use crate::memory::MemoryStore;
use crate::types::{BillingFrequency, Cloud, Role, Timestamp, User, UserKind};

/// 2026-11-23T12:00:00Z
pub const NOW: Timestamp = 1_795_435_200;
pub const ADMIN: &str = "admin@contoso.com";
pub const E3: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";
pub const E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
pub const PSTN_PLAN: &str = "9ab8b6c4-1d79-49b4-8a2b-43f7e4ea3c0f";
pub const EXCHANGE_E: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";
pub const SHAREPOINT_E: &str = "5dbe027f-2339-4123-9542-606e4d348a72";
pub const TEAMS_CALLING: &str = "0feaeb32-d00e-4d66-bd5a-43b5b83db82c";

pub fn tenant_setup() -> TenantSetup {
    TenantSetup {
        name: "Contoso".into(),
        country: "DK".into(),
        currency: "DKK".into(),
        cloud: Cloud::Worldwide,
        default_usage_location: None,
        admin_upn: ADMIN.into(),
        admin_display_name: "Ada Admin".into(),
        time_zone: None,
    }
}

pub fn row(line: u32, name: &str, part: &str, guid: &str, plan: &str, plan_id: &str) -> CatalogRow {
    CatalogRow {
        line,
        product_display_name: name.into(),
        string_id: part.into(),
        guid: guid.into(),
        service_plan_name: plan.into(),
        service_plan_id: plan_id.into(),
        service_plan_friendly_name: plan.to_lowercase(),
    }
}

pub fn admin(store: &MemoryStore) -> Cx<'_, MemoryStore> {
    Cx::new(store, ADMIN, NOW)
}

/// A tenant with Microsoft 365 E3 and E5 (three plans each) and their prices.
pub fn tenant_with_catalog() -> (MemoryStore, ()) {
    let store = MemoryStore::new();
    crate::tenant::setup(&store, NOW, &tenant_setup()).unwrap();
    let cx = admin(&store);
    let mut rows = vec![];
    for (i, (plan, id)) in [
        ("EXCHANGE_S_ENTERPRISE", EXCHANGE_E),
        ("SHAREPOINTENTERPRISE", SHAREPOINT_E),
        ("MCOSTANDARD", TEAMS_CALLING),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(row(
            2 + i as u32,
            "Microsoft 365 E3",
            "SPE_E3",
            E3,
            plan,
            id,
        ));
        rows.push(row(
            10 + i as u32,
            "Microsoft 365 E5",
            "SPE_E5",
            E5,
            plan,
            id,
        ));
    }
    crate::catalog::import(&cx, &rows).unwrap();
    let price = |m: &str, a: &str| PriceUpdate {
        monthly: Some(m.into()),
        annual: Some(a.into()),
        trial_available: Some(true),
        self_service: Some(true),
    };
    crate::catalog::set_price(&cx, "SPE_E3", &price("43.20", "432.00")).unwrap();
    crate::catalog::set_price(&cx, "SPE_E5", &price("68.40", "684.00")).unwrap();
    crate::billing::payments::add(&cx, None, &card("4242 4242 4242 4242"), true).unwrap();
    (store, ())
}

pub fn new_user(upn: &str) -> NewUser {
    NewUser {
        upn: upn.into(),
        display_name: upn.split('@').next().unwrap().into(),
        department: Some("Sales".into()),
        usage_location: Some("DK".into()),
        enabled: true,
        kind: UserKind::User,
        mailbox_gb: 2,
    }
}

pub fn add_user(store: &MemoryStore, upn: &str) -> User {
    crate::users::create(&admin(store), &new_user(upn)).unwrap()
}

/// A user holding `role`, to act as.
pub fn add_admin(store: &MemoryStore, upn: &str, role: Role) -> User {
    let u = add_user(store, upn);
    crate::tenant::grant_role(&admin(store), upn, role).unwrap();
    u
}

pub fn buy(store: &MemoryStore, product: &str, quantity: i64) -> u64 {
    let order = crate::subscriptions::direct(product, quantity, BillingFrequency::Annual);
    crate::billing::purchases::buy(&admin(store), &order)
        .unwrap()
        .subscription
        .subscription
        .id
}

/// A Visa test card valid until 12/2030.
pub fn card(number: &str) -> crate::exports::seats::licensing::billing::NewPaymentMethod {
    crate::exports::seats::licensing::billing::NewPaymentMethod::Card(
        crate::exports::seats::licensing::billing::NewCard {
            number: number.into(),
            security_code: "123".into(),
            exp_month: 12,
            exp_year: 2030,
            name_on_card: "Ada Admin".into(),
            address: "1 Main St, Copenhagen".into(),
        },
    )
}
