//! Trials (S6): a free trial of a product, and buying it.

use super::calls::{billed, get};
use super::credit::business_days_after;
use super::ledger::{self, cycle_of, today};
use super::quantity::next_step;
use super::{idempotency, payments};
use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, blocked, conflict};
use crate::exports::seats::licensing::billing::BillingResult;
use crate::types::{
    BillingFrequency, BlockedReason, ChargeKind, Operation, PaymentDetails, PurchaseChannel,
    Subscription, SubscriptionStatus,
};
use crate::{Store, calendar, catalog, view};

/// Licenses and length of a trial.
pub const TRIAL_LICENSES: u32 = 25;

/// S6: a free trial of a product whose catalog entry offers one.
pub fn start_trial<S: Store + ?Sized>(
    cx: &Cx<S>,
    product: &str,
) -> Result<crate::exports::seats::licensing::subscriptions::SubscriptionView> {
    cx.require(Operation::BuyLicenses)?;
    let product = catalog::resolve(cx.store, product)?;
    if !product.trial_available {
        let way_out = format!("buy it (`seats buy {}`)", product.part_number);
        return Err(blocked(
            BlockedReason::NotForSale,
            way_out.clone(),
            format!("{} has no trial: {way_out}", product.part_number),
        ));
    }
    if let Some(t) = cx
        .store
        .subscriptions_of(&product.sku_id)
        .iter()
        .find(|s| s.status == SubscriptionStatus::Trial)
    {
        return Err(conflict(format!(
            "a trial of {} is running already (subscription {})",
            product.part_number, t.id
        )));
    }
    let profile = payments::default_profile(cx, true)?;
    let mut s = Subscription {
        id: 0,
        sku_id: product.sku_id.clone(),
        quantity: TRIAL_LICENSES,
        status: SubscriptionStatus::Trial,
        billing: BillingFrequency::Monthly,
        channel: PurchaseChannel::Direct,
        // A trial ends unless it is bought.
        recurring: false,
        created_at: cx.now,
        anchor: cx.local,
        terms: 1,
        term_end: calendar::term_end(cx.local, 1, BillingFrequency::Monthly),
        purchaser: None,
        billing_profile: Some(profile.id),
        payment_method: None,
        partner: None,
        credit_check_until: None,
        cancellation: None,
    };
    s.id = cx.store.insert_subscription(&s);
    cx.audit(
        "subscription.trial",
        format!("subscription:{}", s.id),
        audited::NOTHING,
        Some(&s),
    );
    Ok(view::subscription(cx.store, s))
}

/// Buys a trial: a paid subscription from today, charged at once.
pub fn buy_trial<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    billing: BillingFrequency,
    idempotency_key: Option<&str>,
) -> Result<BillingResult> {
    idempotency::run(cx, idempotency_key, &("buy-trial", id, billing), || {
        cx.require(Operation::BuyLicenses)?;
        let before = get(cx, id)?;
        if before.status != SubscriptionStatus::Trial {
            return Err(conflict(format!(
                "subscription {id} is not a trial: there is nothing to convert"
            )));
        }
        let profile = payments::resolve(cx, before.billing_profile, true)?;
        let method = payments::payer(cx, &profile, None)?;
        let unit = ledger::list_price(cx.store, &before.sku_id, billing)?;
        let mut s = before.clone();
        s.status = SubscriptionStatus::Active;
        s.billing = billing;
        s.recurring = true;
        s.anchor = cx.local;
        s.terms = 1;
        s.term_end = calendar::term_end(cx.local, 1, billing);
        s.payment_method = Some(method.id);
        s.billing_profile = Some(profile.id);
        if matches!(method.details, PaymentDetails::Invoice(_)) {
            s.credit_check_until = Some(business_days_after(today(cx.local), 2));
        }
        cx.store.update_subscription(&s);
        cx.audit(
            "subscription.buy-trial",
            format!("subscription:{id}"),
            Some(&before),
            Some(&s),
        );
        let line = ledger::line(
            cx.store,
            &s,
            ChargeKind::Purchase,
            s.quantity,
            unit,
            cycle_of(&s),
            today(cx.local),
            s.term_end,
        );
        let charges = ledger::write(cx, vec![line], cx.local);
        let next = next_step(cx.store, &s, 0);
        Ok(billed(cx, s, charges, next))
    })
}
