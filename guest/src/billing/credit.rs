//! Credit checks (S3): a purchase paid by invoice waits two business days for one, until it
//! is recorded done.

use super::calls::get;
use crate::cx::Cx;
use crate::error::{Result, conflict};
use crate::types::{Operation, Timestamp};
use crate::{Store, calendar, view};

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
