//! One user's licenses while a bulk change plans them: kept in a vector sorted by sku id.
//!
//! A user holds a few licenses. A `BTreeMap<String, Assignment>` allocated a node for
//! eleven of them and a copy of each key, per user and twice (before and after): building
//! and dropping those maps was a tenth of a bulk change's guest time. A crate's sorted-vector
//! map (litemap) would turn on a feature that the host's build leaves off and so compile
//! wasmtime's dependents twice (see src/hash.rs); this is the few operations the planner uses.

use crate::types::Assignment;

/// Assignments by sku id, one per product, in sku order.
#[derive(Clone, Default)]
pub(super) struct Held(Vec<Assignment>);

impl Held {
    /// A user's assignments as the store gives them (ordered by sku id; sorted again, cheaply,
    /// in case a store does not).
    pub(super) fn new(mut assignments: Vec<Assignment>) -> Held {
        assignments.sort_by(|a, b| a.sku_id.cmp(&b.sku_id));
        assignments.dedup_by(|a, b| a.sku_id == b.sku_id);
        Held(assignments)
    }

    /// The licenses `keep` says stay, copied.
    pub(super) fn kept(&self, keep: impl Fn(&Assignment) -> bool) -> Held {
        Held(self.0.iter().filter(|a| keep(a)).cloned().collect())
    }

    fn find(&self, sku: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|a| a.sku_id.as_str().cmp(sku))
    }

    pub(super) fn get(&self, sku: &str) -> Option<&Assignment> {
        self.find(sku).ok().map(|i| &self.0[i])
    }

    pub(super) fn contains_key(&self, sku: &str) -> bool {
        self.find(sku).is_ok()
    }

    /// Adds the license, or replaces the one of its product.
    pub(super) fn insert(&mut self, a: Assignment) {
        match self.find(&a.sku_id) {
            Ok(i) => self.0[i] = a,
            Err(i) => self.0.insert(i, a),
        }
    }

    pub(super) fn remove(&mut self, sku: &str) -> Option<Assignment> {
        self.find(sku).ok().map(|i| self.0.remove(i))
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    /// Sku ids, in order.
    pub(super) fn keys(&self) -> impl Iterator<Item = &String> + Clone {
        self.0.iter().map(|a| &a.sku_id)
    }

    /// The assignments, in sku order.
    pub(super) fn values(&self) -> std::slice::Iter<'_, Assignment> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(sku: &str) -> Assignment {
        Assignment {
            user_id: 1,
            sku_id: sku.into(),
            disabled_plans: vec![],
            assigned_at: 0,
            assigned_by: "admin@contoso.com".into(),
            subscription: None,
            direct: true,
            groups: vec![],
            own_disabled_plans: None,
        }
    }

    #[test]
    fn held_licenses_stay_one_per_product_in_sku_order() {
        let mut held = Held::new(vec![a("c"), a("a"), a("c")]);
        assert_eq!(held.keys().collect::<Vec<_>>(), ["a", "c"]);
        held.insert(a("b"));
        let mut again = a("b");
        again.direct = false;
        held.insert(again);
        assert_eq!(held.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert!(!held.get("b").expect("held").direct);
        assert!(held.remove("a").is_some() && held.remove("a").is_none());
        assert!(held.contains_key("c") && !held.contains_key("a"));
        assert_eq!(held.kept(|a| a.sku_id == "c").keys().count(), 1);
        held.clear();
        assert_eq!(held.values().count(), 0);
    }
}
