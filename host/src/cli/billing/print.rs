//! What purchases, changes and previews print: the subscription with its charges, what is
//! due now and on the next invoice, and the idempotency key to retry with.

use crate::output::{self, Format};
use crate::service::Session;
use crate::service::model::billing::{BillingResult, Preview};
use crate::views::SubscriptionRow;
use crate::views::billing::{BilledRow, ChargeRow, PreviewRow};
use anyhow::Result;

pub(super) fn print_charges(rows: Vec<ChargeRow>, format: Format) -> Result<()> {
    let columns: &[&str] = &[
        "line",
        "subscription",
        "kind",
        "quantity",
        "from",
        "to",
        "days",
        "cycle_days",
        "unit_price",
        "amount",
    ];
    output::print(&rows, format, Some(columns))
}

/// The key a purchase or change is sent with: the one given, or a new one per invocation.
pub fn idempotency_key(given: &Option<String>) -> String {
    given
        .clone()
        .unwrap_or_else(|| format!("seats-{:016x}", fastrand::u64(..)))
}

/// Prints a purchase or change with what it charged, and the key to retry it with.
pub fn print_billed(s: &Session, r: BillingResult, key: &str) -> Result<()> {
    let row = BilledRow {
        subscription: SubscriptionRow::from(r.subscription),
        charged_now: r.charged_now,
        charges: r.charges.into_iter().map(ChargeRow::from).collect(),
        replayed: r.replayed,
        idempotency_key: key.to_string(),
        next_step: r.next_step,
    };
    eprintln!(
        "idempotency key: {key}{}",
        if row.replayed {
            " (a retry: this is the first call's result; nothing was charged again)"
        } else {
            " (retry with --idempotency-key to never charge twice)"
        }
    );
    if s.format != Format::Table {
        return output::print_one(&row, s.format);
    }
    output::print_one(&row.subscription, s.format)?;
    if !row.charges.is_empty() {
        print_charges(row.charges, s.format)?;
        println!("Charged now: {}", row.charged_now);
    }
    if let Some(next) = &row.next_step {
        println!("Next: {next}");
    }
    Ok(())
}

pub fn print_preview(s: &Session, p: Preview) -> Result<()> {
    let row = PreviewRow::from(p);
    if s.format != Format::Table {
        return output::print_one(&row, s.format);
    }
    print_charges(row.lines, s.format)?;
    // A preview changes nothing, whether it buys, removes or refunds.
    let due = if row.due_now.starts_with('-') {
        format!(
            "Refunded now: {} {}",
            row.due_now.trim_start_matches('-'),
            row.currency
        )
    } else {
        format!("Due now: {} {}", row.due_now, row.currency)
    };
    println!(
        "Preview only: nothing was changed. {due}. Next invoice (issued {}): {} {}.",
        row.next_invoice_date, row.next_invoice_total, row.currency
    );
    Ok(())
}

/// GL8: the members waiting for a license who got one in the call after audit entry `mark`
/// (a purchase or a quantity up serves the waiting line in the same transaction), on stderr.
pub fn print_served(s: &mut Session, mark: u64) -> Result<()> {
    let filter = crate::service::model::types::AuditFilter {
        actor: None,
        action: Some("license.group".into()),
        target: None,
        since: None,
        until: None,
        newest_first: false,
    };
    let (mut shown, mut count) = (Vec::new(), 0usize);
    // Only someone who may read the audit log is told (a self-service purchaser may not;
    // their purchase serves no group's line anyway): the purchase is done either way.
    let read = s.audit_pages(&filter, Some(mark), |page| {
        count += page.len();
        shown.extend(
            page.into_iter()
                .take(20usize.saturating_sub(shown.len()))
                .map(|e| e.target.trim_start_matches("user:").to_string()),
        );
        Ok(true)
    });
    if read.is_ok() && count > 0 {
        let more = count - shown.len();
        eprintln!(
            "{count} member(s) waiting for a license got one from their group: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
