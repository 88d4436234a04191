//! A seats policy plugin: only users of the Finance department may hold Microsoft 365 E5
//! (SPE_E5). The template for plugin authors: copy this crate, change `check`, build it with
//! `cargo build --release --target wasm32-wasip2`, and load the .wasm with
//! `seats --plugin FILE.wasm` or by putting it in a `plugins/` folder beside the database.
//!
//! A plugin implements the WIT world `policy-plugin` (wit/policy/plugin.wit): seats calls `check`
//! with each change before it commits; the plugin approves it or denies it with a reason, and
//! may read users, products and pools through the `query` import. It gets nothing else: no
//! files, network, environment or standard streams, and a fuel and memory budget per check.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{Decision, Guest, ProposedChange};
use seats::policy::query;

/// The product the policy is about, and the only department that may hold it.
const PRODUCT: &str = "SPE_E5";
const DEPARTMENT: &str = "Finance";

struct FinanceOnlyE5;

impl Guest for FinanceOnlyE5 {
    fn check(change: ProposedChange) -> Decision {
        match violation(&change) {
            Some(reason) => Decision::Deny(reason),
            None => Decision::Approve,
        }
    }
}

fn holds(parts: &[String]) -> bool {
    parts.iter().any(|p| p.eq_ignore_ascii_case(PRODUCT))
}

fn in_department(department: Option<&str>) -> bool {
    department.is_some_and(|d| d.trim().eq_ignore_ascii_case(DEPARTMENT))
}

/// Why the change would let someone outside Finance hold E5; none when it does not.
fn violation(change: &ProposedChange) -> Option<String> {
    // A user gains an E5 license (assign, bulk add or replace, self-service assign, ...).
    for l in &change.licenses {
        if holds(&l.after) && !holds(&l.before) {
            // The department as the change leaves it: the query reads inside the change.
            let department = query::user(&l.upn).and_then(|u| u.department);
            if !in_department(department.as_deref()) {
                return Some(format!(
                    "only users of the {DEPARTMENT} department may hold {PRODUCT}; {} is in {}",
                    l.upn,
                    department.map_or("no department".to_string(), |d| format!("department {d}"))
                ));
            }
        }
    }
    // A user who holds E5 moves out of Finance.
    for e in change.entries.iter().filter(|e| e.action == "user.update") {
        let department = |json: &Option<String>| {
            json.as_deref()
                .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
                // An entry's state names its kind: {"user": {...}}.
                .and_then(|v| v["user"]["department"].as_str().map(String::from))
        };
        let (before, after) = (department(&e.before), department(&e.after));
        let upn = e.target.strip_prefix("user:").unwrap_or(&e.target);
        let holds_e5 = query::user(upn).is_some_and(|u| holds(&u.licenses));
        if holds_e5 && in_department(before.as_deref()) && !in_department(after.as_deref()) {
            return Some(format!(
                "only users of the {DEPARTMENT} department may hold {PRODUCT}; {upn} holds it \
                 and would move to {}: remove the license first",
                after.map_or("no department".to_string(), |d| format!("department {d}"))
            ));
        }
    }
    None
}

export!(FinanceOnlyE5);
