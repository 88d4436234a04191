//! Tests of bulk license changes: by UPN and by filter, across pages, all or nothing, G1, G2.

use super::*;
use crate::catalog;
use crate::memory::MemoryStore;
use crate::testkit::*;

fn choice(product: &str) -> LicenseChoice {
    LicenseChoice {
        product: product.into(),
        disabled_plans: vec![],
    }
}

fn upns(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("u{i}@contoso.com")).collect()
}

fn tenant_with_users(n: usize) -> MemoryStore {
    let (store, _) = tenant_with_catalog();
    let cx = admin(&store);
    let new: Vec<_> = upns(n).iter().map(|u| new_user(u)).collect();
    crate::users::create_many(&cx, &new).unwrap();
    store
}

fn held(store: &MemoryStore, upn: &str) -> Vec<String> {
    let user = crate::directory::find(store, upn).unwrap();
    view::licenses_of(store, &user)
        .into_iter()
        .map(|l| l.part_number)
        .collect()
}

#[test]
fn l5_add_to_existing_keeps_the_other_licenses() {
    let store = tenant_with_users(3);
    buy(&store, "SPE_E3", 3);
    buy(&store, "SPE_E5", 3);
    let cx = admin(&store);
    run(&cx, &upns(1), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
    let r = run(&cx, &upns(3), Mode::Add(&[choice("SPE_E5")]), false).unwrap();
    assert_eq!((r.applied, r.failed), (3, 0));
    assert_eq!(held(&store, "u0@contoso.com"), vec!["SPE_E3", "SPE_E5"]);
    assert_eq!(r.outcomes[0].before, vec!["SPE_E3"]);
    assert_eq!(r.outcomes[0].after, vec!["SPE_E3", "SPE_E5"]);
    // Adding again changes nothing.
    let r = run(&cx, &upns(3), Mode::Add(&[choice("SPE_E5")]), false).unwrap();
    assert_eq!((r.applied, r.unchanged), (0, 3));
}

#[test]
fn l5_replace_swaps_each_users_licenses_in_one_change() {
    let store = tenant_with_users(4);
    buy(&store, "SPE_E3", 4);
    buy(&store, "SPE_E5", 4);
    let cx = admin(&store);
    run(&cx, &upns(4), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
    let r = run(&cx, &upns(4), Mode::Replace(&[choice("SPE_E5")]), true).unwrap();
    assert_eq!(r.applied, 4);
    for u in upns(4) {
        assert_eq!(held(&store, &u), vec!["SPE_E5"]);
    }
    let e3 = crate::pool::of_product(&store, &catalog::resolve(&store, "SPE_E3").unwrap());
    assert_eq!(e3.assigned, 0);
}

#[test]
fn g2_adding_and_removing_for_one_user_is_one_change() {
    let store = tenant_with_users(2);
    buy(&store, "SPE_E3", 2);
    buy(&store, "SPE_E5", 1);
    let cx = admin(&store);
    run(&cx, &upns(2), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
    run(
        &cx,
        &["u1@contoso.com".into()],
        Mode::Add(&[choice("SPE_E5")]),
        false,
    )
    .unwrap();
    // E5 is full: the swap is refused whole, and u0 keeps E3 (never neither).
    let before = store.snapshot();
    let err = set_user_licenses(
        &cx,
        "u0@contoso.com",
        &[choice("SPE_E5")],
        &["SPE_E3".into()],
    )
    .unwrap_err();
    assert!(matches!(err, Error::InsufficientLicenses(_)), "{err:?}");
    assert_eq!(store.snapshot(), before);
    assert_eq!(held(&store, "u0@contoso.com"), vec!["SPE_E3"]);
    run(
        &cx,
        &["u1@contoso.com".into()],
        Mode::Remove(&["SPE_E5".into()]),
        false,
    )
    .unwrap();
    let r = set_user_licenses(
        &cx,
        "u0@contoso.com",
        &[choice("SPE_E5")],
        &["SPE_E3".into()],
    )
    .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].part_number, "SPE_E5");
    let err = set_user_licenses(&cx, "u0@contoso.com", &[], &[]).unwrap_err();
    assert!(err.text().contains("no license changes"), "{}", err.text());
}

#[test]
fn l5_remove_all_licenses_from_the_selected_users() {
    let store = tenant_with_users(3);
    buy(&store, "SPE_E3", 3);
    buy(&store, "SPE_E5", 3);
    let cx = admin(&store);
    run(
        &cx,
        &upns(3),
        Mode::Add(&[choice("SPE_E3"), choice("SPE_E5")]),
        false,
    )
    .unwrap();
    let r = run(&cx, &upns(2), Mode::RemoveAll, false).unwrap();
    assert_eq!(r.applied, 2);
    assert!(held(&store, "u0@contoso.com").is_empty());
    assert_eq!(held(&store, "u2@contoso.com"), vec!["SPE_E3", "SPE_E5"]);
    let r = run(&cx, &upns(2), Mode::RemoveAll, false).unwrap();
    assert_eq!((r.applied, r.unchanged), (0, 2));
}

#[test]
fn l6_unassign_one_product_from_chosen_users() {
    let store = tenant_with_users(3);
    buy(&store, "SPE_E3", 3);
    buy(&store, "SPE_E5", 3);
    let cx = admin(&store);
    run(
        &cx,
        &upns(3),
        Mode::Add(&[choice("SPE_E3"), choice("SPE_E5")]),
        false,
    )
    .unwrap();
    let r = run(&cx, &upns(2), Mode::Remove(&["SPE_E5".into()]), false).unwrap();
    assert_eq!(r.applied, 2);
    assert_eq!(held(&store, "u1@contoso.com"), vec!["SPE_E3"]);
    assert_eq!(held(&store, "u2@contoso.com"), vec!["SPE_E3", "SPE_E5"]);
}

#[test]
fn l5_counting_is_exact_within_one_call() {
    let store = tenant_with_users(10);
    buy(&store, "SPE_E3", 9);
    let cx = admin(&store);
    let r = run(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
    assert_eq!((r.applied, r.failed), (9, 1));
    let tenth = &r.outcomes[9];
    assert!(
        matches!(tenth.error, Some(Error::InsufficientLicenses(_))),
        "{tenth:?}"
    );
    assert!(held(&store, "u9@contoso.com").is_empty());
}

#[test]
fn l5_all_or_nothing_applies_none_when_one_fails() {
    let store = tenant_with_users(10);
    buy(&store, "SPE_E3", 9);
    let cx = admin(&store);
    let before = store.snapshot();
    let r = run(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), true).unwrap();
    assert!(r.rolled_back);
    assert_eq!((r.applied, r.failed), (0, 1));
    assert!(r.outcomes.iter().all(|o| !o.changed));
    assert_eq!(store.snapshot(), before);
}

#[test]
fn l5_counting_is_exact_across_pages() {
    let store = tenant_with_users(10);
    buy(&store, "SPE_E3", 9);
    let cx = admin(&store);
    let r = run_paged(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), false, 3).unwrap();
    assert_eq!((r.applied, r.failed), (9, 1));
    assert!(r.outcomes[9].error.is_some());
    assert_eq!(held(&store, "u8@contoso.com"), vec!["SPE_E3"]);
    assert!(held(&store, "u9@contoso.com").is_empty());
}

#[test]
fn l5_all_or_nothing_undoes_the_pages_already_written() {
    let store = tenant_with_users(10);
    buy(&store, "SPE_E3", 9);
    let cx = admin(&store);
    let before = store.snapshot();
    // Pages of 3: three pages are written before the tenth user fails.
    let r = run_paged(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), true, 3).unwrap();
    assert!(r.rolled_back);
    assert_eq!((r.applied, r.failed), (0, 1));
    assert!(r.outcomes.iter().all(|o| !o.changed && o.before == o.after));
    assert_eq!(store.snapshot(), before);
}

#[test]
fn l5_a_user_listed_twice_is_refused_the_second_time_even_on_another_page() {
    let store = tenant_with_users(4);
    buy(&store, "SPE_E3", 4);
    let cx = admin(&store);
    // The same user under another spelling, two pages later (pages of 2).
    let mut list = upns(4);
    list.push("U1@Contoso.com".into());
    let r = run_paged(&cx, &list, Mode::Add(&[choice("SPE_E3")]), false, 2).unwrap();
    assert_eq!((r.applied, r.failed), (4, 1));
    let refused = r.outcomes[4].error.as_ref().expect("the repeat is refused");
    assert!(
        refused.text().contains("listed more than once"),
        "{refused:?}"
    );
    assert_eq!(held(&store, "u1@contoso.com"), vec!["SPE_E3"]);
}

fn holders_of_e3(n: usize, e5: i64) -> MemoryStore {
    let store = tenant_with_users(n);
    buy(&store, "SPE_E3", n as i64);
    buy(&store, "SPE_E5", e5);
    let cx = admin(&store);
    let even: Vec<String> = upns(n).into_iter().step_by(2).collect();
    run(&cx, &even, Mode::Add(&[choice("SPE_E3")]), true).unwrap();
    store
}

fn e3_holders() -> UserFilter {
    UserFilter {
        unlicensed_only: false,
        product: Some("SPE_E3".into()),
        department: None,
        usage_location: None,
        enabled: None,
        deleted: false,
        group: None,
        in_error: false,
    }
}

fn e3_to_e5() -> LicenseChange {
    LicenseChange::Set(crate::exports::seats::licensing::bulk::AddRemove {
        add: vec![choice("SPE_E5")],
        remove: vec!["SPE_E3".into()],
    })
}

#[test]
fn l5_by_filter_changes_every_selected_user_a_page_at_a_time() {
    let store = holders_of_e3(10, 5);
    let cx = admin(&store);
    let r = change_where_paged(&cx, &e3_holders(), &e3_to_e5(), true, 100, 2).unwrap();
    assert_eq!((r.selected, r.applied, r.failed), (5, 5, 0));
    assert!(!r.rolled_back && r.failures.is_empty());
    assert_eq!(held(&store, "u0@contoso.com"), vec!["SPE_E5"]);
    assert_eq!(held(&store, "u8@contoso.com"), vec!["SPE_E5"]);
    assert!(held(&store, "u1@contoso.com").is_empty());
}

#[test]
fn l5_by_filter_writes_what_the_same_call_by_upn_writes() {
    let (by_filter, by_upn) = (holders_of_e3(10, 5), holders_of_e3(10, 5));
    change_where_paged(&admin(&by_filter), &e3_holders(), &e3_to_e5(), false, 0, 3).unwrap();
    let even: Vec<String> = upns(10).into_iter().step_by(2).collect();
    let mode = Mode::Set {
        add: &[choice("SPE_E5")],
        remove: &["SPE_E3".into()],
    };
    run(&admin(&by_upn), &even, mode, false).unwrap();
    assert_eq!(by_filter.snapshot(), by_upn.snapshot());
}

#[test]
fn l6_by_filter_all_or_nothing_undoes_written_pages_and_lists_failures() {
    // Five E3 holders, three E5 licenses: the fourth and fifth fail, on the last pages.
    let store = holders_of_e3(10, 3);
    let cx = admin(&store);
    let before = store.snapshot();
    let r = change_where_paged(&cx, &e3_holders(), &e3_to_e5(), true, 1, 2).unwrap();
    assert!(r.rolled_back);
    assert_eq!((r.selected, r.applied, r.failed), (5, 0, 2));
    assert_eq!(r.failures.len(), 1, "at most the limit is listed");
    assert_eq!(r.failures[0].upn, "u6@contoso.com");
    assert!(matches!(
        r.failures[0].error,
        Some(Error::InsufficientLicenses(_))
    ));
    assert_eq!(store.snapshot(), before);

    // Without all or nothing the first three move and the two failures stay as they were.
    let r = change_where_paged(&cx, &e3_holders(), &e3_to_e5(), false, 10, 2).unwrap();
    assert_eq!((r.applied, r.failed, r.failures.len()), (3, 2, 2));
    assert_eq!(held(&store, "u4@contoso.com"), vec!["SPE_E5"]);
    assert_eq!(held(&store, "u6@contoso.com"), vec!["SPE_E3"]);
}

#[test]
fn l5_by_filter_refuses_bad_filters_and_changes_nothing() {
    let store = holders_of_e3(4, 2);
    let cx = admin(&store);
    let before = store.snapshot();
    let deleted = UserFilter {
        deleted: true,
        ..e3_holders()
    };
    let unknown = UserFilter {
        product: Some("NO_SUCH_SKU".into()),
        ..e3_holders()
    };
    for filter in [deleted, unknown] {
        let e = change_where(&cx, &filter, &LicenseChange::RemoveAll, false, 10).unwrap_err();
        assert!(matches!(e, Error::Invalid(_) | Error::NotFound(_)), "{e:?}");
    }
    assert_eq!(store.snapshot(), before);
}

#[test]
fn bulk_reports_unknown_deleted_and_repeated_users_one_by_one() {
    let store = tenant_with_users(2);
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    let list = vec![
        "u0@contoso.com".into(),
        "ghost@contoso.com".into(),
        "U0@contoso.com".into(),
    ];
    let r = run(&cx, &list, Mode::Add(&[choice("SPE_E3")]), false).unwrap();
    assert_eq!((r.applied, r.failed), (1, 2));
    assert!(matches!(r.outcomes[1].error, Some(Error::NotFound(_))));
    assert!(matches!(r.outcomes[2].error, Some(Error::Invalid(_))));
}

#[test]
fn g1_a_license_needs_a_usage_location() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 2);
    let cx = admin(&store);
    let mut n = new_user("nowhere@contoso.com");
    n.usage_location = None;
    crate::users::create(&cx, &n).unwrap();
    let before = store.snapshot();
    let err = crate::licenses::assign(&cx, "nowhere@contoso.com", "SPE_E3", &[]).unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(i) if i.field == "usage-location"),
        "{err:?}"
    );
    assert!(err.text().contains("usage location"));
    assert_eq!(store.snapshot(), before);
    let mut t = store.get_tenant().unwrap();
    t.default_usage_location = Some("DK".into());
    store.put_tenant(&t);
    crate::licenses::assign(&cx, "nowhere@contoso.com", "SPE_E3", &[]).unwrap();
}

/// L4, L7: data moves where a change alters the workloads a user's licenses provide, and only
/// there; `seats check` names data that does not follow the licenses (which a change that
/// keeps the workloads leaves as it is, unread).
#[test]
fn l4_l7_data_follows_a_change_of_provided_workloads_and_only_that() {
    use crate::types::{DataState, ServiceData, Workload};
    let store = tenant_with_users(3);
    buy(&store, "SPE_E3", 3);
    buy(&store, "SPE_E5", 3);
    let cx = admin(&store);
    let no_exchange = LicenseChoice {
        product: "SPE_E3".into(),
        disabled_plans: vec!["EXCHANGE_S_ENTERPRISE".into()],
    };
    run(&cx, &upns(1), Mode::Add(&[no_exchange]), true).unwrap();
    run(&cx, &upns(3)[1..], Mode::Add(&[choice("SPE_E3")]), true).unwrap();
    let mailbox = |upn: &str| {
        let id = crate::directory::find(&store, upn).unwrap().id;
        store
            .service_data_of(&[id])
            .remove(0)
            .into_iter()
            .find(|d| d.workload == Workload::Mailbox)
    };
    assert_eq!(
        mailbox("u0@contoso.com"),
        None,
        "Exchange is off: no mailbox"
    );
    assert!(crate::check::run(&cx).unwrap().problems.is_empty());
    // Break u1's mailbox behind the rules' back: check names it.
    let u1 = crate::directory::find(&store, "u1@contoso.com").unwrap();
    let broken = ServiceData {
        user_id: u1.id,
        workload: Workload::Mailbox,
        state: DataState::Removed,
        since: NOW,
        until: None,
    };
    store.put_service_data(&[broken]);
    let problems = crate::check::run(&cx).unwrap().problems;
    assert_eq!(
        problems,
        vec!["u1@contoso.com's licenses provide data that is not active: mailbox (removed)"]
    );
    // E3 -> E5: u0 gains Exchange, so a mailbox; u1 and u2 keep their workloads, so their
    // data is neither read nor written: u1's stays as broken as it was.
    let r = change_where(&cx, &e3_holders(), &e3_to_e5(), true, 10).unwrap();
    assert_eq!((r.applied, r.failed), (3, 0));
    assert_eq!(
        mailbox("u0@contoso.com").map(|d| d.state),
        Some(DataState::Active)
    );
    assert_eq!(mailbox("u1@contoso.com"), Some(broken));
    assert_eq!(
        mailbox("u2@contoso.com").map(|d| d.state),
        Some(DataState::Active)
    );
    assert_eq!(crate::check::run(&cx).unwrap().problems, problems);
    // Removing every license moves all of it (L7): the mailbox is retained, Teams removed.
    let all = |upn: &str| {
        let id = crate::directory::find(&store, upn).unwrap().id;
        store.service_data_of(&[id]).remove(0)
    };
    run(&cx, &upns(3), Mode::RemoveAll, true).unwrap();
    for upn in upns(3) {
        assert!(
            all(&upn).iter().all(|d| d.state != DataState::Active),
            "{upn}: {:?}",
            all(&upn)
        );
    }
    assert!(crate::check::run(&cx).unwrap().problems.is_empty());
}
