//! The domain's invariants, checked over all the data (`seats check`): what every rule keeps
//! true after any sequence of changes, so a crash or a bug that broke one is found.

use crate::cx::Cx;
use crate::error::Result;
use crate::exports::seats::licensing::tenant::CheckReport;
use crate::hash::HashMap;
use crate::seats::licensing::store::UserQuery;
use crate::types::Operation;
use crate::types::{PurchaseChannel, SubscriptionStatus};
use crate::{Store, pool, validate};

pub fn run<S: Store + ?Sized>(cx: &Cx<S>) -> Result<CheckReport> {
    cx.require(Operation::Read)?;
    let store = cx.store;
    let mut problems = Vec::new();
    let mut plans: HashMap<String, (bool, Vec<String>)> = HashMap::default();

    let mut subscriptions = Vec::new();
    let mut after = None;
    loop {
        let batch = store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        subscriptions.extend(batch);
    }
    for s in &subscriptions {
        if validate::quantity("quantity", i64::from(s.quantity)).is_err() {
            problems.push(format!(
                "subscription {} has {} licenses, outside 1 to 1,000,000",
                s.id, s.quantity
            ));
        }
        if s.term_end <= s.created_at || s.terms == 0 {
            problems.push(format!("subscription {} ends before it starts", s.id));
        }
        if s.purchaser.is_some() && s.channel != PurchaseChannel::SelfService {
            problems.push(format!(
                "subscription {} has a purchaser but was not bought through self-service",
                s.id
            ));
        }
        if store.get_product(&s.sku_id).is_none() {
            problems.push(format!(
                "subscription {} is of an unknown product {}",
                s.id, s.sku_id
            ));
        }
        if s.purchaser.is_some() && s.status != SubscriptionStatus::Deleted {
            let used = store.assigned_from(s.id).len() as u32;
            if used > s.quantity {
                problems.push(format!(
                    "self-service subscription {} has {used} licenses assigned of {}",
                    s.id, s.quantity
                ));
            }
        }
    }

    let query = UserQuery {
        include_deleted: true,
        ..crate::directory::everyone()
    };
    // Products as people name them: by part number where the catalog has one.
    let part = |sku: &str| {
        store
            .get_product(sku)
            .map_or_else(|| sku.to_string(), |p| p.part_number)
    };
    let by_id: HashMap<u64, &crate::types::Subscription> =
        subscriptions.iter().map(|s| (s.id, s)).collect();
    let (mut users, mut assignments) = (0u32, 0u32);
    let mut sources = crate::groups::check::Sources::new(store);
    let mut provided = crate::plans::PlanCache::default();
    let mut after = None;
    loop {
        let batch = store.list_users(&query, after, 5000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        let ids: Vec<u64> = batch.iter().map(|u| u.id).collect();
        let data = store.service_data_of(&ids);
        for ((user, held), data) in batch.iter().zip(store.assignments_of_users(&ids)).zip(data) {
            if user.deleted_at.is_none() {
                let wanted = provided.provided(store, held.iter());
                data_follows_licenses(user, wanted, &data, &mut problems);
            }
            users += 1;
            assignments += held.len() as u32;
            if validate::upn("upn", &user.upn).is_err() {
                problems.push(format!(
                    "user {} has a malformed user principal name",
                    user.upn
                ));
            }
            if let Some(l) = &user.usage_location
                && validate::country("usage-location", l).is_err()
            {
                problems.push(format!("{} has an invalid usage location {l}", user.upn));
            }
            if user.deleted_at.is_some() && !held.is_empty() {
                problems.push(format!(
                    "{} is deleted but holds {} license(s)",
                    user.upn,
                    held.len()
                ));
            }
            sources.user(store, user, &held, &mut problems);
            for a in &held {
                // Per product once (a million users hold a few products): its plans, and
                // whether the catalog has it.
                let (known, product_plans) = plans.entry(a.sku_id.clone()).or_insert_with(|| {
                    let ids = store
                        .plans_of(std::slice::from_ref(&a.sku_id))
                        .remove(0)
                        .into_iter()
                        .map(|p| p.id)
                        .collect();
                    (store.get_product(&a.sku_id).is_some(), ids)
                });
                if !*known {
                    problems.push(format!(
                        "{} holds an unknown product {}",
                        user.upn, a.sku_id
                    ));
                }
                for p in a
                    .disabled_plans
                    .iter()
                    .filter(|p| !product_plans.contains(p))
                {
                    problems.push(format!(
                        "{} has plan {p} switched off, which {} does not include",
                        user.upn,
                        part(&a.sku_id)
                    ));
                }
                if let Some(id) = a.subscription {
                    match by_id.get(&id) {
                        Some(s) if s.sku_id == a.sku_id && s.purchaser.is_some() => {}
                        _ => problems.push(format!(
                            "{}'s license of {} names subscription {id}, which is not its self-service subscription",
                            user.upn,
                            part(&a.sku_id)
                        )),
                    }
                }
            }
        }
    }
    pools(store, &subscriptions, &mut problems);
    billing(store, &subscriptions, &mut problems);
    Ok(CheckReport {
        users,
        assignments,
        subscriptions: subscriptions.len() as u32,
        problems,
    })
}

/// L4, L7: a user's data is active exactly for the workloads their licenses provide. A
/// change that leaves those workloads as they were leaves the data unread and unwritten
/// (`bulk/planner.rs`), so a user who breaks this stays broken until found here.
fn data_follows_licenses(
    user: &crate::types::User,
    wanted: &std::collections::BTreeSet<crate::types::Workload>,
    data: &[crate::types::ServiceData],
    problems: &mut Vec<String>,
) {
    use crate::types::DataState;
    let (mut inactive, mut unprovided) = (Vec::new(), Vec::new());
    for w in crate::provisioning::ALL {
        let state = data.iter().find(|d| d.workload == w).map(|d| d.state);
        let name = crate::provisioning::workload_name(w);
        match (wanted.contains(&w), state) {
            (true, Some(DataState::Active)) | (false, None) => {}
            (true, state) => inactive.push(format!(
                "{name} ({})",
                match state {
                    None => "missing",
                    Some(DataState::Retained) => "retained",
                    Some(DataState::Removed) => "removed",
                    Some(DataState::Purged | DataState::Active) => "purged",
                }
            )),
            (false, Some(DataState::Active)) => unprovided.push(name),
            (false, Some(_)) => {}
        }
    }
    if !inactive.is_empty() {
        problems.push(format!(
            "{}'s licenses provide data that is not active: {}",
            user.upn,
            inactive.join(", ")
        ));
    }
    if !unprovided.is_empty() {
        problems.push(format!(
            "{} has active data that none of their licenses provide: {}",
            user.upn,
            unprovided.join(", ")
        ));
    }
}

/// L2, S2, C1, P1: the organisation's licenses are drawn from its own subscriptions only, so
/// more can be assigned than its enabled units only after one of them ended (expired,
/// disabled or deleted); never because an assignment or a reduction overdrew the pool.
fn pools<S: Store + ?Sized>(
    store: &S,
    subscriptions: &[crate::types::Subscription],
    problems: &mut Vec<String>,
) {
    for (sku, assigned) in store.assigned_counts() {
        let of_product: Vec<_> = subscriptions
            .iter()
            .filter(|s| s.sku_id == sku && pool::is_organisations(s))
            .cloned()
            .collect();
        let enabled = pool::Units::of(&of_product).enabled;
        let ended = of_product.iter().any(|s| {
            matches!(
                s.status,
                SubscriptionStatus::Expired
                    | SubscriptionStatus::Disabled
                    | SubscriptionStatus::Deleted
            )
        });
        if assigned > enabled && !ended {
            let part = store
                .get_product(&sku)
                .map_or(sku.clone(), |p| p.part_number);
            problems.push(format!(
                "{assigned} licenses of {part} are assigned from the organisation's pool, which \
                 has {enabled}, and none of its subscriptions ended: an assignment or a \
                 reduction overdrew the pool"
            ));
        }
    }
}

/// B1, B2: every invoice is the sum of its lines, every reversal returns exactly one line of
/// its own subscription, and every month's invoice of a profile is unique.
fn billing<S: Store + ?Sized>(
    store: &S,
    subscriptions: &[crate::types::Subscription],
    problems: &mut Vec<String>,
) {
    use crate::billing::money;
    let mut invoices = std::collections::BTreeMap::new();
    for s in subscriptions {
        let lines = store.charges_of(s.id);
        for c in &lines {
            if let Some(r) = c.reverses {
                match lines.iter().find(|o| o.id == r) {
                    Some(o) if money::parse(&o.amount) == -money::parse(&c.amount) => {}
                    _ => problems.push(format!(
                        "ledger line {} reverses line {r}, which is not a line of subscription {} with the opposite amount",
                        c.id, s.id
                    )),
                }
            }
            if let Some(i) = c.invoice_id {
                *invoices.entry(i).or_insert(rust_decimal::Decimal::ZERO) +=
                    money::parse(&c.amount);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (id, sum) in invoices {
        match store.get_invoice(id) {
            Some(i) if money::parse(&i.total) == sum => {
                if !seen.insert((i.profile_id, i.period_start)) {
                    problems.push(format!(
                        "billing profile {} has two invoices for one period",
                        i.profile_id
                    ));
                }
            }
            Some(i) => problems.push(format!(
                "invoice {id} totals {} but its lines sum to {sum}",
                i.total
            )),
            None => problems.push(format!(
                "ledger lines name invoice {id}, which does not exist"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn a_consistent_tenant_has_no_problems_and_a_broken_one_is_named() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 2);
        add_user(&store, "ana@contoso.com");
        crate::licenses::assign(&admin(&store), "ana@contoso.com", "SPE_E3", &[]).unwrap();
        let report = run(&admin(&store)).unwrap();
        assert_eq!(
            (report.users, report.assignments, report.subscriptions),
            (2, 1, 1)
        );
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        // Overdraw the pool behind the rules' back (L2).
        add_user(&store, "bo@contoso.com");
        add_user(&store, "cy@contoso.com");
        for upn in ["bo@contoso.com", "cy@contoso.com"] {
            let user = crate::directory::find(&store, upn).unwrap();
            store.insert_assignments(&[crate::types::Assignment {
                user_id: user.id,
                sku_id: crate::catalog::resolve(&store, "SPE_E3").unwrap().sku_id,
                disabled_plans: vec![],
                assigned_at: NOW,
                assigned_by: ADMIN.into(),
                subscription: None,
                direct: true,
                groups: vec![],
                own_disabled_plans: None,
            }]);
        }
        // Their licenses came without their data (L4): each is named once.
        let report = run(&admin(&store)).unwrap();
        assert_eq!(report.problems.len(), 3, "{:?}", report.problems);
        for (p, upn) in report.problems.iter().zip(["bo", "cy"]) {
            assert_eq!(
                p,
                &format!(
                    "{upn}@contoso.com's licenses provide data that is not active: \
                     mailbox (missing), onedrive (missing), team-site (missing), teams (missing)"
                )
            );
        }
        assert!(
            report.problems[2].contains("overdrew the pool"),
            "{:?}",
            report.problems
        );
        store.delete_assignments(&[(
            crate::directory::find(&store, "cy@contoso.com").unwrap().id,
            crate::catalog::resolve(&store, "SPE_E3").unwrap().sku_id,
        )]);
        // Break L8 behind the rules' back.
        let mut u = crate::directory::find(&store, "ana@contoso.com").unwrap();
        u.deleted_at = Some(NOW);
        store.update_user(&u);
        let report = run(&admin(&store)).unwrap();
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        assert!(report.problems[0].contains("deleted but holds"));
        assert!(report.problems[1].starts_with("bo@contoso.com's licenses provide data"));
    }
}
