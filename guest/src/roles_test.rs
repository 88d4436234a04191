//! The role table tried pair by pair (R1, R2, P2, P3): every role, a user without one and a
//! self-service purchaser, against every operation, through the rules' own exports: each
//! call either succeeds, or is refused as forbidden naming the role the table says.

use crate::cx::Cx;
use crate::exports::seats::licensing::catalog::PriceUpdate;
use crate::memory::MemoryStore;
use crate::roles::{ALL_ROLES, TABLE, allows, least_role_for, role_name, row};
use crate::testkit::*;
use crate::types::{BillingFrequency, Error, Operation, Role};
use crate::{billing, catalog, licenses, lifecycle, roles, rules, self_service, subscriptions};
use crate::{tenant, users};

const ACTOR: &str = "actor@contoso.com";
const MAKER: &str = "maker@contoso.com";

/// A tenant with something for every operation to act on: the organisation's E3 (one
/// holder), a user to delete, and a self-service E5 subscription bought by `MAKER`, who pays
/// with a card of their own. `role` (none: a user without an admin role) acts.
struct World {
    store: MemoryStore,
    org: u64,
    own: u64,
}

fn world(role: Option<Role>) -> World {
    let (store, _) = tenant_with_catalog();
    let org = buy(&store, "SPE_E3", 5);
    for upn in [
        "target@contoso.com",
        "holder@contoso.com",
        "leaver@contoso.com",
    ] {
        add_user(&store, upn);
    }
    licenses::assign(&admin(&store), "holder@contoso.com", "SPE_E3", &[]).unwrap();
    add_user(&store, MAKER);
    let maker = Cx::new(&store, MAKER, NOW);
    billing::payments::add(&maker, None, &card("5555555555554444"), true).unwrap();
    let own = self_service::buy(&maker, "SPE_E5", 2, BillingFrequency::Monthly)
        .unwrap()
        .subscription
        .id;
    self_service::assign(&maker, own, "target@contoso.com").unwrap();
    match role {
        Some(role) => drop(add_admin(&store, ACTOR, role)),
        None => drop(add_user(&store, ACTOR)),
    }
    World { store, org, own }
}

/// One representative call per operation, on the organisation's objects.
fn call(w: &World, op: Operation, actor: &str) -> Result<(), Error> {
    let cx = Cx::new(&w.store, actor, NOW);
    let price = PriceUpdate {
        monthly: Some("44.00".into()),
        annual: None,
        trial_available: None,
        self_service: None,
    };
    match op {
        Operation::Read => licenses::page(&cx).map(drop),
        Operation::AssignLicense => {
            licenses::assign(&cx, "leaver@contoso.com", "SPE_E3", &[]).map(drop)
        }
        Operation::RemoveLicense => licenses::unassign(&cx, "holder@contoso.com", "SPE_E3"),
        Operation::ManageUsers => users::create(&cx, &new_user("new@contoso.com")).map(drop),
        Operation::DeleteUser => users::delete(&cx, "leaver@contoso.com").map(drop),
        Operation::BuyLicenses => subscriptions::set_quantity(&cx, w.org, 6).map(drop),
        Operation::ManageBilling => billing::invoices::pending(&cx, Some(1)).map(drop),
        Operation::Process => lifecycle::process(&cx).map(drop),
        Operation::TakeOver => self_service::take_over(&cx, w.own).map(drop),
        Operation::ManagePrices => catalog::set_price(&cx, "SPE_E3", &price).map(drop),
        Operation::ImportCatalog => rules::set(&cx, &[]).map(drop),
        Operation::GrantRoles => tenant::grant_role(&cx, "target@contoso.com", Role::ServiceAdmin),
        Operation::TenantSettings => tenant::set_default_usage_location(&cx, Some("DK")).map(drop),
        Operation::MoveClock => roles::authorize(&w.store, actor, op).map(drop),
        Operation::ManageGroups => crate::groups::create(&cx, "Sales team", None, None).map(drop),
        Operation::BuySelfService => {
            // A user without a role pays with their own card; an admin is refused first.
            if crate::actor::active(&w.store, actor).is_ok_and(|a| !a.is_admin()) {
                let _ = billing::payments::add(&cx, None, &card("4111111111111111"), true);
            }
            self_service::buy(&cx, "SPE_E5", 1, BillingFrequency::Monthly).map(drop)
        }
    }
}

/// The same operation on the purchaser's own self-service subscription, where one applies.
fn call_on_own(w: &World, op: Operation, actor: &str) -> Option<Result<(), Error>> {
    let cx = Cx::new(&w.store, actor, NOW);
    Some(match op {
        Operation::AssignLicense => self_service::assign(&cx, w.own, "leaver@contoso.com"),
        Operation::RemoveLicense => self_service::unassign(&cx, w.own, "target@contoso.com"),
        Operation::BuyLicenses => subscriptions::set_quantity(&cx, w.own, 3).map(drop),
        Operation::ManageBilling => billing::payments::visible(&cx).map(drop),
        _ => return None,
    })
}

fn forbidden(result: Result<(), Error>, what: &str) -> crate::types::ForbiddenError {
    match result {
        Err(Error::Forbidden(f)) => f,
        other => panic!("{what}: expected a refusal as forbidden, got {other:?}"),
    }
}

#[test]
fn r1_r2_every_role_against_every_operation_of_the_table() {
    for role in ALL_ROLES {
        for r in &TABLE {
            let w = world(Some(role));
            let what = format!("{} / {:?}", role_name(role), r.op);
            let before = w.store.snapshot();
            let result = call(&w, r.op, ACTOR);
            if allows(role, r.op) {
                assert!(
                    result.is_ok(),
                    "{what}: allowed by the table, got {result:?}"
                );
            } else {
                let f = forbidden(result, &what);
                assert_eq!(f.needed_role, least_role_for(r.op), "{what}: {}", f.message);
                if let Some(needed) = f.needed_role {
                    assert!(
                        f.message.contains(role_name(needed)),
                        "{what}: {}",
                        f.message
                    );
                }
                assert_eq!(
                    w.store.snapshot(),
                    before,
                    "{what}: a refusal changes nothing"
                );
            }
            // P3: an admin's view of a user's self-service subscription is read-only, whatever
            // the role: its licenses, quantity and billing are the purchaser's until a take-over.
            if let Some(result) = call_on_own(&w, r.op, ACTOR)
                && r.op != Operation::ManageBilling
            {
                let f = forbidden(
                    result,
                    &format!("{what} on a user's self-service subscription"),
                );
                assert!(
                    f.message.contains("take-over") || f.message.contains("take it over"),
                    "{what}: {}",
                    f.message
                );
            }
        }
    }
}

#[test]
fn p1_p2_a_user_without_a_role_buys_and_manages_only_their_own_purchases() {
    for r in &TABLE {
        let w = world(None);
        let what = format!("a user without a role / {:?}", r.op);
        let result = call(&w, r.op, ACTOR);
        match r.members {
            crate::exports::seats::licensing::tenant::MemberAccess::AnyUser => {
                assert!(result.is_ok(), "{what}: {result:?}")
            }
            _ => drop(forbidden(result, &what)),
        }
        // The purchaser, on their own subscription, may do what the table's column says.
        if let Some(result) = call_on_own(&w, r.op, MAKER) {
            assert_eq!(
                r.members,
                crate::exports::seats::licensing::tenant::MemberAccess::OwnPurchases,
                "{:?}",
                r.op
            );
            assert!(result.is_ok(), "the purchaser / {:?}: {result:?}", r.op);
        }
        // And another user may not, on someone else's.
        if let Some(result) = call_on_own(&w, r.op, ACTOR)
            && r.op != Operation::ManageBilling
        {
            drop(forbidden(
                result,
                &format!("{what} on someone else's purchase"),
            ));
        }
    }
}

#[test]
fn the_table_has_one_row_per_operation_and_names_the_least_role() {
    for r in &TABLE {
        assert!(std::ptr::eq(row(r.op), r), "{:?} has two rows", r.op);
        if let Some(first) = r.roles.first() {
            assert_eq!(least_role_for(r.op), Some(*first));
            assert!(r.roles.contains(&Role::GlobalAdmin), "{:?}", r.op);
        }
    }
}
