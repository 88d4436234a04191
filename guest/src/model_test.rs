//! Random sequences of operations against the rules (a property test): after every step the
//! invariants hold (`check`), a refused step changes nothing, and no assignment ever creates
//! a conflict.

use crate::cx::Cx;
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::memory::MemoryStore;
use crate::testkit::*;
use crate::types::Timestamp;
use proptest::prelude::*;

const USERS: usize = 6;
const PRODUCTS: [&str; 2] = ["SPE_E3", "SPE_E5"];
const DAY: Timestamp = 86_400;

#[derive(Clone, Debug)]
enum Op {
    Assign(usize, usize),
    Unassign(usize, usize),
    Add(Vec<usize>, usize, bool),
    Replace(Vec<usize>, usize, bool),
    RemoveAll(Vec<usize>),
    SetQuantity(u64, i64),
    Delete(usize),
    Restore(usize),
    Recurring(u64, bool),
    Later(u32),
    Renew(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS;
    let product = 0..PRODUCTS.len();
    let users = proptest::collection::vec(0..USERS, 0..5);
    prop_oneof![
        (user.clone(), product.clone()).prop_map(|(u, p)| Op::Assign(u, p)),
        (user.clone(), product.clone()).prop_map(|(u, p)| Op::Unassign(u, p)),
        (users.clone(), product.clone(), any::<bool>()).prop_map(|(u, p, a)| Op::Add(u, p, a)),
        (users.clone(), product.clone(), any::<bool>()).prop_map(|(u, p, a)| Op::Replace(u, p, a)),
        users.prop_map(Op::RemoveAll),
        (1u64..4, -1i64..8).prop_map(|(s, q)| Op::SetQuantity(s, q)),
        user.clone().prop_map(Op::Delete),
        user.prop_map(Op::Restore),
        (1u64..4, any::<bool>()).prop_map(|(s, on)| Op::Recurring(s, on)),
        (1u32..400).prop_map(Op::Later),
        (1u64..4).prop_map(Op::Renew),
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_the_invariants(ops in proptest::collection::vec(op(), 1..40)) {
        let (store, _) = tenant_with_catalog();
        for i in 0..USERS {
            add_user(&store, &upn(i));
        }
        buy(&store, "SPE_E3", 3);
        buy(&store, "SPE_E5", 2);
        buy(&store, "SPE_E3", 1);
        let mut now = NOW;
        for op in ops {
            let cx = Cx::new(&store, ADMIN, now);
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
                Op::Delete(u) => (crate::users::delete(&cx, &upn(*u)).map(drop), false),
                Op::Restore(u) => (crate::users::restore(&cx, &upn(*u)).map(drop), true),
                Op::Recurring(s, on) => (crate::lifecycle::set_recurring(&cx, *s, *on).map(drop), false),
                Op::Later(days) => {
                    now += i64::from(*days) * DAY;
                    (crate::lifecycle::process(&Cx::new(&store, ADMIN, now)).map(drop), false)
                }
                Op::Renew(s) => (crate::lifecycle::renew(&cx, *s).map(drop), false),
            };
            if result.is_err() {
                prop_assert_eq!(&store.snapshot(), &before, "{:?} was refused but changed the store", op);
            }
            let report = crate::check::run(&Cx::new(&store, ADMIN, now)).unwrap();
            prop_assert!(report.problems.is_empty(), "after {:?}: {:?}", op, report.problems);
            if assigning {
                let after = needing(&store);
                for (b, a) in conflicts_before.iter().zip(&after) {
                    prop_assert!(a <= b, "{:?} created a conflict: {:?} -> {:?}", op, conflicts_before, after);
                }
            }
        }
    }
}
