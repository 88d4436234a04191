//! Bulk modes through the binary (L5, L6, G2).

use crate::support::*;

fn held(env: &Env, upn: &str) -> Vec<serde_json::Value> {
    column(&env.json(&["users", "show", upn])["licenses"], "product")
}

#[test]
fn l5_assign_many_users_then_replace_then_remove_all() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "3"]);
    env.ok(&["buy", "SPE_E5", "--quantity", "3"]);
    let users = ["ana@contoso.com", "bo@contoso.com", "cy@contoso.com"];
    let mut args = vec!["assign", "--product", "SPE_E3"];
    args.extend(users);
    let out = env.json(&args);
    assert_eq!(column(&out, "result"), vec!["ok", "ok", "ok"]);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 3);

    let mut args = vec!["assign", "--replace", "--product", "SPE_E5"];
    args.extend(&users[..2]);
    let out = env.json(&args);
    assert_eq!(out[0]["before"], serde_json::json!(["SPE_E3"]));
    assert_eq!(out[0]["after"], serde_json::json!(["SPE_E5"]));
    assert_eq!(held(&env, "ana@contoso.com"), vec!["SPE_E5"]);
    assert_eq!(held(&env, "cy@contoso.com"), vec!["SPE_E3"]);

    let mut args = vec!["assign", "--remove-all"];
    args.extend(users);
    env.ok(&args);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
    assert_eq!(pool(&env, "SPE_E5")["assigned"], 0);
}

#[test]
fn l6_unassign_one_product_from_users_listed_in_a_file() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "3"]);
    env.ok(&[
        "assign",
        "-p",
        "SPE_E3",
        "ana@contoso.com",
        "bo@contoso.com",
        "cy@contoso.com",
    ]);
    let file = env.dir.path().join("leavers.csv");
    std::fs::write(
        &file,
        "UserPrincipalName,Reason\nana@contoso.com,left\nbo@contoso.com,left\n",
    )
    .unwrap();
    let out = env.json(&[
        "unassign",
        "--product",
        "SPE_E3",
        "--from",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        column(&out, "upn"),
        vec!["ana@contoso.com", "bo@contoso.com"]
    );
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 1);
}

#[test]
fn l5_a_partial_failure_applies_the_rest_and_exits_1() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    let out = env
        .seats()
        .args([
            "assign",
            "-p",
            "SPE_E3",
            "ana@contoso.com",
            "ghost@contoso.com",
            "bo@contoso.com",
            "cy@contoso.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2 of 4 users refused") && err.contains("ghost@contoso.com"),
        "{err}"
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("insufficient-licenses") && table.contains("not-found"),
        "{table}"
    );
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 2);
}

#[test]
fn l5_a_bulk_replace_over_10000_users_is_one_transaction_all_or_nothing() {
    let env = Env::new();
    env.ok(&["init", "--demo", "--users", "10000"]);
    let holders = env.dir.path().join("e3.csv");
    std::fs::write(
        &holders,
        env.ok(&["users", "--product", "SPE_E3", "--output", "csv"]),
    )
    .unwrap();
    let e3 = pool(&env, "SPE_E3")["assigned"].as_u64().unwrap();
    assert!(e3 > 5000, "{e3}");
    // E5 has far fewer free licenses than there are E3 holders: the pool runs out half-way.
    let before = env.dump();
    let out = env
        .seats()
        .args([
            "assign",
            "--replace",
            "-p",
            "SPE_E5",
            "--all-or-nothing",
            "--from",
            holders.to_str().unwrap(),
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was applied"));
    let outcomes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcomes.as_array().unwrap().len() as u64, e3);
    assert_eq!(env.dump(), before, "all-or-nothing left a change behind");
    // Buy enough, and the same call applies to every holder at once.
    let e5 = pool(&env, "SPE_E5");
    let need = e3 as i64 - e5["available"].as_i64().unwrap();
    let id = env.json(&["buy", "SPE_E5", "--quantity", &need.to_string()])["id"].clone();
    assert!(id.is_u64());
    env.ok(&[
        "assign",
        "--replace",
        "-p",
        "SPE_E5",
        "--all-or-nothing",
        "--from",
        holders.to_str().unwrap(),
    ]);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
    assert_eq!(pool(&env, "SPE_E5")["available"], 0);
}

#[test]
fn g2_set_licenses_adds_and_removes_as_one_change() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
    env.ok(&["buy", "SPE_E5", "--quantity", "1"]);
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    env.ok(&["assign", "bo@contoso.com", "-p", "SPE_E5"]);
    // E5 is full: swapping ana from E3 to E5 is refused whole, and she keeps E3.
    let before = env.dump();
    let err = env.refused(&[
        "set-licenses",
        "ana@contoso.com",
        "--add",
        "SPE_E5",
        "--remove",
        "SPE_E3",
    ]);
    assert!(err.contains("insufficient-licenses"), "{err}");
    assert_eq!(env.dump(), before);
    env.ok(&["unassign", "bo@contoso.com", "-p", "SPE_E5"]);
    let out = env.json(&[
        "set-licenses",
        "ana@contoso.com",
        "--add",
        "SPE_E5:MCOSTANDARD",
        "--remove",
        "SPE_E3",
    ]);
    assert_eq!(column(&out, "product"), vec!["SPE_E5"]);
    assert_eq!(out[0]["disabled_plans"], serde_json::json!(["MCOSTANDARD"]));
    let err = env.refused(&["set-licenses", "ana@contoso.com"]);
    assert!(err.contains("no license changes"), "{err}");
}

/// Every E3 holder to E5, keeping their other licenses: a bulk change over a filter.
const MOVE_E3_HOLDERS_TO_E5: [&str; 7] = [
    "set-licenses",
    "--holding",
    "SPE_E3",
    "--add",
    "SPE_E5",
    "--remove",
    "SPE_E3",
];

/// The demo tenant, for bulk changes over a filter.
fn demo() -> Env {
    let env = Env::new();
    env.ok(&["init", "--demo"]);
    env
}

#[test]
fn l5_set_licenses_over_a_filter_moves_every_holder_or_no_one() {
    let env = demo();
    let e3 = pool(&env, "SPE_E3")["assigned"].as_u64().unwrap();
    let e5 = pool(&env, "SPE_E5")["assigned"].as_u64().unwrap();
    let mut move_all = MOVE_E3_HOLDERS_TO_E5.to_vec();
    move_all.push("--all-or-nothing");
    // The demo's E5 pool is too small: refused whole, with the first failure named.
    let before = env.dump();
    let stderr = env.refused(&move_all);
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert!(stderr.contains("insufficient-licenses"), "{stderr}");
    assert_eq!(env.dump(), before);

    env.ok(&["buy", "SPE_E5", "--quantity", &e3.to_string()]);
    let summary = env.json(&move_all);
    assert_eq!(summary["selected"].as_u64(), Some(e3), "{summary:#}");
    assert_eq!(summary["applied"].as_u64(), Some(e3));
    assert_eq!(summary["failures"], serde_json::json!([]));
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
    assert_eq!(pool(&env, "SPE_E5")["assigned"].as_u64(), Some(e5 + e3));
    let audit = env.json(&["audit", "--action", "license.set", "--last", "100000"]);
    assert_eq!(
        audit.as_array().unwrap().len() as u64,
        e3,
        "an audit entry per user"
    );
}

#[test]
fn l5_remove_all_and_unassign_over_a_department() {
    let env = demo();
    let sales = env
        .json(&["users", "--department", "Sales"])
        .as_array()
        .unwrap()
        .len();
    let licensed = sales
        - env
            .json(&["users", "--department", "Sales", "--unlicensed"])
            .as_array()
            .unwrap()
            .len();
    let out = env.ok(&["assign", "--remove-all", "--department", "Sales"]);
    assert!(out.contains(&format!("{licensed}")), "{out}");
    let unlicensed = env.json(&["users", "--department", "Sales", "--unlicensed"]);
    assert_eq!(unlicensed.as_array().unwrap().len(), sales);

    // unassign over a filter removes one product where held and keeps the others.
    let holders = env.json(&["users", "--department", "Finance", "--product", "SPE_E5"]);
    assert!(!holders.as_array().unwrap().is_empty());
    let summary = env.json(&["unassign", "-p", "SPE_E5", "--department", "Finance"]);
    assert_eq!(
        summary["applied"].as_u64(),
        Some(holders.as_array().unwrap().len() as u64)
    );
    let after = env.json(&["users", "--department", "Finance", "--product", "SPE_E5"]);
    assert_eq!(after, serde_json::json!([]));
}

#[test]
fn l5_a_filter_and_named_users_together_are_refused_before_anything_runs() {
    let env = demo();
    let before = env.dump();
    let out = env
        .seats()
        .args([
            "assign",
            "-p",
            "SPE_E3",
            "ana@contoso.com",
            "--department",
            "Sales",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
    let stderr = env.refused(&["assign", "-p", "NO_SUCH", "--department", "Sales"]);
    assert!(stderr.contains("NO_SUCH"), "{stderr}");
    assert_eq!(env.dump(), before);
}

#[test]
fn l5_all_or_nothing_over_a_filter_undoes_the_pages_it_already_wrote() {
    // 24,000 users: some 15,000 hold E3, more than one page (10,000) of the component.
    let env = Env::new();
    env.ok(&["init", "--generate", "24000"]);
    let e3 = pool(&env, "SPE_E3")["assigned"].as_u64().unwrap();
    let e5 = pool(&env, "SPE_E5")["assigned"].as_u64().unwrap();
    assert!(e3 > 10_000 + 2_000, "{e3}");
    // Room for 12,000 more E5: the pool runs out on the second page, after the first is written.
    let id = env
        .json(&["subscriptions"])
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["product"] == "SPE_E5")
        .unwrap()["id"]
        .to_string();
    env.ok(&["set-quantity", &id, &(e5 + 12_000).to_string()]);
    let move_all = MOVE_E3_HOLDERS_TO_E5;
    let before = env.dump();
    let mut all = move_all.to_vec();
    all.push("--all-or-nothing");
    let stderr = env.refused(&all);
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert_eq!(env.dump(), before, "a written page was left behind");

    // Without all or nothing: the first 12,000 holders move, the rest are listed and kept.
    let out = env
        .seats()
        .args(move_all)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["applied"].as_u64(), Some(12_000));
    assert_eq!(summary["failed"].as_u64(), Some(e3 - 12_000));
    assert_eq!(
        summary["failures"].as_array().unwrap().len() as u64,
        (e3 - 12_000).min(1000)
    );
    assert_eq!(pool(&env, "SPE_E3")["assigned"].as_u64(), Some(e3 - 12_000));
}
