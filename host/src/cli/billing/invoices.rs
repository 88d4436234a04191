//! `seats billing invoices|invoice|pending`: invoices, one invoice with its lines, and the
//! ledger entries the next invoice will show (B4, B5).

use super::print::print_charges;
use crate::output::{self, Format};
use crate::service::Session;
use crate::service::model::billing::InvoicePeriod;
use crate::views::billing::{ChargeRow, InvoiceDetailRow, InvoiceRow};
use anyhow::Result;

/// The invoices of the last 3 months (`last` "6": 6), or of `from`..`to`, written as they are
/// read.
pub(super) fn list(
    s: &mut Session,
    last: Option<&str>,
    from: Option<i64>,
    to: Option<i64>,
    profile: Option<u64>,
) -> Result<()> {
    let period = match (last, from, to) {
        (_, Some(f), Some(t)) => InvoicePeriod::Between((f, t)),
        (Some("6"), _, _) => InvoicePeriod::LastSixMonths,
        _ => InvoicePeriod::LastThreeMonths,
    };
    let mut out = output::Stream::new(s.format, None);
    s.invoice_pages(&period, profile, |page| {
        let rows: Vec<InvoiceRow> = page.into_iter().map(InvoiceRow::from).collect();
        out.push(&rows)
    })?;
    out.finish("invoices")
}

pub(super) fn show(s: &mut Session, id: u64) -> Result<()> {
    let format = s.format;
    let detail = s.get_invoice(id)?;
    let row = InvoiceDetailRow::from(detail);
    if format == Format::Table {
        output::print_one(&row.invoice, format)?;
        return output::print(
            &row.items,
            format,
            Some(&[
                "line",
                "subscription",
                "kind",
                "quantity",
                "from",
                "to",
                "days",
                "cycle_days",
                "amount",
            ]),
        );
    }
    output::print_one(&row, format)
}

pub(super) fn pending(s: &mut Session, profile: Option<u64>) -> Result<()> {
    let all = s.pending_charges(profile)?;
    print_charges(all.into_iter().map(ChargeRow::from).collect(), s.format)
}
