//! `seats subscriptions`, `seats recurring`, `seats renew`, `seats process` (S5, S6).

use super::Session;
use crate::output;
use crate::service::model::types::{BillingFrequency, SubscriptionStatus};
use crate::views::billing::InvoiceRow;
use crate::views::{LifecycleRow, SubscriptionRow};
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

/// Which subscriptions to list, as the admin center's Your products page filters them.
#[derive(Args)]
pub struct ListArgs {
    /// Only trials.
    #[arg(long)]
    pub trial: bool,
    /// Only self-service purchases (users' own, P3).
    #[arg(long)]
    pub self_service: bool,
    /// Only the organisation's (not self-service purchases).
    #[arg(long, conflicts_with = "self_service")]
    pub organisation: bool,
    /// Only this product (part number).
    #[arg(long, short)]
    pub product: Option<String>,
}

pub fn list(s: &mut Session, a: &ListArgs) -> Result<()> {
    let subs = s.list_subscriptions()?;
    let rows: Vec<SubscriptionRow> = subs
        .into_iter()
        .filter(|v| !a.trial || v.subscription.status == SubscriptionStatus::Trial)
        .filter(|v| !a.self_service || v.subscription.purchaser.is_some())
        .filter(|v| !a.organisation || v.subscription.purchaser.is_none())
        .filter(|v| {
            a.product
                .as_deref()
                .is_none_or(|p| v.part_number.eq_ignore_ascii_case(p.trim()))
        })
        .map(SubscriptionRow::from)
        .collect();
    output::print(&rows, s.format, None)
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Billing {
    Monthly,
    Annual,
}

impl From<Billing> for BillingFrequency {
    fn from(b: Billing) -> Self {
        match b {
            Billing::Monthly => BillingFrequency::Monthly,
            Billing::Annual => BillingFrequency::Annual,
        }
    }
}

#[derive(Args)]
pub struct RecurringArgs {
    /// The subscription's id.
    pub subscription: u64,
    /// on: renew at term end; off: end at term end (S5).
    #[arg(value_parser = ["on", "off"])]
    pub state: String,
}

pub fn recurring(s: &mut Session, a: &RecurringArgs) -> Result<()> {
    let on = a.state == "on";
    let sub = s.set_recurring(a.subscription, on)?;
    output::print_one(&SubscriptionRow::from(sub), s.format)
}

pub fn renew(s: &mut Session, id: u64) -> Result<()> {
    let sub = s.renew(id)?;
    output::print_one(&SubscriptionRow::from(sub), s.format)
}

/// What `seats process` did, as JSON and CSV give it.
#[derive(Serialize)]
struct ProcessRow {
    events: Vec<LifecycleRow>,
    renewals_charged: String,
    invoices: Vec<InvoiceRow>,
    purged_data: u32,
    purged_users: u32,
}

/// Applies what fell due by now (or --now) on the tenant's clock, and says what it did:
/// renewals and what they charged, expiry, invoices issued, data and users purged.
pub fn process(s: &mut Session) -> Result<()> {
    let report = s.process_lifecycle()?;
    let row = ProcessRow {
        events: report.events.into_iter().map(LifecycleRow::from).collect(),
        renewals_charged: report.renewals_charged,
        invoices: report.invoices.into_iter().map(InvoiceRow::from).collect(),
        purged_data: report.purged_data,
        purged_users: report.purged_users,
    };
    if s.format != output::Format::Table {
        return output::print_one(&row, s.format);
    }
    let mut said = false;
    if !row.events.is_empty() {
        output::print(
            &row.events,
            s.format,
            Some(&["subscription", "product", "change", "now", "at"]),
        )?;
        if row
            .events
            .iter()
            .any(|e| e.change == "renewed" || e.change == "trial converted")
        {
            println!("Renewals charged: {}", row.renewals_charged);
        }
        said = true;
    }
    if !row.invoices.is_empty() {
        println!("Invoices issued: {}", row.invoices.len());
        output::print(&row.invoices, s.format, None)?;
        said = true;
    }
    if row.purged_data > 0 {
        println!(
            "Retained data deleted for good (past its 30 days): {} item(s)",
            row.purged_data
        );
        said = true;
    }
    if row.purged_users > 0 {
        println!(
            "Users deleted over 30 days ago, removed for good: {}",
            row.purged_users
        );
        said = true;
    }
    if !said {
        println!("Nothing fell due.");
    }
    Ok(())
}
