//! Self-service purchases through the binary (P1-P4).

use crate::support::*;

#[test]
fn p1_p2_p3_p4_a_user_buys_and_assigns_admins_view_and_take_over() {
    let env = Env::new();
    env.tenant();
    let maker = ["--as", "ana@contoso.com"];
    // P1, P2: the purchaser pays with a card of their own.
    env.ok(&[&maker[..], &OWN_CARD[..]].concat());
    // P1: a user without an admin role buys Power BI Pro for the team.
    let bought = env.json(
        &[
            &maker[..],
            &["self-service", "buy", "POWER_BI_PRO", "-q", "2"],
        ]
        .concat(),
    );
    let id = bought["id"].as_u64().unwrap().to_string();
    assert_eq!(
        (bought["channel"].as_str(), bought["purchaser"].as_str()),
        (Some("self-service"), Some("ana@contoso.com"))
    );
    let err = env.refused(&[&maker[..], &["self-service", "buy", "SPE_E5", "-q", "1"]].concat());
    assert!(
        err.contains("cannot be bought through self-service"),
        "{err}"
    );
    // P2: assigns it to people in the team; sees their own.
    env.ok(&[
        &maker[..],
        &["self-service", "assign", &id, "bo@contoso.com"],
    ]
    .concat());
    env.ok(&[
        &maker[..],
        &["self-service", "assign", &id, "cy@contoso.com"],
    ]
    .concat());
    let err = env.refused(
        &[
            &maker[..],
            &["self-service", "assign", &id, "ana@contoso.com"],
        ]
        .concat(),
    );
    assert!(err.contains("insufficient-licenses"), "{err}");
    let mine = env.json(&[&maker[..], &["self-service", "mine"]].concat());
    assert_eq!(
        mine[0]["assigned"],
        serde_json::json!(["bo@contoso.com", "cy@contoso.com"])
    );
    let err = env.refused(&[
        "--as",
        "bo@contoso.com",
        "self-service",
        "assign",
        &id,
        "bo@contoso.com",
    ]);
    assert!(err.contains("forbidden"), "{err}");
    // P3: admins see every self-service subscription, with purchaser, price and users.
    let all = env.json(&["self-service", "list"]);
    assert_eq!(all[0]["purchaser"], "ana@contoso.com");
    assert_eq!(all[0]["price"], "33.60");
    // P4: admins cannot unassign those licenses, until they take the subscription over.
    let before = env.dump();
    let err = env.refused(&["unassign", "bo@contoso.com", "-p", "POWER_BI_PRO"]);
    assert!(err.contains("take-over"), "{err}");
    assert_eq!(env.dump(), before);
    env.ok(&["self-service", "take-over", &id]);
    assert_eq!(pool(&env, "POWER_BI_PRO")["total"], 2);
    env.ok(&["unassign", "bo@contoso.com", "-p", "POWER_BI_PRO"]);
    assert_eq!(pool(&env, "POWER_BI_PRO")["assigned"], 1);
}
