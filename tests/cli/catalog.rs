use crate::support::*;
use std::path::PathBuf;

/// Microsoft's CSV beside the checkout (../shared), as CI has it; else the copy seats ships.
fn microsoft_csv() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = root.join("../shared/data/product-names-and-service-plan-identifiers.csv");
    if shared.exists() {
        shared
    } else {
        root.join("host/data/catalog.csv")
    }
}

#[test]
fn g6_importing_microsofts_csv_gives_569_products_keyed_by_guid() {
    let env = Env::new();
    env.init();
    let summary = env.json(&["catalog", "import", microsoft_csv().to_str().unwrap()]);
    assert_eq!(summary["rows"], 5457);
    assert_eq!(summary["products"], 569);
    assert_eq!(summary["service_plans"], 723);
    assert_eq!(
        summary["ambiguous_part_numbers"],
        serde_json::json!(["MCOPSTN5"])
    );
    let products = env.json(&["catalog", "list"]);
    let products = products.as_array().unwrap();
    assert_eq!(products.len(), 569);
    let guids: std::collections::BTreeSet<_> = products
        .iter()
        .map(|p| p["sku_id"].as_str().unwrap())
        .collect();
    assert_eq!(guids.len(), 569);
    let e3 = products.iter().find(|p| p["product"] == "SPE_E3").unwrap();
    assert_eq!(e3["sku_id"], "05e9a617-0261-4cee-bb44-138d3ef5d965");
    let plans = e3["service_plans"].as_array().unwrap();
    assert!(
        plans.iter().any(|p| p["name"] == "EXCHANGE_S_ENTERPRISE"),
        "{plans:?}"
    );
    // Trailing spaces are gone from part numbers.
    assert!(
        products
            .iter()
            .any(|p| p["product"] == "AAD_PREMIUM_USGOV_GCCHIGH")
    );
    assert!(
        products
            .iter()
            .all(|p| p["product"].as_str().unwrap().trim() == p["product"].as_str().unwrap())
    );
}

#[test]
fn g6_an_ambiguous_part_number_is_refused_naming_both_products() {
    let env = Env::new();
    env.tenant();
    let before = env.dump();
    let err = env.refused(&["buy", "MCOPSTN5", "--quantity", "1"]);
    assert!(
        err.contains("d43177b5-475b-4880-92d4-d54c27b5efbd"),
        "{err}"
    );
    assert!(
        err.contains("54a152dc-90de-4996-93d2-bc47e670fc06"),
        "{err}"
    );
    assert_eq!(env.dump(), before);
    // Unpriced in the shipped price list: it cannot be billed until it has a price.
    let err = env.refused(&["buy", "54a152dc-90de-4996-93d2-bc47e670fc06", "-q", "1"]);
    assert!(err.contains("has no annual price"), "{err}");
    env.ok(&[
        "catalog",
        "price",
        "54a152dc-90de-4996-93d2-bc47e670fc06",
        "--monthly",
        "8.00",
        "--annual",
        "96.00",
    ]);
    env.ok(&[
        "buy",
        "54a152dc-90de-4996-93d2-bc47e670fc06",
        "--quantity",
        "1",
    ]);
}

#[test]
fn a_file_that_is_not_the_catalog_is_refused() {
    let env = Env::new();
    env.init();
    let bad = env.dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b\n1,2\n").unwrap();
    let before = env.dump();
    let out = env
        .seats()
        .args(["catalog", "import", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Product_Display_Name"));
    let bad_guid = env.dir.path().join("bad-guid.csv");
    std::fs::write(
        &bad_guid,
        "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\n\
         X,X,not-a-guid,P,05e9a617-0261-4cee-bb44-138d3ef5d965,p\n",
    )
    .unwrap();
    let err = env.refused(&["catalog", "import", bad_guid.to_str().unwrap()]);
    assert!(err.contains("line 2"), "{err}");
    assert_eq!(env.dump(), before);
}

#[test]
fn prices_are_editable() {
    let env = Env::new();
    env.init();
    env.ok(&[
        "catalog",
        "price",
        "SPE_E3",
        "--monthly",
        "40",
        "--annual",
        "400.5",
    ]);
    let p = env.json(&["catalog", "show", "SPE_E3"]);
    assert_eq!(p["price_monthly"], "40.00");
    assert_eq!(p["price_annual"], "400.50");
    let err = env.refused(&["catalog", "price", "SPE_E3", "--monthly=-3"]);
    assert!(err.contains("price"), "{err}");
}
