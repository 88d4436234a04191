//! The released plugin world `seats:licensing@0.1.0` (wit/frozen/policy@0.1.0): plugins built
//! against it keep loading and deciding, shown each change whole (when it has at most
//! `WHOLE_ENTRIES` entries). Its bindings and conversions.

pub mod bindings {
    wasmtime::component::bindgen!({
        world: "policy-plugin",
        path: "../wit/frozen/policy@0.1.0",
        imports: { default: trappable },
    });
}

use super::{PluginState, Verdict, budget};
use crate::component::audit::ChangeSummary;
use bindings::exports::seats::licensing::policy as p;
use wasmtime::Store;

query_host!(bindings::seats::licensing::query);

/// Shows the plugin the whole change made after `mark` and reads its decision.
pub fn check(
    pre: &bindings::PolicyPluginPre<PluginState>,
    store: &mut Store<PluginState>,
    mark: u64,
) -> wasmtime::Result<Verdict> {
    let change = store.data_mut().whole(mark)?;
    budget(
        store,
        "the whole change".into(),
        change.entries.len() as u64,
    )?;
    let plugin = pre.instantiate(&mut *store)?;
    let decision = plugin
        .seats_licensing_policy()
        .call_check(&mut *store, &proposed(&change))?;
    Ok(match decision {
        p::Decision::Approve => Verdict::Approve,
        p::Decision::Deny(reason) => Verdict::Deny(reason),
    })
}

fn proposed(c: &ChangeSummary) -> p::ProposedChange {
    p::ProposedChange {
        actor: c.actor.clone(),
        operation: c.operation.clone(),
        users: c.users.clone(),
        products: c.products.clone(),
        licenses: c
            .licenses
            .iter()
            .map(|l| p::LicenseChange {
                upn: l.upn.clone(),
                before: l.before.clone(),
                after: l.after.clone(),
            })
            .collect(),
        quantities: c
            .quantities
            .iter()
            .map(|q| p::QuantityChange {
                subscription: q.subscription,
                part_number: q.part_number.clone(),
                before: q.before,
                after: q.after,
                purchaser: q.purchaser.clone(),
            })
            .collect(),
        money: c.money.as_ref().map(|m| p::Amount {
            value: m.value.clone(),
            currency: m.currency.clone(),
        }),
        entries: c
            .entries
            .iter()
            .map(|r| p::ChangeEntry {
                action: r.entry.action.clone(),
                target: r.entry.target.clone(),
                // 0.1.0 entries carried the object itself, not its kind around it.
                before: r.entry.before.as_deref().map(untagged),
                after: r.entry.after.as_deref().map(untagged),
            })
            .collect(),
    }
}

/// `{"subscription": {...}}` as 0.1.0 showed it: `{...}`.
fn untagged(stored: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(serde_json::Value::Object(map)) if map.len() == 1 => map
            .into_iter()
            .next()
            .map(|(_, inner)| inner.to_string())
            .unwrap_or_default(),
        _ => stored.to_string(),
    }
}
