//! The domain's operations with arbitrary arguments, in arbitrary order, natively over the
//! in-memory store (the same code the component's exports call): no panic, a refusal changes
//! nothing, and the invariants `seats check` verifies hold after every step.
#![no_main]

use arbitrary::Arbitrary;
use guest::cx::Cx;
use guest::exports::seats::licensing::billing::{NewCard, NewPaymentMethod, Purchase};
use guest::exports::seats::licensing::catalog::{CatalogRow, PriceUpdate};
use guest::exports::seats::licensing::bulk::{AddRemove, LicenseChange};
use guest::exports::seats::licensing::licenses::LicenseChoice;
use guest::exports::seats::licensing::tenant::TenantSetup;
use guest::exports::seats::licensing::users::{NewLicensedUser, NewUser, UserFilter};
use guest::memory::MemoryStore;
use guest::types::{BillingFrequency, CancelReason, Cloud, PurchaseChannel, UserKind};
use libfuzzer_sys::fuzz_target;

const START: i64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const ADMIN: &str = "admin@contoso.com";
const PRODUCTS: [&str; 3] = ["SPE_E3", "SPE_E5", "spe_e3 "];

#[derive(Arbitrary, Debug)]
enum Op {
    AddUser {
        name: String,
        location: Option<String>,
        department: Option<String>,
        kind: u8,
    },
    Assign {
        user: u8,
        product: u8,
        disabled: Vec<String>,
    },
    Unassign {
        user: u8,
        product: u8,
    },
    Replace {
        users: Vec<u8>,
        from: u8,
        to: u8,
        all_or_nothing: bool,
    },
    RemoveAll {
        users: Vec<u8>,
    },
    /// Every holder of one product (optionally of one department) moves to another, in pages.
    MoveWhere {
        from: u8,
        to: u8,
        department: Option<String>,
        all_or_nothing: bool,
        page: u8,
    },
    Buy {
        product: u8,
        quantity: i64,
        monthly: bool,
        channel: u8,
        key: Option<String>,
    },
    SetQuantity {
        subscription: u8,
        total: i64,
    },
    Cancel {
        subscription: u8,
    },
    Recurring {
        subscription: u8,
        on: bool,
    },
    Renew {
        subscription: u8,
    },
    Delete {
        user: u8,
    },
    Restore {
        user: u8,
    },
    AddCard {
        number: String,
        code: String,
        month: u8,
        year: u16,
    },
    Later {
        days: u16,
    },
    As {
        actor: u8,
    },
    Raw {
        upn: String,
        product: String,
    },
    /// New users with their licenses in one change (S7), written in pages of 1-4.
    AddLicensedUsers {
        users: Vec<(u8, Option<String>, u8, Vec<u8>)>,
        page: u8,
    },
    /// A group (GL1): static, or dynamic by a rule text (any text: most do not parse).
    NewGroup { name: u8, rule: Option<String> },
    /// Users join (true) or leave a static group.
    Members { group: u8, users: Vec<u8>, join: bool },
    /// A group gives or stops giving products (GL10: both in one change).
    GroupLicense { group: u8, add: Vec<u8>, remove: Vec<u8> },
    /// A dynamic group's rule changes (GL8).
    GroupRule { group: u8, rule: String },
    /// A user's department changes: dynamic groups follow (GL8).
    Department { user: u8, department: Option<String> },
}

fn upn(i: u8) -> String {
    format!("u{}@contoso.com", i % 12)
}

fn tenant() -> MemoryStore {
    let store = MemoryStore::new();
    let setup = TenantSetup {
        name: "Contoso".into(),
        country: "DK".into(),
        currency: "DKK".into(),
        cloud: Cloud::Worldwide,
        default_usage_location: None,
        admin_upn: ADMIN.into(),
        admin_display_name: "Admin".into(),
        time_zone: Some("Europe/Copenhagen".into()),
    };
    guest::tenant::setup(&store, START, &setup).unwrap();
    let cx = Cx::new(&store, ADMIN, START);
    let rows: Vec<CatalogRow> = [
        ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965"),
        ("SPE_E5", "06ebc4ee-1bb5-47dd-8120-11324bc54e06"),
    ]
    .iter()
    .enumerate()
    .flat_map(|(i, (part, guid))| {
        [
            (
                "EXCHANGE_S_ENTERPRISE",
                "efb87545-963c-4e0d-99df-69c6916d9eb0",
            ),
            ("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"),
        ]
        .into_iter()
        .enumerate()
        .map(move |(j, (plan, id))| CatalogRow {
            line: (i * 2 + j + 2) as u32,
            product_display_name: format!("Microsoft 365 {part}"),
            string_id: part.to_string(),
            guid: guid.to_string(),
            service_plan_name: plan.into(),
            service_plan_id: id.into(),
            service_plan_friendly_name: plan.into(),
        })
    })
    .collect();
    guest::catalog::import(&cx, &rows).unwrap();
    for (part, m, a) in [("SPE_E3", "43.20", "432.00"), ("SPE_E5", "68.40", "684.00")] {
        let price = PriceUpdate {
            monthly: Some(m.into()),
            annual: Some(a.into()),
            trial_available: Some(true),
            self_service: Some(true),
        };
        guest::catalog::set_price(&cx, part, &price).unwrap();
    }
    store
}

fuzz_target!(|ops: Vec<Op>| {
    let store = tenant();
    let mut now = START;
    let mut actor = ADMIN.to_string();
    for op in ops.into_iter().take(40) {
        let cx = Cx::new(&store, actor.clone(), now);
        let before = store.snapshot();
        let product = |p: u8| PRODUCTS[p as usize % PRODUCTS.len()].to_string();
        let ok = match op {
            Op::AddUser {
                name,
                location,
                department,
                kind,
            } => {
                let user = NewUser {
                    upn: if name.len() % 3 == 0 {
                        name.clone()
                    } else {
                        upn(name.len() as u8)
                    },
                    display_name: name,
                    department,
                    usage_location: location,
                    enabled: kind % 5 != 0,
                    kind: [
                        UserKind::User,
                        UserKind::SharedMailbox,
                        UserKind::RoomMailbox,
                    ][kind as usize % 3],
                    mailbox_gb: kind as u32,
                };
                guest::users::create(&cx, &user).is_ok()
            }
            Op::Assign {
                user,
                product: p,
                disabled,
            } => guest::licenses::assign(&cx, &upn(user), &product(p), &disabled).is_ok(),
            Op::Unassign { user, product: p } => {
                guest::licenses::unassign(&cx, &upn(user), &product(p)).is_ok()
            }
            Op::Replace {
                users,
                from,
                to,
                all_or_nothing,
            } => {
                let users: Vec<String> = users.into_iter().map(upn).collect();
                let to = LicenseChoice {
                    product: product(to),
                    disabled_plans: vec![],
                };
                let _ = from;
                guest::bulk::run(
                    &cx,
                    &users,
                    guest::bulk::Mode::Replace(std::slice::from_ref(&to)),
                    all_or_nothing,
                )
                .is_ok()
            }
            Op::RemoveAll { users } => {
                let users: Vec<String> = users.into_iter().map(upn).collect();
                guest::bulk::run(&cx, &users, guest::bulk::Mode::RemoveAll, false).is_ok()
            }
            Op::MoveWhere {
                from,
                to,
                department,
                all_or_nothing,
                page,
            } => {
                let filter = UserFilter {
                    unlicensed_only: false,
                    product: Some(product(from)),
                    department,
                    usage_location: None,
                    enabled: None,
                    deleted: false,
                    group: None,
                    in_error: false,
                };
                let change = LicenseChange::Set(AddRemove {
                    add: vec![LicenseChoice {
                        product: product(to),
                        disabled_plans: vec![],
                    }],
                    remove: vec![product(from)],
                });
                let page = usize::from(page % 4) + 1;
                // Rolled back counts as refused: it must leave the store as it was.
                guest::bulk::change_where_paged(&cx, &filter, &change, all_or_nothing, 3, page)
                    .is_ok_and(|r| !r.rolled_back)
            }
            Op::Buy {
                product: p,
                quantity,
                monthly,
                channel,
                key,
            } => {
                let order = Purchase {
                    product: product(p),
                    quantity,
                    billing: if monthly {
                        BillingFrequency::Monthly
                    } else {
                        BillingFrequency::Annual
                    },
                    channel: [
                        PurchaseChannel::Direct,
                        PurchaseChannel::ProductKey,
                        PurchaseChannel::Reseller,
                    ][channel as usize % 3],
                    profile: None,
                    payment_method: None,
                    product_key: key,
                    partner: Some("Fabrikam".into()),
                    idempotency_key: None,
                };
                guest::billing::purchases::buy(&cx, &order).is_ok()
            }
            Op::SetQuantity {
                subscription,
                total,
            } => guest::billing::purchases::change_quantity(
                &cx,
                u64::from(subscription % 8),
                total,
                None,
                None,
            )
            .is_ok(),
            Op::Cancel { subscription } => guest::billing::purchases::cancel(
                &cx,
                u64::from(subscription % 8),
                CancelReason::Other,
                None,
                None,
            )
            .is_ok(),
            Op::Recurring { subscription, on } => {
                guest::lifecycle::set_recurring(&cx, u64::from(subscription % 8), on).is_ok()
            }
            Op::Renew { subscription } => {
                guest::lifecycle::renew(&cx, u64::from(subscription % 8)).is_ok()
            }
            Op::Delete { user } => guest::users::delete(&cx, &upn(user)).is_ok(),
            Op::Restore { user } => guest::users::restore(&cx, &upn(user)).is_ok(),
            Op::AddCard {
                number,
                code,
                month,
                year,
            } => {
                let card = NewPaymentMethod::Card(NewCard {
                    number,
                    security_code: code,
                    exp_month: month,
                    exp_year: year,
                    name_on_card: "A".into(),
                    address: "B".into(),
                });
                guest::billing::payments::add(&cx, None, &card, true).is_ok()
            }
            Op::Later { days } => {
                now += i64::from(days % 400) * 86_400;
                guest::lifecycle::process(&Cx::new(&store, ADMIN, now)).is_ok()
            }
            Op::AddLicensedUsers { users, page } => {
                let users: Vec<NewLicensedUser> = users
                    .into_iter()
                    .take(8)
                    .map(|(name, location, kind, products)| NewLicensedUser {
                        user: NewUser {
                            upn: upn(name),
                            display_name: format!("User {name}"),
                            department: None,
                            usage_location: location,
                            enabled: true,
                            kind: [UserKind::User, UserKind::SharedMailbox][kind as usize % 2],
                            mailbox_gb: u32::from(kind),
                        },
                        licenses: products
                            .into_iter()
                            .take(3)
                            .map(|p| LicenseChoice {
                                product: product(p),
                                disabled_plans: if p % 4 == 3 {
                                    vec!["MCOSTANDARD".into()]
                                } else {
                                    vec![]
                                },
                            })
                            .collect(),
                    })
                    .collect();
                let page = usize::from(page % 4) + 1;
                guest::users::create_licensed_paged(&cx, &users, page).is_ok()
            }
            Op::As { actor: a } => {
                actor = if a % 2 == 0 { ADMIN.into() } else { upn(a) };
                true
            }
            Op::Raw { upn, product } => guest::licenses::assign(&cx, &upn, &product, &[]).is_ok(),
            Op::NewGroup { name, rule } => {
                guest::groups::create(&cx, &format!("g{}", name % 4), None, rule.as_deref()).is_ok()
            }
            Op::Members { group, users, join } => {
                let users: Vec<String> = users.into_iter().take(8).map(upn).collect();
                let group = format!("g{}", group % 4);
                if join {
                    guest::groups::add_members(&cx, &group, &users).is_ok()
                } else {
                    guest::groups::remove_members(&cx, &group, &users).is_ok()
                }
            }
            Op::GroupLicense { group, add, remove } => {
                let add: Vec<LicenseChoice> = add
                    .into_iter()
                    .take(3)
                    .map(|p| LicenseChoice {
                        product: product(p),
                        disabled_plans: vec![],
                    })
                    .collect();
                let remove: Vec<String> = remove.into_iter().take(3).map(product).collect();
                guest::groups::set_licenses(&cx, &format!("g{}", group % 4), &add, &remove).is_ok()
            }
            Op::GroupRule { group, rule } => {
                guest::groups::set_rule(&cx, &format!("g{}", group % 4), &rule).is_ok()
            }
            Op::Department { user, department } => {
                let update = guest::exports::seats::licensing::users::UserUpdate {
                    display_name: None,
                    department,
                    usage_location: None,
                    enabled: None,
                };
                guest::users::update(&cx, &upn(user), &update).is_ok()
            }
        };
        if !ok {
            assert!(
                store.snapshot() == before,
                "a refused operation changed something"
            );
        }
        let report = guest::check::run(&Cx::new(&store, ADMIN, now)).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
});
