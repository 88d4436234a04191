//! `seats subscriptions`, `seats buy`, `seats set-quantity` (S1, S2).

use super::Session;
use crate::component::subscriptions::NewSubscription;
use crate::component::types::{BillingFrequency, PurchaseChannel};
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

#[derive(Args)]
pub struct BuyArgs {
    /// The product: part number (SPE_E3) or GUID.
    pub product: String,
    /// How many licenses.
    #[arg(long, short, allow_negative_numbers = true)]
    pub quantity: i64,
    /// Billed each month or each year.
    #[arg(long, value_enum, default_value = "annual")]
    pub billing: Billing,
}

pub fn buy(s: &mut Session, args: &BuyArgs) -> Result<()> {
    let order = NewSubscription {
        product: args.product.clone(),
        quantity: args.quantity,
        billing: match args.billing {
            Billing::Monthly => BillingFrequency::Monthly,
            Billing::Annual => BillingFrequency::Annual,
        },
        channel: PurchaseChannel::Direct,
    };
    let sub = s.call(|d, st, actor| {
        d.seats_licensing_subscriptions()
            .call_create_subscription(st, actor, &order)
    })?;
    output::print_one(&SubscriptionRow::from(sub), s.format)
}

#[derive(Args)]
pub struct SetQuantityArgs {
    /// The subscription's id (`seats subscriptions` lists them).
    pub subscription: u64,
    /// The new total number of licenses.
    #[arg(allow_negative_numbers = true)]
    pub total: i64,
}

pub fn set_quantity(s: &mut Session, args: &SetQuantityArgs) -> Result<()> {
    let sub = s.call(|d, st, actor| {
        d.seats_licensing_subscriptions().call_set_quantity(
            st,
            actor,
            args.subscription,
            args.total,
        )
    })?;
    output::print_one(&SubscriptionRow::from(sub), s.format)
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
