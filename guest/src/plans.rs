//! Service plans (L3, L4, G3): a product's plans named by the admin resolved to ids, and what
//! a user's licenses enable, provide and whether the plan rules allow it, worked out once per
//! combination of licenses.

use crate::error::{Result, invalid};
use crate::hash::HashMap;
use crate::types::{Assignment, PlanRule, Product, ServicePlan};
use crate::{Store, provisioning};
use std::collections::BTreeSet;

/// Resolves plan names or ids against the product's plans (L3).
pub fn resolve(product: &Product, plans: &[ServicePlan], names: &[String]) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for name in names {
        let n = name.trim();
        let plan = plans
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(n) || p.name.eq_ignore_ascii_case(n))
            .ok_or_else(|| {
                invalid(
                    "disabled-plans",
                    format!(
                        "'{n}' is not a service plan of {}; its plans are: {}",
                        product.part_number,
                        plans
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        if !ids.contains(&plan.id) {
            ids.push(plan.id.clone());
        }
    }
    Ok(ids)
}

/// Service plans per product, fetched once per call; and per combination of licenses (each
/// product with its disabled plans), what it enables and provides, worked out once per call:
/// a bulk call over many users has only a few combinations.
#[derive(Default)]
pub struct PlanCache {
    plans: HashMap<String, Vec<ServicePlan>>,
    /// Each combination's index in `combos`, by its key: one lookup per user.
    index: HashMap<String, usize>,
    combos: Vec<Combo>,
    /// The key of the combination looked up last, kept to spare an allocation per user.
    key: String,
}

/// What one combination of licenses enables.
struct Combo {
    /// Names of the enabled plans (what G3's rules are about).
    enabled: BTreeSet<String>,
    /// Workloads they provision (L4).
    provided: BTreeSet<crate::types::Workload>,
    /// Whether the plan rules allowed it, once checked.
    allowed: Option<bool>,
}

impl PlanCache {
    fn plans_of<S: Store + ?Sized>(&mut self, store: &S, sku: &str) -> &Vec<ServicePlan> {
        self.plans
            .entry(sku.to_string())
            .or_insert_with(|| store.plans_of(&[sku.to_string()]).remove(0))
    }

    /// Whether any of a product's plans provisions a workload (L4): giving or taking one that
    /// does not leaves every user's data as it is.
    pub fn provisions<S: Store + ?Sized>(&mut self, store: &S, sku: &str) -> bool {
        self.plans_of(store, sku)
            .iter()
            .any(|p| !provisioning::workloads_of(p).is_empty())
    }

    /// A license as people read it: its part number, and the plans switched off
    /// ("SPE_E3 without MCOSTANDARD, YAMMER_ENTERPRISE").
    pub fn label<S: Store + ?Sized>(&mut self, store: &S, a: &Assignment) -> String {
        let part = store
            .get_product(&a.sku_id)
            .map_or_else(|| a.sku_id.clone(), |p| p.part_number);
        if a.disabled_plans.is_empty() {
            return part;
        }
        let off: Vec<&str> = self
            .plans_of(store, &a.sku_id)
            .iter()
            .filter(|p| a.disabled_plans.contains(&p.id))
            .map(|p| p.name.as_str())
            .collect();
        format!("{part} without {}", off.join(", "))
    }

    /// The enabled plans of a set of assignments.
    pub fn enabled<'a, S: Store + ?Sized>(
        &mut self,
        store: &S,
        assignments: impl IntoIterator<Item = &'a Assignment>,
    ) -> Vec<ServicePlan> {
        let mut enabled = Vec::new();
        for a in assignments {
            let plans = self.plans_of(store, &a.sku_id);
            enabled.extend(
                plans
                    .iter()
                    .filter(|p| !a.disabled_plans.contains(&p.id))
                    .cloned(),
            );
        }
        enabled
    }

    fn combo<'a, S: Store + ?Sized>(
        &mut self,
        store: &S,
        assignments: impl IntoIterator<Item = &'a Assignment> + Clone,
    ) -> &mut Combo {
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        for a in assignments.clone() {
            key.push_str(&a.sku_id);
            for p in &a.disabled_plans {
                key.push(',');
                key.push_str(p);
            }
            key.push(';');
        }
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let plans = self.enabled(store, assignments);
                self.combos.push(Combo {
                    enabled: plans.iter().map(|p| p.name.clone()).collect(),
                    provided: provisioning::provided(&plans),
                    allowed: None,
                });
                self.index.insert(key.clone(), self.combos.len() - 1);
                self.combos.len() - 1
            }
        };
        self.key = key;
        &mut self.combos[i]
    }

    /// G3 for one user's licenses; the rules run once per combination.
    pub fn check<'a, S: Store + ?Sized>(
        &mut self,
        store: &S,
        rules: &[PlanRule],
        assignments: impl IntoIterator<Item = &'a Assignment> + Clone,
        upn: &str,
    ) -> Result<()> {
        let combo = self.combo(store, assignments);
        if combo.allowed == Some(true) {
            return Ok(());
        }
        // Checked again on a refusal, so the message names this user.
        let result = crate::rules::check(rules, &combo.enabled, upn);
        combo.allowed = Some(result.is_ok());
        result
    }

    /// The workloads a user's licenses provision.
    pub fn provided<'a, S: Store + ?Sized>(
        &mut self,
        store: &S,
        assignments: impl IntoIterator<Item = &'a Assignment> + Clone,
    ) -> &BTreeSet<crate::types::Workload> {
        &self.combo(store, assignments).provided
    }
}
