//! The current plugin world, `seats:policy@0.2.0` (wit/policy): its bindings and conversions.

pub mod bindings {
    wasmtime::component::bindgen!({
        world: "policy-plugin",
        path: "../wit/policy",
        imports: { default: trappable },
    });
}

use super::{PluginState, Verdict};
use crate::component::audit::ChangeSummary;
use wasmtime::Store;

query_host!(bindings::seats::policy::query);
// Entries carry the audit log's own encoding of each state.
proposed_change!(bindings::exports::seats::policy::policy, |s| s.clone());

pub fn check(
    pre: &bindings::PolicyPluginPre<PluginState>,
    store: &mut Store<PluginState>,
    change: &ChangeSummary,
) -> wasmtime::Result<Verdict> {
    let plugin = pre.instantiate(&mut *store)?;
    let decision = plugin
        .seats_policy_policy()
        .call_check(&mut *store, &proposed(change))?;
    Ok(verdict(decision))
}
