//! Quantity changes (S1, S2, B2): what blocks them (S3, B5), the lines they charge or credit,
//! their previews, and the next step after one (S7).

use super::calls::{authorize, billed, get, preview};
use super::ledger::{self, cycle_of, today};
use super::product_keys::{product_key, redeem, redeemable};
use super::{idempotency, money, payments};
use crate::cx::Cx;
use crate::error::{Result, blocked, conflict};
use crate::exports::seats::licensing::billing::{BillingResult, Preview};
use crate::pool;
use crate::types::{
    BlockedReason, Charge, PaymentDetails, PurchaseChannel, Subscription, SubscriptionStatus,
};
use crate::{Store, calendar, validate};

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
            // GL8: members waiting for this product's licenses get the new ones now.
            if after.quantity > before.quantity && crate::pool::is_organisations(&after) {
                crate::bulk::serve_waiting(cx, &[after.sku_id.clone()].into())?;
            }
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
