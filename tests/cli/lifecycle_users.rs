//! Users through the binary: provisioning (L4), retention (L7), delete and restore (L8),
//! mailboxes (L9).

use crate::support::*;

fn data(env: &Env, upn: &str) -> Vec<(String, String)> {
    service_data(env, upn)
        .into_iter()
        .map(|(workload, state, _)| (workload, state))
        .collect()
}

#[test]
fn l4_l7_a_license_provisions_and_its_removal_retains_then_purges() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    let d = data(&env, "ana@contoso.com");
    assert!(d.contains(&("mailbox".into(), "active".into())), "{d:?}");
    assert!(
        d.contains(&("office-apps".into(), "active".into())),
        "{d:?}"
    );
    env.ok(&["unassign", "ana@contoso.com", "-p", "SPE_E3"]);
    let shown = env.json(&["users", "show", "ana@contoso.com"]);
    let mailbox = shown["service_data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["workload"] == "mailbox")
        .unwrap()
        .clone();
    assert_eq!(
        (mailbox["state"].as_str(), mailbox["until"].as_str()),
        (Some("retained"), Some("2026-12-23"))
    );
    assert!(data(&env, "ana@contoso.com").contains(&("office-apps".into(), "removed".into())));
    env.ok(&["--now", "2026-12-24", "process"]);
    assert!(data(&env, "ana@contoso.com").contains(&("mailbox".into(), "purged".into())));
}

#[test]
fn l8_delete_frees_licenses_and_restore_brings_them_back() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    env.ok(&["users", "delete", "ana@contoso.com"]);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
    assert_eq!(
        column(&env.json(&["users", "--deleted"]), "upn"),
        vec!["ana@contoso.com"]
    );
    let r = env.json(&["--now", "2026-12-01", "users", "restore", "ana@contoso.com"]);
    assert_eq!(r["restored"], serde_json::json!(["SPE_E3"]));
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 1);
    // Deleted again, and the license taken meanwhile: the restore says what could not come back.
    env.ok(&["users", "delete", "ana@contoso.com"]);
    env.ok(&["assign", "bo@contoso.com", "-p", "SPE_E3"]);
    let err = env.refused(&["users", "restore", "ana@contoso.com"]);
    assert!(
        err.contains("no license was restored") && err.contains("SPE_E3"),
        "{err}"
    );
    env.ok(&["users", "delete", "ana@contoso.com"]);
    let err = env.refused(&["--now", "2027-01-01", "users", "restore", "ana@contoso.com"]);
    assert!(err.contains("over 30 days ago"), "{err}");
}

#[test]
fn l9_a_shared_mailbox_needs_no_license_until_it_is_over_50_gb() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "EXCHANGEENTERPRISE", "--quantity", "1"]);
    env.ok(&[
        "users",
        "add",
        "info@contoso.com",
        "--name",
        "Info",
        "--kind",
        "shared-mailbox",
        "--mailbox-gb",
        "10",
        "--usage-location",
        "DK",
    ]);
    assert!(
        !column(&env.json(&["users", "--unlicensed"]), "upn").contains(&"info@contoso.com".into())
    );
    let err = env.refused(&["assign", "info@contoso.com", "-p", "EXCHANGEENTERPRISE"]);
    assert!(err.contains("50 GB"), "{err}");
    env.ok(&["users", "mailbox", "info@contoso.com", "--size-gb", "60"]);
    assert!(
        column(&env.json(&["users", "--unlicensed"]), "upn").contains(&"info@contoso.com".into())
    );
    env.ok(&["assign", "info@contoso.com", "-p", "EXCHANGEENTERPRISE"]);
}
