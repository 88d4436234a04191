//! Where a user's license comes from (GL2, GL3, GL5): directly, from groups, or both. One
//! seat whatever the sources; the plans switched off are those every source switches off.

use crate::Store;
use crate::hash::HashMap;
use crate::types::Assignment;
use std::collections::{BTreeMap, BTreeSet};

/// The plans each group switches off in each product it gives, read once per call.
pub struct GroupPlans<'s, S: Store + ?Sized> {
    store: &'s S,
    by_group: HashMap<u64, BTreeMap<String, Vec<String>>>,
}

impl<'s, S: Store + ?Sized> GroupPlans<'s, S> {
    pub fn new(store: &'s S) -> Self {
        GroupPlans {
            store,
            by_group: HashMap::default(),
        }
    }

    /// The plans the group switches off in the product (none when it does not give it).
    fn disabled(&mut self, group: u64, sku: &str) -> Option<&Vec<String>> {
        let store = self.store;
        self.by_group
            .entry(group)
            .or_insert_with(|| {
                store
                    .group_licenses(group)
                    .into_iter()
                    .map(|l| (l.sku_id, l.disabled_plans))
                    .collect()
            })
            .get(sku)
    }
}

/// The plans the direct assignment switches off; none when the license is not direct.
pub fn direct_plans(a: &Assignment) -> Option<Vec<String>> {
    a.direct.then(|| {
        a.own_disabled_plans
            .clone()
            .unwrap_or_else(|| a.disabled_plans.clone())
    })
}

/// Sets the license's sources: `direct` (with the plans it switches off) and its groups, and
/// from them its disabled plans (GL2: a plan is off only when every source has it off).
pub fn settle<S: Store + ?Sized>(
    a: &mut Assignment,
    direct: Option<Vec<String>>,
    groups: BTreeSet<u64>,
    plans: &mut GroupPlans<S>,
) {
    let mut sets: Vec<Vec<String>> = direct.iter().cloned().collect();
    for g in &groups {
        sets.push(plans.disabled(*g, &a.sku_id).cloned().unwrap_or_default());
    }
    let mut off: Vec<String> = match sets.split_first() {
        Some((first, rest)) => first
            .iter()
            .filter(|p| rest.iter().all(|s| s.contains(p)))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    off.sort();
    off.dedup();
    a.own_disabled_plans = match &direct {
        Some(d) if !groups.is_empty() => Some(d.clone()),
        _ => None,
    };
    a.direct = direct.is_some();
    a.groups = groups.into_iter().collect();
    a.disabled_plans = off;
}

/// Whether two assignments of one user and product differ in what is stored of them.
pub fn differs(a: &Assignment, b: &Assignment) -> bool {
    a.disabled_plans != b.disabled_plans
        || a.direct != b.direct
        || a.groups != b.groups
        || a.own_disabled_plans != b.own_disabled_plans
}
