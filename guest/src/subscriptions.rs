//! Subscriptions: one per purchase ("your products"), and their license totals (S1, S2).

use crate::calendar;
use crate::cx::Cx;
use crate::error::{Result, blocked, conflict, not_found};
use crate::exports::seats::licensing::subscriptions::{NewSubscription, SubscriptionView};
use crate::licenses::{counts_in_pool, pool_total};
use crate::roles::Operation;
use crate::types::{PurchaseChannel, Subscription, SubscriptionStatus};
use crate::{Store, catalog, validate};

pub(crate) fn view<S: Store + ?Sized>(store: &S, subscription: Subscription) -> SubscriptionView {
    let product = store.get_product(&subscription.sku_id);
    SubscriptionView {
        part_number: product
            .as_ref()
            .map(|p| p.part_number.clone())
            .unwrap_or_default(),
        display_name: product.map(|p| p.display_name).unwrap_or_default(),
        subscription,
    }
}

pub fn list<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<SubscriptionView>> {
    cx.require(Operation::Read)?;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let batch = cx.store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        all.extend(batch.into_iter().map(|s| view(cx.store, s)));
    }
    Ok(all)
}

/// Buys a subscription: its licenses are available at once (S4).
pub fn create<S: Store + ?Sized>(cx: &Cx<S>, order: &NewSubscription) -> Result<SubscriptionView> {
    cx.require(Operation::BuyLicenses)?;
    let product = catalog::resolve(cx.store, &order.product)?;
    let quantity = validate::quantity("quantity", order.quantity)?;
    if order.channel != PurchaseChannel::Direct {
        return Err(crate::error::invalid(
            "channel",
            "only direct purchases can be made here: product-key, reseller and self-service \
             subscriptions come from their own flows",
        ));
    }
    let mut s = Subscription {
        id: 0,
        sku_id: product.sku_id.clone(),
        quantity,
        status: SubscriptionStatus::Active,
        billing: order.billing,
        channel: order.channel,
        recurring: true,
        created_at: cx.now,
        anchor: cx.now,
        terms: 1,
        term_end: calendar::term_end(cx.now, 1, order.billing),
        purchaser: None,
    };
    s.id = cx.store.insert_subscription(&s);
    cx.audit(
        "subscription.create",
        format!("subscription:{}", s.id),
        None::<&()>,
        Some(&s),
    );
    Ok(view(cx.store, s))
}

/// Why the subscription's total cannot be changed now (S3), with the way out.
fn blocker(s: &Subscription, adding: bool) -> Option<String> {
    match (s.status, s.channel) {
        (SubscriptionStatus::Trial, _) => Some("it is a trial: buy the subscription first, then buy more licenses".into()),
        (SubscriptionStatus::Expired | SubscriptionStatus::Disabled | SubscriptionStatus::Deleted, _) => {
            Some("it is no longer active: renew or reactivate it first".into())
        }
        (_, PurchaseChannel::Reseller) => {
            Some("it was bought through a partner (reseller): contact your partner to buy or remove licenses".into())
        }
        (_, PurchaseChannel::ProductKey) if !adding => {
            Some("it was prepaid with a product key: licenses cannot be removed from it".into())
        }
        _ => None,
    }
}

/// S1: sets the subscription's total; S2: never below the licenses assigned from its pool.
pub fn set_quantity<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    total: i64,
) -> Result<SubscriptionView> {
    let purchaser = cx
        .store
        .get_subscription(id)
        .and_then(|s| s.purchaser)
        .is_some_and(|p| p.eq_ignore_ascii_case(cx.actor.trim()));
    // R2: Global and Billing administrators; a self-service subscription's purchaser too.
    if !purchaser {
        cx.require(Operation::BuyLicenses)?;
    }
    let mut s = cx.store.get_subscription(id).ok_or_else(|| {
        not_found(format!(
            "no subscription {id}; `seats subscriptions` lists them"
        ))
    })?;
    let total = validate::quantity("quantity", total)?;
    if total == s.quantity {
        return Ok(view(cx.store, s));
    }
    let adding = total > s.quantity;
    if let Some(why) = blocker(&s, adding) {
        return Err(blocked(format!(
            "subscription {id}: licenses cannot be {}: {why}",
            if adding { "bought" } else { "removed" }
        )));
    }
    if !adding {
        let subscriptions = cx.store.subscriptions_of(&s.sku_id);
        let pool_now = pool_total(&subscriptions);
        let pool_after = pool_now
            - if counts_in_pool(&s) {
                s.quantity - total
            } else {
                0
            };
        let (assigned, pool_after) = if s.purchaser.is_some() {
            (cx.store.assigned_from(s.id).len() as u32, total)
        } else {
            (cx.store.count_assigned(&s.sku_id), pool_after)
        };
        if pool_after < assigned {
            let product = cx
                .store
                .get_product(&s.sku_id)
                .map(|p| p.part_number)
                .unwrap_or_default();
            return Err(conflict(format!(
                "cannot reduce subscription {id} to {total}: {assigned} licenses of {product} are \
                 assigned and the product would have {pool_after}. Unassign {} license(s) first \
                 (`seats unassign`), then reduce",
                assigned - pool_after
            )));
        }
    }
    let before = s.clone();
    s.quantity = total;
    cx.store.update_subscription(&s);
    cx.audit(
        "subscription.quantity",
        format!("subscription:{id}"),
        Some(&before),
        Some(&s),
    );
    Ok(view(cx.store, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::{Error, Role};

    #[test]
    fn s1_setting_the_total_buys_or_removes_the_difference() {
        let (store, _) = tenant_with_catalog();
        let id = buy(&store, "SPE_E3", 100);
        let cx = admin(&store);
        assert_eq!(
            set_quantity(&cx, id, 105).unwrap().subscription.quantity,
            105
        );
        let pool = crate::licenses::pool(&store, &catalog::resolve(&store, "SPE_E3").unwrap());
        assert_eq!(pool.total, 105);
        assert_eq!(set_quantity(&cx, id, 95).unwrap().subscription.quantity, 95);
        let pool = crate::licenses::pool(&store, &catalog::resolve(&store, "SPE_E3").unwrap());
        assert_eq!(pool.total, 95);
        for bad in [0, -5, 1_000_001, i64::MAX] {
            let before = store.snapshot();
            assert_eq!(
                set_quantity(&cx, id, bad).unwrap_err().kind(),
                "invalid",
                "{bad}"
            );
            assert_eq!(store.snapshot(), before);
        }
    }

    #[test]
    fn s2_the_total_cannot_go_below_the_licenses_assigned() {
        let (store, _) = tenant_with_catalog();
        let small = buy(&store, "SPE_E3", 5);
        buy(&store, "SPE_E3", 8);
        let cx = admin(&store);
        for i in 0..10 {
            add_user(&store, &format!("u{i}@contoso.com"));
            crate::licenses::assign(&cx, &format!("u{i}@contoso.com"), "SPE_E3", &[]).unwrap();
        }
        // 13 owned, 10 assigned: the 5 may drop to 2, not to 1.
        let before = store.snapshot();
        let err = set_quantity(&cx, small, 1).unwrap_err();
        let Error::Conflict(m) = &err else {
            panic!("{err:?}")
        };
        assert!(m.contains("Unassign 1 license(s) first"), "{m}");
        assert_eq!(store.snapshot(), before);
        assert_eq!(
            set_quantity(&cx, small, 2).unwrap().subscription.quantity,
            2
        );
    }

    #[test]
    fn s3_a_partner_subscription_is_blocked_with_the_way_out() {
        let (store, _) = tenant_with_catalog();
        let id = buy(&store, "SPE_E3", 5);
        let mut s = store.get_subscription(id).unwrap();
        s.channel = PurchaseChannel::Reseller;
        store.update_subscription(&s);
        let err = set_quantity(&admin(&store), id, 6).unwrap_err();
        assert!(
            matches!(&err, Error::Blocked(m) if m.contains("contact your partner")),
            "{err:?}"
        );
    }

    #[test]
    fn r2_buying_is_for_global_and_billing_admins() {
        let (store, _) = tenant_with_catalog();
        let id = buy(&store, "SPE_E3", 5);
        add_admin(&store, "billing@contoso.com", Role::BillingAdmin);
        add_admin(&store, "users@contoso.com", Role::UserAdmin);
        let err = set_quantity(&Cx::new(&store, "users@contoso.com", NOW), id, 6).unwrap_err();
        assert!(
            matches!(&err, Error::Forbidden(f) if f.needed_role == Some(Role::BillingAdmin)),
            "{err:?}"
        );
        set_quantity(&Cx::new(&store, "billing@contoso.com", NOW), id, 6).unwrap();
    }

    #[test]
    fn an_annual_term_ends_a_year_later() {
        let (store, _) = tenant_with_catalog();
        let id = buy(&store, "SPE_E3", 1);
        let s = store.get_subscription(id).unwrap();
        assert_eq!(
            calendar::date_of(s.term_end),
            time::macros::date!(2027 - 11 - 23)
        );
    }
}
