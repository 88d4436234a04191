//! License pools per product (L1) and their assignment to users (L2, L3).

use crate::bulk::{self, Mode};
use crate::cx::Cx;
use crate::error::{Result, conflict, invalid, not_found};
use crate::exports::seats::licensing::licenses::{
    LicenseChoice, LicenseConflict, LicensePool, UserLicense,
};
use crate::roles::Operation;
use crate::types::{Assignment, Product, ServicePlan, Subscription, SubscriptionStatus, User};
use crate::{Store, catalog, users};
use std::collections::BTreeMap;

/// Whether a subscription's licenses can be assigned: enabled units (G5).
pub fn counts_in_pool(s: &Subscription) -> bool {
    matches!(
        s.status,
        SubscriptionStatus::Active | SubscriptionStatus::Trial
    )
}

/// L1: one pool per product, over all of its subscriptions: its enabled units.
pub fn pool_total(subscriptions: &[Subscription]) -> u32 {
    subscriptions
        .iter()
        .filter(|s| counts_in_pool(s))
        .map(|s| s.quantity)
        .sum()
}

/// Units per state, as Graph's licenseUnitsDetail reports them (G5).
#[derive(Default, Clone, Copy)]
struct Units {
    enabled: u32,
    warning: u32,
    suspended: u32,
}

impl Units {
    fn add(&mut self, s: &Subscription) {
        if s.purchaser.is_some() {
            return;
        }
        match s.status {
            SubscriptionStatus::Active | SubscriptionStatus::Trial => self.enabled += s.quantity,
            SubscriptionStatus::Expired => self.warning += s.quantity,
            SubscriptionStatus::Disabled => self.suspended += s.quantity,
            SubscriptionStatus::Deleted | SubscriptionStatus::Cancelled => {}
        }
    }
}

/// The product's pool: its units over all its subscriptions and the licenses assigned.
pub fn pool<S: Store + ?Sized>(store: &S, product: &Product) -> LicensePool {
    let mut units = Units::default();
    for s in store.subscriptions_of(&product.sku_id) {
        units.add(&s);
    }
    make_pool(product, units, store.count_assigned(&product.sku_id))
}

fn make_pool(product: &Product, units: Units, assigned: u32) -> LicensePool {
    LicensePool {
        sku_id: product.sku_id.clone(),
        part_number: product.part_number.clone(),
        display_name: product.display_name.clone(),
        total: units.enabled + units.warning,
        enabled: units.enabled,
        warning: units.warning,
        suspended: units.suspended,
        assigned,
        available: i64::from(units.enabled) - i64::from(assigned),
        users_needing_license: assigned.saturating_sub(units.enabled),
    }
}

/// The Licenses page: every product with a subscription or an assigned license, by part number.
/// Reading never fails on a conflict: more may be assigned than enabled (G5).
pub fn page<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<LicensePool>> {
    cx.require(Operation::Read)?;
    let mut units: BTreeMap<String, Units> = BTreeMap::new();
    let mut after = None;
    loop {
        let batch = cx.store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for s in batch
            .iter()
            .filter(|s| s.status != SubscriptionStatus::Deleted)
        {
            units.entry(s.sku_id.clone()).or_default().add(s);
        }
    }
    let assigned: BTreeMap<String, u32> = cx.store.assigned_counts().into_iter().collect();
    let mut pools: Vec<LicensePool> = units
        .keys()
        .chain(assigned.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter_map(|sku| {
            let product = cx.store.get_product(sku)?;
            Some(make_pool(
                &product,
                units.get(sku).copied().unwrap_or_default(),
                assigned.get(sku).copied().unwrap_or(0),
            ))
        })
        .collect();
    pools.sort_by(|a, b| {
        a.part_number
            .cmp(&b.part_number)
            .then(a.sku_id.cmp(&b.sku_id))
    });
    Ok(pools)
}

/// C1-C3: products with more licenses assigned than enabled, and how to resolve each.
pub fn conflicts<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<LicenseConflict>> {
    let pools = page(cx)?;
    Ok(pools
        .into_iter()
        .filter(|p| p.users_needing_license > 0)
        .map(|pool| {
            let renewable: Vec<u64> = cx
                .store
                .subscriptions_of(&pool.sku_id)
                .into_iter()
                .filter(|s| matches!(s.status, SubscriptionStatus::Expired | SubscriptionStatus::Disabled))
                .map(|s| s.id)
                .collect();
            let n = pool.users_needing_license;
            let mut resolutions = vec![
                format!("buy {n} more license(s) of {} (`seats buy` or `seats set-quantity`)", pool.part_number),
                format!("remove {n} license(s) of {} from users who no longer need them (`seats unassign`)", pool.part_number),
                "delete users who have left (`seats users delete`)".to_string(),
            ];
            if !renewable.is_empty() {
                let ids: Vec<String> = renewable.iter().map(u64::to_string).collect();
                resolutions.push(format!("renew subscription {} (`seats renew ID`)", ids.join(", ")));
            }
            LicenseConflict { pool, renewable, resolutions }
        })
        .collect())
}

/// Resolves plan names or ids against the product's plans (L3).
pub(crate) fn resolve_plans(
    product: &Product,
    plans: &[ServicePlan],
    names: &[String],
) -> Result<Vec<String>> {
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

pub(crate) fn view(
    user: &User,
    product: &Product,
    plans: Vec<ServicePlan>,
    a: &Assignment,
) -> UserLicense {
    let (disabled, enabled) = plans
        .into_iter()
        .partition(|p| a.disabled_plans.contains(&p.id));
    UserLicense {
        upn: user.upn.clone(),
        sku_id: product.sku_id.clone(),
        part_number: product.part_number.clone(),
        enabled_plans: enabled,
        disabled_plans: disabled,
        assigned_at: a.assigned_at,
        assigned_by: a.assigned_by.clone(),
    }
}

/// Every license the user holds, with its plans on and off.
pub fn of_user<S: Store + ?Sized>(store: &S, user: &User) -> Vec<UserLicense> {
    let assignments = store.assignments_of(user.id);
    let skus: Vec<String> = assignments.iter().map(|a| a.sku_id.clone()).collect();
    let plans = store.plans_of(&skus);
    assignments
        .iter()
        .zip(plans)
        .filter_map(|(a, plans)| Some(view(user, &store.get_product(&a.sku_id)?, plans, a)))
        .collect()
}

pub fn user_licenses<S: Store + ?Sized>(cx: &Cx<S>, upn: &str) -> Result<Vec<UserLicense>> {
    cx.require(Operation::Read)?;
    let user = users::find(cx.store, upn)?;
    Ok(of_user(cx.store, &user))
}

fn held<S: Store + ?Sized>(store: &S, user: &User, product: &Product) -> Option<Assignment> {
    store
        .assignments_of(user.id)
        .into_iter()
        .find(|a| a.sku_id == product.sku_id)
}

/// L2, L3: assigns a license to an active user while the product's pool has one available,
/// with every service plan on but those named.
pub fn assign<S: Store + ?Sized>(
    cx: &Cx<S>,
    upn: &str,
    product: &str,
    disabled_plans: &[String],
) -> Result<UserLicense> {
    cx.require(Operation::AssignLicense)?;
    let user = users::find_active(cx.store, upn)?;
    let product = catalog::resolve(cx.store, product)?;
    if held(cx.store, &user, &product).is_some() {
        return Err(conflict(format!(
            "{} already holds {}; change its service plans with `seats set-plans`",
            user.upn, product.part_number
        )));
    }
    let choice = LicenseChoice {
        product: product.sku_id.clone(),
        disabled_plans: disabled_plans.to_vec(),
    };
    let result = bulk::run(
        cx,
        std::slice::from_ref(&user.upn),
        Mode::Add(&[choice]),
        true,
    )?;
    bulk::single(result)?;
    let a = held(cx.store, &user, &product).expect("assigned just now");
    let plans = cx
        .store
        .plans_of(std::slice::from_ref(&product.sku_id))
        .remove(0);
    Ok(view(&user, &product, plans, &a))
}

pub fn unassign<S: Store + ?Sized>(cx: &Cx<S>, upn: &str, product: &str) -> Result<()> {
    cx.require(Operation::RemoveLicense)?;
    let user = users::find(cx.store, upn)?;
    let product = catalog::resolve(cx.store, product)?;
    if held(cx.store, &user, &product).is_none() {
        return Err(not_found(format!(
            "{} holds no license of {}",
            user.upn, product.part_number
        )));
    }
    let result = bulk::run(
        cx,
        std::slice::from_ref(&user.upn),
        Mode::Remove(&[product.sku_id]),
        true,
    )?;
    bulk::single(result)
}

/// L3: switches service plans of a held license off (the rest on); frees no license.
pub fn set_disabled_plans<S: Store + ?Sized>(
    cx: &Cx<S>,
    upn: &str,
    product: &str,
    disabled_plans: &[String],
) -> Result<UserLicense> {
    cx.require(Operation::AssignLicense)?;
    let user = users::find_active(cx.store, upn)?;
    let product = catalog::resolve(cx.store, product)?;
    let Some(mut a) = held(cx.store, &user, &product) else {
        return Err(not_found(format!(
            "{} holds no license of {}; assign one first",
            user.upn, product.part_number
        )));
    };
    let plans = cx
        .store
        .plans_of(std::slice::from_ref(&product.sku_id))
        .remove(0);
    let disabled = resolve_plans(&product, &plans, disabled_plans)?;
    let before = view(&user, &product, plans.clone(), &a);
    a.disabled_plans = disabled;
    // G3: the user's licenses with this change must still keep every plan rule.
    let mut all = cx.store.assignments_of(user.id);
    for x in all.iter_mut().filter(|x| x.sku_id == a.sku_id) {
        x.disabled_plans = a.disabled_plans.clone();
    }
    let enabled = bulk::PlanCache::default()
        .enabled(cx.store, &all)
        .into_iter()
        .map(|p| p.name)
        .collect();
    crate::rules::check(&cx.store.plan_rules(), &enabled, &user.upn)?;
    cx.store
        .set_disabled_plans(user.id, &product.sku_id, &a.disabled_plans);
    let after = view(&user, &product, plans, &a);
    cx.audit(
        "license.plans",
        format!("user:{}", user.upn),
        Some(&before),
        Some(&after),
    );
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::{Error, Role};

    fn e3_pool(store: &crate::memory::MemoryStore) -> LicensePool {
        page(&admin(store))
            .unwrap()
            .into_iter()
            .find(|p| p.part_number == "SPE_E3")
            .unwrap()
    }

    #[test]
    fn l1_one_pool_per_product_over_all_its_subscriptions() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 5);
        buy(&store, "SPE_E3", 8);
        buy(&store, "SPE_E5", 2);
        let pools = page(&admin(&store)).unwrap();
        assert_eq!(pools.len(), 2);
        let e3 = &pools[0];
        assert_eq!(
            (e3.part_number.as_str(), e3.total, e3.assigned, e3.available),
            ("SPE_E3", 13, 0, 13)
        );
        add_user(&store, "ana@contoso.com");
        assign(&admin(&store), "ana@contoso.com", "SPE_E3", &[]).unwrap();
        let e3 = e3_pool(&store);
        assert_eq!((e3.total, e3.assigned, e3.available), (13, 1, 12));
    }

    #[test]
    fn l2_only_an_existing_active_user_and_only_while_a_license_is_available() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 1);
        add_user(&store, "ana@contoso.com");
        add_user(&store, "bo@contoso.com");
        let cx = admin(&store);
        let before = store.snapshot();
        let err = assign(&cx, "nobody@contoso.com", "SPE_E3", &[]).unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
        assert_eq!(store.snapshot(), before);
        assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        let before = store.snapshot();
        let err = assign(&cx, "bo@contoso.com", "SPE_E3", &[]).unwrap_err();
        assert!(matches!(err, Error::InsufficientLicenses(_)), "{err:?}");
        assert!(err.text().contains("1 of 1 are assigned"), "{}", err.text());
        assert_eq!(store.snapshot(), before);
        let err = assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        // A product the tenant has no subscription to has no license available.
        let err = assign(&cx, "bo@contoso.com", "SPE_E5", &[]).unwrap_err();
        assert!(matches!(err, Error::InsufficientLicenses(_)), "{err:?}");
    }

    #[test]
    fn l2_a_deleted_user_cannot_get_a_license() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 2);
        let mut u = add_user(&store, "gone@contoso.com");
        u.deleted_at = Some(NOW);
        store.tables.borrow_mut().users.insert(u.id, u);
        let err = assign(&admin(&store), "gone@contoso.com", "SPE_E3", &[]).unwrap_err();
        assert!(err.text().contains("deleted"), "{}", err.text());
        assert_eq!(e3_pool(&store).assigned, 0);
    }

    #[test]
    fn l3_all_plans_on_by_default_any_can_be_switched_off_and_no_license_is_freed() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 2);
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        let l = assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        assert_eq!(l.enabled_plans.len(), 3);
        assert!(l.disabled_plans.is_empty());
        let l = set_disabled_plans(
            &cx,
            "ana@contoso.com",
            "SPE_E3",
            &["mcostandard".into(), EXCHANGE_E.into()],
        )
        .unwrap();
        let off: Vec<_> = l.disabled_plans.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(off, vec!["EXCHANGE_S_ENTERPRISE", "MCOSTANDARD"]);
        assert_eq!(l.enabled_plans.len(), 1);
        assert_eq!(
            e3_pool(&store).assigned,
            1,
            "switching plans off frees no license"
        );
        let err = set_disabled_plans(&cx, "ana@contoso.com", "SPE_E3", &["NOT_A_PLAN".into()])
            .unwrap_err();
        assert!(
            err.text().contains("SHAREPOINTENTERPRISE"),
            "{}",
            err.text()
        );
        let l = set_disabled_plans(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        assert_eq!(l.enabled_plans.len(), 3);
    }

    #[test]
    fn unassign_frees_the_license() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 1);
        add_user(&store, "ana@contoso.com");
        add_user(&store, "bo@contoso.com");
        let cx = admin(&store);
        assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        unassign(&cx, "ana@contoso.com", "SPE_E3").unwrap();
        assign(&cx, "bo@contoso.com", "SPE_E3", &[]).unwrap();
        assert!(matches!(
            unassign(&cx, "ana@contoso.com", "SPE_E3"),
            Err(Error::NotFound(_))
        ));
        let actions: Vec<_> = store
            .snapshot()
            .audit
            .iter()
            .map(|a| a.action.clone())
            .collect();
        assert!(actions.ends_with(&[
            "license.add".into(),
            "license.remove".into(),
            "license.add".into()
        ]));
    }

    #[test]
    fn r1_assigning_needs_a_role_that_allows_it() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 3);
        add_admin(&store, "billing@contoso.com", Role::BillingAdmin);
        add_admin(&store, "licenses@contoso.com", Role::LicenseAdmin);
        add_user(&store, "ana@contoso.com");
        let err = assign(
            &Cx::new(&store, "billing@contoso.com", NOW),
            "ana@contoso.com",
            "SPE_E3",
            &[],
        )
        .unwrap_err();
        let Error::Forbidden(f) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(f.needed_role, Some(Role::LicenseAdmin));
        assert!(f.message.contains("License administrator"), "{}", f.message);
        assign(
            &Cx::new(&store, "licenses@contoso.com", NOW),
            "ana@contoso.com",
            "SPE_E3",
            &[],
        )
        .unwrap();
    }
}
