//! The catalog (interface `catalog`): products, service plans, prices, the plan rules (P4).
//! One transaction each.

use super::model::catalog::{CatalogRow, ImportSummary, PriceUpdate, ProductDetails};
use super::model::types::{PlanRule, Product};
use super::{CallError, Session};

/// Products per page of the catalog listing.
const PRODUCT_PAGE: u32 = 1000;

impl Session {
    /// Adds or updates products and their service plans from catalog rows.
    pub fn import_catalog(&mut self, rows: &[CatalogRow]) -> Result<ImportSummary, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_catalog()
                .call_import_catalog(st, actor, rows)
        })
    }

    /// A product with its plans and prices, by part number or GUID.
    pub fn get_product(&mut self, product: &str) -> Result<ProductDetails, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_catalog()
                .call_get_product(st, actor, product)
        })
    }

    pub fn set_price(&mut self, product: &str, price: &PriceUpdate) -> Result<Product, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_catalog()
                .call_set_price(st, actor, product, price)
        })
    }

    /// The rules between service plans (P4).
    pub fn plan_rules(&mut self) -> Result<Vec<PlanRule>, CallError> {
        self.call(|d, st, actor| d.seats_licensing_catalog().call_plan_rules(st, actor))
    }

    /// Replaces the plan rules; how many are in force.
    pub fn set_plan_rules(&mut self, rules: &[PlanRule]) -> Result<u32, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_catalog()
                .call_set_plan_rules(st, actor, rules)
        })
    }

    /// Every product of the catalog, page by page, in the component's order (by GUID).
    pub fn products(&mut self) -> Result<Vec<ProductDetails>, CallError> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.call(|d, st, actor| {
                d.seats_licensing_catalog().call_list_products(
                    st,
                    actor,
                    after.as_deref(),
                    PRODUCT_PAGE,
                )
            })?;
            all.extend(page.products);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }
}
