//! Purchases (S4) and their previews. The other changes of a subscription and its money live
//! beside this module (quantity changes, trials, cancellation, credit checks, product keys);
//! their public items are re-exported here, under the paths callers have always used.

use super::calls::{billed, preview};
use super::ledger::{self, cycle_of, today};
use super::product_keys::{redeem, redeemable};
use super::{idempotency, payments};
use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, blocked, invalid};
use crate::exports::seats::licensing::billing::{BillingResult, Preview, Purchase};
use crate::roles;
use crate::types::BlockedReason;
use crate::types::Operation;
use crate::types::{
    Charge, ChargeKind, PaymentDetails, PurchaseChannel, Subscription, SubscriptionStatus,
};
use crate::{Store, calendar, catalog, validate};

pub use super::cancel::{CANCEL_WINDOW_DAYS, cancel};
pub use super::credit::{business_days_after, complete_credit_check};
pub use super::ledger::renewal_line;
pub use super::product_keys::product_key;
pub use super::quantity::{change_quantity, next_step, preview_quantity};
pub use super::trials::{TRIAL_LICENSES, buy_trial, start_trial};

struct Planned {
    subscription: Subscription,
    lines: Vec<Charge>,
    key: Option<String>,
}

fn plan_purchase<S: Store + ?Sized>(cx: &Cx<S>, order: &Purchase, create: bool) -> Result<Planned> {
    // The organisation buys through its billing admins; a self-service purchase is a user's
    // own, for users without an admin role (R2, P1).
    let purchaser = if order.channel == PurchaseChannel::SelfService {
        Some(
            roles::authorize(cx.store, &cx.actor, Operation::BuySelfService)?
                .user
                .upn,
        )
    } else {
        cx.require(Operation::BuyLicenses)?;
        None
    };
    let product = catalog::resolve(cx.store, &order.product)?;
    if purchaser.is_some() && !product.self_service {
        return Err(blocked(
            BlockedReason::NotForSale,
            "ask an admin to buy it",
            format!(
                "{} cannot be bought through self-service; ask an admin to buy it",
                product.part_number
            ),
        ));
    }
    let quantity = validate::quantity("quantity", order.quantity)?;
    let day = today(cx.local);
    let mut s = Subscription {
        id: 0,
        sku_id: product.sku_id.clone(),
        quantity,
        status: SubscriptionStatus::Active,
        billing: order.billing,
        channel: order.channel,
        recurring: true,
        created_at: cx.now,
        anchor: cx.local,
        terms: 1,
        term_end: calendar::term_end(cx.local, 1, order.billing),
        purchaser,
        billing_profile: None,
        payment_method: None,
        partner: None,
        credit_check_until: None,
        cancellation: None,
    };
    let mut key = None;
    let mut lines = Vec::new();
    match order.channel {
        PurchaseChannel::Reseller => {
            let partner = order.partner.as_deref().map(str::trim).unwrap_or_default();
            if partner.is_empty() || partner.len() > 200 {
                return Err(invalid(
                    "partner",
                    "a reseller purchase names the partner (CSP) it was bought through",
                ));
            }
            s.partner = Some(partner.to_string());
        }
        PurchaseChannel::ProductKey => {
            let k = product_key(order.product_key.as_deref().unwrap_or_default())?;
            redeemable(cx.store, &k)?;
            key = Some(k);
            s.billing_profile = Some(payments::resolve(cx, order.profile, create)?.id);
            // Prepaid for one term: it ends then unless more is bought.
            s.recurring = false;
        }
        PurchaseChannel::Direct | PurchaseChannel::SelfService => {
            let profile = payments::resolve(cx, order.profile, create)?;
            let method = payments::payer(cx, &profile, order.payment_method)?;
            if matches!(method.details, PaymentDetails::Invoice(_)) {
                s.credit_check_until = Some(business_days_after(day, 2));
            }
            s.billing_profile = Some(profile.id);
            s.payment_method = Some(method.id);
            let unit = ledger::list_price(cx.store, &s.sku_id, s.billing)?;
            lines.push(ledger::line(
                cx.store,
                &s,
                ChargeKind::Purchase,
                quantity,
                unit,
                cycle_of(&s),
                day,
                s.term_end,
            ));
        }
    }
    Ok(Planned {
        subscription: s,
        lines,
        key,
    })
}

/// S4: buys a subscription: its licenses are available and its first cycle charged at once.
pub fn buy<S: Store + ?Sized>(cx: &Cx<S>, order: &Purchase) -> Result<BillingResult> {
    let request = (
        "buy",
        &order.product,
        order.quantity,
        order.billing,
        order.channel,
        order.profile,
        order.payment_method,
        &order.product_key,
        &order.partner,
    );
    idempotency::run(cx, order.idempotency_key.as_deref(), &request, || {
        buy_now(cx, order)
    })
}

fn buy_now<S: Store + ?Sized>(cx: &Cx<S>, order: &Purchase) -> Result<BillingResult> {
    let Planned {
        mut subscription,
        lines,
        key,
    } = plan_purchase(cx, order, true)?;
    let s = &mut subscription;
    s.id = cx.store.insert_subscription(s);
    cx.audit(
        if s.purchaser.is_some() {
            "subscription.self-service"
        } else {
            "subscription.create"
        },
        format!("subscription:{}", s.id),
        audited::NOTHING,
        Some(&*s),
    );
    if let Some(k) = key {
        redeem(cx, &k, s.id);
    }
    let lines = lines
        .into_iter()
        .map(|c| Charge {
            subscription_id: s.id,
            ..c
        })
        .collect();
    let charges = ledger::write(cx, lines, cx.local);
    let next_step = next_step(cx.store, &subscription, 0);
    // GL8: members waiting for this product's licenses get them now.
    if crate::pool::is_organisations(&subscription) {
        crate::bulk::serve_waiting(cx, &[subscription.sku_id.clone()].into())?;
    }
    Ok(billed(cx, subscription, charges, next_step))
}

/// What a purchase would charge now and put on the next invoice; nothing is written.
pub fn preview_purchase<S: Store + ?Sized>(cx: &Cx<S>, order: &Purchase) -> Result<Preview> {
    let planned = plan_purchase(cx, order, false)?;
    Ok(preview(
        cx,
        planned.subscription.billing_profile,
        planned.lines,
    ))
}
