use crate::support::*;

#[test]
fn l10_users_lists_active_users_and_filters_the_unlicensed() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    env.ok(&["assign", "ana@contoso.com", "--product", "SPE_E3"]);
    let all = column(&env.json(&["users"]), "upn");
    assert_eq!(
        all,
        vec![
            "admin@contoso.com",
            "ana@contoso.com",
            "bo@contoso.com",
            "cy@contoso.com"
        ]
    );
    let unlicensed = column(&env.json(&["users", "--unlicensed"]), "upn");
    assert_eq!(
        unlicensed,
        vec!["admin@contoso.com", "bo@contoso.com", "cy@contoso.com"]
    );
    let holders = column(&env.json(&["users", "--product", "SPE_E3"]), "upn");
    assert_eq!(holders, vec!["ana@contoso.com"]);
}

#[test]
fn a_user_is_created_with_the_tenant_default_usage_location() {
    let env = Env::new();
    env.ok(&["init", "--default-usage-location", "DK"]);
    let u = env.json(&["users", "add", "new@contoso.com", "--name", "New Person"]);
    assert_eq!(u["usage_location"], "DK");
    let err = env.refused(&["users", "add", "NEW@contoso.com", "--name", "Again"]);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn g1_a_license_needs_a_usage_location_from_the_user_or_the_tenant() {
    let env = Env::new();
    env.init();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    env.ok(&["users", "add", "nowhere@contoso.com", "--name", "Nowhere"]);
    let before = env.dump();
    let err = env.refused(&["assign", "nowhere@contoso.com", "-p", "SPE_E3"]);
    assert!(err.contains("no usage location"), "{err}");
    assert_eq!(env.dump(), before);
    env.refused(&[
        "users",
        "set",
        "nowhere@contoso.com",
        "--usage-location",
        "Nowhere",
    ]);
    env.ok(&[
        "users",
        "set",
        "nowhere@contoso.com",
        "--usage-location",
        "dk",
    ]);
    env.ok(&["assign", "nowhere@contoso.com", "-p", "SPE_E3"]);
    // Or the tenant's default applies.
    env.ok(&["users", "add", "later@contoso.com", "--name", "Later"]);
    let t = env.json(&["tenant", "set-default-usage-location", "SE"]);
    assert_eq!(t["default_usage_location"], "SE");
    env.ok(&["assign", "later@contoso.com", "-p", "SPE_E3"]);
}
