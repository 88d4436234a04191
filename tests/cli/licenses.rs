use crate::support::*;

#[test]
fn l1_the_licenses_page_adds_up_a_products_subscriptions() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "5"]);
    env.ok(&["buy", "SPE_E3", "--quantity", "8", "--billing", "monthly"]);
    let e3 = pool(&env, "SPE_E3");
    assert_eq!(
        (
            e3["total"].as_u64(),
            e3["assigned"].as_u64(),
            e3["available"].as_i64()
        ),
        (Some(13), Some(0), Some(13))
    );
    assert_eq!(env.json(&["subscriptions"]).as_array().unwrap().len(), 2);
    let table = env.ok(&["licenses"]);
    assert!(table.contains("SPE_E3") && table.contains("13"), "{table}");
}

#[test]
fn l2_assign_until_the_pool_is_full_then_refuse() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E5", "--quantity", "2"]);
    env.ok(&["assign", "ana@contoso.com", "--product", "SPE_E5"]);
    env.ok(&["assign", "bo@contoso.com", "--product", "spe_e5"]);
    let before = env.dump();
    let err = env.refused(&["assign", "cy@contoso.com", "--product", "SPE_E5"]);
    assert!(
        err.contains("insufficient-licenses") && err.contains("2 of 2"),
        "{err}"
    );
    assert_eq!(env.dump(), before);
    env.ok(&["unassign", "bo@contoso.com", "--product", "SPE_E5"]);
    env.ok(&["assign", "cy@contoso.com", "--product", "SPE_E5"]);
    let e5 = pool(&env, "SPE_E5");
    assert_eq!(
        (e5["assigned"].as_u64(), e5["available"].as_i64()),
        (Some(2), Some(0))
    );
}

#[test]
fn l3_plans_are_on_by_default_and_can_be_switched_off() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
    let l = env.json(&["assign", "ana@contoso.com", "--product", "SPE_E3"]);
    assert!(l["disabled_plans"].as_array().unwrap().is_empty());
    let on = l["enabled_plans"].as_array().unwrap().len();
    assert!(on > 40, "{on}");
    let l = env.json(&[
        "set-plans",
        "ana@contoso.com",
        "--product",
        "SPE_E3",
        "--disabled-plans",
        "MCOSTANDARD,YAMMER_ENTERPRISE",
    ]);
    assert_eq!(
        l["disabled_plans"],
        serde_json::json!(["MCOSTANDARD", "YAMMER_ENTERPRISE"])
    );
    assert_eq!(l["enabled_plans"].as_array().unwrap().len(), on - 2);
    assert_eq!(
        pool(&env, "SPE_E3")["assigned"],
        1,
        "switching plans off frees no license"
    );
    let user = env.json(&["users", "show", "ana@contoso.com"]);
    assert_eq!(
        user["licenses"][0]["disabled_plans"],
        serde_json::json!(["MCOSTANDARD", "YAMMER_ENTERPRISE"])
    );
    let err = env.refused(&[
        "set-plans",
        "ana@contoso.com",
        "--product",
        "SPE_E3",
        "--disabled-plans",
        "NOPE",
    ]);
    assert!(err.contains("not a service plan of SPE_E3"), "{err}");
}

#[test]
fn s1_setting_the_total_buys_or_removes() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "100"]);
    let s = env.json(&["set-quantity", "1", "105"]);
    assert_eq!(s["quantity"], 105);
    assert_eq!(pool(&env, "SPE_E3")["total"], 105);
    env.ok(&["set-quantity", "1", "95"]);
    assert_eq!(pool(&env, "SPE_E3")["total"], 95);
}

#[test]
fn the_output_formats_agree() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "3"]);
    let csv = env.ok(&["licenses", "--output", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "product,name,sku_id,total,assigned,available,enabled,warning,suspended,users_needing_license,status"
        )
    );
    assert_eq!(
        lines.next(),
        Some("SPE_E3,Microsoft 365 E3,05e9a617-0261-4cee-bb44-138d3ef5d965,3,0,3,3,0,0,0,")
    );
}

#[test]
fn g3_g4_plans_that_cannot_be_held_together_are_refused_with_graphs_names() {
    let env = Env::new();
    env.tenant();
    assert_eq!(env.json(&["catalog", "rules"]).as_array().unwrap().len(), 9);
    env.ok(&["buy", "STANDARDPACK", "--quantity", "2"]);
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    env.ok(&["buy", "MCOEV", "--quantity", "2"]);
    env.ok(&["assign", "ana@contoso.com", "-p", "STANDARDPACK"]);
    let before = env.dump();
    let err = env.refused(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    assert!(
        err.contains("error[mutually-exclusive-violation]") && err.contains("EXCHANGE_S_STANDARD"),
        "{err}"
    );
    let err = env.refused(&["assign", "bo@contoso.com", "-p", "MCOEV"]);
    assert!(
        err.contains("error[dependency-violation]") && err.contains("MCOSTANDARD"),
        "{err}"
    );
    assert_eq!(env.dump(), before);
    env.ok(&["assign", "bo@contoso.com", "-p", "SPE_E3", "-p", "MCOEV"]);
}
