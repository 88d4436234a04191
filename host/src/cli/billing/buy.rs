//! `seats buy`, `seats set-quantity`, `seats cancel`, `seats trial`: purchases and changes of
//! a subscription, each charged at once and sent with an idempotency key (S3-S5).

use super::print::{idempotency_key, print_billed, print_preview};
use crate::cli::subscriptions::Billing;
use crate::output;
use crate::service::Session;
use crate::service::model::billing::Purchase;
use crate::service::model::types::{CancelReason, PurchaseChannel};
use crate::views::SubscriptionRow;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
pub enum Channel {
    Direct,
    ProductKey,
    Reseller,
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
    /// direct (charged to a payment method), product-key (prepaid) or reseller (a CSP partner).
    #[arg(long, value_enum, default_value = "direct")]
    pub channel: Channel,
    /// XXXXX-XXXXX-XXXXX-XXXXX-XXXXX, with --channel product-key.
    #[arg(long)]
    pub product_key: Option<String>,
    /// The partner, with --channel reseller.
    #[arg(long)]
    pub partner: Option<String>,
    #[arg(long)]
    pub profile: Option<u64>,
    #[arg(long)]
    pub payment_method: Option<u64>,
    /// Retry a purchase safely: the same key never charges twice.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Show what it would cost now and on the next invoice; buy nothing.
    #[arg(long)]
    pub preview: bool,
}

pub fn buy(s: &mut Session, args: &BuyArgs) -> Result<()> {
    let key = idempotency_key(&args.idempotency_key);
    let order = Purchase {
        product: args.product.clone(),
        quantity: args.quantity,
        billing: args.billing.into(),
        channel: match args.channel {
            Channel::Direct => PurchaseChannel::Direct,
            Channel::ProductKey => PurchaseChannel::ProductKey,
            Channel::Reseller => PurchaseChannel::Reseller,
        },
        profile: args.profile,
        payment_method: args.payment_method,
        product_key: args.product_key.clone(),
        partner: args.partner.clone(),
        idempotency_key: Some(key.clone()),
    };
    if args.preview {
        let p = s.preview_purchase(&order)?;
        return print_preview(s, p);
    }
    let mark = s.audit_mark()?;
    let r = s.buy_order(&order)?;
    print_billed(s, r, &key)?;
    super::print::print_served(s, mark)
}

#[derive(Args)]
pub struct SetQuantityArgs {
    /// The subscription's id (`seats subscriptions` lists them).
    pub subscription: u64,
    /// The new total number of licenses.
    #[arg(allow_negative_numbers = true)]
    pub total: i64,
    /// Add prepaid licenses with another product key.
    #[arg(long)]
    pub product_key: Option<String>,
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Show what it would cost now and on the next invoice; change nothing.
    #[arg(long)]
    pub preview: bool,
}

pub fn set_quantity(s: &mut Session, args: &SetQuantityArgs) -> Result<()> {
    if args.preview {
        let p = s.preview_quantity(args.subscription, args.total)?;
        return print_preview(s, p);
    }
    let key = idempotency_key(&args.idempotency_key);
    let mark = s.audit_mark()?;
    let r = s.change_quantity(
        args.subscription,
        args.total,
        args.product_key.as_deref(),
        Some(&key),
    )?;
    print_billed(s, r, &key)?;
    super::print::print_served(s, mark)
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Reason {
    NoLongerNeeded,
    TooExpensive,
    SwitchingProduct,
    MissingFeatures,
    Other,
}

#[derive(Args)]
pub struct CancelArgs {
    pub subscription: u64,
    /// Why (the admin center asks).
    #[arg(long, value_enum)]
    pub reason: Reason,
    /// Anything else to tell.
    #[arg(long)]
    pub feedback: Option<String>,
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

pub fn cancel(s: &mut Session, args: &CancelArgs) -> Result<()> {
    let key = idempotency_key(&args.idempotency_key);
    let reason = match args.reason {
        Reason::NoLongerNeeded => CancelReason::NoLongerNeeded,
        Reason::TooExpensive => CancelReason::TooExpensive,
        Reason::SwitchingProduct => CancelReason::SwitchingProduct,
        Reason::MissingFeatures => CancelReason::MissingFeatures,
        Reason::Other => CancelReason::Other,
    };
    let r = s.cancel(
        args.subscription,
        reason,
        args.feedback.as_deref(),
        Some(&key),
    )?;
    print_billed(s, r, &key)
}

#[derive(Subcommand)]
pub enum TrialCommand {
    /// Start a free trial (25 licenses, one month) of a product that offers one.
    Start { product: String },
    /// Buy a trial: it becomes a paid subscription from today.
    Buy {
        subscription: u64,
        #[arg(long, value_enum, default_value = "annual")]
        billing: Billing,
        #[arg(long)]
        idempotency_key: Option<String>,
    },
}

pub fn trial(s: &mut Session, cmd: &TrialCommand) -> Result<()> {
    match cmd {
        TrialCommand::Start { product } => {
            let v = s.start_trial(product)?;
            output::print_one(&SubscriptionRow::from(v), s.format)
        }
        TrialCommand::Buy {
            subscription,
            billing,
            idempotency_key,
        } => {
            let key = self::idempotency_key(idempotency_key);
            let r = s.buy_trial(*subscription, (*billing).into(), Some(&key))?;
            print_billed(s, r, &key)
        }
    }
}
