//! S7: users created with their licenses in one change (`users::create_licensed`).

use crate::bulk::{self, Mode};
use crate::directory::find;
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::exports::seats::licensing::users::NewLicensedUser;
use crate::memory::MemoryStore;
use crate::testkit::*;
use crate::types::{DataState, Role, UserKind};
use crate::users::{create_licensed, create_licensed_paged, create_many};

fn choice(product: &str, disabled: &[&str]) -> LicenseChoice {
    LicenseChoice {
        product: product.into(),
        disabled_plans: disabled.iter().map(|p| p.to_string()).collect(),
    }
}

fn licensed(upn: &str, licenses: Vec<LicenseChoice>) -> NewLicensedUser {
    NewLicensedUser {
        user: new_user(upn),
        licenses,
    }
}

/// Four users: two with E3, one with E3 without Teams calling, one with nothing; so that
/// two sets of licenses, disabled plans and an unlicensed user are all seen.
fn four() -> Vec<NewLicensedUser> {
    vec![
        licensed("ana@contoso.com", vec![choice("SPE_E3", &[])]),
        licensed("bo@contoso.com", vec![choice("SPE_E3", &["MCOSTANDARD"])]),
        licensed("carla@contoso.com", vec![]),
        licensed("dev@contoso.com", vec![choice("SPE_E3", &[])]),
    ]
}

fn held(store: &MemoryStore, upn: &str) -> Vec<(String, Vec<String>)> {
    let user = find(store, upn).unwrap();
    store
        .snapshot()
        .assignments
        .values()
        .filter(|a| a.user_id == user.id)
        .map(|a| (a.sku_id.clone(), a.disabled_plans.clone()))
        .collect()
}

#[test]
fn s7_users_are_created_with_their_licenses_in_one_change() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 3);
    let users = create_licensed(&admin(&store), &four()).unwrap();
    assert_eq!(users.len(), 4);
    assert!(users.iter().all(|u| u.id > 0), "ids are given: {users:?}");
    assert_eq!(held(&store, "ana@contoso.com"), vec![(E3.into(), vec![])]);
    assert_eq!(
        held(&store, "bo@contoso.com"),
        vec![(E3.into(), vec![TEAMS_CALLING.into()])]
    );
    assert!(held(&store, "carla@contoso.com").is_empty());
    // L4: the licensed are provisioned, the unlicensed not.
    let t = store.snapshot();
    let active = |id: u64| {
        t.service_data
            .values()
            .filter(|d| d.user_id == id && d.state == DataState::Active)
            .count()
    };
    assert!(active(users[0].id) > 0);
    assert_eq!(active(users[2].id), 0);
    // Audited as creating and then licensing each.
    let creates = t.audit.iter().filter(|e| e.action == "user.create").count();
    assert_eq!(creates, 4);
    let adds: Vec<_> = t
        .audit
        .iter()
        .filter(|e| e.action == "license.add")
        .collect();
    assert_eq!(adds.len(), 3);
    assert_eq!(adds[0].before.as_deref(), Some(r#"{"licenses":[]}"#));
    assert_eq!(adds[0].after.as_deref(), Some(r#"{"licenses":["SPE_E3"]}"#));
}

#[test]
fn s7_the_same_tenant_as_creating_the_users_and_then_adding_their_licenses() {
    let one = tenant_with_catalog().0;
    let two = tenant_with_catalog().0;
    for s in [&one, &two] {
        buy(s, "SPE_E3", 3);
    }
    create_licensed(&admin(&one), &four()).unwrap();

    let cx = admin(&two);
    let new: Vec<_> = four().into_iter().map(|n| n.user).collect();
    create_many(&cx, &new).unwrap();
    for (upns, set) in [
        (
            vec!["ana@contoso.com", "dev@contoso.com"],
            choice("SPE_E3", &[]),
        ),
        (vec!["bo@contoso.com"], choice("SPE_E3", &["MCOSTANDARD"])),
    ] {
        let upns: Vec<String> = upns.into_iter().map(String::from).collect();
        let r = bulk::run(&cx, &upns, Mode::Add(&[set]), true).unwrap();
        assert_eq!(r.failed, 0);
    }
    let (a, b) = (one.snapshot(), two.snapshot());
    assert_eq!(a.users, b.users);
    assert_eq!(a.assignments, b.assignments);
    assert_eq!(a.service_data, b.service_data);
    let entries = |t: &crate::memory::Tables| {
        let mut e: Vec<_> = t
            .audit
            .iter()
            .map(|e| {
                (
                    e.action.clone(),
                    e.target.clone(),
                    e.before.clone(),
                    e.after.clone(),
                )
            })
            .collect();
        e.sort();
        e
    };
    assert_eq!(entries(&a), entries(&b));
}

#[test]
fn s7_pages_write_each_user_with_their_own_licenses() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 3);
    // Pages of one user: every page's rows must be its own user's.
    create_licensed_paged(&admin(&store), &four(), 1).unwrap();
    assert_eq!(
        held(&store, "bo@contoso.com"),
        vec![(E3.into(), vec![TEAMS_CALLING.into()])]
    );
    assert_eq!(held(&store, "dev@contoso.com"), vec![(E3.into(), vec![])]);
    assert!(held(&store, "carla@contoso.com").is_empty());
}

#[test]
fn l2_s7_one_license_short_refuses_every_user_and_writes_nothing() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 2);
    let before = store.snapshot();
    let e = create_licensed(&admin(&store), &four()).unwrap_err();
    assert_eq!(e.kind(), "insufficient-licenses", "{e:?}");
    assert!(
        e.text().contains("dev@contoso.com") && e.text().contains("2 of 2"),
        "{e:?}"
    );
    assert_eq!(store.snapshot(), before);
}

#[test]
fn g1_s7_a_user_without_usage_location_refuses_the_call() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 5);
    let mut users = four();
    users[3].user.usage_location = None;
    let before = store.snapshot();
    let e = create_licensed(&admin(&store), &users).unwrap_err();
    assert!(
        e.text().contains("dev@contoso.com") && e.text().contains("usage location"),
        "{e:?}"
    );
    assert_eq!(store.snapshot(), before);
    // Without a license, no usage location is needed.
    users[3].licenses.clear();
    create_licensed(&admin(&store), &users).unwrap();
}

#[test]
fn l9_s7_a_shared_mailbox_gets_no_license() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 5);
    let mut users = four();
    users[1].user.kind = UserKind::SharedMailbox;
    let before = store.snapshot();
    let e = create_licensed(&admin(&store), &users).unwrap_err();
    assert!(
        e.text().contains("bo@contoso.com") && e.text().contains("needs no license"),
        "{e:?}"
    );
    assert_eq!(store.snapshot(), before);
}

#[test]
fn s7_bad_input_refuses_the_call_and_writes_nothing() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 5);
    add_user(&store, "taken@contoso.com");
    let before = store.snapshot();
    let cx = admin(&store);
    let cases: Vec<(Vec<NewLicensedUser>, &str)> = vec![
        (
            vec![licensed("taken@contoso.com", vec![choice("SPE_E3", &[])])],
            "already exists",
        ),
        (
            vec![
                licensed("x@contoso.com", vec![]),
                licensed("X@Contoso.com", vec![]),
            ],
            "given twice",
        ),
        (
            vec![licensed("x@contoso.com", vec![choice("NO_SUCH_SKU", &[])])],
            "NO_SUCH_SKU",
        ),
        (
            vec![licensed(
                "x@contoso.com",
                vec![choice("SPE_E3", &[]), choice("SPE_E3", &[])],
            )],
            "named twice",
        ),
        (
            vec![licensed(
                "x@contoso.com",
                vec![choice("SPE_E3", &["NO_SUCH_PLAN"])],
            )],
            "NO_SUCH_PLAN",
        ),
    ];
    for (users, says) in cases {
        let e = create_licensed(&cx, &users).unwrap_err();
        assert!(e.text().contains(says), "{says}: {e:?}");
        assert_eq!(store.snapshot(), before, "{says}");
    }
}

#[test]
fn r1_s7_creating_licensed_users_needs_both_roles() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E3", 5);
    add_admin(&store, "lic@contoso.com", Role::LicenseAdmin);
    add_admin(&store, "users@contoso.com", Role::UserAdmin);
    let before = store.snapshot();
    // A License administrator assigns but cannot create users.
    let e =
        create_licensed(&crate::cx::Cx::new(&store, "lic@contoso.com", NOW), &four()).unwrap_err();
    assert_eq!(e.kind(), "forbidden", "{e:?}");
    assert_eq!(store.snapshot(), before);
    // A User administrator can do both.
    create_licensed(
        &crate::cx::Cx::new(&store, "users@contoso.com", NOW),
        &four(),
    )
    .unwrap();
    assert_eq!(held(&store, "ana@contoso.com"), vec![(E3.into(), vec![])]);
}
