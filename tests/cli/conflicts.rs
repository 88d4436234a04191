//! Conflicts through the binary: a lapsed subscription (S5, S6) leaves assigned licenses in
//! conflict (C1), shown on the Licenses page only then (C2), with the ways out (C3).

use crate::support::*;

#[test]
fn c1_c2_c3_g5_s6_a_lapsed_subscription_causes_a_conflict_that_renewing_resolves() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2", "--billing", "monthly"]);
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
    env.ok(&[
        "assign",
        "-p",
        "SPE_E3",
        "ana@contoso.com",
        "bo@contoso.com",
        "cy@contoso.com",
    ]);
    let page = env.ok(&["licenses"]);
    assert!(
        !page.contains("status"),
        "no conflict, no status column:\n{page}"
    );
    assert!(env.ok(&["conflicts"]).contains("No license conflicts"));

    env.ok(&["recurring", "1", "off"]);
    // The monthly subscription's term ends on 2026-12-23; in its grace period it is "expired".
    let events = env.json(&["--now", "2027-01-05", "process"])["events"].clone();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["subscription"] == 1 && e["now"] == "expired"),
        "{events}"
    );
    let page = env.ok(&["licenses"]);
    assert!(
        page.contains("status") && page.contains("2 users need a valid license"),
        "{page}"
    );
    let e3 = pool(&env, "SPE_E3");
    assert_eq!(
        (
            e3["enabled"].as_u64(),
            e3["warning"].as_u64(),
            e3["available"].as_i64()
        ),
        (Some(1), Some(2), Some(-2))
    );
    let conflicts = env.json(&["conflicts"]);
    assert_eq!(conflicts[0]["users_needing_license"], 2);
    assert_eq!(
        conflicts[0]["renewable_subscriptions"],
        serde_json::json!([1])
    );
    // An assignment never adds to a conflict.
    env.ok(&[
        "users",
        "add",
        "dee@contoso.com",
        "--name",
        "Dee",
        "--usage-location",
        "DK",
    ]);
    env.refused(&["assign", "dee@contoso.com", "-p", "SPE_E3"]);

    env.ok(&["--now", "2027-01-06", "renew", "1"]);
    assert!(!env.ok(&["licenses"]).contains("status"));
    assert!(env.ok(&["conflicts"]).contains("No license conflicts"));
}

#[test]
fn the_audit_log_records_who_did_what_and_filters() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    env.ok(&["unassign", "ana@contoso.com", "-p", "SPE_E3"]);
    let log = env.json(&[
        "audit",
        "--target",
        "user:ana@contoso.com",
        "--action",
        "license",
    ]);
    assert_eq!(
        column(&log, "action"),
        vec!["license.add", "license.remove"]
    );
    assert_eq!(log[0]["actor"], "admin@contoso.com");
    assert_eq!(log[0]["after"], serde_json::json!(["SPE_E3"]));
    assert_eq!(log[1]["before"], serde_json::json!(["SPE_E3"]));
    let subs = env.json(&["audit", "--action", "subscription"]);
    assert_eq!(column(&subs, "action"), vec!["subscription.create"]);
    // A refusal writes nothing.
    let count = env
        .json(&["audit", "--last", "100000"])
        .as_array()
        .unwrap()
        .len();
    env.refused(&["assign", "ghost@contoso.com", "-p", "SPE_E3"]);
    assert_eq!(
        env.json(&["audit", "--last", "100000"])
            .as_array()
            .unwrap()
            .len(),
        count
    );
}

#[test]
fn audit_last_shows_the_newest_entries_oldest_first_from_the_cli_and_scripts() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    env.ok(&["unassign", "ana@contoso.com", "-p", "SPE_E3"]);
    let all = env.json(&["audit", "--last", "100000"]);
    let all = all.as_array().unwrap();
    assert!(all.len() > 3, "{all:?}");
    let last = env.json(&["audit", "--last", "2"]);
    assert_eq!(last.as_array().unwrap(), &all[all.len() - 2..]);
    assert_eq!(
        column(&last, "action"),
        vec!["license.add", "license.remove"]
    );
    let licenses = env.json(&["audit", "--action", "license", "--last", "1"]);
    assert_eq!(column(&licenses, "action"), vec!["license.remove"]);

    let p = env.dir.path().join("last.rhai");
    std::fs::write(
        &p,
        "let a = get_audit(#{last: 2});\n\
         print(a.len());\n\
         print(a[0].action + \" \" + a[1].action);\n\
         try { get_audit(#{last: 0}); } catch (e) { print(e.kind); }",
    )
    .unwrap();
    let out = env.ok(&["run", p.to_str().unwrap()]);
    assert!(
        out.contains("2\nlicense.add license.remove\ninvalid"),
        "{out}"
    );
}
