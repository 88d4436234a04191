//! `seats subscriptions`, `seats buy`, `seats set-quantity` (S1, S2).

use super::Session;
use crate::component::subscriptions::NewSubscription;
use crate::component::types::{BillingFrequency, PurchaseChannel};
use crate::output;
use crate::views::SubscriptionRow;
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
