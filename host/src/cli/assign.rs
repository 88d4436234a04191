//! `seats assign`, `seats unassign`, `seats set-plans` (L2, L3).

use super::Session;
use crate::output;
use crate::views::UserLicenseRow;
use anyhow::Result;
use clap::Args;
use serde::Serialize;

#[derive(Args)]
pub struct AssignArgs {
    /// User principal name.
    pub user: String,
    /// The product: part number (SPE_E3) or GUID.
    #[arg(long, short)]
    pub product: String,
    /// Service plans to switch off (names or ids, comma-separated); all others are on.
    #[arg(long, value_delimiter = ',')]
    pub disabled_plans: Vec<String>,
}

pub fn assign(s: &mut Session, a: &AssignArgs) -> Result<()> {
    let license = s.call(|d, st, actor| {
        d.seats_licensing_licenses()
            .call_assign(st, actor, &a.user, &a.product, &a.disabled_plans)
    })?;
    output::print_one(&UserLicenseRow::from(license), s.format)
}

#[derive(Args)]
pub struct UnassignArgs {
    /// User principal name.
    pub user: String,
    /// The product: part number (SPE_E3) or GUID.
    #[arg(long, short)]
    pub product: String,
}

#[derive(Serialize)]
struct Unassigned<'a> {
    upn: &'a str,
    product: &'a str,
    unassigned: bool,
}

pub fn unassign(s: &mut Session, a: &UnassignArgs) -> Result<()> {
    s.call(|d, st, actor| {
        d.seats_licensing_licenses()
            .call_unassign(st, actor, &a.user, &a.product)
    })?;
    output::print_one(
        &Unassigned {
            upn: &a.user,
            product: &a.product,
            unassigned: true,
        },
        s.format,
    )
}

#[derive(Args)]
pub struct SetPlansArgs {
    /// User principal name.
    pub user: String,
    /// The product: part number (SPE_E3) or GUID.
    #[arg(long, short)]
    pub product: String,
    /// Service plans to switch off (names or ids, comma-separated); none turns all on.
    #[arg(long, value_delimiter = ',')]
    pub disabled_plans: Vec<String>,
}

pub fn set_plans(s: &mut Session, a: &SetPlansArgs) -> Result<()> {
    let license = s.call(|d, st, actor| {
        d.seats_licensing_licenses().call_set_disabled_plans(
            st,
            actor,
            &a.user,
            &a.product,
            &a.disabled_plans,
        )
    })?;
    output::print_one(&UserLicenseRow::from(license), s.format)
}
