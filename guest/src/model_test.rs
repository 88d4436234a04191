//! Random sequences of operations against the rules (a property test), by every kind of
//! actor (each admin role, a self-service purchaser, another user) on every kind of
//! subscription (the organisation's, a user's self-service one, one taken over): after every
//! step the invariants hold (`check`), a refused step changes nothing, no assignment ever
//! creates a conflict, no one does what their roles do not allow, and a subscription taken
//! over is charged to the organisation from then on.

use crate::cx::Cx;
use crate::exports::seats::licensing::billing::Purchase;
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::memory::MemoryStore;
use crate::testkit::*;
use crate::types::{
    BillingFrequency, CancelReason, ChargeKind, Error, PurchaseChannel, Role, Subscription,
    Timestamp,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const USERS: usize = 6;
const PRODUCTS: [&str; 2] = ["SPE_E3", "SPE_E5"];
const DAY: Timestamp = 86_400;

/// Who acts: the Global administrator, each other role, and two users without one.
const ACTORS: [(&str, Option<Role>); 8] = [
    (ADMIN, Some(Role::GlobalAdmin)),
    ("bill@contoso.com", Some(Role::BillingAdmin)),
    ("usr@contoso.com", Some(Role::UserAdmin)),
    ("lic@contoso.com", Some(Role::LicenseAdmin)),
    ("svc@contoso.com", Some(Role::ServiceAdmin)),
    ("pw@contoso.com", Some(Role::PasswordAdmin)),
    ("maker@contoso.com", None),
    ("mate@contoso.com", None),
];

#[derive(Clone, Debug)]
enum Op {
    Assign(usize, usize),
    Unassign(usize, usize),
    Add(Vec<usize>, usize, bool),
    Replace(Vec<usize>, usize, bool),
    RemoveAll(Vec<usize>),
    SetQuantity(u64, i64),
    Cancel(u64),
    Delete(usize),
    Restore(usize),
    Recurring(u64, bool),
    Later(u32),
    Renew(u64),
    BuySelfService(usize, i64),
    AssignFrom(u64, usize),
    UnassignFrom(u64, usize),
    TakeOver(u64),
    /// Users join (true) or leave the static group (GL1, GL5).
    Members(Vec<usize>, bool),
    /// The static (0) or dynamic (1) group gives (true) or stops giving a product (GL1, GL10).
    GroupLicense(usize, usize, bool),
    /// A user moves into the department the dynamic group selects (true) or out (GL8).
    Department(usize, bool),
}

/// The groups of the test: a static one, and a dynamic one of the Ops department.
const GROUPS: [&str; 2] = ["G", "D"];

fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS;
    let product = 0..PRODUCTS.len();
    let users = proptest::collection::vec(0..USERS, 0..5);
    // Resolved at run time against the subscriptions then in the store (`resolve`).
    let sub = 0u64..12;
    prop_oneof![
        (user.clone(), product.clone()).prop_map(|(u, p)| Op::Assign(u, p)),
        (user.clone(), product.clone()).prop_map(|(u, p)| Op::Unassign(u, p)),
        (users.clone(), product.clone(), any::<bool>()).prop_map(|(u, p, a)| Op::Add(u, p, a)),
        (users.clone(), product.clone(), any::<bool>()).prop_map(|(u, p, a)| Op::Replace(u, p, a)),
        users.clone().prop_map(Op::RemoveAll),
        (sub.clone(), -1i64..8).prop_map(|(s, q)| Op::SetQuantity(s, q)),
        sub.clone().prop_map(Op::Cancel),
        user.clone().prop_map(Op::Delete),
        user.clone().prop_map(Op::Restore),
        (sub.clone(), any::<bool>()).prop_map(|(s, on)| Op::Recurring(s, on)),
        (1u32..400).prop_map(Op::Later),
        sub.clone().prop_map(Op::Renew),
        (product.clone(), 1i64..4).prop_map(|(p, q)| Op::BuySelfService(p, q)),
        (sub.clone(), user.clone()).prop_map(|(s, u)| Op::AssignFrom(s, u)),
        (sub.clone(), user.clone()).prop_map(|(s, u)| Op::UnassignFrom(s, u)),
        sub.prop_map(Op::TakeOver),
        (users.clone(), any::<bool>()).prop_map(|(u, a)| Op::Members(u, a)),
        (0..GROUPS.len(), product.clone(), any::<bool>())
            .prop_map(|(g, p, a)| Op::GroupLicense(g, p, a)),
        (user.clone(), any::<bool>()).prop_map(|(u, a)| Op::Department(u, a)),
    ]
}

fn upn(i: usize) -> String {
    format!("u{i}@contoso.com")
}

fn needing(store: &MemoryStore) -> Vec<u32> {
    PRODUCTS
        .iter()
        .map(|p| {
            crate::pool::of_product(store, &crate::catalog::resolve(store, p).unwrap())
                .users_needing_license
        })
        .collect()
}

/// Whether a role is one of these (the test's own reading of DOMAIN.md's table, R1, R2).
fn one_of(role: Option<Role>, roles: &[Role]) -> bool {
    role.is_some_and(|r| roles.contains(&r))
}

/// What the actor may do with `op`, by the specification: `Some(false)` when it must be
/// refused as forbidden, `None` when the test does not predict it.
fn allowed(
    op: &Op,
    actor: &str,
    role: Option<Role>,
    subs: &BTreeMap<u64, Subscription>,
) -> Option<bool> {
    use Role::*;
    let licenses = [GlobalAdmin, UserAdmin, LicenseAdmin];
    let billing = [GlobalAdmin, BillingAdmin];
    // On one subscription: the organisation's is for billing admins; a self-service one is
    // its purchaser's alone, read-only to admins (P2, P3).
    let on_sub = |s: &u64| {
        let s = subs.get(s)?;
        Some(match &s.purchaser {
            None => one_of(role, &billing),
            Some(p) => p.eq_ignore_ascii_case(actor),
        })
    };
    Some(match op {
        Op::Assign(..) | Op::Add(..) | Op::Replace(..) => one_of(role, &licenses),
        Op::Unassign(..) | Op::RemoveAll(_) => one_of(role, &licenses),
        Op::Delete(_) | Op::Restore(_) => one_of(role, &[GlobalAdmin, UserAdmin]),
        Op::Later(_) => one_of(role, &billing),
        Op::SetQuantity(s, _) | Op::Cancel(s) | Op::Recurring(s, _) | Op::Renew(s) => on_sub(s)?,
        Op::BuySelfService(..) => role.is_none(),
        Op::AssignFrom(s, _) | Op::UnassignFrom(s, _) => subs
            .get(s)?
            .purchaser
            .as_deref()?
            .eq_ignore_ascii_case(actor),
        Op::TakeOver(_) => one_of(role, &billing),
        Op::Members(..) | Op::Department(..) => one_of(role, &[GlobalAdmin, UserAdmin]),
        Op::GroupLicense(..) => one_of(role, &licenses),
    })
}

/// A subscription an operation names: even numbers mostly name one users bought (or one
/// taken over), so the self-service paths are walked as often as the organisation's.
fn resolve(k: u64, subs: &BTreeMap<u64, Subscription>) -> u64 {
    let bought: Vec<u64> = subs.keys().copied().filter(|id| *id > 6).collect();
    if k.is_multiple_of(2) && !bought.is_empty() {
        return bought[(k / 2) as usize % bought.len()];
    }
    k % 8 + 1
}

fn subscriptions(store: &MemoryStore) -> BTreeMap<u64, Subscription> {
    store
        .list_subscriptions(None, 1000)
        .into_iter()
        .map(|s| (s.id, s))
        .collect()
}

use crate::Store;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_by_any_actor_keeps_the_invariants(
        // An actor index past the last is "the named subscription's purchaser".
        ops in proptest::collection::vec((0..ACTORS.len() + 4, op()), 1..40)
    ) {
        let (store, _) = tenant_with_catalog();
        for i in 0..USERS {
            add_user(&store, &upn(i));
        }
        for (actor, role) in ACTORS.iter().skip(1) {
            match role {
                Some(role) => drop(add_admin(&store, actor, *role)),
                None => {
                    add_user(&store, actor);
                    // Users without a role pay for their purchases with cards of their own.
                    crate::billing::payments::add(&Cx::new(&store, *actor, NOW), None, &card("5555555555554444"), true).unwrap();
                }
            }
        }
        // Every kind of subscription: direct (1-3), a trial (4), prepaid with a product key
        // (5), bought through a partner (6); users' self-service ones and taken-over ones
        // come from the operations.
        crate::groups::create(&admin(&store), GROUPS[0], None, None).unwrap();
        crate::groups::create(&admin(&store), GROUPS[1], None, Some(r#"user.department -eq "Ops""#)).unwrap();
        buy(&store, "SPE_E3", 3);
        buy(&store, "SPE_E5", 2);
        buy(&store, "SPE_E3", 1);
        crate::billing::purchases::start_trial(&admin(&store), "SPE_E5").unwrap();
        for (channel, key, partner) in [
            (PurchaseChannel::ProductKey, Some("ABCDE-FGHIJ-KLMNO-PQRST-UVWXY"), None),
            (PurchaseChannel::Reseller, None, Some("Fabrikam CSP")),
        ] {
            let order = Purchase {
                product: "SPE_E3".into(),
                quantity: 2,
                billing: BillingFrequency::Annual,
                channel,
                profile: None,
                payment_method: None,
                product_key: key.map(String::from),
                partner: partner.map(String::from),
                idempotency_key: None,
            };
            crate::billing::purchases::buy(&admin(&store), &order).unwrap();
        }
        let mut now = NOW;
        // Subscriptions taken over, with the last ledger line before the take-over.
        let mut taken: BTreeMap<u64, u64> = BTreeMap::new();
        for (a, op) in ops {
            let subs = subscriptions(&store);
            let op = match op {
                Op::SetQuantity(s, q) => Op::SetQuantity(resolve(s, &subs), q),
                Op::Cancel(s) => Op::Cancel(resolve(s, &subs)),
                Op::Recurring(s, on) => Op::Recurring(resolve(s, &subs), on),
                Op::Renew(s) => Op::Renew(resolve(s, &subs)),
                Op::AssignFrom(s, u) => Op::AssignFrom(resolve(s * 2, &subs), u),
                Op::UnassignFrom(s, u) => {
                    // Mostly a user who holds one of its licenses.
                    let s = resolve(s * 2, &subs);
                    let holders: Vec<usize> = store
                        .assigned_from(s)
                        .iter()
                        .filter_map(|a| store.get_user(a.user_id))
                        .filter_map(|u| (0..USERS).find(|i| upn(*i) == u.upn))
                        .collect();
                    Op::UnassignFrom(s, holders.get(u).copied().unwrap_or(u))
                }
                Op::TakeOver(s) => Op::TakeOver(resolve(s, &subs)),
                other => other,
            };
            let named = match &op {
                Op::SetQuantity(s, _) | Op::Cancel(s) | Op::Recurring(s, _) | Op::Renew(s)
                | Op::AssignFrom(s, _) | Op::UnassignFrom(s, _) | Op::TakeOver(s) => Some(*s),
                _ => None,
            };
            let purchaser = named
                .and_then(|s| subs.get(&s))
                .and_then(|s| s.purchaser.clone());
            let (actor, role) = match ACTORS.get(a) {
                Some(actor) => *actor,
                None => ACTORS
                    .iter()
                    .find(|(upn, _)| purchaser.as_deref() == Some(*upn))
                    .copied()
                    .unwrap_or(ACTORS[ACTORS.len() - 2]),
            };
            let cx = Cx::new(&store, actor, now);
            let before = store.snapshot();
            let conflicts_before = needing(&store);
            let choice = |p: usize| vec![LicenseChoice { product: PRODUCTS[p].into(), disabled_plans: vec![] }];
            let list = |us: &[usize]| us.iter().map(|u| upn(*u)).collect::<Vec<_>>();
            let (result, assigning) = match &op {
                Op::Assign(u, p) => (crate::licenses::assign(&cx, &upn(*u), PRODUCTS[*p], &[]).map(drop), true),
                Op::Unassign(u, p) => (crate::licenses::unassign(&cx, &upn(*u), PRODUCTS[*p]), false),
                Op::Add(us, p, all) => (crate::bulk::run(&cx, &list(us), crate::bulk::Mode::Add(&choice(*p)), *all).map(drop), true),
                Op::Replace(us, p, all) => (crate::bulk::run(&cx, &list(us), crate::bulk::Mode::Replace(&choice(*p)), *all).map(drop), true),
                Op::RemoveAll(us) => (crate::bulk::run(&cx, &list(us), crate::bulk::Mode::RemoveAll, false).map(drop), false),
                Op::SetQuantity(s, q) => (crate::subscriptions::set_quantity(&cx, *s, *q).map(drop), false),
                Op::Cancel(s) => (crate::billing::purchases::cancel(&cx, *s, CancelReason::NoLongerNeeded, None, None).map(drop), false),
                Op::Delete(u) => (crate::users::delete(&cx, &upn(*u)).map(drop), false),
                Op::Restore(u) => (crate::users::restore(&cx, &upn(*u)).map(drop), true),
                Op::Recurring(s, on) => (crate::lifecycle::set_recurring(&cx, *s, *on).map(drop), false),
                Op::Later(days) => {
                    now += i64::from(*days) * DAY;
                    (crate::lifecycle::process(&Cx::new(&store, actor, now)).map(drop), false)
                }
                Op::Renew(s) => (crate::lifecycle::renew(&cx, *s).map(drop), false),
                Op::BuySelfService(p, q) => (crate::self_service::buy(&cx, PRODUCTS[*p], *q, BillingFrequency::Monthly).map(drop), false),
                Op::AssignFrom(s, u) => (crate::self_service::assign(&cx, *s, &upn(*u)), true),
                Op::UnassignFrom(s, u) => (crate::self_service::unassign(&cx, *s, &upn(*u)), false),
                Op::TakeOver(s) => (crate::self_service::take_over(&cx, *s).map(drop), false),
                Op::Members(us, true) => (crate::groups::add_members(&cx, GROUPS[0], &list(us)).map(drop), true),
                Op::Members(us, false) => (crate::groups::remove_members(&cx, GROUPS[0], &list(us)).map(drop), false),
                Op::GroupLicense(g, p, true) => (crate::groups::set_licenses(&cx, GROUPS[*g], &choice(*p), &[]).map(drop), true),
                Op::GroupLicense(g, p, false) => (crate::groups::set_licenses(&cx, GROUPS[*g], &[], &[PRODUCTS[*p].to_string()]).map(drop), false),
                Op::Department(u, into) => {
                    let update = crate::exports::seats::licensing::users::UserUpdate {
                        display_name: None,
                        department: Some(if *into { "Ops" } else { "Sales" }.into()),
                        usage_location: None,
                        enabled: None,
                    };
                    (crate::users::update(&cx, &upn(*u), &update).map(drop), *into)
                }
            };
            let what = format!("{op:?} by {actor}");
            if result.is_err() {
                prop_assert_eq!(&store.snapshot(), &before, "{} was refused but changed the store", what);
            } else if let Op::TakeOver(s) = op {
                let last = store.charges_of(s).iter().map(|c| c.id).max().unwrap_or(0);
                taken.insert(s, last);
            }
            match allowed(&op, actor, role, &subs) {
                Some(false) => prop_assert!(
                    matches!(result, Err(Error::Forbidden(_))),
                    "{} is not allowed, but got {:?}", what, result
                ),
                Some(true) => prop_assert!(
                    !matches!(result, Err(Error::Forbidden(_))),
                    "{} is allowed, but got {:?}", what, result
                ),
                None => {}
            }
            let report = crate::check::run(&Cx::new(&store, ADMIN, now)).unwrap();
            prop_assert!(report.problems.is_empty(), "after {}: {:?}", what, report.problems);
            if assigning {
                let after = needing(&store);
                for (b, a) in conflicts_before.iter().zip(&after) {
                    prop_assert!(a <= b, "{} created a conflict: {:?} -> {:?}", what, conflicts_before, after);
                }
            }
            // P4: what a taken-over subscription is charged from then on is the organisation's.
            let org: Vec<u64> = store
                .list_billing_profiles()
                .into_iter()
                .filter(|p| p.owner.is_none())
                .map(|p| p.id)
                .collect();
            for (s, mark) in &taken {
                for c in store.charges_of(*s).into_iter().filter(|c| c.id > *mark) {
                    if matches!(c.kind, ChargeKind::Purchase | ChargeKind::Remainder | ChargeKind::Renewal) {
                        prop_assert!(
                            org.contains(&c.profile_id),
                            "after {}: subscription {} was taken over, but line {} ({:?}) is charged to profile {}",
                            what, s, c.id, c.kind, c.profile_id
                        );
                    }
                }
            }
        }
    }
}
