//! GL1-GL10 over the in-memory store: groups whose members inherit the group's products.

use super::*;
use crate::memory::MemoryStore;
use crate::testkit::*;
use crate::types::UserKind;

fn choice(product: &str, off: &[&str]) -> LicenseChoice {
    LicenseChoice {
        product: product.into(),
        disabled_plans: off.iter().map(|p| p.to_string()).collect(),
    }
}

fn names(upns: &[&str]) -> Vec<String> {
    upns.iter().map(|u| u.to_string()).collect()
}

/// A tenant with users a, b, c and a static group "Staff" of a and b.
fn world() -> MemoryStore {
    let (store, _) = tenant_with_catalog();
    for u in ["a@contoso.com", "b@contoso.com", "c@contoso.com"] {
        add_user(&store, u);
    }
    let cx = admin(&store);
    create(&cx, "Staff", None, None).unwrap();
    add_members(&cx, "Staff", &names(&["a@contoso.com", "b@contoso.com"])).unwrap();
    store
}

fn held(store: &MemoryStore, upn: &str) -> Vec<(String, bool, Vec<String>, Vec<String>)> {
    let user = crate::directory::find(store, upn).unwrap();
    crate::view::licenses_of(store, &user)
        .into_iter()
        .map(|l| {
            let off = l.disabled_plans.into_iter().map(|p| p.id).collect();
            (l.part_number, l.direct, l.groups, off)
        })
        .collect()
}

fn parts(store: &MemoryStore, upn: &str) -> Vec<String> {
    held(store, upn).into_iter().map(|h| h.0).collect()
}

fn assigned(store: &MemoryStore, product: &str) -> u32 {
    let sku = crate::catalog::resolve(store, product).unwrap().sku_id;
    store.count_assigned(&sku)
}

#[test]
fn gl1_members_inherit_the_groups_products_and_others_do_not() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    let change = set_licenses(&cx, "staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    assert_eq!((change.changed, change.errors), (2, 0));
    assert_eq!(parts(&store, "a@contoso.com"), ["SPE_E3"]);
    assert_eq!(parts(&store, "b@contoso.com"), ["SPE_E3"]);
    assert!(parts(&store, "c@contoso.com").is_empty());
    // A member added later inherits at once (GL8: in the same call).
    add_members(&cx, "Staff", &names(&["c@contoso.com"])).unwrap();
    assert_eq!(parts(&store, "c@contoso.com"), ["SPE_E3"]);
    assert_eq!(assigned(&store, "SPE_E3"), 3);
}

#[test]
fn gl1_a_dynamic_groups_members_are_the_users_its_rule_selects() {
    let (store, _) = tenant_with_catalog();
    let cx = admin(&store);
    add_user(&store, "sales@contoso.com");
    let mut hr = new_user("hr@contoso.com");
    hr.department = Some("HR".into());
    crate::users::create(&cx, &hr).unwrap();
    let g = create(&cx, "Sales", None, Some(r#"user.department -eq "sales""#)).unwrap();
    assert_eq!(store.count_members(g.id), 1);
    let bad = create(&cx, "Bad", None, Some("user.department -eq")).unwrap_err();
    assert!(bad.text().contains("column 20"), "{}", bad.text());
    let e = add_members(&cx, "Sales", &names(&["hr@contoso.com"])).unwrap_err();
    assert!(e.text().contains("dynamic"), "{}", e.text());
}

#[test]
fn gl2_one_seat_whatever_the_sources_with_the_union_of_enabled_plans() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    create(&cx, "Others", None, None).unwrap();
    add_members(&cx, "Others", &names(&["a@contoso.com"])).unwrap();
    set_licenses(
        &cx,
        "Staff",
        &[choice("SPE_E3", &[TEAMS_CALLING, SHAREPOINT_E])],
        &[],
    )
    .unwrap();
    set_licenses(&cx, "Others", &[choice("SPE_E3", &[TEAMS_CALLING])], &[]).unwrap();
    crate::licenses::assign(
        &cx,
        "a@contoso.com",
        "SPE_E3",
        &[TEAMS_CALLING.into(), EXCHANGE_E.into()],
    )
    .unwrap();
    // a: direct, Staff and Others; one seat; a plan is off only where every source has it off.
    let a = held(&store, "a@contoso.com");
    assert_eq!(a.len(), 1);
    assert!(a[0].1, "direct");
    assert_eq!(a[0].2, ["Staff", "Others"]);
    assert_eq!(a[0].3, [TEAMS_CALLING]);
    assert_eq!(assigned(&store, "SPE_E3"), 2);
    // The direct source goes: the groups' plans alone decide (union of enabled plans).
    crate::licenses::unassign(&cx, "a@contoso.com", "SPE_E3").unwrap();
    let a = held(&store, "a@contoso.com");
    assert!(!a[0].1);
    assert_eq!(a[0].3, [TEAMS_CALLING]);
    assert_eq!(assigned(&store, "SPE_E3"), 2);
}

#[test]
fn gl3_each_license_says_whether_it_is_direct_and_which_groups_give_it() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    buy(&store, "SPE_E5", 5);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    crate::licenses::assign(&cx, "a@contoso.com", "SPE_E3", &[]).unwrap();
    crate::licenses::assign(&cx, "a@contoso.com", "SPE_E5", &[]).unwrap();
    let a = held(&store, "a@contoso.com");
    assert_eq!(
        (a[0].0.as_str(), a[0].1, a[0].2.clone()),
        ("SPE_E3", true, names(&["Staff"]))
    );
    assert_eq!(
        (a[1].0.as_str(), a[1].1, a[1].2.clone()),
        ("SPE_E5", true, vec![])
    );
    let b = held(&store, "b@contoso.com");
    assert_eq!((b[0].1, b[0].2.clone()), (false, names(&["Staff"])));
}

#[test]
fn gl4_a_member_who_cannot_have_all_the_groups_products_gets_none_and_is_in_error() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    buy(&store, "SPE_E5", 1);
    let cx = admin(&store);
    let change = set_licenses(
        &cx,
        "Staff",
        &[choice("SPE_E3", &[]), choice("SPE_E5", &[])],
        &[],
    )
    .unwrap();
    assert_eq!(change.errors, 1, "one E5 for two members");
    assert_eq!(change.failures.len(), 1);
    let (with, without) = match parts(&store, "a@contoso.com").len() {
        2 => ("a@contoso.com", "b@contoso.com"),
        _ => ("b@contoso.com", "a@contoso.com"),
    };
    assert_eq!(parts(&store, with), ["SPE_E3", "SPE_E5"]);
    assert!(
        parts(&store, without).is_empty(),
        "none of the group's products"
    );
    let errors = errors(&cx, Some("Staff"), 0, 100).unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].upn, without);
    assert_eq!(errors[0].code, GraphCode::CountViolation);
    assert_eq!(details(&cx, "Staff").unwrap().errors, 1);
    // No usage location: ProhibitedInUsageLocationViolation (and the intent is kept).
    let mut nowhere = new_user("nowhere@contoso.com");
    nowhere.usage_location = None;
    crate::users::create(&cx, &nowhere).unwrap();
    crate::tenant::set_default_usage_location(&cx, None).unwrap();
    assert_eq!(store.get_tenant().unwrap().default_usage_location, None);
    let change = add_members(&cx, "Staff", &names(&["nowhere@contoso.com"])).unwrap();
    assert_eq!(change.errors, 1);
    let all = super::errors(&cx, Some("Staff"), 0, 100).unwrap();
    assert!(all.iter().any(|e| e.upn == "nowhere@contoso.com"
        && e.code == GraphCode::ProhibitedInUsageLocationViolation));
}

#[test]
fn gl5_an_inherited_license_cannot_be_removed_or_changed_on_the_user() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    let e = crate::licenses::unassign(&cx, "b@contoso.com", "SPE_E3").unwrap_err();
    assert!(e.text().contains("Staff"), "names the group: {}", e.text());
    let e = crate::licenses::set_disabled_plans(
        &cx,
        "b@contoso.com",
        "SPE_E3",
        &[TEAMS_CALLING.into()],
    )
    .unwrap_err();
    assert!(e.text().contains("Staff"), "{}", e.text());
    assert_eq!(parts(&store, "b@contoso.com"), ["SPE_E3"]);
    // Leaving the group frees the seat.
    remove_members(&cx, "Staff", &names(&["b@contoso.com"])).unwrap();
    assert!(parts(&store, "b@contoso.com").is_empty());
    assert_eq!(assigned(&store, "SPE_E3"), 1);
}

#[test]
fn gl6_a_group_with_products_cannot_be_deleted_and_a_direct_license_survives_the_groups() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    crate::licenses::assign(&cx, "a@contoso.com", "SPE_E3", &[]).unwrap();
    let e = delete(&cx, "Staff").unwrap_err();
    assert!(e.text().contains("--remove SPE_E3"), "{}", e.text());
    set_licenses(&cx, "Staff", &[], &names(&["SPE_E3"])).unwrap();
    let a = held(&store, "a@contoso.com");
    assert_eq!(
        (a.len(), a[0].1, a[0].2.is_empty()),
        (1, true, true),
        "kept as direct"
    );
    assert!(parts(&store, "b@contoso.com").is_empty());
    delete(&cx, "Staff").unwrap();
    assert!(store.find_group("Staff").is_none());
}

#[test]
fn gl7_reprocessing_gives_the_products_to_members_in_error() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    crate::tenant::set_default_usage_location(&cx, None).unwrap();
    let mut nowhere = new_user("d@contoso.com");
    nowhere.usage_location = None;
    crate::users::create(&cx, &nowhere).unwrap();
    add_members(&cx, "Staff", &names(&["d@contoso.com"])).unwrap();
    let change = set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    assert_eq!((change.changed, change.errors), (2, 1));
    let update = crate::exports::seats::licensing::users::UserUpdate {
        display_name: None,
        department: None,
        usage_location: Some("DK".into()),
        enabled: None,
    };
    crate::users::update(&cx, "d@contoso.com", &update).unwrap();
    // Still in error until reprocessed (Invoke-MgLicenseUser).
    assert!(parts(&store, "d@contoso.com").is_empty());
    let change = reprocess(&cx, "Staff").unwrap();
    assert_eq!((change.changed, change.errors), (1, 0));
    assert!(errors(&cx, Some("Staff"), 0, 10).unwrap().is_empty());
    assert_eq!(parts(&store, "d@contoso.com"), ["SPE_E3"]);
}

#[test]
fn gl8_a_group_change_takes_effect_in_the_same_call() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    // Nothing is pending: what the call returned is what is stored.
    assert_eq!(assigned(&store, "SPE_E3"), 2);
    remove_members(&cx, "Staff", &names(&["a@contoso.com"])).unwrap();
    assert_eq!(assigned(&store, "SPE_E3"), 1);
}

#[test]
fn gl10_switching_a_groups_product_never_holds_both() {
    let store = world();
    buy(&store, "SPE_E3", 2);
    buy(&store, "SPE_E5", 2);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    let audit_before = store.tables.borrow().audit.len();
    let change = set_licenses(&cx, "Staff", &[choice("SPE_E5", &[])], &names(&["SPE_E3"])).unwrap();
    assert_eq!((change.changed, change.errors), (2, 0));
    for u in ["a@contoso.com", "b@contoso.com"] {
        assert_eq!(parts(&store, u), ["SPE_E5"]);
    }
    assert_eq!(
        (assigned(&store, "SPE_E3"), assigned(&store, "SPE_E5")),
        (0, 2)
    );
    // One entry per member, E3 before and E5 after: never both, never neither.
    let t = store.tables.borrow();
    let entries: Vec<_> = t.audit[audit_before..]
        .iter()
        .filter(|e| e.action == "license.group")
        .collect();
    assert_eq!(entries.len(), 2);
}

#[test]
fn gl_roles_a_license_administrator_cannot_manage_groups_and_a_user_administrator_can() {
    let store = world();
    add_admin(&store, "lic@contoso.com", crate::types::Role::LicenseAdmin);
    add_admin(&store, "usr@contoso.com", crate::types::Role::UserAdmin);
    let lic = Cx::new(&store, "lic@contoso.com", NOW);
    assert!(matches!(
        create(&lic, "X", None, None),
        Err(Error::Forbidden(_))
    ));
    let usr = Cx::new(&store, "usr@contoso.com", NOW);
    create(&usr, "X", None, None).unwrap();
    let _ = UserKind::User;
}

#[test]
fn gl8_a_change_of_attributes_moves_a_user_in_and_out_of_dynamic_groups_with_their_licenses() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E5", 5);
    let cx = admin(&store);
    add_user(&store, "ana@contoso.com");
    create(&cx, "Sales", None, Some(r#"user.department -eq "Sales""#)).unwrap();
    set_licenses(&cx, "Sales", &[choice("SPE_E5", &[])], &[]).unwrap();
    assert_eq!(parts(&store, "ana@contoso.com"), ["SPE_E5"]);
    // A new user of the department joins at creation, with the license.
    add_user(&store, "bo@contoso.com");
    assert_eq!(parts(&store, "bo@contoso.com"), ["SPE_E5"]);
    // Moving to HR leaves the group and frees the seat, in the same call.
    let update = crate::exports::seats::licensing::users::UserUpdate {
        display_name: None,
        department: Some("HR".into()),
        usage_location: None,
        enabled: None,
    };
    crate::users::update(&cx, "ana@contoso.com", &update).unwrap();
    assert!(parts(&store, "ana@contoso.com").is_empty());
    assert_eq!(assigned(&store, "SPE_E5"), 1);
    let back = crate::exports::seats::licensing::users::UserUpdate {
        department: Some("sales".into()),
        ..update
    };
    crate::users::update(&cx, "ana@contoso.com", &back).unwrap();
    assert_eq!(parts(&store, "ana@contoso.com"), ["SPE_E5"]);
}

#[test]
fn gl1_l8_a_restored_user_gets_the_groups_products_from_the_groups_again() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    buy(&store, "SPE_E5", 5);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    crate::licenses::assign(&cx, "a@contoso.com", "SPE_E5", &[]).unwrap();
    crate::users::delete(&cx, "a@contoso.com").unwrap();
    assert_eq!(assigned(&store, "SPE_E3"), 1);
    let r = crate::users::restore(&cx, "a@contoso.com").unwrap();
    assert_eq!(r.restored, ["SPE_E5", "SPE_E3"]);
    let a = held(&store, "a@contoso.com");
    assert_eq!(
        (a[0].0.as_str(), a[0].1, a[0].2.clone()),
        ("SPE_E3", false, names(&["Staff"]))
    );
    assert_eq!((a[1].0.as_str(), a[1].1), ("SPE_E5", true));
}

#[test]
fn gl8_members_waiting_for_a_license_get_it_oldest_first_when_licenses_are_bought_or_freed() {
    let (store, _) = tenant_with_catalog();
    let sub = buy(&store, "SPE_E5", 1);
    let cx = admin(&store);
    for u in [
        "first@contoso.com",
        "second@contoso.com",
        "third@contoso.com",
    ] {
        add_user(&store, u);
    }
    create(&cx, "Staff", None, None).unwrap();
    set_licenses(&cx, "Staff", &[choice("SPE_E5", &[])], &[]).unwrap();
    // One at a time, so that the line has an order: first gets the one license.
    let later = Cx::new(&store, ADMIN, NOW + 60);
    add_members(&later, "Staff", &names(&["first@contoso.com"])).unwrap();
    let later = Cx::new(&store, ADMIN, NOW + 120);
    add_members(&later, "Staff", &names(&["third@contoso.com"])).unwrap();
    let later = Cx::new(&store, ADMIN, NOW + 180);
    add_members(&later, "Staff", &names(&["second@contoso.com"])).unwrap();
    assert_eq!(parts(&store, "first@contoso.com"), ["SPE_E5"]);
    let line: Vec<String> = errors(&cx, Some("Staff"), 0, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.upn)
        .collect();
    assert_eq!(line, ["third@contoso.com", "second@contoso.com"]);
    // One more license: the oldest in the line gets it, in the purchase's own call.
    crate::subscriptions::set_quantity(&cx, sub, 2).unwrap();
    assert_eq!(parts(&store, "third@contoso.com"), ["SPE_E5"]);
    assert!(parts(&store, "second@contoso.com").is_empty());
    // A license freed (first leaves the group): second gets it.
    remove_members(&cx, "Staff", &names(&["first@contoso.com"])).unwrap();
    assert_eq!(parts(&store, "second@contoso.com"), ["SPE_E5"]);
    assert!(errors(&cx, Some("Staff"), 0, 10).unwrap().is_empty());
    // A direct removal frees one too.
    add_user(&store, "fourth@contoso.com");
    add_members(&cx, "Staff", &names(&["fourth@contoso.com"])).unwrap();
    crate::licenses::assign(&cx, "second@contoso.com", "SPE_E5", &[]).unwrap();
    assert_eq!(errors(&cx, Some("Staff"), 0, 10).unwrap().len(), 1);
    buy(&store, "SPE_E5", 1);
    assert_eq!(parts(&store, "fourth@contoso.com"), ["SPE_E5"]);
}

#[test]
fn gl2_gl5_seats_check_finds_an_inherited_seat_without_its_group_and_a_member_without_it() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    assert_eq!(
        crate::check::run(&cx).unwrap().problems,
        Vec::<String>::new()
    );
    // Behind the rules' back: b leaves the group but keeps the seat; c joins without it.
    let staff = store.find_group("Staff").unwrap().id;
    let b = crate::directory::find(&store, "b@contoso.com").unwrap();
    let c = crate::directory::find(&store, "c@contoso.com").unwrap();
    store.remove_members(staff, &[b.id]);
    store.add_members(staff, &[c.id]);
    // And d, never a member, is in error for the group.
    add_user(&store, "d@contoso.com");
    let d = crate::directory::find(&store, "d@contoso.com").unwrap();
    store.put_group_errors(&[crate::types::GroupError {
        user_id: d.id,
        group_id: staff,
        code: GraphCode::CountViolation,
        message: "no licenses".into(),
        since: 0,
    }]);
    let problems = crate::check::run(&cx).unwrap().problems;
    assert_eq!(problems.len(), 3, "{problems:?}");
    let found =
        |who: &str, what: &str| problems.iter().any(|p| p.contains(who) && p.contains(what));
    assert!(found("b@contoso.com", "not a member"), "{problems:?}");
    assert!(found("c@contoso.com", "holds 0"), "{problems:?}");
    assert!(
        found("d@contoso.com", "in error for group Staff"),
        "{problems:?}"
    );
}

#[test]
fn gl1_gl8_a_new_rule_moves_users_in_and_out_with_the_groups_products_in_one_call() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E5", 10);
    let cx = admin(&store);
    for u in ["s1@contoso.com", "s2@contoso.com"] {
        add_user(&store, u);
    }
    let mut hr = new_user("h1@contoso.com");
    hr.department = Some("HR".into());
    crate::users::create(&cx, &hr).unwrap();
    create(&cx, "G", None, Some(r#"user.department -eq "Sales""#)).unwrap();
    set_licenses(&cx, "G", &[choice("SPE_E5", &[])], &[]).unwrap();
    assert_eq!(assigned(&store, "SPE_E5"), 2);
    let change = set_rule(&cx, "G", r#"user.department -eq "HR""#).unwrap();
    assert_eq!(change.changed, 3, "two leave, one joins");
    assert_eq!(parts(&store, "h1@contoso.com"), ["SPE_E5"]);
    assert!(parts(&store, "s1@contoso.com").is_empty());
    assert_eq!(store.count_members(store.find_group("G").unwrap().id), 1);
    let bad = set_rule(&cx, "G", "user.kind -eq").unwrap_err();
    assert!(bad.text().contains("column"), "{}", bad.text());
}

#[test]
fn gl1_a_rule_without_a_department_or_location_is_evaluated_over_every_user() {
    let (store, _) = tenant_with_catalog();
    buy(&store, "SPE_E5", 10);
    let cx = admin(&store);
    for u in ["on@contoso.com", "off@contoso.com"] {
        add_user(&store, u);
    }
    let update = crate::exports::seats::licensing::users::UserUpdate {
        display_name: None,
        department: None,
        usage_location: None,
        enabled: Some(false),
    };
    crate::users::update(&cx, "off@contoso.com", &update).unwrap();
    create(&cx, "Blocked", None, Some(r#"user.usageLocation -eq "dk""#)).unwrap();
    set_licenses(&cx, "Blocked", &[choice("SPE_E5", &[])], &[]).unwrap();
    // The admin is in DK too.
    assert_eq!(assigned(&store, "SPE_E5"), 3);
    let change = set_rule(&cx, "Blocked", "user.accountEnabled -eq false").unwrap();
    assert_eq!(change.changed, 2, "the admin and on leave; off stays");
    assert!(parts(&store, "on@contoso.com").is_empty());
    assert_eq!(parts(&store, "off@contoso.com"), ["SPE_E5"]);
    // A location in any case narrows to the stored one.
    let change = set_rule(&cx, "Blocked", r#"user.usageLocation -in ["dk"]"#).unwrap();
    assert_eq!(change.changed, 2, "the admin and on join again");
    assert_eq!(parts(&store, "on@contoso.com"), ["SPE_E5"]);
}

#[test]
fn gl9_a_group_change_can_be_previewed_who_gains_and_loses_what_and_whose_data_is_retained() {
    let store = world();
    buy(&store, "SPE_E3", 5);
    let cx = admin(&store);
    set_licenses(&cx, "Staff", &[choice("SPE_E3", &[])], &[]).unwrap();
    let before = store.snapshot();
    let audited = store.tables.borrow().audit.len();
    // A preview is the change in a savepoint, read, then undone (the host's --what-if).
    let mark = store.savepoint();
    let change = remove_members(&cx, "Staff", &names(&["b@contoso.com"])).unwrap();
    assert_eq!(change.changed, 1);
    {
        let t = store.tables.borrow();
        let lost: Vec<_> = t.audit[audited..]
            .iter()
            .filter(|e| e.action == "license.group" && e.target == "user:b@contoso.com")
            .collect();
        assert_eq!(lost.len(), 1, "b loses SPE_E3");
        assert!(lost[0].before.as_deref().unwrap().contains("SPE_E3"));
        let b = crate::directory::find(&store, "b@contoso.com").unwrap();
        let retained = t
            .service_data
            .values()
            .filter(|d| d.user_id == b.id && d.state == crate::types::DataState::Retained)
            .count();
        assert!(retained > 0, "b's mailbox starts its retention (L7)");
    }
    store.rollback_to(mark);
    assert_eq!(store.snapshot(), before, "the preview changed nothing");
}

#[test]
fn gl8_a_rule_change_gives_joiners_the_seats_its_leavers_free_in_the_same_call() {
    // Both ways a rule is evaluated: narrowed to a department, and over every user.
    for rule in [
        r#"user.department -eq "HR""#,
        r#"user.department -eq "HR" -or user.accountEnabled -eq false"#,
    ] {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E5", 2);
        let cx = admin(&store);
        for u in ["s1@contoso.com", "s2@contoso.com"] {
            add_user(&store, u);
        }
        for u in ["h1@contoso.com", "h2@contoso.com"] {
            let mut hr = new_user(u);
            hr.department = Some("HR".into());
            crate::users::create(&cx, &hr).unwrap();
        }
        create(&cx, "G", None, Some(r#"user.department -eq "Sales""#)).unwrap();
        set_licenses(&cx, "G", &[choice("SPE_E5", &[])], &[]).unwrap();
        assert_eq!(assigned(&store, "SPE_E5"), 2);
        let change = set_rule(&cx, "G", rule).unwrap();
        assert_eq!((change.changed, change.errors), (4, 0), "{rule}");
        for u in ["h1@contoso.com", "h2@contoso.com"] {
            assert_eq!(parts(&store, u), ["SPE_E5"], "{rule}");
        }
        assert_eq!(assigned(&store, "SPE_E5"), 2, "{rule}");
        assert!(errors(&cx, Some("G"), 0, 10).unwrap().is_empty(), "{rule}");
    }
}
