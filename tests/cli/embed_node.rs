//! Embedding: the exact .wasm `seats component export` writes, transpiled with jco and run in
//! Node over an in-memory JavaScript store (tests/embed-node), gives the same results as the
//! wasmtime host over SQLite on one shared scenario (tests/embed-node/scenario.json).
//!
//! Needs Node 20+ and npm: when tests/embed-node/node_modules is missing, `npm ci` installs
//! the pinned jco there first. Never skipped.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const NOW: &str = "2026-11-23T12:00:00Z";

fn embed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/embed-node")
}

/// Installs the pinned jco with `npm ci` once, when node_modules is missing.
fn node_ready() -> &'static Path {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY.get_or_init(|| {
        let dir = embed_dir();
        let version = Command::new("node").arg("--version").output().unwrap_or_else(|e| {
            panic!("this test runs the component in Node 20 or later, and `node` could not be run: {e}")
        });
        assert!(version.status.success(), "node --version failed");
        if !dir.join("node_modules/@bytecodealliance/jco").exists() {
            let out = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .output()
                .expect("run npm ci in tests/embed-node (npm must be installed)");
            assert!(
                out.status.success(),
                "npm ci in {} failed:\n{}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        dir
    })
}

/// Runs replay.mjs on the component and the scenario; returns (exit code, stdout, stderr).
fn node_replay(wasm: &Path, scenario: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let dir = node_ready();
    let out = Command::new("node")
        .arg(dir.join("replay.mjs"))
        .arg(wasm)
        .arg(scenario)
        .args(["--now", NOW])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn exported(env: &Env) -> PathBuf {
    let wasm = env.dir.path().join("seats-domain.wasm");
    env.ok(&["component", "export", wasm.to_str().unwrap()]);
    wasm
}

/// The result of the call at `index`, checking that it is the call named.
fn result<'a>(results: &'a Value, index: usize, call: &str) -> &'a Value {
    assert_eq!(results[index]["call"], call, "call {index}");
    &results[index]["result"]
}

#[test]
fn the_shared_scenario_gives_the_same_results_in_node_with_jco_as_in_the_wasmtime_host() {
    let env = Env::new();
    // The replayed database has no default actor: checked below, as its administrator.
    env.no_check_at_end();
    let scenario = embed_dir().join("scenario.json");
    let wasm = exported(&env);

    // The wasmtime host over SQLite (a new database), the clock fixed by SEATS_NOW.
    let host: Value =
        serde_json::from_str(&env.ok(&["component", "replay", scenario.to_str().unwrap()]))
            .unwrap();

    // Node over the JavaScript store, the clock fixed by --now.
    let (code, stdout, stderr) = node_replay(&wasm, &scenario, &[]);
    assert_eq!(code, Some(0), "node replay failed:\n{stderr}\n{stdout}");
    let node: Value = serde_json::from_str(&stdout).unwrap();

    // What the scenario is about, so that two equally broken runs cannot pass.
    let calls = host.as_array().unwrap();
    assert_eq!(calls.len(), 59, "{host:#}");
    let refusal = |v: &Value| v["err"]["tag"].as_str().map(String::from);
    assert_eq!(
        result(&host, 6, "billing.buy")["ok"]["subscription"]["subscription"]["quantity"],
        2
    );
    assert_eq!(
        result(&host, 7, "billing.buy")["ok"]["subscription"]["subscription"]["quantity"],
        1
    );
    for i in 9..=11 {
        assert!(
            result(&host, i, "licenses.assign")["ok"].is_object(),
            "assignment {i}"
        );
    }
    assert_eq!(
        refusal(result(&host, 12, "licenses.assign")).as_deref(),
        Some("insufficient-licenses"),
        "the pool is full"
    );
    assert_eq!(
        refusal(result(&host, 14, "billing.change-quantity")).as_deref(),
        Some("conflict"),
        "S2: not below the number assigned"
    );
    let replace = &result(&host, 17, "bulk.change")["ok"];
    assert_eq!(
        (replace["applied"].as_u64(), replace["failed"].as_u64()),
        (Some(3), Some(1))
    );
    let pools = &result(&host, 18, "licenses.licenses-page")["ok"];
    let counts: Vec<(String, u64, u64)> = pools
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["part-number"].as_str().unwrap().to_string(),
                p["total"].as_u64().unwrap(),
                p["assigned"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [("SPE_E3".to_string(), 4, 0), ("SPE_E5".to_string(), 3, 3)]
    );
    assert_eq!(
        refusal(result(&host, 24, "licenses.assign")).as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        result(&host, 25, "tenant.check-invariants")["ok"]["problems"],
        serde_json::json!([])
    );
    // Billing: the card is kept as its last four digits; a retried change charges once.
    // Bulk changes over a filter, paged in the component: counts and the failures listed.
    let sales = &result(&host, 31, "bulk.change-where")["ok"];
    assert_eq!(
        (sales["selected"].as_u64(), sales["applied"].as_u64()),
        (Some(2), Some(2))
    );
    let everyone = &result(&host, 32, "bulk.change-where")["ok"];
    assert_eq!(everyone["rolled-back"], true, "{everyone:#}");
    assert_eq!(
        (everyone["selected"].as_u64(), everyone["failed"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(
        everyone["failures"].as_array().unwrap().len(),
        1,
        "the failure limit"
    );
    assert_eq!(
        refusal(result(&host, 34, "bulk.change-where")).as_deref(),
        Some("invalid")
    );
    assert_eq!(
        result(&host, 35, "tenant.check-invariants")["ok"]["assignments"],
        2,
        "Sales moved to E3, the rolled-back call left nothing, Finance has none"
    );
    // S7: users created with their licenses in one call, or refused whole.
    let hired = &result(&host, 36, "users.create-licensed-users")["ok"];
    assert_eq!(hired.as_array().map(Vec::len), Some(2), "{hired:#}");
    assert_eq!(
        refusal(result(&host, 37, "users.create-licensed-users")).as_deref(),
        Some("not-found")
    );
    let hal = &result(&host, 38, "users.get-user")["ok"];
    assert_eq!(hal["licenses"][0]["part-number"], "SPE_E5", "{hal:#}");
    assert_eq!(
        hal["licenses"][0]["disabled-plans"][0]["name"], "MCOSTANDARD",
        "{hal:#}"
    );
    assert_eq!(
        result(&host, 39, "tenant.check-invariants")["ok"]["users"],
        7,
        "Hal and Ivy, not Jon"
    );
    // The newest entries first: the last three of the log, a cursor to the older ones.
    let newest = &result(&host, 40, "audit.list-audit")["ok"];
    let ids: Vec<u64> = newest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.len() == 3 && ids.windows(2).all(|w| w[0] > w[1]),
        "{newest:#}"
    );
    assert_eq!(newest["next"].as_u64(), Some(ids[2]), "{newest:#}");
    let card = &result(&host, 5, "billing.add-payment-method")["ok"];
    assert_eq!(card["details"]["val"]["last4"], "4242");
    // 2 -> 12 annual licenses at 432.00 on the purchase day: ten more for the whole year.
    assert_eq!(
        result(&host, 26, "billing.preview-quantity")["ok"]["due-now"],
        "4320.00"
    );
    let first = &result(&host, 27, "billing.change-quantity")["ok"];
    let retry = &result(&host, 28, "billing.change-quantity")["ok"];
    assert_eq!(
        (first["replayed"].as_bool(), retry["replayed"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(first["charges"], retry["charges"]);
    let pending = result(&host, 29, "billing.pending-charges")["ok"]
        .as_array()
        .unwrap()
        .len();
    // Three purchases; two same-day changes, each a reversal and a remainder (no days before).
    assert_eq!(pending, 3 + 2 + 2);
    assert_eq!(
        result(&host, 30, "tenant.check-invariants")["ok"]["problems"],
        serde_json::json!([])
    );

    // 0.2.0: the role table, an authorisation asked ahead, a pool, a change described.
    assert_eq!(
        result(&host, 41, "tenant.role-table")["ok"]
            .as_array()
            .map(Vec::len),
        Some(16)
    );
    let refused = result(&host, 42, "tenant.authorize");
    assert_eq!(refused["err"]["tag"], "forbidden", "{refused:#}");
    assert_eq!(refused["err"]["val"]["needed-role"], "global-admin");
    assert_eq!(
        result(&host, 43, "licenses.pool-of")["ok"]["part-number"],
        "SPE_E3"
    );
    // The entries after 30: the last bulk changes and the licensed new users.
    let change = &result(&host, 44, "audit.describe-change")["ok"];
    assert_eq!(change["operation"], "license.set", "{change:#}");
    assert_eq!(
        change["licenses"][0]["after"],
        serde_json::json!(["SPE_E3"])
    );
    // The same change summed up, and its first page of two entries.
    let overview = &result(&host, 45, "audit.overview-of-change")["ok"];
    assert_eq!(overview["operation"], "license.set", "{overview:#}");
    assert_eq!(
        overview["users"].as_u64(),
        Some(change["users"].as_array().unwrap().len() as u64)
    );
    assert_eq!(
        overview["entries"].as_u64(),
        Some(change["entries"].as_array().unwrap().len() as u64)
    );
    let page = &result(&host, 46, "audit.page-of-change")["ok"];
    assert_eq!(
        page["entries"].as_array().unwrap()[..],
        change["entries"].as_array().unwrap()[..2]
    );
    assert_eq!(page["next"], change["entries"][1]["id"]);
    assert_eq!(
        refusal(result(&host, 47, "audit.page-of-change")).as_deref(),
        Some("invalid")
    );
    // Invoices a page at a time: none issued yet; a page of none is refused.
    assert_eq!(
        result(&host, 48, "billing.list-invoices")["ok"],
        serde_json::json!({"invoices": [], "next": null})
    );
    assert_eq!(
        refusal(result(&host, 49, "billing.list-invoices")).as_deref(),
        Some("invalid")
    );

    // Groups (GL1, GL4, GL8): a dynamic group of three gives E5 with two left: one member in
    // error with Graph's code, served when a license is bought.
    let change = &result(&host, 52, "groups.set-group-licenses")["ok"];
    assert_eq!(
        (change["changed"].as_u64(), change["errors"].as_u64()),
        (Some(2), Some(1))
    );
    let waiting = &result(&host, 53, "groups.group-errors")["ok"];
    assert_eq!(waiting[0]["upn"], "gus@contoso.com", "{waiting:#}");
    assert_eq!(waiting[0]["code"], "count-violation");
    assert_eq!(
        result(&host, 55, "groups.group-errors")["ok"],
        serde_json::json!([])
    );
    let group = &result(&host, 56, "groups.get-group")["ok"];
    assert_eq!(
        (group["members"].as_u64(), group["errors"].as_u64()),
        (Some(3), Some(0))
    );
    let gus = &result(&host, 57, "users.get-user")["ok"]["licenses"][0];
    assert_eq!(
        (gus["part-number"].clone(), gus["direct"].clone()),
        ("SPE_E5".into(), false.into())
    );
    assert_eq!(gus["groups"], serde_json::json!(["Ops"]));
    assert_eq!(
        result(&host, 58, "tenant.check-invariants")["ok"]["problems"],
        serde_json::json!([])
    );

    let check = env.ok(&["--as", "admin@contoso.com", "check"]);
    assert!(check.contains("seats check: ok"), "{check}");

    // Both runtimes, call by call. Nothing needs normalising: ids come from each store in the
    // same order and both clocks are fixed at the same second.
    let node_calls = node.as_array().unwrap();
    assert_eq!(node_calls.len(), calls.len(), "node:\n{node:#}");
    for (h, n) in calls.iter().zip(node_calls) {
        assert_eq!(
            h, n,
            "{} differs between wasmtime (left) and Node (right)",
            h["call"]
        );
    }
}

#[test]
fn a_store_function_the_js_store_lacks_fails_clearly_naming_it() {
    let env = Env::new();
    let wasm = exported(&env);
    let (code, stdout, _) = node_replay(
        &wasm,
        &embed_dir().join("scenario.json"),
        &["--without", "count-assigned"],
    );
    assert_eq!(code, Some(3), "{stdout}");
    assert!(
        stdout.contains("not implemented in the JS store: count-assigned"),
        "{stdout}"
    );
}
