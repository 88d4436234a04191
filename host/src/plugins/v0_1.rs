//! The released plugin world `seats:licensing@0.1.0` (wit/frozen/policy@0.1.0): plugins built
//! against it keep loading and deciding. Its bindings and conversions.

pub mod bindings {
    wasmtime::component::bindgen!({
        world: "policy-plugin",
        path: "../wit/frozen/policy@0.1.0",
        imports: { default: trappable },
    });
}

query_host!(bindings::seats::licensing::query);
// 0.1.0 entries carried the object itself ("JSON of the object"), not its kind around it.
policy_check!(
    bindings::exports::seats::licensing::policy,
    seats_licensing_policy,
    |s| s.as_deref().map(untagged)
);

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
