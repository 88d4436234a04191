//! Cancellation (S5): within the window after a purchase or renewal, refunding the unused
//! days.

use super::calls::{authorize, billed, get};
use super::idempotency;
use super::ledger::{self, DAY, cycle_of, today};
use crate::cx::Cx;
use crate::error::{Result, blocked, conflict, invalid};
use crate::exports::seats::licensing::billing::BillingResult;
use crate::types::{
    BlockedReason, CancelReason, Cancellation, PurchaseChannel, SubscriptionStatus,
};
use crate::{Store, calendar, pool, view};

/// Days after a purchase or renewal in which a subscription can be cancelled (S5).
pub const CANCEL_WINDOW_DAYS: i64 = 7;

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
