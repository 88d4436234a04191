//! `seats subscriptions`, `seats recurring`, `seats renew`, `seats process` (S5, S6).

use super::Session;
use crate::component::types::BillingFrequency;
use crate::output;
use crate::views::{LifecycleRow, SubscriptionRow};
use anyhow::Result;
use clap::{Args, ValueEnum};

pub fn list(s: &mut Session) -> Result<()> {
    let subs = s.call(|d, st, actor| {
        d.seats_licensing_subscriptions()
            .call_list_subscriptions(st, actor)
    })?;
    let rows: Vec<SubscriptionRow> = subs.into_iter().map(SubscriptionRow::from).collect();
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
    let sub = s.call(|d, st, actor| {
        d.seats_licensing_subscriptions()
            .call_set_recurring(st, actor, a.subscription, on)
    })?;
    output::print_one(&SubscriptionRow::from(sub), s.format)
}

pub fn renew(s: &mut Session, id: u64) -> Result<()> {
    let sub = s.call(|d, st, actor| d.seats_licensing_subscriptions().call_renew(st, actor, id))?;
    output::print_one(&SubscriptionRow::from(sub), s.format)
}

/// Applies what fell due by now (or --now) on the tenant's clock.
pub fn process(s: &mut Session) -> Result<()> {
    let events = s.call(|d, st, actor| {
        d.seats_licensing_subscriptions()
            .call_process_lifecycle(st, actor)
    })?;
    let rows: Vec<LifecycleRow> = events.into_iter().map(LifecycleRow::from).collect();
    if rows.is_empty() && s.format == output::Format::Table {
        println!("Nothing fell due.");
        return Ok(());
    }
    output::print(&rows, s.format, None)
}
