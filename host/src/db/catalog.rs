//! The catalog for the `store` import: products, service plans, the plans of each product,
//! and the rules between plans.

use super::Db;
use super::rows::{PRODUCT_COLUMNS, product};
use crate::bindings::types::*;
use rusqlite::{OptionalExtension, params};
use wasmtime::Result;

impl Db {
    pub(super) fn catalog_put_products(&mut self, products: Vec<Product>) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT INTO products (sku_id, part_number, display_name, price_monthly, price_annual, trial_available, self_service)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (sku_id) DO UPDATE SET part_number = ?2, display_name = ?3,
                 price_monthly = coalesce(?4, price_monthly), price_annual = coalesce(?5, price_annual),
                 trial_available = ?6, self_service = ?7",
        )?;
        for p in products {
            stmt.execute(params![
                p.sku_id,
                p.part_number,
                p.display_name,
                p.price_monthly,
                p.price_annual,
                p.trial_available,
                p.self_service
            ])?;
        }
        Ok(())
    }

    pub(super) fn catalog_put_service_plans(&mut self, plans: Vec<ServicePlan>) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT INTO service_plans (plan_id, name, friendly_name) VALUES (?1, ?2, ?3)
             ON CONFLICT (plan_id) DO UPDATE SET name = ?2, friendly_name = ?3",
        )?;
        for p in plans {
            stmt.execute(params![p.id, p.name, p.friendly_name])?;
        }
        Ok(())
    }

    pub(super) fn catalog_set_product_plans(
        &mut self,
        sku_id: String,
        plan_ids: Vec<String>,
    ) -> Result<()> {
        let conn = self.conn();
        let json = serde_json::to_string(&plan_ids)?;
        let dropped = conn
            .prepare_cached(
                "DELETE FROM product_plans WHERE sku_id = ?1 AND plan_id NOT IN (SELECT value FROM json_each(?2))",
            )?
            .execute(params![sku_id, json])?;
        if dropped > 0 {
            // A plan the product no longer has is no longer switched off anywhere (as the
            // disabled-plan rows' cascade did before schema 11).
            conn.prepare_cached(
                "UPDATE assignments SET disabled = (SELECT CASE count(*) WHEN 0 THEN NULL
                     ELSE json_group_array(value) END FROM (SELECT value FROM json_each(disabled)
                     WHERE value IN (SELECT value FROM json_each(?2)) ORDER BY value))
                 WHERE product = (SELECT id FROM products WHERE sku_id = ?1)
                     AND disabled IS NOT NULL",
            )?
            .execute(params![sku_id, json])?;
        }
        let mut stmt = conn.prepare_cached(
            "INSERT INTO product_plans (sku_id, plan_id, position) VALUES (?1, ?2, ?3)
             ON CONFLICT (sku_id, plan_id) DO UPDATE SET position = ?3",
        )?;
        for (i, id) in plan_ids.iter().enumerate() {
            stmt.execute(params![sku_id, id, i as i64])?;
        }
        Ok(())
    }

    pub(super) fn catalog_set_product_price(
        &mut self,
        sku_id: String,
        monthly: Option<String>,
        annual: Option<String>,
        trial: Option<bool>,
        self_service: Option<bool>,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE products SET price_monthly = coalesce(?2, price_monthly),
                     price_annual = coalesce(?3, price_annual), trial_available = coalesce(?4, trial_available), self_service = coalesce(?5, self_service)
                 WHERE sku_id = ?1",
            )?
            .execute(params![sku_id, monthly, annual, trial, self_service])?;
        Ok(())
    }

    pub(super) fn catalog_get_product(&mut self, sku_id: String) -> Result<Option<Product>> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE sku_id = ?1");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([sku_id], product)
            .optional()?)
    }

    pub(super) fn catalog_find_products(&mut self, part_number: String) -> Result<Vec<Product>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE part_number = ?1 COLLATE NOCASE ORDER BY sku_id"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        Ok(stmt
            .query_map([part_number], product)?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub(super) fn catalog_list_products(
        &mut self,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<Product>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE sku_id > ?1 ORDER BY sku_id LIMIT ?2"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        Ok(stmt
            .query_map(params![after.unwrap_or_default(), limit], product)?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub(super) fn catalog_plans_of(
        &mut self,
        sku_ids: Vec<String>,
    ) -> Result<Vec<Vec<ServicePlan>>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT s.plan_id, s.name, s.friendly_name FROM product_plans p
             JOIN service_plans s ON s.plan_id = p.plan_id WHERE p.sku_id = ?1 ORDER BY p.position",
        )?;
        let mut out = Vec::with_capacity(sku_ids.len());
        for sku in sku_ids {
            let plans = stmt
                .query_map([sku], |r| {
                    Ok(ServicePlan {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        friendly_name: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            out.push(plans);
        }
        Ok(out)
    }

    pub(super) fn catalog_count_products(&mut self) -> Result<u32> {
        Ok(self
            .conn()
            .prepare_cached("SELECT count(*) FROM products")?
            .query_row([], |r| r.get(0))?)
    }

    pub(super) fn catalog_plan_rules(&mut self) -> Result<Vec<PlanRule>> {
        let rows: Vec<(String, String, String)> = self
            .conn()
            .prepare_cached("SELECT kind, name, plans FROM plan_rules ORDER BY position")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(kind, name, plans)| {
                Ok(PlanRule {
                    kind: if kind == "exclusive" {
                        PlanRuleKind::Exclusive
                    } else {
                        PlanRuleKind::Requires
                    },
                    name,
                    plans: serde_json::from_str(&plans)?,
                })
            })
            .collect()
    }

    pub(super) fn catalog_set_plan_rules(&mut self, rules: Vec<PlanRule>) -> Result<()> {
        let conn = self.conn();
        conn.execute("DELETE FROM plan_rules", [])?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO plan_rules (position, kind, name, plans) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (i, r) in rules.into_iter().enumerate() {
            let kind = match r.kind {
                PlanRuleKind::Exclusive => "exclusive",
                PlanRuleKind::Requires => "requires",
            };
            stmt.execute(params![
                i as i64,
                kind,
                r.name,
                serde_json::to_string(&r.plans)?
            ])?;
        }
        Ok(())
    }
}
