//! `seats billing ...`, `seats buy`, `seats set-quantity`, `seats cancel`, `seats trial`:
//! payment methods, purchases with their charges, invoices (B1-B5, S3-S5).

use super::Session;
use super::subscriptions::Billing;
use crate::component::billing::{
    BillingResult, CardUpdate, InvoicePeriod, NewBankAccount, NewCard, NewPaymentMethod, Purchase,
};
use crate::component::types::{CancelReason, PurchaseChannel};
use crate::output::{self, Format};
use crate::views::SubscriptionRow;
use crate::views::billing::{
    BilledRow, ChargeRow, InvoiceDetailRow, InvoiceRow, MethodRow, PreviewRow, ProfileRow,
};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Subcommand)]
pub enum BillingCommand {
    /// The billing profiles you may use.
    Profiles,
    /// Create another billing profile for the organisation.
    CreateProfile { name: String },
    /// Payment methods of a profile (default: yours).
    PaymentMethods {
        #[arg(long)]
        profile: Option<u64>,
    },
    /// Add a card: only its brand, last four digits, expiry, name and address are kept.
    AddCard {
        #[command(flatten)]
        card: CardArgs,
        #[command(flatten)]
        target: Target,
    },
    /// Add a bank account: only the bank, holder and last four digits are kept.
    AddBankAccount {
        #[command(flatten)]
        bank: BankArgs,
        #[command(flatten)]
        target: Target,
    },
    /// Pay by invoice (check or wire transfer); purchases paid so wait for a credit check.
    AddInvoice {
        /// Where invoices are sent.
        email: String,
        #[command(flatten)]
        target: Target,
    },
    /// Update a card's security code, expiry, name on card or address.
    UpdateCard {
        id: u64,
        #[arg(long)]
        security_code: Option<String>,
        /// MM/YYYY.
        #[arg(long, value_parser = parse_expiry)]
        expiry: Option<(u8, u16)>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        address: Option<String>,
    },
    /// Replace a payment method with a new card (or, with --account-number, a bank account).
    Replace {
        id: u64,
        #[arg(long, conflicts_with_all = ["bank", "holder", "account_number"])]
        card_number: Option<String>,
        #[arg(long)]
        security_code: Option<String>,
        #[arg(long, value_parser = parse_expiry)]
        expiry: Option<(u8, u16)>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        bank: Option<String>,
        #[arg(long)]
        holder: Option<String>,
        #[arg(long)]
        account_number: Option<String>,
    },
    /// Make a payment method its profile's default.
    SetDefault { id: u64 },
    /// Invoices: the last 3 months by default, --last 6, or --from/--to.
    Invoices {
        #[arg(long, value_parser = ["3", "6"], conflicts_with_all = ["from", "to"])]
        last: Option<String>,
        /// YYYY-MM-DD: invoices whose period starts on or after it.
        #[arg(long, requires = "to", value_name = "DATE", value_parser = crate::dates::time_arg)]
        from: Option<i64>,
        /// YYYY-MM-DD: invoices whose period starts before it.
        #[arg(long, requires = "from", value_name = "DATE", value_parser = crate::dates::time_arg)]
        to: Option<i64>,
        #[arg(long)]
        profile: Option<u64>,
    },
    /// One invoice with its lines.
    Invoice { id: u64 },
    /// Ledger entries not yet on an invoice: what the next invoice will show.
    Pending {
        #[arg(long)]
        profile: Option<u64>,
    },
    /// Record that a subscription's pending credit check is done.
    CreditCheck { subscription: u64 },
}

#[derive(Args)]
pub struct CardArgs {
    /// The card number (checked with the Luhn rule; never stored).
    #[arg(long)]
    number: String,
    /// Checked, never stored.
    #[arg(long)]
    security_code: String,
    /// MM/YYYY.
    #[arg(long, value_parser = parse_expiry)]
    expiry: (u8, u16),
    #[arg(long)]
    name: String,
    #[arg(long)]
    address: String,
}

#[derive(Args)]
pub struct BankArgs {
    #[arg(long)]
    bank: String,
    #[arg(long)]
    holder: String,
    /// Account number or IBAN; only its last four digits are kept.
    #[arg(long)]
    account_number: String,
}

#[derive(Args)]
pub struct Target {
    /// The billing profile (default: yours).
    #[arg(long)]
    profile: Option<u64>,
    /// Make it the profile's default payment method.
    #[arg(long)]
    default: bool,
}

fn parse_expiry(text: &str) -> Result<(u8, u16), String> {
    let err = || format!("'{text}' is not an expiry date: use MM/YYYY, e.g. 09/2028");
    let (m, y) = text.split_once('/').ok_or_else(err)?;
    Ok((
        m.trim().parse().map_err(|_| err())?,
        y.trim().parse().map_err(|_| err())?,
    ))
}

pub fn run(s: &mut Session, cmd: &BillingCommand) -> Result<()> {
    let format = s.format;
    match cmd {
        BillingCommand::Profiles => {
            let all = s.call(|d, st, a| d.seats_licensing_billing().call_list_profiles(st, a))?;
            output::print(
                &all.into_iter().map(ProfileRow::from).collect::<Vec<_>>(),
                format,
                None,
            )
        }
        BillingCommand::CreateProfile { name } => {
            let p =
                s.call(|d, st, a| d.seats_licensing_billing().call_create_profile(st, a, name))?;
            output::print_one(&ProfileRow::from(p), format)
        }
        BillingCommand::PaymentMethods { profile } => {
            let all = s.call(|d, st, a| {
                d.seats_licensing_billing()
                    .call_list_payment_methods(st, a, *profile)
            })?;
            output::print(
                &all.into_iter().map(MethodRow::from).collect::<Vec<_>>(),
                format,
                None,
            )
        }
        BillingCommand::AddCard { card, target } => add(s, target, card_method(card)),
        BillingCommand::AddBankAccount { bank, target } => add(
            s,
            target,
            NewPaymentMethod::BankAccount(NewBankAccount {
                bank: bank.bank.clone(),
                holder: bank.holder.clone(),
                account_number: bank.account_number.clone(),
            }),
        ),
        BillingCommand::AddInvoice { email, target } => {
            add(s, target, NewPaymentMethod::Invoice(email.clone()))
        }
        BillingCommand::UpdateCard {
            id,
            security_code,
            expiry,
            name,
            address,
        } => {
            let update = CardUpdate {
                security_code: security_code.clone(),
                exp_month: expiry.map(|e| e.0),
                exp_year: expiry.map(|e| e.1),
                name_on_card: name.clone(),
                address: address.clone(),
            };
            let m = s.call(|d, st, a| {
                d.seats_licensing_billing()
                    .call_update_card(st, a, *id, &update)
            })?;
            output::print_one(&MethodRow::from(m), format)
        }
        BillingCommand::Replace {
            id,
            card_number,
            security_code,
            expiry,
            name,
            address,
            bank,
            holder,
            account_number,
        } => {
            let method = match (card_number, account_number) {
                (Some(number), None) => card_method(&CardArgs {
                    number: number.clone(),
                    security_code: security_code
                        .clone()
                        .context("--security-code is needed with --card-number")?,
                    expiry: expiry.context("--expiry is needed with --card-number")?,
                    name: name
                        .clone()
                        .context("--name is needed with --card-number")?,
                    address: address
                        .clone()
                        .context("--address is needed with --card-number")?,
                }),
                (None, Some(number)) => NewPaymentMethod::BankAccount(NewBankAccount {
                    bank: bank
                        .clone()
                        .context("--bank is needed with --account-number")?,
                    holder: holder
                        .clone()
                        .context("--holder is needed with --account-number")?,
                    account_number: number.clone(),
                }),
                _ => bail!("give the new method: --card-number ... or --account-number ..."),
            };
            let m = s.call(|d, st, a| {
                d.seats_licensing_billing()
                    .call_replace_payment_method(st, a, *id, &method)
            })?;
            output::print_one(&MethodRow::from(m), format)
        }
        BillingCommand::SetDefault { id } => {
            let p = s.call(|d, st, a| {
                d.seats_licensing_billing()
                    .call_set_default_payment_method(st, a, *id)
            })?;
            output::print_one(&ProfileRow::from(p), format)
        }
        BillingCommand::Invoices {
            last,
            from,
            to,
            profile,
        } => {
            let period = match (last.as_deref(), from, to) {
                (_, Some(f), Some(t)) => InvoicePeriod::Between((*f, *t)),
                (Some("6"), _, _) => InvoicePeriod::LastSixMonths,
                _ => InvoicePeriod::LastThreeMonths,
            };
            let all = s.call(|d, st, a| {
                d.seats_licensing_billing()
                    .call_list_invoices(st, a, period, *profile)
            })?;
            output::print(
                &all.into_iter().map(InvoiceRow::from).collect::<Vec<_>>(),
                format,
                None,
            )
        }
        BillingCommand::Invoice { id } => {
            let detail =
                s.call(|d, st, a| d.seats_licensing_billing().call_get_invoice(st, a, *id))?;
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
        BillingCommand::Pending { profile } => {
            let all = s.call(|d, st, a| {
                d.seats_licensing_billing()
                    .call_pending_charges(st, a, *profile)
            })?;
            print_charges(all.into_iter().map(ChargeRow::from).collect(), format)
        }
        BillingCommand::CreditCheck { subscription } => {
            let v = s.call(|d, st, a| {
                d.seats_licensing_billing()
                    .call_complete_credit_check(st, a, *subscription)
            })?;
            output::print_one(&SubscriptionRow::from(v), format)
        }
    }
}

fn card_method(c: &CardArgs) -> NewPaymentMethod {
    NewPaymentMethod::Card(NewCard {
        number: c.number.clone(),
        security_code: c.security_code.clone(),
        exp_month: c.expiry.0,
        exp_year: c.expiry.1,
        name_on_card: c.name.clone(),
        address: c.address.clone(),
    })
}

fn add(s: &mut Session, target: &Target, method: NewPaymentMethod) -> Result<()> {
    let m = s.call(|d, st, a| {
        d.seats_licensing_billing().call_add_payment_method(
            st,
            a,
            target.profile,
            &method,
            target.default,
        )
    })?;
    output::print_one(&MethodRow::from(m), s.format)
}

fn print_charges(rows: Vec<ChargeRow>, format: Format) -> Result<()> {
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

pub fn print_preview(s: &Session, p: crate::component::billing::Preview) -> Result<()> {
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
        let p = s.call(|d, st, a| {
            d.seats_licensing_billing()
                .call_preview_purchase(st, a, &order)
        })?;
        return print_preview(s, p);
    }
    let r = s.call(|d, st, a| d.seats_licensing_billing().call_buy(st, a, &order))?;
    print_billed(s, r, &key)
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
        let p = s.call(|d, st, a| {
            d.seats_licensing_billing()
                .call_preview_quantity(st, a, args.subscription, args.total)
        })?;
        return print_preview(s, p);
    }
    let key = idempotency_key(&args.idempotency_key);
    let r = s.call(|d, st, a| {
        d.seats_licensing_billing().call_change_quantity(
            st,
            a,
            args.subscription,
            args.total,
            args.product_key.as_deref(),
            Some(&key),
        )
    })?;
    print_billed(s, r, &key)
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
    let r = s.call(|d, st, a| {
        d.seats_licensing_billing().call_cancel(
            st,
            a,
            args.subscription,
            reason,
            args.feedback.as_deref(),
            Some(&key),
        )
    })?;
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
            let v =
                s.call(|d, st, a| d.seats_licensing_billing().call_start_trial(st, a, product))?;
            output::print_one(&SubscriptionRow::from(v), s.format)
        }
        TrialCommand::Buy {
            subscription,
            billing,
            idempotency_key,
        } => {
            let key = self::idempotency_key(idempotency_key);
            let r = s.call(|d, st, a| {
                d.seats_licensing_billing().call_buy_trial(
                    st,
                    a,
                    *subscription,
                    (*billing).into(),
                    Some(&key),
                )
            })?;
            print_billed(s, r, &key)
        }
    }
}
