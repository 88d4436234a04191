//! Products (SKUs) and their service plans, keyed by GUID (G6), with list prices.

use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, invalid, not_found};
use crate::exports::seats::licensing::catalog::{
    CatalogRow, ImportSummary, PriceUpdate, ProductDetails, ProductPage,
};
use crate::types::ObjectKind;
use crate::types::Operation;
use crate::types::{Product, ServicePlan};
use crate::{Store, validate};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// Most products one page returns.
pub const MAX_PAGE: u32 = 1000;

/// Finds a product by GUID or part number. A part number that names several products is
/// refused with every candidate (G6): Microsoft's own catalog has one (MCOPSTN5).
pub fn resolve<S: Store + ?Sized>(store: &S, name: &str) -> Result<Product> {
    let name = name.trim();
    if let Some(guid) = validate::guid(name) {
        return store.get_product(&guid).ok_or_else(|| {
            not_found(
                ObjectKind::Product,
                guid.clone(),
                format!(
                    "no product with GUID {guid} in the catalog; `seats catalog list` shows the products"
                ),
            )
        });
    }
    if name.is_empty() {
        return Err(invalid(
            "product",
            "name a product by part number (SPE_E3) or GUID",
        ));
    }
    let mut found = store.find_products(name);
    match found.len() {
        0 => Err(not_found(
            ObjectKind::Product,
            name,
            format!(
                "no product with part number '{name}' in the catalog; `seats catalog list` shows the products"
            ),
        )),
        1 => Ok(found.remove(0)),
        _ => Err(invalid(
            "product",
            format!(
                "part number '{name}' is ambiguous: it names {} products: {}; name one by its GUID",
                found.len(),
                found
                    .iter()
                    .map(|p| format!("{} ({})", p.sku_id, p.display_name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Adds or updates products and plans from Microsoft's CSV rows. The whole import is
/// validated before anything is written: one bad row refuses all.
pub fn import<S: Store + ?Sized>(cx: &Cx<S>, rows: &[CatalogRow]) -> Result<ImportSummary> {
    cx.require(Operation::ImportCatalog)?;
    if rows.is_empty() {
        return Err(invalid("rows", "the catalog file has no rows"));
    }
    let mut products: BTreeMap<String, Product> = BTreeMap::new();
    let mut plans: BTreeMap<String, ServicePlan> = BTreeMap::new();
    let mut plan_names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut product_plans: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let at = |field: &str, what: String| invalid(field, format!("line {}: {what}", row.line));
        let sku = validate::guid(&row.guid)
            .ok_or_else(|| at("GUID", format!("'{}' is not a GUID", row.guid.trim())))?;
        let part = validate::squash(&row.string_id);
        let name = validate::squash(&row.product_display_name);
        if part.is_empty() || name.is_empty() {
            return Err(at(
                "String_Id",
                "a product needs a String_Id and a Product_Display_Name".into(),
            ));
        }
        let plan_id = validate::guid(&row.service_plan_id).ok_or_else(|| {
            at(
                "Service_Plan_Id",
                format!("'{}' is not a GUID", row.service_plan_id.trim()),
            )
        })?;
        let plan_name = validate::squash(&row.service_plan_name);
        if plan_name.is_empty() {
            return Err(at(
                "Service_Plan_Name",
                "a service plan needs a name".into(),
            ));
        }
        match products.get(&sku) {
            Some(p) if p.part_number != part => {
                return Err(at(
                    "String_Id",
                    format!(
                        "product {sku} is named both '{}' and '{part}'",
                        p.part_number
                    ),
                ));
            }
            Some(_) => {}
            None => {
                products.insert(
                    sku.clone(),
                    Product {
                        sku_id: sku.clone(),
                        part_number: part,
                        display_name: name,
                        price_monthly: None,
                        price_annual: None,
                        trial_available: false,
                        self_service: false,
                    },
                );
            }
        }
        plan_names
            .entry(plan_id.clone())
            .or_default()
            .insert(plan_name.clone());
        plans.entry(plan_id.clone()).or_insert_with(|| ServicePlan {
            id: plan_id.clone(),
            name: plan_name,
            friendly_name: validate::squash(&row.service_plan_friendly_name),
        });
        let list = product_plans.entry(sku).or_default();
        if !list.contains(&plan_id) {
            list.push(plan_id);
        }
    }

    let mut by_part: BTreeMap<String, usize> = BTreeMap::new();
    for p in products.values() {
        *by_part
            .entry(p.part_number.to_ascii_uppercase())
            .or_default() += 1;
    }
    let added = products
        .keys()
        .filter(|sku| cx.store.get_product(sku).is_none())
        .count();
    // Keep what the tenant set (prices, trials) on products it already had.
    let merged: Vec<Product> = products
        .values()
        .map(|p| match cx.store.get_product(&p.sku_id) {
            Some(old) => Product {
                trial_available: old.trial_available,
                self_service: old.self_service,
                price_monthly: old.price_monthly,
                price_annual: old.price_annual,
                ..p.clone()
            },
            None => p.clone(),
        })
        .collect();
    // What each product provided, to move its holders' data where that changes (L4, L7).
    let provided_before = crate::data_follows::by_product(cx.store);
    cx.store
        .put_service_plans(&plans.values().cloned().collect::<Vec<_>>());
    cx.store.put_products(&merged);
    for (sku, ids) in &product_plans {
        cx.store.set_product_plans(sku, ids);
    }
    let changed: Vec<String> = crate::data_follows::by_product(cx.store)
        .into_iter()
        .filter(|(sku, now)| provided_before.get(sku).is_some_and(|was| was != now))
        .map(|(sku, _)| sku)
        .collect();
    crate::data_follows::follow_catalog(cx, &changed);
    let summary = ImportSummary {
        rows: rows.len() as u32,
        products: products.len() as u32,
        service_plans: plans.len() as u32,
        products_added: added as u32,
        ambiguous_part_numbers: by_part
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(p, _)| p)
            .collect(),
        plans_with_several_names: plan_names
            .into_iter()
            .filter(|(_, names)| names.len() > 1)
            .map(|(id, _)| id)
            .collect(),
    };
    cx.audit(
        "catalog.import",
        "catalog".into(),
        audited::NOTHING,
        Some(&crate::types::CatalogCounts {
            products: summary.products,
            service_plans: summary.service_plans,
            products_added: summary.products_added,
        }),
    );
    Ok(summary)
}

fn details<S: Store + ?Sized>(store: &S, products: Vec<Product>) -> Vec<ProductDetails> {
    let skus: Vec<String> = products.iter().map(|p| p.sku_id.clone()).collect();
    let plans = store.plans_of(&skus);
    products
        .into_iter()
        .zip(plans)
        .map(|(product, service_plans)| ProductDetails {
            product,
            service_plans,
        })
        .collect()
}

pub fn list<S: Store + ?Sized>(cx: &Cx<S>, after: Option<&str>, limit: u32) -> Result<ProductPage> {
    cx.require(Operation::Read)?;
    if limit == 0 || limit > MAX_PAGE {
        return Err(invalid(
            "limit",
            format!("a page holds 1 to {MAX_PAGE} products"),
        ));
    }
    let products = cx.store.list_products(after, limit);
    let next =
        (products.len() == limit as usize).then(|| products[products.len() - 1].sku_id.clone());
    Ok(ProductPage {
        products: details(cx.store, products),
        next,
    })
}

pub fn get<S: Store + ?Sized>(cx: &Cx<S>, name: &str) -> Result<ProductDetails> {
    cx.require(Operation::Read)?;
    let product = resolve(cx.store, name)?;
    Ok(details(cx.store, vec![product]).remove(0))
}

/// A price: a non-negative decimal with at most 4 decimal places, normalised to at least 2.
pub fn parse_price(field: &str, text: &str) -> Result<Decimal> {
    let d = Decimal::from_str(text.trim()).map_err(|_| {
        invalid(
            field,
            format!(
                "'{}' is not a price: use a decimal such as 36.00",
                text.trim()
            ),
        )
    })?;
    if d.is_sign_negative() || d.scale() > 4 || d > Decimal::from(1_000_000) {
        return Err(invalid(
            field,
            format!("'{d}' is not a price: use 0 to 1000000 with at most 4 decimals"),
        ));
    }
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    Ok(d)
}

pub fn set_price<S: Store + ?Sized>(
    cx: &Cx<S>,
    name: &str,
    price: &PriceUpdate,
) -> Result<Product> {
    cx.require(Operation::ManagePrices)?;
    let product = resolve(cx.store, name)?;
    let monthly = price
        .monthly
        .as_deref()
        .map(|m| parse_price("monthly", m))
        .transpose()?;
    let annual = price
        .annual
        .as_deref()
        .map(|a| parse_price("annual", a))
        .transpose()?;
    if monthly.is_none()
        && annual.is_none()
        && price.trial_available.is_none()
        && price.self_service.is_none()
    {
        return Err(invalid(
            "price",
            "give a monthly price, an annual price or trial availability",
        ));
    }
    cx.store.set_product_price(
        &product.sku_id,
        monthly.map(|d| d.to_string()).as_deref(),
        annual.map(|d| d.to_string()).as_deref(),
        price.trial_available,
        price.self_service,
    );
    let after = cx
        .store
        .get_product(&product.sku_id)
        .expect("product exists");
    cx.audit(
        "catalog.price",
        format!("product:{}", product.part_number),
        Some(&product),
        Some(&after),
    );
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::Error;

    #[test]
    fn g6_products_are_keyed_by_guid_and_an_ambiguous_part_number_is_refused() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let rows = vec![
            row(
                1,
                "PSTN Small",
                "MCOPSTN5",
                "d43177b5-475b-4880-92d4-d54c27b5efbd",
                "MCOPSTN5",
                PSTN_PLAN,
            ),
            row(
                2,
                "PSTN 120",
                "MCOPSTN5 ",
                "54a152dc-90de-4996-93d2-bc47e670fc06",
                "MCOPSTN5",
                PSTN_PLAN,
            ),
        ];
        let summary = import(&cx, &rows).unwrap();
        assert_eq!(summary.ambiguous_part_numbers, vec!["MCOPSTN5".to_string()]);
        let err = resolve(&store, "mcopstn5").unwrap_err();
        let Error::Invalid(i) = &err else {
            panic!("{err:?}")
        };
        assert!(
            i.message.contains("d43177b5-475b-4880-92d4-d54c27b5efbd"),
            "{}",
            i.message
        );
        assert!(
            i.message.contains("54a152dc-90de-4996-93d2-bc47e670fc06"),
            "{}",
            i.message
        );
        assert_eq!(
            resolve(&store, "54A152DC-90DE-4996-93D2-BC47E670FC06")
                .unwrap()
                .display_name,
            "PSTN 120"
        );
    }

    #[test]
    fn import_trims_names_and_keeps_the_first_of_several_plan_names() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let rows = vec![
            row(
                1,
                "Thing",
                "THING\u{a0}",
                "11111111-1111-1111-1111-111111111111",
                "ATP_ENTERPRISE ",
                PSTN_PLAN,
            ),
            row(
                2,
                "Other",
                "OTHER",
                "22222222-2222-2222-2222-222222222222",
                "ATP_ENTERPRISE_X",
                PSTN_PLAN,
            ),
        ];
        let summary = import(&cx, &rows).unwrap();
        assert_eq!(
            summary.plans_with_several_names,
            vec![PSTN_PLAN.to_string()]
        );
        let p = resolve(&store, "THING").unwrap();
        assert_eq!(p.part_number, "THING");
        assert_eq!(
            get(&cx, "OTHER").unwrap().service_plans[0].name,
            "ATP_ENTERPRISE"
        );
    }

    #[test]
    fn import_refuses_a_bad_row_and_writes_nothing() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let before = store.snapshot();
        let rows = vec![
            row(
                2,
                "Good",
                "GOOD",
                "33333333-3333-3333-3333-333333333333",
                "P",
                PSTN_PLAN,
            ),
            row(3, "Bad", "BAD", "not-a-guid", "P", PSTN_PLAN),
        ];
        let err = import(&cx, &rows).unwrap_err();
        assert!(err.text().contains("line 3"), "{}", err.text());
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn prices_are_exact_decimals() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let p = set_price(
            &cx,
            "SPE_E3",
            &PriceUpdate {
                monthly: Some("43.2".into()),
                annual: None,
                trial_available: None,
                self_service: None,
            },
        )
        .unwrap();
        assert_eq!(p.price_monthly.as_deref(), Some("43.20"));
        assert_eq!(p.price_annual.as_deref(), Some("432.00"));
        for bad in ["-1", "abc", "1.23456", "1e9"] {
            let before = store.snapshot();
            assert!(
                set_price(
                    &cx,
                    "SPE_E3",
                    &PriceUpdate {
                        monthly: Some(bad.into()),
                        annual: None,
                        trial_available: None,
                        self_service: None,
                    }
                )
                .is_err(),
                "{bad}"
            );
            assert_eq!(store.snapshot(), before);
        }
    }
}
