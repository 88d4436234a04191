//! Self-service purchases (P1-P4): a user without an admin role buys licenses of certain
//! products and assigns them to people in their team; admins see them read-only and may take
//! a subscription over.

use crate::cx::Cx;
use crate::error::{Result, blocked, conflict};
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::exports::seats::licensing::subscriptions::{SelfServiceView, SubscriptionView};
use crate::types::{
    BillingFrequency, Operation, PurchaseChannel, Subscription, SubscriptionStatus,
};
use crate::{Store, actor, bulk, directory, pool, roles, view};
use rust_decimal::Decimal;
use std::str::FromStr;

fn get<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<Subscription> {
    directory::subscription(cx.store, id)
}

fn overview_of<S: Store + ?Sized>(store: &S, s: Subscription) -> SelfServiceView {
    let product = store.get_product(&s.sku_id);
    let unit = product.as_ref().and_then(|p| match s.billing {
        BillingFrequency::Monthly => p.price_monthly.clone(),
        BillingFrequency::Annual => p.price_annual.clone(),
    });
    let price = unit
        .and_then(|u| Decimal::from_str(&u).ok())
        .map(|u| (u * Decimal::from(s.quantity)).to_string());
    let purchaser_name = s
        .purchaser
        .as_deref()
        .and_then(|p| store.find_user(p))
        .map(|u| u.display_name)
        .unwrap_or_default();
    let mut assigned: Vec<String> = store
        .assigned_from(s.id)
        .into_iter()
        .filter_map(|a| store.get_user(a.user_id).map(|u| u.upn))
        .collect();
    assigned.sort();
    SelfServiceView {
        part_number: product
            .as_ref()
            .map(|p| p.part_number.clone())
            .unwrap_or_default(),
        display_name: product.map(|p| p.display_name).unwrap_or_default(),
        purchaser_name,
        price,
        assigned,
        subscription: s,
    }
}

/// P1: buys a self-service subscription; the buyer pays for it and manages it.
pub fn buy<S: Store + ?Sized>(
    cx: &Cx<S>,
    product: &str,
    quantity: i64,
    billing: BillingFrequency,
) -> Result<SubscriptionView> {
    let order = crate::exports::seats::licensing::billing::Purchase {
        product: product.to_string(),
        quantity,
        billing,
        channel: PurchaseChannel::SelfService,
        profile: None,
        payment_method: None,
        product_key: None,
        partner: None,
        idempotency_key: None,
    };
    Ok(crate::billing::purchases::buy(cx, &order)?.subscription)
}

/// P2: the actor's own self-service subscriptions.
pub fn mine<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<SelfServiceView>> {
    let me = actor::active(cx.store, &cx.actor).map_err(|why| {
        crate::error::forbidden(
            None,
            format!("{why}: only users of the organisation have self-service purchases"),
        )
    })?;
    Ok(cx
        .store
        .subscriptions_bought_by(&me.user.upn)
        .into_iter()
        .map(|s| overview_of(cx.store, s))
        .collect())
}

/// P1, P2: the purchaser assigns one of the subscription's licenses to a user of the
/// organisation, through the same planner and checks as every other assignment.
pub fn assign<S: Store + ?Sized>(cx: &Cx<S>, id: u64, upn: &str) -> Result<()> {
    let s = get(cx, id)?;
    roles::for_subscription(cx.store, &cx.actor, &s, Operation::AssignLicense)?;
    if s.status != SubscriptionStatus::Active {
        return Err(blocked(
            crate::types::BlockedReason::NotActive,
            format!("renew it first (`seats renew {id}`)"),
            format!("subscription {id} is not active: renew it first (`seats renew {id}`)"),
        ));
    }
    let user = directory::find_active(cx.store, upn)?;
    if cx
        .store
        .assignments_of(user.id)
        .iter()
        .any(|a| a.sku_id == s.sku_id)
    {
        return Err(conflict(format!("{} already holds this product", user.upn)));
    }
    let choice = [LicenseChoice {
        product: s.sku_id.clone(),
        disabled_plans: vec![],
    }];
    bulk::single(bulk::run(
        cx,
        std::slice::from_ref(&user.upn),
        bulk::Mode::AddFrom(&choice, id),
        true,
    )?)
}

/// P2: the purchaser removes a license of their subscription from a user, through the one
/// planner: the user's data is retained as after any removal (L7).
pub fn unassign<S: Store + ?Sized>(cx: &Cx<S>, id: u64, upn: &str) -> Result<()> {
    // Who may comes first: a refused actor learns nothing of the users.
    roles::for_subscription(cx.store, &cx.actor, &get(cx, id)?, Operation::RemoveLicense)?;
    let user = directory::find(cx.store, upn)?;
    bulk::single(bulk::run(
        cx,
        std::slice::from_ref(&user.upn),
        bulk::Mode::RemoveFrom(id),
        true,
    )?)
}

/// P3: every self-service subscription, read-only, for admins.
pub fn overview<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<SelfServiceView>> {
    cx.require(Operation::Read)?;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let batch = cx.store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        out.extend(
            batch
                .into_iter()
                .filter(|s| !pool::is_organisations(s))
                .map(|s| overview_of(cx.store, s)),
        );
    }
    Ok(out)
}

/// P4: an admin takes a self-service subscription over: its licenses join the product's
/// pool, and the organisation pays for it from the next charge on (its default payment
/// method; the purchaser's card is no longer charged).
pub fn take_over<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<SubscriptionView> {
    cx.require(Operation::TakeOver)?;
    let mut s = get(cx, id)?;
    if pool::is_organisations(&s) {
        return Err(conflict(format!(
            "subscription {id} is not a self-service subscription held by a user"
        )));
    }
    let profile = crate::billing::payments::default_profile(cx, true)?;
    // The organisation pays from the next charge on: it needs a way to pay first.
    let method = crate::billing::payments::payer(cx, &profile, None)?;
    let before = s.clone();
    s.purchaser = None;
    s.channel = PurchaseChannel::Direct;
    s.billing_profile = Some(profile.id);
    s.payment_method = Some(method.id);
    cx.store.update_subscription(&s);
    cx.store.release_to_pool(id);
    cx.audit(
        "subscription.take-over",
        format!("subscription:{id}"),
        Some(&before),
        Some(&s),
    );
    Ok(view::subscription(cx.store, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::Error;

    fn tenant() -> crate::memory::MemoryStore {
        let (store, _) = tenant_with_catalog();
        buy_pool(&store);
        for u in ["maker@contoso.com", "mate@contoso.com", "other@contoso.com"] {
            add_user(&store, u);
        }
        // The purchaser pays with their own card (P1).
        crate::billing::payments::add(&maker(&store), None, &card("4242424242424242"), true)
            .unwrap();
        store
    }

    fn buy_pool(store: &crate::memory::MemoryStore) {
        crate::testkit::buy(store, "SPE_E3", 2);
    }

    fn maker(store: &crate::memory::MemoryStore) -> Cx<'_, crate::memory::MemoryStore> {
        Cx::new(store, "maker@contoso.com", NOW)
    }

    #[test]
    fn p1_a_user_buys_a_self_service_product_and_assigns_it_to_their_team() {
        let store = tenant();
        let cx = maker(&store);
        let s = super::buy(&cx, "SPE_E5", 2, BillingFrequency::Monthly)
            .unwrap()
            .subscription;
        assert_eq!(
            (s.channel, s.purchaser.as_deref()),
            (PurchaseChannel::SelfService, Some("maker@contoso.com"))
        );
        assign(&cx, s.id, "mate@contoso.com").unwrap();
        assign(&cx, s.id, "maker@contoso.com").unwrap();
        assert_eq!(
            assign(&cx, s.id, "other@contoso.com").unwrap_err().kind(),
            "insufficient-licenses"
        );
        assert_eq!(
            assign(&cx, s.id, "ghost@contoso.com").unwrap_err().kind(),
            "not-found"
        );
        // Not in the product's pool: the admin's E5 pool stays empty.
        let e5 =
            crate::pool::of_product(&store, &crate::catalog::resolve(&store, "SPE_E5").unwrap());
        assert_eq!((e5.total, e5.assigned), (0, 0));
        // A product that is not self-service cannot be bought this way.
        let mut p = crate::catalog::resolve(&store, "SPE_E3").unwrap();
        p.self_service = false;
        store.put_products(&[p]);
        assert_eq!(
            super::buy(&cx, "SPE_E3", 1, BillingFrequency::Monthly)
                .unwrap_err()
                .kind(),
            "blocked"
        );
    }

    #[test]
    fn p2_the_purchaser_sees_and_manages_only_their_own() {
        let store = tenant();
        let s = super::buy(&maker(&store), "SPE_E5", 3, BillingFrequency::Annual)
            .unwrap()
            .subscription;
        let mine = mine(&maker(&store)).unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].price.as_deref(), Some("2052.00"));
        assert!(
            super::mine(&Cx::new(&store, "other@contoso.com", NOW))
                .unwrap()
                .is_empty()
        );
        // R2: the purchaser changes the total of their own subscription, and no other.
        crate::subscriptions::set_quantity(&maker(&store), s.id, 4).unwrap();
        let admin_sub = 1;
        let err = crate::subscriptions::set_quantity(&maker(&store), admin_sub, 9).unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        let other = Cx::new(&store, "other@contoso.com", NOW);
        assert_eq!(
            assign(&other, s.id, "other@contoso.com")
                .unwrap_err()
                .kind(),
            "forbidden"
        );
        assign(&maker(&store), s.id, "mate@contoso.com").unwrap();
        unassign(&maker(&store), s.id, "mate@contoso.com").unwrap();
    }

    #[test]
    fn p3_admins_see_every_self_service_subscription_read_only() {
        let store = tenant();
        let s = super::buy(&maker(&store), "SPE_E5", 2, BillingFrequency::Monthly)
            .unwrap()
            .subscription;
        assign(&maker(&store), s.id, "mate@contoso.com").unwrap();
        let all = overview(&admin(&store)).unwrap();
        assert_eq!(all.len(), 1);
        let v = &all[0];
        assert_eq!(
            (v.part_number.as_str(), v.purchaser_name.as_str()),
            ("SPE_E5", "maker")
        );
        assert_eq!(v.assigned, vec!["mate@contoso.com".to_string()]);
        assert_eq!(v.price.as_deref(), Some("136.80"));
        assert_eq!(
            overview(&maker(&store)).unwrap_err().kind(),
            "forbidden",
            "a plain user has no admin view"
        );
    }

    #[test]
    fn p4_admins_cannot_change_self_service_licenses_until_they_take_the_subscription_over() {
        let store = tenant();
        let s = super::buy(&maker(&store), "SPE_E5", 2, BillingFrequency::Monthly)
            .unwrap()
            .subscription;
        assign(&maker(&store), s.id, "mate@contoso.com").unwrap();
        let cx = admin(&store);
        let before = store.snapshot();
        let err = crate::licenses::unassign(&cx, "mate@contoso.com", "SPE_E5").unwrap_err();
        assert!(
            matches!(&err, Error::Blocked(m) if m.message.contains("take-over")),
            "{err:?}"
        );
        assert_eq!(store.snapshot(), before);
        take_over(&cx, s.id).unwrap();
        let e5 =
            crate::pool::of_product(&store, &crate::catalog::resolve(&store, "SPE_E5").unwrap());
        assert_eq!(
            (e5.total, e5.assigned),
            (2, 1),
            "its licenses joined the pool"
        );
        crate::licenses::unassign(&cx, "mate@contoso.com", "SPE_E5").unwrap();
        assert_eq!(
            unassign(&maker(&store), s.id, "mate@contoso.com")
                .unwrap_err()
                .kind(),
            "forbidden"
        );
    }
}
