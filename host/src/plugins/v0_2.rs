//! The current plugin world, `seats:policy@0.2.0` (wit/policy): its bindings and conversions.

pub mod bindings {
    wasmtime::component::bindgen!({
        world: "policy-plugin",
        path: "../wit/policy",
        imports: { default: trappable },
    });
}

query_host!(bindings::seats::policy::query);
// Entries carry the audit log's own encoding of each state.
policy_check!(
    bindings::exports::seats::policy::policy,
    seats_policy_policy,
    |s| s.clone()
);
