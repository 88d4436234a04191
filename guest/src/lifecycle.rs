//! The subscription lifecycle on the tenant's clock (S5, S6): renewal, expiry, grace,
//! suspension, deletion; and what resolves the conflicts it causes (C1, C3).

use crate::Store;
use crate::billing::{invoices, ledger, money, payments, purchases};
use crate::cx::Cx;
use crate::error::{Result, blocked, conflict};
use crate::exports::seats::licensing::subscriptions::{
    LifecycleChange, LifecycleEvent, ProcessReport, SubscriptionView,
};
use crate::types::Operation;
use crate::types::{PurchaseChannel, Subscription, SubscriptionStatus, Timestamp};
use crate::{calendar, roles, view};

const DAY: Timestamp = 86_400;

/// How long each state after the term's end lasts: (expired, then disabled), in days.
/// Microsoft's defaults for most offers; per channel so partner offers can differ.
pub fn lengths(channel: PurchaseChannel) -> (i64, i64) {
    match channel {
        PurchaseChannel::Direct | PurchaseChannel::SelfService | PurchaseChannel::ProductKey => {
            (30, 90)
        }
        PurchaseChannel::Reseller => (30, 90),
    }
}

fn get<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<Subscription> {
    crate::directory::subscription(cx.store, id)
}

/// S5: with recurring billing off, the subscription ends at its term end.
pub fn set_recurring<S: Store + ?Sized>(cx: &Cx<S>, id: u64, on: bool) -> Result<SubscriptionView> {
    let mut s = get(cx, id)?;
    roles::for_subscription(cx.store, &cx.actor, &s, Operation::BuyLicenses)?;
    if matches!(
        s.status,
        SubscriptionStatus::Deleted | SubscriptionStatus::Cancelled
    ) {
        return Err(blocked(
            crate::types::BlockedReason::NotActive,
            "buy a new subscription",
            format!(
                "subscription {id} has ended ({}); buy a new subscription",
                view::status(s.status)
            ),
        ));
    }
    if s.recurring != on {
        let before = s.clone();
        s.recurring = on;
        cx.store.update_subscription(&s);
        cx.audit(
            "subscription.recurring",
            format!("subscription:{id}"),
            Some(&before),
            Some(&s),
        );
    }
    Ok(view::subscription(cx.store, s))
}

/// C3, S6: renews an expired or disabled subscription for a new term from today.
pub fn renew<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<SubscriptionView> {
    let mut s = get(cx, id)?;
    roles::for_subscription(cx.store, &cx.actor, &s, Operation::BuyLicenses)?;
    match s.status {
        SubscriptionStatus::Expired | SubscriptionStatus::Disabled => {}
        SubscriptionStatus::Deleted | SubscriptionStatus::Cancelled => {
            return Err(blocked(
                crate::types::BlockedReason::NotActive,
                "buy a new subscription",
                format!(
                    "subscription {id} was {} and cannot be reactivated; buy a new subscription",
                    view::status(s.status)
                ),
            ));
        }
        SubscriptionStatus::Active | SubscriptionStatus::Trial => {
            return Err(conflict(format!(
                "subscription {id} is {}: it needs no renewal (its term ends {})",
                if s.status == SubscriptionStatus::Trial {
                    "a trial"
                } else {
                    "active"
                },
                calendar::date_of(s.term_end)
            )));
        }
    }
    let before = s.clone();
    if s.channel != PurchaseChannel::Reseller {
        // A new term is paid for at once (S4), by card or bank account from now on.
        let profile = payments::resolve(cx, s.billing_profile, true)?;
        let own = s.payment_method.filter(|id| {
            cx.store
                .get_payment_method(*id)
                .is_some_and(|m| m.active && m.profile_id == profile.id)
        });
        let method = payments::payer(cx, &profile, own)?;
        s.billing_profile = Some(profile.id);
        s.payment_method = Some(method.id);
        if s.channel == PurchaseChannel::ProductKey {
            s.channel = PurchaseChannel::Direct;
        }
    }
    s.status = SubscriptionStatus::Active;
    s.anchor = cx.local;
    s.terms = 1;
    s.term_end = calendar::term_end(cx.local, 1, s.billing);
    cx.store.update_subscription(&s);
    cx.audit(
        "subscription.renew",
        format!("subscription:{id}"),
        Some(&before),
        Some(&s),
    );
    if let Some(line) = purchases::renewal_line(cx.store, &s, cx.local) {
        ledger::write(cx, vec![line], cx.local);
    }
    Ok(view::subscription(cx.store, s))
}

/// The next transition of `s` that fell due by `now`, applied to `s`: what it was, from
/// which status, and when it fell due.
fn step(
    s: &mut Subscription,
    now: Timestamp,
) -> Option<(LifecycleChange, SubscriptionStatus, Timestamp)> {
    let (grace, suspended) = lengths(s.channel);
    let from = s.status;
    let (change, due) = match s.status {
        SubscriptionStatus::Active | SubscriptionStatus::Trial if s.term_end <= now => {
            let due = s.term_end;
            let change = if !s.recurring {
                s.status = SubscriptionStatus::Expired;
                LifecycleChange::Expired
            } else {
                // A trial converts; a subscription renews. Terms keep the anchor's day of month.
                s.status = SubscriptionStatus::Active;
                s.terms += 1;
                s.term_end = calendar::term_end(s.anchor, s.terms, s.billing);
                if from == SubscriptionStatus::Trial {
                    LifecycleChange::Converted
                } else {
                    LifecycleChange::Renewed
                }
            };
            (change, due)
        }
        SubscriptionStatus::Expired if s.term_end + grace * DAY <= now => {
            s.status = SubscriptionStatus::Disabled;
            (LifecycleChange::Disabled, s.term_end + grace * DAY)
        }
        SubscriptionStatus::Disabled if s.term_end + (grace + suspended) * DAY <= now => {
            s.status = SubscriptionStatus::Deleted;
            (
                LifecycleChange::Deleted,
                s.term_end + (grace + suspended) * DAY,
            )
        }
        _ => return None,
    };
    Some((change, from, due))
}

/// S6: applies every transition that fell due by now, oldest first per subscription; then
/// purges what is past its retention (L7, L8) and issues the invoices of months that ended
/// (B1). Says what it did.
pub fn process<S: Store + ?Sized>(cx: &Cx<S>) -> Result<ProcessReport> {
    cx.require(Operation::Process)?;
    let mut events = Vec::new();
    let mut renewals = Vec::new();
    let mut after = None;
    loop {
        let batch = cx.store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for mut s in batch {
            let before = s.clone();
            let part = cx
                .store
                .get_product(&s.sku_id)
                .map(|p| p.part_number)
                .unwrap_or_default();
            let mut changed = false;
            while let Some((change, from, at)) = step(&mut s, cx.local) {
                changed = true;
                if s.status == SubscriptionStatus::Active {
                    // Renewed: the new term is charged on the day it starts (S4, S6).
                    if let Some(line) = purchases::renewal_line(cx.store, &s, at) {
                        renewals.extend(ledger::write(cx, vec![line], at));
                    }
                }
                events.push(LifecycleEvent {
                    subscription: s.id,
                    part_number: part.clone(),
                    change,
                    was: from,
                    now: s.status,
                    at,
                });
            }
            if changed {
                cx.store.update_subscription(&s);
                cx.audit(
                    "subscription.lifecycle",
                    format!("subscription:{}", s.id),
                    Some(&before),
                    Some(&s),
                );
            }
        }
    }
    let purged_data = purge_retained(cx);
    let purged_users = crate::users::purge_deleted(cx);
    Ok(ProcessReport {
        events,
        renewals_charged: money::text(ledger::sum(&renewals), &ledger::currency(cx.store)),
        // B1: months that are over close into invoices.
        invoices: invoices::close(cx),
        purged_data,
        purged_users,
    })
}

/// L7: retained data past its date is deleted for good; how much.
fn purge_retained<S: Store + ?Sized>(cx: &Cx<S>) -> u32 {
    let mut purged = 0;
    loop {
        let due = cx.store.retained_due(cx.now, 1000);
        if due.is_empty() {
            return purged;
        }
        purged += due.len() as u32;
        let purged: Vec<_> = due
            .into_iter()
            .map(|d| crate::types::ServiceData {
                state: crate::types::DataState::Purged,
                since: cx.now,
                until: None,
                ..d
            })
            .collect();
        cx.store.put_service_data(&purged);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cx::Cx;
    use crate::licenses;
    use crate::testkit::*;

    const YEAR: Timestamp = 365 * DAY;

    fn e3(
        store: &crate::memory::MemoryStore,
    ) -> crate::exports::seats::licensing::licenses::LicensePool {
        crate::pool::of_product(store, &crate::catalog::resolve(store, "SPE_E3").unwrap())
    }

    #[test]
    fn s6_c1_c2_c3_g5_expiry_makes_assigned_licenses_conflicts_and_renewing_resolves_them() {
        let (store, _) = tenant_with_catalog();
        let id = buy(&store, "SPE_E3", 3);
        buy(&store, "SPE_E3", 2);
        for u in [
            "a@contoso.com",
            "b@contoso.com",
            "c@contoso.com",
            "d@contoso.com",
        ] {
            add_user(&store, u);
            licenses::assign(&admin(&store), u, "SPE_E3", &[]).unwrap();
        }
        set_recurring(&admin(&store), id, false).unwrap();
        // The 2-license subscription renews; the 3-license one expires (warning units).
        let later = Cx::new(&store, ADMIN, NOW + YEAR + DAY);
        let report = process(&later).unwrap();
        assert!(report.events.iter().any(|e| e.subscription == id
            && e.now == SubscriptionStatus::Expired
            && e.change == LifecycleChange::Expired));
        // The other renewed, and says so (not "active to active"), with what it charged.
        assert!(
            report
                .events
                .iter()
                .any(|e| e.subscription != id && e.change == LifecycleChange::Renewed),
            "{:?}",
            report.events
        );
        assert_ne!(report.renewals_charged, "0.00");
        let pool = e3(&store);
        assert_eq!(
            (
                pool.enabled,
                pool.warning,
                pool.assigned,
                pool.users_needing_license
            ),
            (2, 3, 4, 2)
        );
        assert_eq!(
            pool.available, -2,
            "reading a conflict is never an error (G5)"
        );
        let conflicts = licenses::conflicts(&later).unwrap();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].renewable, vec![id]);
        assert!(
            conflicts[0]
                .resolutions
                .iter()
                .any(|r| r.contains("renew subscription"))
        );
        // An assignment never creates a conflict: the pool is full.
        add_user(&store, "e@contoso.com");
        assert!(licenses::assign(&later, "e@contoso.com", "SPE_E3", &[]).is_err());
        // Thirty days on it is disabled (suspended units); ninety more and it is deleted.
        process(&Cx::new(&store, ADMIN, NOW + YEAR + 31 * DAY)).unwrap();
        assert_eq!(e3(&store).suspended, 3);
        renew(&Cx::new(&store, ADMIN, NOW + YEAR + 40 * DAY), id).unwrap();
        let pool = e3(&store);
        assert_eq!((pool.enabled, pool.users_needing_license), (5, 0));
        assert!(licenses::conflicts(&admin(&store)).unwrap().is_empty());
    }

    #[test]
    fn s6_a_lapsed_subscription_is_deleted_after_grace_and_suspension() {
        let (store, _) = tenant_with_catalog();
        let id = buy(&store, "SPE_E3", 1);
        set_recurring(&admin(&store), id, false).unwrap();
        let events = process(&Cx::new(&store, ADMIN, NOW + YEAR + 200 * DAY))
            .unwrap()
            .events;
        let path: Vec<_> = events.iter().map(|e| e.now).collect();
        assert_eq!(
            path,
            vec![
                SubscriptionStatus::Expired,
                SubscriptionStatus::Disabled,
                SubscriptionStatus::Deleted
            ]
        );
        let err = renew(&admin(&store), id).unwrap_err();
        assert_eq!(err.kind(), "blocked");
    }

    #[test]
    fn s6_recurring_billing_renews_terms_on_the_anchor_day() {
        let (store, _) = tenant_with_catalog();
        // Bought on 31 January 2027, monthly: terms end Feb 28, Mar 31, Apr 30.
        let jan31 = calendar::start_of(time::macros::date!(2027 - 01 - 31));
        let order =
            crate::subscriptions::direct("SPE_E3", 1, crate::types::BillingFrequency::Monthly);
        let id = crate::billing::purchases::buy(&Cx::new(&store, ADMIN, jan31), &order)
            .unwrap()
            .subscription
            .subscription
            .id;
        let ends: Vec<_> = (1..=3)
            .map(|m| {
                let now = calendar::start_of(calendar::add_months(
                    time::macros::date!(2027 - 01 - 31),
                    m,
                ));
                process(&Cx::new(&store, ADMIN, now)).unwrap();
                calendar::date_of(store.get_subscription(id).unwrap().term_end).to_string()
            })
            .collect();
        assert_eq!(ends, vec!["2027-03-31", "2027-04-30", "2027-05-31"]);
    }
}
