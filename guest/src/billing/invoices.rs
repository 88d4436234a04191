//! Invoices (B1, B4): each billing profile's ledger entries close into one invoice per
//! calendar month, issued when the month is over. An invoice is never changed and no period
//! is invoiced twice: an entry dated in a period already invoiced goes on the next one.

use super::ledger::{self, currency};
use super::{money, payments};
use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, invalid, not_found};
use crate::exports::seats::licensing::billing::{InvoiceDetail, InvoicePage, InvoicePeriod};
use crate::types::ObjectKind;
use crate::types::{Charge, Invoice, Timestamp};
use crate::{Store, calendar};
use std::collections::BTreeMap;

/// The first day of the month `months` after the one containing `ts` (negative: before).
pub fn month_start(ts: Timestamp, months: i32) -> Timestamp {
    let d = calendar::date_of(ts);
    let index = d.year() * 12 + d.month() as i32 - 1 + months;
    let month = time::Month::try_from((index.rem_euclid(12) + 1) as u8).expect("1..=12");
    calendar::start_of(
        time::Date::from_calendar_date(index.div_euclid(12), month, 1).expect("the 1st exists"),
    )
}

/// B1: issues an invoice for every month that is over and has entries not yet invoiced.
pub fn close<S: Store + ?Sized>(cx: &Cx<S>) -> Vec<Invoice> {
    let this_month = month_start(cx.local, 0);
    let currency = currency(cx.store);
    let mut by_profile: BTreeMap<u64, Vec<Charge>> = BTreeMap::new();
    for c in cx.store.uninvoiced_charges(None) {
        by_profile.entry(c.profile_id).or_default().push(c);
    }
    let mut issued = Vec::new();
    for (profile, charges) in by_profile {
        let invoiced_until = cx.store.last_invoice(profile).map(|i| i.period_end);
        let mut periods: BTreeMap<Timestamp, Vec<Charge>> = BTreeMap::new();
        for c in charges {
            let start = month_start(c.at, 0).max(invoiced_until.unwrap_or(i64::MIN));
            if start < this_month {
                periods.entry(start).or_default().push(c);
            }
        }
        for (start, lines) in periods {
            let mut invoice = Invoice {
                id: 0,
                profile_id: profile,
                period_start: start,
                period_end: month_start(start, 1),
                issued_at: cx.now,
                currency: currency.clone(),
                total: money::text(ledger::sum(&lines), &currency),
                lines: lines.len() as u32,
            };
            let ids: Vec<u64> = lines.iter().map(|c| c.id).collect();
            invoice.id = cx.store.insert_invoice(&invoice, &ids);
            cx.audit(
                "billing.invoice",
                format!("invoice:{}", invoice.id),
                audited::NOTHING,
                Some(&invoice),
            );
            issued.push(invoice);
        }
    }
    issued
}

/// When the invoice an entry made now will be on is issued.
pub fn next_invoice_date<S: Store + ?Sized>(store: &S, profile: u64, now: Timestamp) -> Timestamp {
    let start = month_start(now, 0).max(
        store
            .last_invoice(profile)
            .map(|i| i.period_end)
            .unwrap_or(i64::MIN),
    );
    month_start(start, 1)
}

/// The most invoices one page holds.
pub const MAX_PAGE: u32 = 1000;

/// B4: the last three months by default, the last six, or a date range; a page at a time.
pub fn list<S: Store + ?Sized>(
    cx: &Cx<S>,
    period: &InvoicePeriod,
    profile: Option<u64>,
    after: Option<u64>,
    limit: u32,
) -> Result<InvoicePage> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(invalid(
            "limit",
            format!("a page holds 1 to {MAX_PAGE} invoices"),
        ));
    }
    let (since, until) = match period {
        InvoicePeriod::LastThreeMonths => (month_start(cx.local, -3), i64::MAX),
        InvoicePeriod::LastSixMonths => (month_start(cx.local, -6), i64::MAX),
        InvoicePeriod::Between((since, until)) => {
            if since >= until {
                return Err(invalid(
                    "range",
                    format!(
                        "the range {} to {} is empty: give the earlier date first",
                        calendar::date_of(*since),
                        calendar::date_of(*until)
                    ),
                ));
            }
            // Whole days of the tenant's calendar.
            (ledger::today(*since), ledger::today(*until))
        }
    };
    let allowed = allowed(cx, profile)?;
    let invoices = cx.store.list_invoices(&allowed, since, until, after, limit);
    let next = (invoices.len() == limit as usize).then(|| invoices[invoices.len() - 1].id);
    Ok(InvoicePage { invoices, next })
}

/// The billing profiles whose invoices the actor may see (R2, P2): the one named, or all of
/// the actor's.
fn allowed<S: Store + ?Sized>(cx: &Cx<S>, profile: Option<u64>) -> Result<Vec<u64>> {
    Ok(match profile {
        Some(id) => vec![payments::profile(cx, id)?.id],
        None => payments::visible(cx)?.iter().map(|p| p.id).collect(),
    })
}

/// B4: one invoice with its lines.
pub fn get<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<InvoiceDetail> {
    let invoice = cx.store.get_invoice(id).ok_or_else(|| {
        not_found(
            ObjectKind::Invoice,
            id.to_string(),
            format!("no invoice {id}; `seats billing invoices` lists them"),
        )
    })?;
    payments::profile(cx, invoice.profile_id)?;
    Ok(InvoiceDetail {
        lines: cx.store.invoice_lines(id),
        invoice,
    })
}

/// Entries not yet invoiced, of the profiles the actor may see.
pub fn pending<S: Store + ?Sized>(cx: &Cx<S>, profile: Option<u64>) -> Result<Vec<Charge>> {
    let allowed = allowed(cx, profile)?;
    Ok(cx
        .store
        .uninvoiced_charges(profile)
        .into_iter()
        .filter(|c| allowed.contains(&c.profile_id))
        .collect())
}
