//! Purchases and changes of subscriptions with their money: buy (S4), blockers (S3, B5),
//! quantity changes (S1, S2, B2), trials and cancellation (S5, S6), previews.

use super::ledger::{self, DAY, cycle_of, today};
use super::{idempotency, invoices, money, payments};
use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, blocked, conflict, invalid};
use crate::exports::seats::licensing::billing::{BillingResult, Preview, Purchase};
use crate::pool;
use crate::roles;
use crate::types::BlockedReason;
use crate::types::Operation;
use crate::types::{
    BillingFrequency, CancelReason, Cancellation, Charge, ChargeKind, IdempotencyRecord,
    PaymentDetails, PurchaseChannel, Subscription, SubscriptionStatus, Timestamp,
};
use crate::{Store, calendar, catalog, validate, view};

/// Days after a purchase or renewal in which a subscription can be cancelled (S5).
pub const CANCEL_WINDOW_DAYS: i64 = 7;
/// Licenses and length of a trial.
pub const TRIAL_LICENSES: u32 = 25;

/// A product key: 25 letters and digits in five groups, XXXXX-XXXXX-XXXXX-XXXXX-XXXXX.
pub fn product_key(given: &str) -> Result<String> {
    let key = given.trim().to_ascii_uppercase();
    let groups: Vec<&str> = key.split('-').collect();
    if groups.len() != 5
        || groups
            .iter()
            .any(|g| g.len() != 5 || !g.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(invalid(
            "product-key",
            format!(
                "'{given}' is not a product key: it has 25 letters and digits as XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"
            ),
        ));
    }
    Ok(key)
}

fn redeemable<S: Store + ?Sized>(store: &S, key: &str) -> Result<()> {
    if store
        .get_idempotency(&format!("product-key:{key}"))
        .is_some()
    {
        return Err(conflict(format!(
            "product key {key} was redeemed already: each key activates licenses once"
        )));
    }
    Ok(())
}

fn redeem<S: Store + ?Sized>(cx: &Cx<S>, key: &str, subscription: u64) {
    cx.store.put_idempotency(&IdempotencyRecord {
        key: format!("product-key:{key}"),
        request: String::new(),
        response: subscription.to_string(),
        at: cx.now,
    });
}

/// The day two business days after `day` (Saturdays and Sundays do not count).
pub fn business_days_after(day: Timestamp, n: u32) -> Timestamp {
    let mut d = calendar::date_of(day);
    let mut left = n;
    while left > 0 {
        d = d.next_day().expect("dates stay in range");
        if !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            left -= 1;
        }
    }
    calendar::start_of(d)
}

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
    Ok(billed(cx, subscription, charges, next_step))
}

/// A call's answer: the subscription, the lines it wrote and their sum (charged now).
fn billed<S: Store + ?Sized>(
    cx: &Cx<S>,
    s: Subscription,
    charges: Vec<Charge>,
    next_step: Option<String>,
) -> BillingResult {
    BillingResult {
        charged_now: money::text(ledger::sum(&charges), &ledger::currency(cx.store)),
        subscription: view::subscription(cx.store, s),
        charges,
        replayed: false,
        next_step,
    }
}

fn preview<S: Store + ?Sized>(cx: &Cx<S>, profile: Option<u64>, lines: Vec<Charge>) -> Preview {
    let currency = ledger::currency(cx.store);
    let now = ledger::sum(&lines);
    let (pending, date) = match profile {
        Some(p) => (
            ledger::sum(&cx.store.uninvoiced_charges(Some(p))),
            invoices::next_invoice_date(cx.store, p, cx.local),
        ),
        None => (Default::default(), invoices::month_start(cx.local, 1)),
    };
    Preview {
        lines,
        due_now: money::text(now, &currency),
        next_invoice_total: money::text(pending + now, &currency),
        next_invoice_date: date,
        currency,
    }
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

fn get<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<Subscription> {
    crate::directory::subscription(cx.store, id)
}

/// R2: Global and Billing administrators; a self-service subscription's purchaser alone
/// (P2), read-only to admins until they take it over (P3).
fn authorize<S: Store + ?Sized>(cx: &Cx<S>, s: &Subscription) -> Result<()> {
    roles::for_subscription(cx.store, &cx.actor, s, Operation::BuyLicenses).map(drop)
}

fn has_card_or_bank<S: Store + ?Sized>(store: &S, profile: Option<u64>) -> bool {
    profile.is_some_and(|p| {
        store
            .payment_methods_of(p)
            .iter()
            .any(|m| m.active && !matches!(m.details, PaymentDetails::Invoice(_)))
    })
}

/// S3, B5: why the subscription's total cannot change now: the reason, the way out, and the
/// sentence saying it.
fn blocker<S: Store + ?Sized>(
    cx: &Cx<S>,
    s: &Subscription,
    adding: bool,
    key: Option<&str>,
) -> Option<(BlockedReason, String, String)> {
    let id = s.id;
    let (reason, why, way_out) = match (s.status, s.channel) {
        (SubscriptionStatus::Trial, _) => (
            BlockedReason::Trial,
            "it is a trial".to_string(),
            format!("buy the trial first (`seats trial buy {id}`), then buy more licenses"),
        ),
        (SubscriptionStatus::Active, _) if s.term_end <= cx.local => (
            BlockedReason::NotProcessed,
            format!(
                "its term ended on {} and what fell due has not been processed",
                calendar::date_of(s.term_end)
            ),
            "run `seats process` first".to_string(),
        ),
        (SubscriptionStatus::Active, _) if s.credit_check_until.is_some_and(|t| t > cx.local) => (
            BlockedReason::CreditCheckPending,
            format!(
                "a credit check is pending (usually done within two business days, by {})",
                calendar::date_of(s.credit_check_until.unwrap_or_default())
            ),
            format!(
                "try again later, or record the completed check with `seats billing credit-check {id}`"
            ),
        ),
        (SubscriptionStatus::Active, PurchaseChannel::Reseller) => (
            BlockedReason::Reseller,
            format!(
                "it was bought through the partner {}",
                s.partner.as_deref().unwrap_or("(reseller)")
            ),
            "contact your partner to buy or remove licenses".to_string(),
        ),
        (SubscriptionStatus::Active, PurchaseChannel::ProductKey) if !adding => (
            BlockedReason::Prepaid,
            "it was prepaid with a product key: licenses cannot be removed from it".to_string(),
            "let it end at its term end, or turn recurring billing off".to_string(),
        ),
        (SubscriptionStatus::Active, PurchaseChannel::ProductKey)
            if key.is_none() && !has_card_or_bank(cx.store, s.billing_profile) =>
        {
            (
                BlockedReason::Prepaid,
                "it was prepaid with a product key".to_string(),
                "add licenses with another product key (--product-key), or add a card or bank \
                 account to pay for them (`seats billing add-card`)"
                    .to_string(),
            )
        }
        (SubscriptionStatus::Active, _) => return None,
        (SubscriptionStatus::Cancelled, _) => (
            BlockedReason::NotActive,
            "it was cancelled".to_string(),
            "buy a new subscription".to_string(),
        ),
        _ => (
            BlockedReason::NotActive,
            "it is no longer active".to_string(),
            "renew or reactivate it first (`seats renew`)".to_string(),
        ),
    };
    Some((reason, way_out, why))
}

struct Change {
    before: Subscription,
    after: Subscription,
    lines: Vec<Charge>,
    key: Option<String>,
}

fn plan_change<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    total: i64,
    key: Option<&str>,
) -> Result<Change> {
    let s = get(cx, id)?;
    authorize(cx, &s)?;
    let total = validate::quantity("quantity", total)?;
    let key = key.map(product_key).transpose()?;
    let mut after = s.clone();
    after.quantity = total;
    if total == s.quantity {
        return Ok(Change {
            before: s,
            after,
            lines: Vec::new(),
            key: None,
        });
    }
    let adding = total > s.quantity;
    if let Some((reason, way_out, why)) = blocker(cx, &s, adding, key.as_deref()) {
        let message = format!(
            "subscription {id}: licenses cannot be {}: {why}: {way_out}",
            if adding { "bought" } else { "removed" }
        );
        return Err(blocked(reason, way_out, message));
    }
    if !adding {
        check_fits(cx, &s, total)?;
    }
    if let Some(k) = &key {
        redeemable(cx.store, k)?;
    }
    let cycle = cycle_of(&s);
    let open = ledger::open_line(cx.store, &s, cycle)
        .map(|c| c.quantity)
        .unwrap_or(0);
    let paid = match s.channel {
        PurchaseChannel::ProductKey if key.is_some() => open,
        PurchaseChannel::ProductKey => open + (total - s.quantity),
        _ => total,
    };
    if paid != open && after.payment_method.is_none() {
        let profile = payments::resolve(cx, s.billing_profile, false)?;
        let method = payments::payer(cx, &profile, None)?;
        if matches!(method.details, PaymentDetails::Invoice(_)) {
            let way_out = "add them with a product key (--product-key), or pay by card or bank \
                           account (`seats billing add-card`)";
            return Err(blocked(
                BlockedReason::NoPaymentMethod,
                way_out,
                format!("subscription {id}: prepaid licenses are not paid by invoice: {way_out}"),
            ));
        }
        after.payment_method = Some(method.id);
    }
    let unit = match ledger::open_line(cx.store, &s, cycle) {
        Some(open) => money::parse(&open.unit_price),
        None => ledger::list_price(cx.store, &s.sku_id, s.billing)?,
    };
    let lines = ledger::change_lines(cx.store, &after, paid, today(cx.local), unit);
    Ok(Change {
        before: s,
        after,
        lines,
        key,
    })
}

/// S2: licenses assigned from the subscription's pool must still fit with `total`.
fn check_fits<S: Store + ?Sized>(cx: &Cx<S>, s: &Subscription, total: u32) -> Result<()> {
    if let Some(short) = pool::shortfall(cx.store, s, total) {
        let product = cx
            .store
            .get_product(&s.sku_id)
            .map(|p| p.part_number)
            .unwrap_or_default();
        return Err(conflict(format!(
            "cannot reduce subscription {} to {total}: {} licenses of {product} are assigned \
             from its pool and it would have {}. Unassign {} license(s) first (`seats \
             unassign`), then reduce",
            s.id,
            short.assigned,
            short.left,
            short.assigned - short.left
        )));
    }
    Ok(())
}

/// S1, S2, B2: sets the total; the difference is charged or credited per day.
pub fn change_quantity<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    total: i64,
    key: Option<&str>,
    idempotency_key: Option<&str>,
) -> Result<BillingResult> {
    idempotency::run(
        cx,
        idempotency_key,
        &("change-quantity", id, total, key),
        || {
            let Change {
                before,
                after,
                lines,
                key,
            } = plan_change(cx, id, total, key)?;
            if before == after {
                return Ok(billed(cx, after, vec![], None));
            }
            cx.store.update_subscription(&after);
            cx.audit(
                "subscription.quantity",
                format!("subscription:{id}"),
                Some(&before),
                Some(&after),
            );
            if let Some(k) = key {
                redeem(cx, &k, id);
            }
            let charges = ledger::write(cx, lines, cx.local);
            let next = next_step(cx.store, &after, before.quantity);
            Ok(billed(cx, after, charges, next))
        },
    )
}

/// S7: after buying licenses, add the people they are for and assign them in one go; after
/// removing licenses because someone left, delete that former employee.
pub fn next_step<S: Store + ?Sized>(store: &S, s: &Subscription, before: u32) -> Option<String> {
    if s.status != SubscriptionStatus::Active || s.quantity == before {
        return None;
    }
    let part = store
        .get_product(&s.sku_id)
        .map(|p| p.part_number)
        .unwrap_or_default();
    Some(if s.quantity > before {
        format!(
            "add the people the new licenses are for as users and assign them in one go: \
             `seats users add UPN --name NAME --license {part}` (or many from a CSV with \
             scripts/assign-from-csv.rhai)"
        )
    } else {
        "if the licenses were removed because someone left, delete or remove that former \
         employee: `seats users delete UPN`"
            .to_string()
    })
}

pub fn preview_quantity<S: Store + ?Sized>(cx: &Cx<S>, id: u64, total: i64) -> Result<Preview> {
    let change = plan_change(cx, id, total, None)?;
    Ok(preview(cx, change.after.billing_profile, change.lines))
}

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

/// S5: cancels within the window after purchase or renewal, refunding the unused days.
pub fn cancel<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    reason: CancelReason,
    feedback: Option<&str>,
    idempotency_key: Option<&str>,
) -> Result<BillingResult> {
    idempotency::run(
        cx,
        idempotency_key,
        &("cancel", id, reason, feedback),
        || {
            let before = get(cx, id)?;
            authorize(cx, &before)?;
            let feedback = feedback.map(str::trim).filter(|f| !f.is_empty());
            if feedback.is_some_and(|f| f.chars().count() > 2000) {
                return Err(invalid("feedback", "feedback is at most 2,000 characters"));
            }
            let cycle = cycle_of(&before);
            match (before.status, before.channel) {
                (
                    SubscriptionStatus::Trial | SubscriptionStatus::Active,
                    PurchaseChannel::Reseller,
                ) => {
                    return Err(blocked(
                        BlockedReason::Reseller,
                        "contact your partner to cancel it",
                        format!(
                            "subscription {id} was bought through the partner {}: contact your partner to cancel it",
                            before.partner.as_deref().unwrap_or("(reseller)")
                        ),
                    ));
                }
                (SubscriptionStatus::Trial, _) => {}
                (SubscriptionStatus::Active, PurchaseChannel::ProductKey) => {
                    let way_out = format!(
                        "it ends at its term end on {}",
                        calendar::date_of(before.term_end)
                    );
                    return Err(blocked(
                        BlockedReason::Prepaid,
                        way_out.clone(),
                        format!(
                            "subscription {id} was prepaid with a product key: it cannot be cancelled for a refund; {way_out}"
                        ),
                    ));
                }
                (SubscriptionStatus::Active, _)
                    if today(cx.local) >= cycle.start + CANCEL_WINDOW_DAYS * DAY =>
                {
                    let way_out = format!(
                        "turn recurring billing off instead (`seats recurring {id} off`): it then ends at its term end on {}",
                        calendar::date_of(before.term_end)
                    );
                    return Err(blocked(
                        BlockedReason::CancelWindowClosed,
                        way_out.clone(),
                        format!(
                            "subscription {id} can no longer be cancelled: the window of {CANCEL_WINDOW_DAYS} days after it was bought or renewed (on {}) closed on {}. {}{}",
                            calendar::date_of(cycle.start),
                            calendar::date_of(cycle.start + CANCEL_WINDOW_DAYS * DAY),
                            way_out[..1].to_uppercase(),
                            &way_out[1..]
                        ),
                    ));
                }
                (SubscriptionStatus::Active, _) => {}
                (status, _) => {
                    return Err(conflict(format!(
                        "subscription {id} is {}, not active: there is nothing to cancel",
                        view::status(status)
                    )));
                }
            }
            // Its licenses leave the pool at once: what is assigned must fit without them (S2).
            if let Some(short) = pool::shortfall(cx.store, &before, 0) {
                return Err(conflict(format!(
                    "cannot cancel subscription {id}: {} of its product's licenses are assigned \
                     from its pool and {} would be left. Unassign {} license(s) first (`seats \
                     unassign`), then cancel",
                    short.assigned,
                    short.left,
                    short.assigned - short.left
                )));
            }
            let lines = if before.status == SubscriptionStatus::Active {
                ledger::cancel_lines(cx.store, &before, today(cx.local))
            } else {
                Vec::new()
            };
            let mut s = before.clone();
            s.status = SubscriptionStatus::Cancelled;
            s.recurring = false;
            s.cancellation = Some(Cancellation {
                at: cx.now,
                reason,
                feedback: feedback.map(String::from),
            });
            cx.store.update_subscription(&s);
            cx.audit(
                "subscription.cancel",
                format!("subscription:{id}"),
                Some(&before),
                Some(&s),
            );
            let charges = ledger::write(cx, lines, cx.local);
            Ok(billed(cx, s, charges, None))
        },
    )
}

/// S3: records that the credit check is done.
pub fn complete_credit_check<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
) -> Result<crate::exports::seats::licensing::subscriptions::SubscriptionView> {
    cx.require(Operation::BuyLicenses)?;
    let before = get(cx, id)?;
    if before.credit_check_until.is_none_or(|t| t <= cx.local) {
        return Err(conflict(format!(
            "subscription {id} has no pending credit check"
        )));
    }
    let mut s = before.clone();
    s.credit_check_until = None;
    cx.store.update_subscription(&s);
    cx.audit(
        "subscription.credit-check",
        format!("subscription:{id}"),
        Some(&before),
        Some(&s),
    );
    Ok(view::subscription(cx.store, s))
}

/// S6: the charge for a new term (a renewal or a reactivation), at today's list price when
/// the catalog has one, else the price of the term before.
pub fn renewal_line<S: Store + ?Sized>(
    store: &S,
    s: &Subscription,
    at: Timestamp,
) -> Option<Charge> {
    if s.payment_method.is_none() || s.channel == PurchaseChannel::Reseller {
        return None;
    }
    let unit = ledger::list_price(store, &s.sku_id, s.billing)
        .ok()
        .or_else(|| {
            store
                .charges_of(s.id)
                .iter()
                .rev()
                .find(|c| c.kind != ChargeKind::Reversal)
                .map(|c| money::parse(&c.unit_price))
        })?;
    let cycle = cycle_of(s);
    let from = today(at).max(cycle.start);
    (from < cycle.end).then(|| {
        ledger::line(
            store,
            s,
            ChargeKind::Renewal,
            s.quantity,
            unit,
            cycle,
            from,
            cycle.end,
        )
    })
}
