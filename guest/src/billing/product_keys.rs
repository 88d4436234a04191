//! Product keys (S4): their form, and each key redeemed once.

use crate::Store;
use crate::cx::Cx;
use crate::error::{Result, conflict, invalid};
use crate::types::IdempotencyRecord;

/// A product key: 25 letters and digits in five groups, XXXXX-XXXXX-XXXXX-XXXXX-XXXXX.
pub fn product_key(given: &str) -> Result<String> {
    let key = given.trim().to_ascii_uppercase();
    let groups: Vec<&str> = key.split('-').collect();
    if groups.len() != 5
        || groups
            .iter()
            .any(|g| g.len() != 5 || !g.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(invalid(
            "product-key",
            format!(
                "'{given}' is not a product key: it has 25 letters and digits as XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"
            ),
        ));
    }
    Ok(key)
}

pub(super) fn redeemable<S: Store + ?Sized>(store: &S, key: &str) -> Result<()> {
    if store
        .get_idempotency(&format!("product-key:{key}"))
        .is_some()
    {
        return Err(conflict(format!(
            "product key {key} was redeemed already: each key activates licenses once"
        )));
    }
    Ok(())
}

pub(super) fn redeem<S: Store + ?Sized>(cx: &Cx<S>, key: &str, subscription: u64) {
    cx.store.put_idempotency(&IdempotencyRecord {
        key: format!("product-key:{key}"),
        request: String::new(),
        response: subscription.to_string(),
        at: cx.now,
    });
}
