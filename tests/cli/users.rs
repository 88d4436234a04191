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
