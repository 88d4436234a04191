//! The licenses of users about to be created (S7): planned for all of them before any is
//! written, then written page by page as the users are inserted.

use super::CHUNK;
use super::choices::{Choice, choices};
use super::pools::Pools;
use crate::cx::Cx;
use crate::error::Result;
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::plans::PlanCache;
use crate::pool::Source;
use crate::types::{Assignment, User};
use crate::{Store, directory, provisioning};
use std::collections::BTreeSet;

/// S7: the licenses of users about to be created, checked as any addition is (L2 against
/// exact pool counts, G1, G3, L9) before anything is written. New users hold nothing and
/// have no service data, so nothing is read per user, and each user's rows follow from
/// their list of licenses, resolved once per distinct list.
pub struct NewLicenses {
    sets: Vec<LicenseSet>,
    /// Per user, in the order given: the index of their set, or none.
    of_user: Vec<Option<usize>>,
}

struct LicenseSet {
    chosen: Vec<Choice>,
    /// The pools its licenses are drawn from.
    sources: Vec<Source>,
    /// Part numbers, sorted, as the audit log shows them.
    names: Vec<String>,
    /// The workloads the set provisions (L4).
    provided: BTreeSet<crate::types::Workload>,
}

/// Plans the licenses of `users` (validated, not yet inserted); the first refusal, naming
/// its user, refuses them all. The caller has checked the actor may assign licenses.
pub fn plan_new<S: Store + ?Sized>(
    cx: &Cx<S>,
    users: &[User],
    licenses: &[&[LicenseChoice]],
) -> Result<NewLicenses> {
    let store = cx.store;
    let mut plan = NewLicenses {
        sets: Vec::new(),
        of_user: Vec::with_capacity(users.len()),
    };
    if licenses.iter().all(|given| given.is_empty()) {
        plan.of_user.resize(users.len(), None);
        return Ok(plan);
    }
    let mut pools = Pools::new(store);
    let rules = store.plan_rules();
    let default_location = store.get_tenant().and_then(|t| t.default_usage_location);
    let mut cache = PlanCache::default();
    // Each distinct list of licenses and its set; a call has a few, so a list is searched.
    let mut index: Vec<(&[LicenseChoice], usize)> = Vec::new();
    for (user, given) in users.iter().zip(licenses) {
        if given.is_empty() {
            plan.of_user.push(None);
            continue;
        }
        // What any addition checks per user (as `plan_user` does): L9 and G1, G3, then L2.
        directory::receivable(user, default_location.as_deref())?;
        let k = match index.iter().find(|(list, _)| list == given) {
            Some((_, k)) => *k,
            None => {
                let chosen = choices(store, given)?;
                let mut names: Vec<String> = chosen
                    .iter()
                    .map(|c| c.product.part_number.clone())
                    .collect();
                names.sort();
                let sources = chosen
                    .iter()
                    .map(|c| Source::Product(c.product.sku_id.clone()))
                    .collect();
                let held: Vec<Assignment> =
                    chosen.iter().map(|c| new_assignment(cx, 0, c)).collect();
                // G3 once per set (the first user who asks for it is named).
                cache.check(store, &rules, held.iter(), &user.upn)?;
                let provided = cache.provided(store, held.iter()).clone();
                plan.sets.push(LicenseSet {
                    chosen,
                    sources,
                    names,
                    provided,
                });
                index.push((given, plan.sets.len() - 1));
                plan.sets.len() - 1
            }
        };
        let set = &plan.sets[k];
        pools.take(&[], &set.sources, &set.chosen, &user.upn)?;
        plan.of_user.push(Some(k));
    }
    Ok(plan)
}

fn new_assignment<S: Store + ?Sized>(cx: &Cx<S>, user_id: u64, c: &Choice) -> Assignment {
    Assignment {
        user_id,
        sku_id: c.product.sku_id.clone(),
        disabled_plans: c.disabled.clone(),
        assigned_at: cx.now,
        assigned_by: cx.actor.clone(),
        subscription: None,
        direct: true,
        groups: Vec::new(),
        own_disabled_plans: None,
    }
}

/// Writes the planned licenses of `users`, now inserted, which start at position `from` of
/// the users planned: their assignments, audit entries and provisioned service data.
pub fn write_new<S: Store + ?Sized>(cx: &Cx<S>, plan: &NewLicenses, users: &[User], from: usize) {
    let store = cx.store;
    let (mut insert, mut audit, mut data) = (Vec::new(), Vec::new(), Vec::new());
    for (user, k) in users.iter().zip(&plan.of_user[from..]) {
        let Some(set) = k.map(|k| &plan.sets[k]) else {
            continue;
        };
        insert.extend(set.chosen.iter().map(|c| new_assignment(cx, user.id, c)));
        audit.push(cx.audit_entry(
            "license.add",
            format!("user:{}", user.upn),
            Some(&Vec::<String>::new()),
            Some(&set.names),
        ));
        data.extend(provisioning::transition(
            user,
            &[],
            &set.provided,
            false,
            cx.now,
        ));
    }
    for c in insert.chunks(CHUNK) {
        store.insert_assignments(c);
    }
    store.append_audit(&audit);
    for c in data.chunks(CHUNK) {
        store.put_service_data(c);
    }
}
