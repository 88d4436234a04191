//! Billing against an independent model (property tests): for random purchases, quantity
//! changes, cancellations and recurring-billing changes over a year, every invoice's total is
//! the sum of its lines, and everything billed equals a day-by-day accrual of licenses x daily
//! price within half a minor unit per line. And calendar edge cases over several years.

use super::ledger::DAY;
use super::{money, purchases};
use crate::calendar::{add_months, date_of, start_of};
use crate::cx::Cx;
use crate::exports::seats::licensing::billing::Purchase;
use crate::exports::seats::licensing::catalog::PriceUpdate;
use crate::memory::MemoryStore;
use crate::testkit::*;
use crate::types::{BillingFrequency, CancelReason, ChargeKind, PurchaseChannel, Timestamp};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;
use time::macros::date;

const MONTHLY: &str = "7.77";
const ANNUAL: &str = "83.33";

fn tenant() -> MemoryStore {
    let (store, _) = tenant_with_catalog();
    let price = PriceUpdate {
        monthly: Some(MONTHLY.into()),
        annual: Some(ANNUAL.into()),
        trial_available: None,
        self_service: None,
    };
    crate::catalog::set_price(&admin(&store), "SPE_E3", &price).unwrap();
    store
}

fn day_ts(day: i64) -> Timestamp {
    // Day 0 is 2027-01-29: the year ahead has ends of months and no leap day; tenant's 09:00.
    start_of(date!(2027 - 01 - 29)) + day * DAY + 9 * 3600
}

#[derive(Clone, Debug)]
enum Op {
    Buy(u32, bool),
    Change(usize, u32),
    Cancel(usize),
    RecurringOff(usize),
}

fn ops() -> impl Strategy<Value = Vec<(i64, Op)>> {
    let op = prop_oneof![
        (1..20u32, any::<bool>()).prop_map(|(q, m)| Op::Buy(q, m)),
        (0..4usize, 1..30u32).prop_map(|(s, q)| Op::Change(s, q)),
        (0..4usize).prop_map(Op::Cancel),
        (0..4usize).prop_map(Op::RecurringOff),
    ];
    proptest::collection::vec((0..365i64, op), 1..25).prop_map(|mut v| {
        v.sort_by_key(|(d, _)| *d);
        v
    })
}

/// What the model knows of one subscription: enough to accrue it day by day.
struct Model {
    id: u64,
    start: i64,
    monthly: bool,
    /// (from day, quantity)
    quantities: Vec<(i64, u32)>,
    cancelled: Option<i64>,
    recurring_off: Option<i64>,
}

impl Model {
    fn term_months(&self) -> u32 {
        if self.monthly { 1 } else { 12 }
    }

    /// The day index a term boundary falls on: `n` terms after the start.
    fn boundary(&self, n: u32) -> i64 {
        let anchor = date_of(day_ts(self.start));
        (start_of(add_months(anchor, n * self.term_months())) - start_of(date_of(day_ts(0)))) / DAY
    }

    /// Licenses x unit / days of the cycle, summed over every billed day.
    fn accrual(&self, end_of_processing: i64) -> Decimal {
        let unit = Decimal::from_str(if self.monthly { MONTHLY } else { ANNUAL }).unwrap();
        let mut total = Decimal::ZERO;
        let mut n = 0;
        loop {
            let (from, to) = (self.boundary(n), self.boundary(n + 1));
            let days = Decimal::from(to - from);
            for d in from..to {
                if self.cancelled.is_some_and(|c| d >= c) {
                    return total;
                }
                let q = self
                    .quantities
                    .iter()
                    .rev()
                    .find(|(f, _)| *f <= d)
                    .map_or(0, |(_, q)| *q);
                total += Decimal::from(q) * unit / days;
            }
            // Renewed at `to` when processing reached it and recurring billing was still on.
            if to > end_of_processing || self.recurring_off.is_some_and(|r| r < to) {
                return total;
            }
            n += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn b1_b2_invoices_sum_their_lines_and_billing_equals_the_daily_accrual(ops in ops()) {
        let store = tenant();
        let mut subs: Vec<Model> = Vec::new();
        for (day, op) in ops {
            let cx = Cx::new(&store, ADMIN, day_ts(day));
            crate::lifecycle::process(&cx).unwrap();
            let before = store.snapshot();
            let done = match &op {
                Op::Buy(q, monthly) => {
                    let billing = if *monthly { BillingFrequency::Monthly } else { BillingFrequency::Annual };
                    let order = Purchase {
                        product: "SPE_E3".into(), quantity: *q as i64, billing,
                        channel: PurchaseChannel::Direct, profile: None, payment_method: None,
                        product_key: None, partner: None, idempotency_key: None,
                    };
                    purchases::buy(&cx, &order).map(|r| subs.push(Model {
                        id: r.subscription.subscription.id, start: day, monthly: *monthly,
                        quantities: vec![(day, *q)], cancelled: None, recurring_off: None,
                    }))
                }
                Op::Change(i, q) if *i < subs.len() => {
                    purchases::change_quantity(&cx, subs[*i].id, *q as i64, None, None)
                        .map(|_| subs[*i].quantities.push((day, *q)))
                }
                Op::Cancel(i) if *i < subs.len() => {
                    purchases::cancel(&cx, subs[*i].id, CancelReason::Other, None, None)
                        .map(|_| subs[*i].cancelled = Some(day))
                }
                Op::RecurringOff(i) if *i < subs.len() => {
                    crate::lifecycle::set_recurring(&cx, subs[*i].id, false)
                        .map(|_| { subs[*i].recurring_off.get_or_insert(day); })
                }
                _ => Ok(()),
            };
            if done.is_err() {
                prop_assert_eq!(store.snapshot(), before, "a refused {:?} changed something", op);
            }
        }
        let end = 400;
        crate::lifecycle::process(&Cx::new(&store, ADMIN, day_ts(end))).unwrap();
        let t = store.snapshot();
        for invoice in t.invoices.values() {
            let lines: Decimal = t.charges.values().filter(|c| c.invoice_id == Some(invoice.id))
                .map(|c| money::parse(&c.amount)).sum();
            prop_assert_eq!(money::parse(&invoice.total), lines);
        }
        let invoiced: Decimal = t.invoices.values().map(|i| money::parse(&i.total)).sum();
        let pending: Decimal = t.charges.values().filter(|c| c.invoice_id.is_none())
            .map(|c| money::parse(&c.amount)).sum();
        let billed = invoiced + pending;
        let accrued: Decimal = subs.iter().map(|s| s.accrual(end)).sum();
        let tolerance = Decimal::new(5, 3) * Decimal::from(t.charges.len().max(1));
        prop_assert!((billed - accrued).abs() <= tolerance,
            "billed {} but accrued {} (tolerance {}), lines {:#?}", billed, accrued, tolerance,
            t.charges.values().map(|c| (c.subscription_id, c.kind, date_of(c.days_from), date_of(c.days_to), c.quantity, c.amount.clone())).collect::<Vec<_>>());
    }
}

#[test]
fn b1_s6_anchors_on_the_31st_on_29_february_and_at_year_end_bill_every_period_once() {
    let store = tenant();
    let anchors = [
        (date!(2027 - 01 - 31), BillingFrequency::Monthly),
        (date!(2028 - 02 - 29), BillingFrequency::Monthly),
        (date!(2028 - 02 - 29), BillingFrequency::Annual),
        (date!(2027 - 12 - 31), BillingFrequency::Monthly),
    ];
    let mut ids = vec![];
    for (d, billing) in anchors {
        // Walk the clock to the purchase day, processing as a real tenant's days pass.
        crate::lifecycle::process(&Cx::new(&store, ADMIN, start_of(d) + 3600)).unwrap();
        let order = Purchase {
            product: "SPE_E3".into(),
            quantity: 3,
            billing,
            channel: PurchaseChannel::Direct,
            profile: None,
            payment_method: None,
            product_key: None,
            partner: None,
            idempotency_key: None,
        };
        let cx = Cx::new(&store, ADMIN, start_of(d) + 3600);
        ids.push(
            purchases::buy(&cx, &order)
                .unwrap()
                .subscription
                .subscription
                .id,
        );
    }
    // Five years, a few days at a time.
    let mut now = start_of(date!(2028 - 03 - 01));
    let end = start_of(date!(2033 - 03 - 05));
    while now < end {
        crate::lifecycle::process(&Cx::new(&store, ADMIN, now + 7200)).unwrap();
        now += 5 * DAY;
    }
    crate::lifecycle::process(&Cx::new(&store, ADMIN, end)).unwrap();
    let t = store.snapshot();
    for ((anchor, billing), id) in anchors.iter().zip(&ids) {
        let months = if *billing == BillingFrequency::Monthly {
            1
        } else {
            12
        };
        let cycles: Vec<_> = t
            .charges
            .values()
            .filter(|c| c.subscription_id == *id && c.kind != ChargeKind::Reversal)
            .map(|c| (date_of(c.days_from), date_of(c.days_to)))
            .collect();
        for (n, (from, to)) in cycles.iter().enumerate() {
            assert_eq!(
                *from,
                add_months(*anchor, n as u32 * months),
                "{anchor} cycle {n}"
            );
            assert_eq!(
                *to,
                add_months(*anchor, (n as u32 + 1) * months),
                "{anchor} cycle {n}"
            );
        }
        // Every cycle up to the last day processed, and not one more.
        let last = cycles.last().unwrap().1;
        assert!(
            start_of(last) > end && start_of(cycles.last().unwrap().0) <= end,
            "{anchor}: {last}"
        );
        if *anchor == date!(2027 - 01 - 31) {
            assert!(
                cycles.contains(&(date!(2028 - 02 - 29), date!(2028 - 03 - 31))),
                "back to the 31st after February"
            );
            assert!(cycles.contains(&(date!(2029 - 02 - 28), date!(2029 - 03 - 31))));
        }
        if *anchor == date!(2028 - 02 - 29) && months == 12 {
            assert_eq!(cycles[1], (date!(2029 - 02 - 28), date!(2030 - 02 - 28)));
            assert_eq!(
                cycles[4],
                (date!(2032 - 02 - 29), date!(2033 - 02 - 28)),
                "a leap year again"
            );
        }
    }
    // Invoices: one per month that had entries, never two for one month, totals = lines.
    let mut starts: Vec<_> = t.invoices.values().map(|i| i.period_start).collect();
    let n = starts.len();
    starts.dedup();
    assert_eq!(starts.len(), n);
    assert!(n >= 60, "{n} invoices over five years");
    for i in t.invoices.values() {
        let lines: Decimal = t
            .charges
            .values()
            .filter(|c| c.invoice_id == Some(i.id))
            .map(|c| money::parse(&c.amount))
            .sum();
        assert_eq!(money::parse(&i.total), lines);
    }
    assert!(
        t.charges
            .values()
            .filter(|c| c.at < start_of(date!(2033 - 03 - 01)))
            .all(|c| c.invoice_id.is_some())
    );
}
