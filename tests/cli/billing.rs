//! Billing through the binary (S3-S7, B1-B5): money to the cent, invoices, refusals that
//! change nothing, retries that never charge twice.

use crate::support::*;

/// A tenant whose SPE_E3 costs 10.08 a month, as in Microsoft's worked example.
fn priced() -> Env {
    let env = Env::new();
    env.tenant();
    env.ok(&[
        "catalog",
        "price",
        "SPE_E3",
        "--monthly",
        "10.08",
        "--annual",
        "120.96",
    ]);
    env
}

fn amounts(v: &serde_json::Value) -> Vec<String> {
    v["charges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["amount"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn s4_b2_b1_b4_microsofts_example_from_purchase_to_invoice() {
    let env = priced();
    let bought = env.json(&[
        "buy",
        "SPE_E3",
        "-q",
        "10",
        "--billing",
        "monthly",
        "--now",
        "2026-11-01",
    ]);
    assert_eq!(amounts(&bought), ["100.80"], "S4: charged at once");
    let id = bought["id"].to_string();
    assert_eq!(
        pool(&env, "SPE_E3")["total"],
        10,
        "S4: the licenses are there at once"
    );
    let changed = env.json(&["set-quantity", &id, "12", "--now", "2026-11-03"]);
    assert_eq!(amounts(&changed), ["-100.80", "6.72", "112.90"], "B2");
    // B1: nothing is invoiced until the month is over; then one invoice with every line.
    env.ok(&["process", "--now", "2026-11-30"]);
    assert_eq!(
        env.json(&["billing", "invoices", "--now", "2026-11-30"]),
        serde_json::json!([])
    );
    env.ok(&["process", "--now", "2026-12-01"]);
    let invoices = env.json(&["billing", "invoices", "--now", "2026-12-02"]);
    assert_eq!(invoices.as_array().unwrap().len(), 1);
    assert_eq!(invoices[0]["total"], "119.62");
    assert_eq!(invoices[0]["period"], "2026-11");
    let detail = env.json(&["billing", "invoice", &invoices[0]["id"].to_string()]);
    let lines: Vec<&str> = detail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_str().unwrap())
        .collect();
    assert_eq!(lines, ["100.80", "-100.80", "6.72", "112.90"]);
    // B4: CSV export, and ranges.
    let csv = env.ok(&[
        "billing",
        "invoices",
        "--now",
        "2026-12-02",
        "--output",
        "csv",
    ]);
    assert!(
        csv.starts_with("id,profile,period,") && csv.contains("119.62"),
        "{csv}"
    );
    let none = env.json(&[
        "billing",
        "invoices",
        "--from",
        "2026-01-01",
        "--to",
        "2026-11-01",
    ]);
    assert_eq!(none, serde_json::json!([]));
    let six = env.json(&["billing", "invoices", "--last", "6", "--now", "2027-05-15"]);
    assert_eq!(six.as_array().unwrap().len(), 1);
    let check = env.ok(&["check"]);
    assert!(check.contains("seats check: ok"), "{check}");
}

#[test]
fn b1_an_issued_invoice_never_changes_and_no_period_is_invoiced_twice_in_the_database() {
    let env = priced();
    env.ok(&["buy", "SPE_E3", "-q", "2", "--now", "2026-10-05"]);
    env.ok(&["process", "--now", "2026-11-02"]);
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let err = conn
        .execute("UPDATE invoices SET total = '0.00'", [])
        .unwrap_err();
    assert!(err.to_string().contains("never changes"), "{err}");
    let err = conn.execute("DELETE FROM charges", []).unwrap_err();
    assert!(err.to_string().contains("never deleted"), "{err}");
    let err = conn
        .execute(
            "INSERT INTO invoices (profile_id, period_start, period_end, issued_at, currency, total, lines)
             SELECT profile_id, period_start, period_end, issued_at, currency, total, lines FROM invoices",
            [],
        )
        .unwrap_err();
    assert!(err.to_string().contains("UNIQUE"), "{err}");
}

#[test]
fn s3_b5_blocked_purchases_say_why_and_the_way_out_and_change_nothing() {
    let env = priced();
    let key = env.json(&[
        "buy",
        "SPE_E3",
        "-q",
        "5",
        "--channel",
        "product-key",
        "--product-key",
        "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY",
    ]);
    assert_eq!(amounts(&key), Vec::<String>::new(), "prepaid");
    let id = key["id"].to_string();
    let before = env.dump();
    let err = env.refused(&["set-quantity", &id, "4"]);
    assert!(
        err.contains("prepaid with a product key") && err.contains("cannot be removed"),
        "{err}"
    );
    let err = env.refused(&[
        "buy",
        "SPE_E3",
        "-q",
        "1",
        "--channel",
        "product-key",
        "--product-key",
        "abcde-fghij-klmno-pqrst-uvwxy",
    ]);
    assert!(err.contains("redeemed already"), "{err}");
    let err = env.refused(&[
        "buy",
        "SPE_E3",
        "-q",
        "1",
        "--channel",
        "product-key",
        "--product-key",
        "ABCDE-FGHIJ",
    ]);
    assert!(err.contains("25 letters and digits"), "{err}");
    assert_eq!(env.dump(), before);
    // Adding is paid by the card on file (the tenant has one), prorated to the term's end.
    let more = env.json(&["set-quantity", &id, "6", "--now", "2026-11-23"]);
    assert_eq!(amounts(&more), ["120.96"]);

    let reseller = env.json(&[
        "buy",
        "SPE_E3",
        "-q",
        "5",
        "--channel",
        "reseller",
        "--partner",
        "Fabrikam CSP",
    ]);
    let before = env.dump();
    let err = env.refused(&["set-quantity", &reseller["id"].to_string(), "6"]);
    assert!(
        err.contains("contact your partner") && err.contains("Fabrikam CSP"),
        "{err}"
    );
    assert_eq!(env.dump(), before);

    env.ok(&["billing", "add-invoice", "ap@contoso.com", "--default"]);
    let by_invoice = env.json(&["buy", "SPE_E3", "-q", "1", "--now", "2026-11-23"]);
    let err = env.refused(&[
        "set-quantity",
        &by_invoice["id"].to_string(),
        "2",
        "--now",
        "2026-11-24",
    ]);
    assert!(
        err.contains("credit check is pending") && err.contains("2026-11-25"),
        "{err}"
    );
    env.ok(&[
        "set-quantity",
        &by_invoice["id"].to_string(),
        "2",
        "--now",
        "2026-11-25",
    ]);
}

#[test]
fn s5_cancel_within_the_window_with_a_reason_after_it_turn_recurring_off() {
    let env = priced();
    let id = env.json(&[
        "buy",
        "SPE_E3",
        "-q",
        "10",
        "--billing",
        "monthly",
        "--now",
        "2026-11-01",
    ])["id"]
        .to_string();
    let before = env.dump();
    let err = env.refused(&[
        "cancel",
        &id,
        "--reason",
        "too-expensive",
        "--now",
        "2026-11-09",
    ]);
    assert!(
        err.contains("recurring") && err.contains("seats recurring"),
        "{err}"
    );
    assert_eq!(env.dump(), before);
    let done = env.json(&[
        "cancel",
        &id,
        "--reason",
        "no-longer-needed",
        "--feedback",
        "too many",
        "--now",
        "2026-11-04",
    ]);
    assert_eq!(amounts(&done), ["-100.80", "10.08"]);
    assert_eq!(done["status"], "cancelled");
    assert_eq!(pool(&env, "SPE_E3")["total"], 0);
}

#[test]
fn idempotency_a_retried_purchase_is_charged_once_and_a_reused_key_is_refused() {
    let env = priced();
    let first = env
        .seats()
        .args([
            "buy",
            "SPE_E3",
            "-q",
            "3",
            "--idempotency-key",
            "k-1",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(first.status.success());
    let again = env
        .seats()
        .args([
            "buy",
            "SPE_E3",
            "-q",
            "3",
            "--idempotency-key",
            "k-1",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing was charged again"));
    let a: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (a["id"].clone(), b["replayed"].clone()),
        (b["id"].clone(), serde_json::json!(true))
    );
    assert_eq!(env.json(&["subscriptions"]).as_array().unwrap().len(), 1);
    assert_eq!(
        env.json(&["billing", "pending"]).as_array().unwrap().len(),
        1
    );
    let err = env.refused(&["buy", "SPE_E3", "-q", "4", "--idempotency-key", "k-1"]);
    assert!(err.contains("different request"), "{err}");
    // Without a key, each invocation makes one and says it.
    let out = env
        .seats()
        .args(["buy", "SPE_E3", "-q", "1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("idempotency key: seats-"));
}

#[test]
fn a_preview_shows_the_cost_and_buys_nothing() {
    let env = priced();
    let id = env.json(&[
        "buy",
        "SPE_E3",
        "-q",
        "10",
        "--billing",
        "monthly",
        "--now",
        "2026-11-01",
    ])["id"]
        .to_string();
    let before = env.dump();
    let p = env.json(&[
        "set-quantity",
        &id,
        "12",
        "--preview",
        "--now",
        "2026-11-03",
    ]);
    assert_eq!(
        (p["due_now"].as_str(), p["next_invoice_total"].as_str()),
        (Some("18.82"), Some("119.62"))
    );
    assert_eq!(p["next_invoice_date"], "2026-12-01");
    let table = env.ok(&[
        "buy",
        "SPE_E3",
        "-q",
        "2",
        "--preview",
        "--now",
        "2026-11-03",
    ]);
    assert!(
        table.contains("Preview only") && table.contains("241.92"),
        "{table}"
    );
    assert_eq!(env.dump(), before);
}

#[test]
fn b3_cards_are_checked_and_only_their_last_four_digits_are_kept() {
    let env = Env::new();
    env.init();
    let before = env.dump();
    let bad = [
        "billing",
        "add-card",
        "--number",
        "4242 4242 4242 4241",
        "--security-code",
        "123",
        "--expiry",
        "12/2030",
        "--name",
        "A",
        "--address",
        "B",
    ];
    assert!(env.refused(&bad).contains("Luhn"));
    let expired = [
        "billing",
        "add-card",
        "--number",
        "5555555555554444",
        "--security-code",
        "123",
        "--expiry",
        "10/2026",
        "--name",
        "A",
        "--address",
        "B",
    ];
    assert!(env.refused(&expired).contains("expired in 10/2026"));
    assert_eq!(env.dump(), before);
    let dump = env.dump();
    assert!(!dump.contains("4242424242424242") && !dump.contains("4242 4242 4242 4242"));
    let methods = env.json(&["billing", "payment-methods"]);
    let id = methods[0]["id"].to_string();
    assert_eq!(methods[0]["method"], "Visa ending 4242, expires 12/2030");
    let updated = env.json(&[
        "billing",
        "update-card",
        &id,
        "--expiry",
        "01/2031",
        "--security-code",
        "999",
        "--name",
        "Ada B",
    ]);
    assert_eq!(updated["method"], "Visa ending 4242, expires 01/2031");
    assert!(
        !env.dump().contains("999"),
        "a security code is never stored"
    );
    let replaced = env.json(&[
        "billing",
        "replace",
        &id,
        "--account-number",
        "DK5000400440116243",
        "--bank",
        "Danske Bank",
        "--holder",
        "Contoso",
    ]);
    assert_eq!(replaced["method"], "Danske Bank ending 6243");
    let profiles = env.json(&["billing", "profiles"]);
    assert_eq!(profiles[0]["default_method"], replaced["id"]);
}

#[test]
fn s6_the_clock_advances_renews_and_invoices() {
    let env = priced();
    env.ok(&["buy", "SPE_E3", "-q", "1", "--billing", "monthly"]);
    let out = env.ok(&["clock", "advance", "31d"]);
    assert!(out.contains("active"), "{out}");
    assert!(env.ok(&["clock", "show"]).contains("2026-12-24"));
    let invoices = env.json(&["billing", "invoices"]);
    assert_eq!(
        invoices[0]["total"], "10.08",
        "November's purchase, invoiced when November ended"
    );
    assert_eq!(env.json(&["billing", "pending"])[0]["kind"], "renewal");
}

#[test]
fn s7_users_add_with_a_license_is_one_change() {
    let env = priced();
    let bought = env.ok(&["buy", "SPE_E3", "-q", "1"]);
    assert!(
        bought.contains("--license SPE_E3"),
        "S7's next step: {bought}"
    );
    env.ok(&[
        "users",
        "add",
        "dan@contoso.com",
        "--name",
        "Dan",
        "--usage-location",
        "DK",
        "--license",
        "SPE_E3",
    ]);
    let before = env.dump();
    let err = env.refused(&[
        "users",
        "add",
        "eve@contoso.com",
        "--name",
        "Eve",
        "--usage-location",
        "DK",
        "--license",
        "SPE_E3",
    ]);
    assert!(err.contains("insufficient"), "{err}");
    assert_eq!(env.dump(), before, "neither the user nor the license");
}

#[test]
fn b1_the_tenants_time_zone_decides_the_billing_day() {
    let env = Env::new();
    let err = env.refused(&["init", "--time-zone", "Mars/Olympus"]);
    assert!(err.contains("IANA"), "{err}");
    env.ok(&["init", "--time-zone", "Pacific/Auckland"]);
    env.ok(&[
        "billing",
        "add-card",
        "--number",
        "4242424242424242",
        "--security-code",
        "123",
        "--expiry",
        "12/2030",
        "--name",
        "A",
        "--address",
        "B",
    ]);
    env.ok(&[
        "catalog",
        "price",
        "SPE_E3",
        "--monthly",
        "10.08",
        "--annual",
        "120.96",
    ]);
    let bought = env.json(&[
        "buy",
        "SPE_E3",
        "-q",
        "1",
        "--billing",
        "monthly",
        "--now",
        "2026-11-30T12:00:00Z",
    ]);
    assert_eq!(
        bought["charges"][0]["from"], "2026-12-01",
        "already 1 December in Auckland"
    );
}
