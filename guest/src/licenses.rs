//! License pools per product (L1) and their assignment to users (L2, L3).

use crate::bulk::{self, Mode};
use crate::cx::Cx;
use crate::error::{Result, conflict, not_found};
use crate::exports::seats::licensing::licenses::{
    LicenseChoice, LicenseConflict, LicensePool, UserLicense,
};
use crate::pool::{self, Units};
use crate::types::ObjectKind;
use crate::types::{Assignment, Operation, Product, SubscriptionStatus, User};
use crate::{Store, catalog, directory, view};
use std::collections::BTreeMap;

/// The Licenses page (L1): every product the organisation holds units of or has assigned, by
/// part number; self-service subscriptions are their purchasers' and are not on it (P3).
/// Reading never fails on a conflict: more may be assigned than enabled (G5).
pub fn page<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<LicensePool>> {
    cx.require(Operation::Read)?;
    let mut units: BTreeMap<String, Units> = BTreeMap::new();
    let mut owned = std::collections::BTreeSet::new();
    let mut after = None;
    loop {
        let batch = cx.store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for s in batch.iter().filter(|s| pool::is_organisations(s)) {
            units.entry(s.sku_id.clone()).or_default().add(s);
            if s.status != SubscriptionStatus::Deleted {
                owned.insert(s.sku_id.clone());
            }
        }
    }
    let assigned: BTreeMap<String, u32> = cx.store.assigned_counts().into_iter().collect();
    let mut pools: Vec<LicensePool> = units
        .keys()
        .chain(assigned.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter_map(|sku| {
            let units = units.get(sku).copied().unwrap_or_default();
            let assigned = assigned.get(sku).copied().unwrap_or(0);
            // A product the organisation never had a subscription of (only users' own
            // self-service ones) and that nobody holds from its pool is not a row of 0s.
            if !owned.contains(sku) && assigned == 0 {
                return None;
            }
            let product = cx.store.get_product(sku)?;
            Some(pool::license_pool(&product, units, assigned))
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
                .filter(|s| pool::is_organisations(s) && matches!(s.status, SubscriptionStatus::Expired | SubscriptionStatus::Disabled))
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

pub fn user_licenses<S: Store + ?Sized>(cx: &Cx<S>, upn: &str) -> Result<Vec<UserLicense>> {
    cx.require(Operation::Read)?;
    let user = directory::find(cx.store, upn)?;
    Ok(view::licenses_of(cx.store, &user))
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
    let user = directory::find_active(cx.store, upn)?;
    let product = catalog::resolve(cx.store, product)?;
    // Held through groups only: the direct assignment comes beside them (GL2, GL3).
    if held(cx.store, &user, &product).is_some_and(|a| a.direct) {
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
    Ok(view::license(cx.store, &user, &product, plans, &a))
}

pub fn unassign<S: Store + ?Sized>(cx: &Cx<S>, upn: &str, product: &str) -> Result<()> {
    cx.require(Operation::RemoveLicense)?;
    let user = directory::find(cx.store, upn)?;
    let product = catalog::resolve(cx.store, product)?;
    if held(cx.store, &user, &product).is_none() {
        return Err(not_found(
            ObjectKind::License,
            format!("{}/{}", user.upn, product.part_number),
            format!("{} holds no license of {}", user.upn, product.part_number),
        ));
    }
    let result = bulk::run(
        cx,
        std::slice::from_ref(&user.upn),
        Mode::Remove(&[product.sku_id]),
        true,
    )?;
    bulk::single(result)
}

/// L3: switches service plans of a held license off (the rest on); frees no license. Through
/// the one planner: the plan rules (G3), self-service licenses (P4) and what the plans provide
/// (L4, L7) are checked as for any change.
pub fn set_disabled_plans<S: Store + ?Sized>(
    cx: &Cx<S>,
    upn: &str,
    product: &str,
    disabled_plans: &[String],
) -> Result<UserLicense> {
    cx.require(Operation::AssignLicense)?;
    let user = directory::find_active(cx.store, upn)?;
    let product = catalog::resolve(cx.store, product)?;
    if held(cx.store, &user, &product).is_none() {
        return Err(not_found(
            ObjectKind::License,
            format!("{}/{}", user.upn, product.part_number),
            format!(
                "{} holds no license of {}; assign one first",
                user.upn, product.part_number
            ),
        ));
    }
    let choice = LicenseChoice {
        product: product.sku_id.clone(),
        disabled_plans: disabled_plans.to_vec(),
    };
    bulk::single(bulk::run(
        cx,
        std::slice::from_ref(&user.upn),
        Mode::Plans(&[choice]),
        true,
    )?)?;
    let a = held(cx.store, &user, &product).expect("held: the planner refuses a product not held");
    let plans = cx
        .store
        .plans_of(std::slice::from_ref(&product.sku_id))
        .remove(0);
    Ok(view::license(cx.store, &user, &product, plans, &a))
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
