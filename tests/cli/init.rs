use crate::support::*;

#[test]
fn init_demo_prints_the_licenses_page_of_a_realistic_tenant() {
    let env = Env::new();
    let out = env.seats().args(["init", "--demo"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8(out.stdout).unwrap();
    for product in ["SPE_E3", "SPE_E5", "SPE_F1", "POWER_BI_PRO", "VISIOCLIENT"] {
        assert!(page.contains(product), "{product} missing from:\n{page}");
    }
    // Two subscriptions of Microsoft 365 E3 form one pool (L1).
    let subs = env.json(&["subscriptions"]);
    let e3: Vec<_> = subs
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["product"] == "SPE_E3")
        .collect();
    assert_eq!(e3.len(), 2);
    let sum: u64 = e3.iter().map(|s| s["quantity"].as_u64().unwrap()).sum();
    assert_eq!(pool(&env, "SPE_E3")["total"].as_u64().unwrap(), sum);
    // A few hundred users, with departments and usage locations, some without a license.
    let users = env.json(&["users"]);
    assert!(users.as_array().unwrap().len() >= 300);
    assert!(column(&users, "department").iter().any(|d| d == "Finance"));
    assert!(column(&users, "usage_location").iter().any(|d| d == "DK"));
    assert!(
        !env.json(&["users", "--unlicensed"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Nothing is over-assigned.
    for row in env.json(&["licenses"]).as_array().unwrap() {
        assert!(row["available"].as_i64().unwrap() >= 0, "{row}");
    }
    // The acting admin is a global administrator.
    let roles = env.json(&["roles", "show", "admin@contoso.com"]);
    assert_eq!(column(&roles, "role"), vec!["global-admin"]);
}

#[test]
fn init_refuses_an_existing_database_and_force_replaces_it() {
    let env = Env::new();
    env.init();
    let out = env.seats().arg("init").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    env.ok(&["init", "--force", "--name", "Fabrikam"]);
}

#[test]
fn a_failed_init_leaves_no_database_behind() {
    let env = Env::new();
    let out = env
        .seats()
        .args(["init", "--country", "Atlantis"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ISO 3166-1"));
    assert!(!env.db.exists());
}

#[test]
fn commands_on_a_missing_database_say_how_to_create_one() {
    let env = Env::new();
    let out = env.seats().arg("licenses").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("seats init"));
}
