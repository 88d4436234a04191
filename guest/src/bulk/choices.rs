//! What a call names, resolved: the products chosen (with the plans they leave off), the
//! products removed, and a self-service subscription and its product.

use crate::cx::Cx;
use crate::error::{Result, invalid};
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::types::Product;
use crate::{Store, catalog, directory, plans, pool};

/// A product to add, with the service plans it leaves off.
pub(super) struct Choice {
    pub(super) product: Product,
    pub(super) disabled: Vec<String>,
}

/// A self-service subscription by id; the organisation's subscriptions give no licenses of
/// their own (their product's pool does).
pub(super) fn self_service_subscription<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
) -> Result<crate::types::Subscription> {
    let s = directory::subscription(cx.store, id)?;
    if pool::is_organisations(&s) {
        return Err(crate::error::forbidden(
            None,
            format!(
                "subscription {id} is the organisation's, not a self-service subscription: its \
                 licenses are assigned from the product's pool by administrators (`seats assign`)"
            ),
        ));
    }
    Ok(s)
}

/// The product of a self-service subscription.
pub(super) fn own_product<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<Product> {
    let s = self_service_subscription(cx, id)?;
    catalog::resolve(cx.store, &s.sku_id)
}

pub(super) fn choices<S: Store + ?Sized>(
    store: &S,
    given: &[LicenseChoice],
) -> Result<Vec<Choice>> {
    let mut out: Vec<Choice> = Vec::new();
    for c in given {
        let product = catalog::resolve(store, &c.product)?;
        if out.iter().any(|o| o.product.sku_id == product.sku_id) {
            return Err(invalid(
                "products",
                format!("{} is named twice", product.part_number),
            ));
        }
        let plans = store
            .plans_of(std::slice::from_ref(&product.sku_id))
            .remove(0);
        let disabled = plans::resolve(&product, &plans, &c.disabled_plans)?;
        out.push(Choice { product, disabled });
    }
    Ok(out)
}

pub(super) fn products<S: Store + ?Sized>(store: &S, given: &[String]) -> Result<Vec<Product>> {
    given.iter().map(|p| catalog::resolve(store, p)).collect()
}
