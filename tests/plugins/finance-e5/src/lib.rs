//! A seats policy plugin: only users of the Finance department may hold Microsoft 365 E5
//! (SPE_E5). The template for plugin authors: copy this crate, change `check`, build it with
//! `cargo build --release --target wasm32-wasip2`, and load the .wasm with
//! `seats --plugin FILE.wasm` or by putting it in a `plugins/` folder beside the database.
//!
//! A plugin implements the WIT world `policy-plugin` (wit/policy/plugin.wit): seats calls `check`
//! with each change's summary before it commits (who, what, how many users, licenses added and
//! removed per product, money: a few hundred bytes however big the change). The plugin
//! approves or denies from the summary, or asks to read the change's pages: then seats calls
//! `check-page` with each page (up to 1000 entries, with each user's licenses before and
//! after), where it may deny, and `finish` for its decision. It may read users, products and
//! pools through the `query` import, and gets nothing else: no files, network, environment or
//! standard streams, and a fuel and query budget per call sized by what the call shows it.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{
    ChangeEntry, ChangePage, ChangeSummary, Decision, Guest, LicenseChange, Verdict,
};
use seats::policy::query;

/// The product the policy is about, and the only department that may hold it.
const PRODUCT: &str = "SPE_E5";
const DEPARTMENT: &str = "Finance";

struct FinanceOnlyE5;

impl Guest for FinanceOnlyE5 {
    /// Most changes are decided here: only one that gives someone E5, or changes users (who
    /// may move out of Finance holding it), needs its pages read.
    fn check(change: ChangeSummary) -> Decision {
        let adds_e5 = change
            .products
            .iter()
            .any(|p| p.part_number.eq_ignore_ascii_case(PRODUCT) && p.added > 0);
        if adds_e5 || change.operation.starts_with("user.") {
            Decision::ReadPages
        } else {
            Decision::Approve
        }
    }

    fn check_page(page: ChangePage) -> Verdict {
        let violation = page
            .licenses
            .iter()
            .find_map(gains_e5_outside_finance)
            .or_else(|| page.entries.iter().find_map(moves_e5_out_of_finance));
        match violation {
            Some(reason) => Verdict::Deny(reason),
            None => Verdict::Approve,
        }
    }

    /// Every page was approved.
    fn finish() -> Verdict {
        Verdict::Approve
    }
}

fn holds(parts: &[String]) -> bool {
    parts.iter().any(|p| p.eq_ignore_ascii_case(PRODUCT))
}

fn in_department(department: Option<&str>) -> bool {
    department.is_some_and(|d| d.trim().eq_ignore_ascii_case(DEPARTMENT))
}

/// A user gains an E5 license (assign, bulk add or replace, self-service assign, ...) and is
/// not in Finance.
fn gains_e5_outside_finance(l: &LicenseChange) -> Option<String> {
    if !holds(&l.after) || holds(&l.before) {
        return None;
    }
    // The department as the change leaves it: the query reads inside the change.
    let department = query::user(&l.upn).and_then(|u| u.department);
    if in_department(department.as_deref()) {
        return None;
    }
    Some(format!(
        "only users of the {DEPARTMENT} department may hold {PRODUCT}; {} is in {}",
        l.upn,
        department.map_or("no department".to_string(), |d| format!("department {d}"))
    ))
}

/// A user who holds E5 moves out of Finance.
fn moves_e5_out_of_finance(e: &ChangeEntry) -> Option<String> {
    if e.action != "user.update" {
        return None;
    }
    let department = |json: &Option<String>| {
        json.as_deref()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            // An entry's state names its kind: {"user": {...}}.
            .and_then(|v| v["user"]["department"].as_str().map(String::from))
    };
    let (before, after) = (department(&e.before), department(&e.after));
    let upn = e.target.strip_prefix("user:").unwrap_or(&e.target);
    let holds_e5 = query::user(upn).is_some_and(|u| holds(&u.licenses));
    if !(holds_e5 && in_department(before.as_deref()) && !in_department(after.as_deref())) {
        return None;
    }
    Some(format!(
        "only users of the {DEPARTMENT} department may hold {PRODUCT}; {upn} holds it and \
         would move to {}: remove the license first",
        after.map_or("no department".to_string(), |d| format!("department {d}"))
    ))
}

export!(FinanceOnlyE5);
