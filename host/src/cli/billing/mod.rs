//! `seats billing ...`, `seats buy`, `seats set-quantity`, `seats cancel`, `seats trial`:
//! payment methods, purchases with their charges, invoices (B1-B5, S3-S5). The commands of
//! `seats billing` are here; what they run, one file per group.

mod buy;
mod invoices;
mod methods;
mod print;

pub use buy::{
    BuyArgs, CancelArgs, SetQuantityArgs, TrialCommand, buy, cancel, set_quantity, trial,
};

use super::Session;
use crate::output;
use crate::service::model::billing::{CardUpdate, NewBankAccount, NewPaymentMethod};
use crate::views::SubscriptionRow;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use methods::{BankArgs, CardArgs, Target, card_method, parse_expiry};

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

pub fn run(s: &mut Session, cmd: &BillingCommand) -> Result<()> {
    match cmd {
        BillingCommand::Profiles => methods::profiles(s),
        BillingCommand::CreateProfile { name } => methods::create_profile(s, name),
        BillingCommand::PaymentMethods { profile } => methods::list(s, *profile),
        BillingCommand::AddCard { card, target } => methods::add(s, target, card_method(card)),
        BillingCommand::AddBankAccount { bank, target } => methods::add(
            s,
            target,
            NewPaymentMethod::BankAccount(NewBankAccount {
                bank: bank.bank.clone(),
                holder: bank.holder.clone(),
                account_number: bank.account_number.clone(),
            }),
        ),
        BillingCommand::AddInvoice { email, target } => {
            methods::add(s, target, NewPaymentMethod::Invoice(email.clone()))
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
            methods::update_card(s, *id, &update)
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
            methods::replace(s, *id, &method)
        }
        BillingCommand::SetDefault { id } => methods::set_default(s, *id),
        BillingCommand::Invoices {
            last,
            from,
            to,
            profile,
        } => invoices::list(s, last.as_deref(), *from, *to, *profile),
        BillingCommand::Invoice { id } => invoices::show(s, *id),
        BillingCommand::Pending { profile } => invoices::pending(s, *profile),
        BillingCommand::CreditCheck { subscription } => {
            let v = s.complete_credit_check(*subscription)?;
            output::print_one(&SubscriptionRow::from(v), s.format)
        }
    }
}
