//! Idempotency keys for purchases, quantity changes and cancellations: a retry with the same
//! key returns the first result and charges nothing again; the same key with other
//! parameters is refused (as Stripe and Partner Center do).

use crate::Store;
use crate::cx::Cx;
use crate::error::{Result, conflict, invalid};
use crate::exports::seats::licensing::billing::BillingResult;
use crate::types::IdempotencyRecord;
use serde::Serialize;

pub fn run<S: Store + ?Sized, R: Serialize>(
    cx: &Cx<S>,
    key: Option<&str>,
    request: &R,
    first: impl FnOnce() -> Result<BillingResult>,
) -> Result<BillingResult> {
    let Some(key) = key else { return first() };
    let key = key.trim();
    if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
        return Err(invalid(
            "idempotency-key",
            "an idempotency key is 1 to 255 printable characters",
        ));
    }
    let request = serde_json::to_string(request).unwrap_or_default();
    let stored_key = format!("request:{key}");
    if let Some(seen) = cx.store.get_idempotency(&stored_key) {
        if seen.request != request {
            return Err(conflict(format!(
                "idempotency key '{key}' was used for a different request: use a new key for a new request"
            )));
        }
        let unreadable = |e: serde_json::Error| {
            conflict(format!(
                "the stored answer for key '{key}' is unreadable: {e}"
            ))
        };
        let mut stored: serde_json::Value =
            serde_json::from_str(&seen.response).map_err(unreadable)?;
        // Answers stored before results carried their total: it is the sum of their lines.
        if let Some(answer) = stored.as_object_mut()
            && !answer.contains_key("charged_now")
        {
            let lines: Vec<crate::types::Charge> =
                serde_json::from_value(answer.get("charges").cloned().unwrap_or_default())
                    .map_err(unreadable)?;
            let total = super::money::text(
                super::ledger::sum(&lines),
                &super::ledger::currency(cx.store),
            );
            answer.insert("charged_now".into(), total.into());
        }
        let mut result: BillingResult = serde_json::from_value(stored).map_err(unreadable)?;
        result.replayed = true;
        return Ok(result);
    }
    let result = first()?;
    cx.store.put_idempotency(&IdempotencyRecord {
        key: stored_key,
        request,
        response: serde_json::to_string(&result).unwrap_or_default(),
        at: cx.now,
    });
    Ok(result)
}
