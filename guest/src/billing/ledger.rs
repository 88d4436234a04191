//! The ledger: what each purchase, change, renewal and cancellation charges (S4, B2).
//!
//! A subscription is billed per charge cycle (a month or a year from its anchor, keeping the
//! anchor's day). Each cycle has one *open* line, the one that runs to the cycle's end. A
//! change on day d reverses the open line exactly as it was billed, charges its count for
//! the days before d again, and charges the new count from d to the cycle's end.

use super::money;
use crate::Store;
use crate::audited;
use crate::calendar;
use crate::cx::Cx;
use crate::error::{Result, blocked};
use crate::types::BlockedReason;
use crate::types::{
    BillingFrequency, Charge, ChargeKind, PurchaseChannel, Subscription, Timestamp,
};
use rust_decimal::Decimal;

pub const DAY: Timestamp = 86_400;

/// The start of the tenant's day containing `now`.
pub fn today(now: Timestamp) -> Timestamp {
    calendar::start_of(calendar::date_of(now))
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycle {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Cycle {
    pub fn days(&self) -> i64 {
        (self.end - self.start) / DAY
    }
}

/// The subscription's current charge cycle: its current term.
pub fn cycle_of(s: &Subscription) -> Cycle {
    Cycle {
        start: calendar::term_end(s.anchor, s.terms.saturating_sub(1), s.billing),
        end: s.term_end,
    }
}

pub fn currency<S: Store + ?Sized>(store: &S) -> String {
    store
        .get_tenant()
        .map(|t| t.currency)
        .unwrap_or_else(|| "USD".into())
}

/// The list price of one license for one cycle of this billing frequency.
pub fn list_price<S: Store + ?Sized>(
    store: &S,
    sku_id: &str,
    billing: BillingFrequency,
) -> Result<Decimal> {
    let product = store.get_product(sku_id);
    let price = product.as_ref().and_then(|p| match billing {
        BillingFrequency::Monthly => p.price_monthly.clone(),
        BillingFrequency::Annual => p.price_annual.clone(),
    });
    price.map(|p| money::parse(&p)).ok_or_else(|| {
        let way_out = "set one with `seats catalog price`";
        blocked(
            BlockedReason::NoPrice,
            way_out,
            format!(
                "{} has no {} price, so it cannot be billed: {way_out}",
                product
                    .map(|p| p.part_number)
                    .unwrap_or_else(|| sku_id.into()),
                match billing {
                    BillingFrequency::Monthly => "monthly",
                    BillingFrequency::Annual => "annual",
                }
            ),
        )
    })
}

/// Builds one line; `id`, `at` and `invoice_id` are filled in when written.
#[allow(clippy::too_many_arguments)]
pub fn line<S: Store + ?Sized>(
    store: &S,
    s: &Subscription,
    kind: ChargeKind,
    quantity: u32,
    unit: Decimal,
    cycle: Cycle,
    from: Timestamp,
    to: Timestamp,
) -> Charge {
    let currency = currency(store);
    let days = (to - from) / DAY;
    let amount = money::prorate(quantity, unit, days, cycle.days(), &currency);
    let part = store
        .get_product(&s.sku_id)
        .map(|p| p.part_number)
        .unwrap_or_default();
    let what = match kind {
        ChargeKind::Purchase => "bought",
        ChargeKind::Renewal => "renewed",
        ChargeKind::Prorated => "used before the change",
        ChargeKind::Remainder => "from the change",
        ChargeKind::Reversal => "reversed",
    };
    Charge {
        id: 0,
        profile_id: s.billing_profile.unwrap_or_default(),
        subscription_id: s.id,
        payment_method: s.payment_method,
        kind,
        description: format!(
            "{part} x {quantity}, {what}: {} to {} ({days} of {} days at {} per license)",
            calendar::date_of(from),
            calendar::date_of(to),
            cycle.days(),
            money::text(unit, &currency)
        ),
        quantity,
        unit_price: unit.to_string(),
        cycle_start: cycle.start,
        cycle_end: cycle.end,
        days_from: from,
        days_to: to,
        amount: money::text(amount, &currency),
        reverses: None,
        at: 0,
        invoice_id: None,
    }
}

/// The line returning `c` exactly as it was billed.
pub fn reversal(c: &Charge) -> Charge {
    let amount = -money::parse(&c.amount);
    Charge {
        id: 0,
        kind: ChargeKind::Reversal,
        description: format!("Reversal of line {}: {}", c.id, c.description),
        amount: amount.to_string(),
        reverses: Some(c.id),
        at: 0,
        invoice_id: None,
        ..c.clone()
    }
}

/// The cycle's open line: live (not reversed, not a reversal) and running to the cycle's end.
pub fn open_line<S: Store + ?Sized>(store: &S, s: &Subscription, cycle: Cycle) -> Option<Charge> {
    let charges = store.charges_of(s.id);
    let reversed: Vec<u64> = charges.iter().filter_map(|c| c.reverses).collect();
    charges
        .into_iter()
        .filter(|c| {
            c.kind != ChargeKind::Reversal
                && !reversed.contains(&c.id)
                && c.cycle_start == cycle.start
                && c.days_to == cycle.end
        })
        .max_by_key(|c| c.id)
}

/// B2: the lines that take the cycle from the open line's paid count to `paid` licenses from
/// `day` on. `unit` prices a cycle that has no open line yet.
pub fn change_lines<S: Store + ?Sized>(
    store: &S,
    s: &Subscription,
    paid: u32,
    day: Timestamp,
    unit: Decimal,
) -> Vec<Charge> {
    let cycle = cycle_of(s);
    let mut lines = Vec::new();
    let mut unit = unit;
    if let Some(open) = open_line(store, s, cycle) {
        unit = money::parse(&open.unit_price);
        if open.quantity == paid {
            return lines;
        }
        lines.extend(close_open(store, s, &open, cycle, day));
    }
    if paid > 0 && day < cycle.end {
        lines.push(line(
            store,
            s,
            ChargeKind::Remainder,
            paid,
            unit,
            cycle,
            day,
            cycle.end,
        ));
    }
    lines
}

/// S5: the refund of a cancellation on `day`: the open line reversed, its days used charged.
pub fn cancel_lines<S: Store + ?Sized>(store: &S, s: &Subscription, day: Timestamp) -> Vec<Charge> {
    let cycle = cycle_of(s);
    let Some(open) = open_line(store, s, cycle) else {
        return Vec::new();
    };
    close_open(store, s, &open, cycle, day)
}

/// The open line ends on `day`: reversed exactly as billed, and its count charged again for
/// the days it ran, to whoever it was billed to (after a take-over, P4, the purchaser pays
/// for the days until the change and the organisation from the change on).
fn close_open<S: Store + ?Sized>(
    store: &S,
    s: &Subscription,
    open: &Charge,
    cycle: Cycle,
    day: Timestamp,
) -> Vec<Charge> {
    let mut lines = vec![reversal(open)];
    if day > open.days_from {
        let unit = money::parse(&open.unit_price);
        lines.push(Charge {
            profile_id: open.profile_id,
            payment_method: open.payment_method,
            ..line(
                store,
                s,
                ChargeKind::Prorated,
                open.quantity,
                unit,
                cycle,
                open.days_from,
                day,
            )
        });
    }
    lines
}

/// Writes lines to the ledger, charged at once (S4), dated `at`.
pub fn write<S: Store + ?Sized>(cx: &Cx<S>, lines: Vec<Charge>, at: Timestamp) -> Vec<Charge> {
    if lines.is_empty() {
        return lines;
    }
    let mut lines: Vec<Charge> = lines.into_iter().map(|c| Charge { at, ..c }).collect();
    let ids = cx.store.insert_charges(&lines);
    for (c, id) in lines.iter_mut().zip(ids) {
        c.id = id;
    }
    for c in &lines {
        cx.audit(
            "billing.charge",
            format!("subscription:{}", c.subscription_id),
            audited::NOTHING,
            Some(&crate::types::ChargeAudit {
                line: c.id,
                kind: c.kind,
                amount: c.amount.clone(),
                currency: currency(cx.store),
                quantity: c.quantity,
            }),
        );
    }
    lines
}

/// What the audit log keeps of a ledger entry; plugins read the money from `amount`.
pub fn sum(lines: &[Charge]) -> Decimal {
    lines.iter().map(|c| money::parse(&c.amount)).sum()
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
    let unit = list_price(store, &s.sku_id, s.billing).ok().or_else(|| {
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
        line(
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
