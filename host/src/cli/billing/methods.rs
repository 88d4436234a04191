//! `seats billing profiles|create-profile|payment-methods|add-*|update-card|replace|set-default`:
//! billing profiles and their payment methods (B1, B2).

use crate::output;
use crate::service::Session;
use crate::service::model::billing::{CardUpdate, NewCard, NewPaymentMethod};
use crate::views::billing::{MethodRow, ProfileRow};
use anyhow::Result;
use clap::Args;

#[derive(Args)]
pub struct CardArgs {
    /// The card number (checked with the Luhn rule; never stored).
    #[arg(long)]
    pub(super) number: String,
    /// Checked, never stored.
    #[arg(long)]
    pub(super) security_code: String,
    /// MM/YYYY.
    #[arg(long, value_parser = parse_expiry)]
    pub(super) expiry: (u8, u16),
    #[arg(long)]
    pub(super) name: String,
    #[arg(long)]
    pub(super) address: String,
}

#[derive(Args)]
pub struct BankArgs {
    #[arg(long)]
    pub(super) bank: String,
    #[arg(long)]
    pub(super) holder: String,
    /// Account number or IBAN; only its last four digits are kept.
    #[arg(long)]
    pub(super) account_number: String,
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

pub(super) fn parse_expiry(text: &str) -> Result<(u8, u16), String> {
    let err = || format!("'{text}' is not an expiry date: use MM/YYYY, e.g. 09/2028");
    let (m, y) = text.split_once('/').ok_or_else(err)?;
    Ok((
        m.trim().parse().map_err(|_| err())?,
        y.trim().parse().map_err(|_| err())?,
    ))
}

pub(super) fn profiles(s: &mut Session) -> Result<()> {
    let all = s.list_profiles()?;
    output::print(
        &all.into_iter().map(ProfileRow::from).collect::<Vec<_>>(),
        s.format,
        None,
    )
}

pub(super) fn create_profile(s: &mut Session, name: &str) -> Result<()> {
    let p = s.create_profile(name)?;
    output::print_one(&ProfileRow::from(p), s.format)
}

pub(super) fn list(s: &mut Session, profile: Option<u64>) -> Result<()> {
    let all = s.list_payment_methods(profile)?;
    output::print(
        &all.into_iter().map(MethodRow::from).collect::<Vec<_>>(),
        s.format,
        None,
    )
}

pub(super) fn card_method(c: &CardArgs) -> NewPaymentMethod {
    NewPaymentMethod::Card(NewCard {
        number: c.number.clone(),
        security_code: c.security_code.clone(),
        exp_month: c.expiry.0,
        exp_year: c.expiry.1,
        name_on_card: c.name.clone(),
        address: c.address.clone(),
    })
}

pub(super) fn add(s: &mut Session, target: &Target, method: NewPaymentMethod) -> Result<()> {
    let m = s.add_payment_method(target.profile, &method, target.default)?;
    output::print_one(&MethodRow::from(m), s.format)
}

pub(super) fn update_card(s: &mut Session, id: u64, update: &CardUpdate) -> Result<()> {
    let m = s.update_card(id, update)?;
    output::print_one(&MethodRow::from(m), s.format)
}

pub(super) fn replace(s: &mut Session, id: u64, method: &NewPaymentMethod) -> Result<()> {
    let m = s.replace_payment_method(id, method)?;
    output::print_one(&MethodRow::from(m), s.format)
}

pub(super) fn set_default(s: &mut Session, id: u64) -> Result<()> {
    let p = s.set_default_payment_method(id)?;
    output::print_one(&ProfileRow::from(p), s.format)
}
