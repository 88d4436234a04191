//! What the billing calls share: the subscription a call acts on and who may act on it (R2),
//! and the answer a call gives (what it charged now, or what it would charge).

use super::{invoices, ledger, money};
use crate::cx::Cx;
use crate::error::Result;
use crate::exports::seats::licensing::billing::{BillingResult, Preview};
use crate::types::{Charge, Operation, Subscription};
use crate::{Store, roles, view};

/// A call's answer: the subscription, the lines it wrote and their sum (charged now).
pub(super) fn billed<S: Store + ?Sized>(
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

pub(super) fn preview<S: Store + ?Sized>(
    cx: &Cx<S>,
    profile: Option<u64>,
    lines: Vec<Charge>,
) -> Preview {
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

pub(super) fn get<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<Subscription> {
    crate::directory::subscription(cx.store, id)
}

/// R2: Global and Billing administrators; a self-service subscription's purchaser alone
/// (P2), read-only to admins until they take it over (P3).
pub(super) fn authorize<S: Store + ?Sized>(cx: &Cx<S>, s: &Subscription) -> Result<()> {
    roles::for_subscription(cx.store, &cx.actor, s, Operation::BuyLicenses).map(drop)
}
