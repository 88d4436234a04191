//! Subscriptions: one per purchase ("your products"), and their license totals (S1, S2).

use crate::billing::purchases;
use crate::cx::Cx;
use crate::error::Result;
use crate::exports::seats::licensing::billing::Purchase;
use crate::exports::seats::licensing::subscriptions::SubscriptionView;
use crate::types::Operation;
use crate::types::PurchaseChannel;
use crate::{Store, view};
#[cfg(test)]
use crate::{calendar, catalog};

pub fn list<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<SubscriptionView>> {
    cx.require(Operation::Read)?;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let batch = cx.store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        all.extend(batch.into_iter().map(|s| view::subscription(cx.store, s)));
    }
    Ok(all)
}

/// A direct purchase of `quantity` licenses with the actor's default payment method: what
/// `billing.buy` does with only a product, a quantity and a billing frequency (S4).
pub fn direct(product: &str, quantity: i64, billing: crate::types::BillingFrequency) -> Purchase {
    Purchase {
        product: product.to_string(),
        quantity,
        billing,
        channel: PurchaseChannel::Direct,
        profile: None,
        payment_method: None,
        product_key: None,
        partner: None,
        idempotency_key: None,
    }
}

/// S1: sets the subscription's total; S2: never below the licenses assigned from its pool;
/// S3: unless blocked; B2: the difference is charged or credited per day.
pub fn set_quantity<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    total: i64,
) -> Result<SubscriptionView> {
    Ok(purchases::change_quantity(cx, id, total, None, None)?.subscription)
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
        let pool = crate::pool::of_product(&store, &catalog::resolve(&store, "SPE_E3").unwrap());
        assert_eq!(pool.total, 105);
        assert_eq!(set_quantity(&cx, id, 95).unwrap().subscription.quantity, 95);
        let pool = crate::pool::of_product(&store, &catalog::resolve(&store, "SPE_E3").unwrap());
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
            matches!(&err, Error::Blocked(m) if m.message.contains("contact your partner")),
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
