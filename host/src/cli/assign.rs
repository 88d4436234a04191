//! `seats assign`, `seats unassign`, `seats set-plans`: one user or many (L2, L3, L5, L6).

use super::preview::{WhatIf, previewed};
use super::{FAILURES_SHOWN, Session};
use crate::output;
use crate::service::model::bulk::{AddRemove, LicenseChange};
use crate::service::model::licenses::{BulkResult, LicenseChoice};
use crate::service::model::users::UserFilter;
use crate::views::{BulkSummaryView, OutcomeRow, UserLicenseRow};
use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Args)]
pub struct Users {
    /// User principal names.
    pub users: Vec<String>,
    /// Also the users listed in this file: one UPN a line, or a CSV with a `upn` or
    /// `UserPrincipalName` column.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    #[command(flatten)]
    pub filter: Where,
    /// Apply nothing when any user fails (default: apply the others and report each failure).
    #[arg(long)]
    pub all_or_nothing: bool,
    #[command(flatten)]
    pub preview: WhatIf,
}

/// Instead of naming users: every active user that matches all of these. The component
/// selects and changes them a page at a time (any number of users, in flat memory) and
/// prints a summary with the failures instead of one row per user.
#[derive(Args)]
#[group(id = "where", multiple = true, conflicts_with_all = ["users", "from"])]
pub struct Where {
    /// Users of this department.
    #[arg(long)]
    pub department: Option<String>,
    /// Users that hold this product (part number or GUID).
    #[arg(long, value_name = "PRODUCT")]
    pub holding: Option<String>,
    /// Members of this group (its name or id).
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Users without any license (L10).
    #[arg(long)]
    pub unlicensed: bool,
    /// Users with this usage location (ISO 3166-1 alpha-2).
    #[arg(long, value_name = "COUNTRY")]
    pub usage_location: Option<String>,
    /// Users that can (true) or cannot (false) sign in.
    #[arg(long)]
    pub enabled: Option<bool>,
}

/// The users a bulk command covers.
pub enum Selection {
    Upns(Vec<String>),
    Where(UserFilter),
}

impl Users {
    pub fn list(&self) -> Result<Vec<String>> {
        let mut all = self.users.clone();
        if let Some(path) = &self.from {
            all.extend(read_upns(path)?);
        }
        if all.is_empty() {
            bail!(
                "name at least one user (UPN arguments, --from FILE, or a filter such as \
                 --department or --holding)"
            );
        }
        Ok(all)
    }

    pub fn selection(&self) -> Result<Selection> {
        let w = &self.filter;
        if w.department.is_none()
            && w.holding.is_none()
            && !w.unlicensed
            && w.usage_location.is_none()
            && w.enabled.is_none()
            && w.group.is_none()
        {
            return self.list().map(Selection::Upns);
        }
        Ok(Selection::Where(UserFilter {
            unlicensed_only: w.unlicensed,
            product: w.holding.clone(),
            department: w.department.clone(),
            usage_location: w.usage_location.clone(),
            enabled: w.enabled,
            deleted: false,
            group: w.group.clone(),
            in_error: false,
        }))
    }
}

/// Failures a table shows; the rest are counted.
const FAILURES_IN_TABLE: usize = 20;

/// A filtered bulk change in the component, reported as a summary and the failures; a
/// failure makes the command exit 1.
fn change_where(
    s: &mut Session,
    filter: &UserFilter,
    change: &LicenseChange,
    all: bool,
) -> Result<()> {
    let summary = s.change_licenses_where(filter, change, all)?;
    let first = summary
        .failures
        .first()
        .and_then(|o| o.error.as_ref().map(|e| (o.upn.clone(), e.clone())));
    let view = BulkSummaryView::from(summary);
    match s.format {
        output::Format::Json => output::print_one(&view, s.format)?,
        // CSV is rows of one kind: the failures; the counts go to stderr.
        output::Format::Csv => {
            output::print(&view.failures, s.format, None)?;
            let c = &view.counts;
            eprintln!(
                "selected {}, applied {}, unchanged {}, failed {}{}",
                c.selected,
                c.applied,
                c.unchanged,
                c.failed,
                if c.rolled_back { ", rolled back" } else { "" }
            );
        }
        output::Format::Table => {
            let shown = view.failures.len().min(FAILURES_IN_TABLE);
            if shown > 0 {
                output::print(&view.failures[..shown], s.format, None)?;
            }
            if view.counts.failed as usize > shown {
                eprintln!(
                    "{} more failures not shown: `-o json` or `-o csv` lists the first {FAILURES_SHOWN}",
                    view.counts.failed as usize - shown
                );
            }
            output::print_one(&view.counts, s.format)?;
        }
    }
    let c = &view.counts;
    if c.failed > 0 {
        let applied = if c.rolled_back {
            "nothing was applied (--all-or-nothing)".to_string()
        } else {
            format!("{} were applied", c.applied)
        };
        let (upn, e) = first.context("a failure without its outcome")?;
        return Err(super::Refused(format!(
            "error[{}]: {} of {} users refused, {applied}; first, {upn}: {}",
            e.kind(),
            c.failed,
            c.selected,
            e.text()
        ))
        .into());
    }
    Ok(())
}

/// UPNs from a plain list or a CSV with a upn column.
pub fn read_upns(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text.lines().next().unwrap_or_default();
    if !first.contains(',') && first.contains('@') {
        return Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect());
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let column = headers
        .iter()
        .position(|h| {
            matches!(
                h.trim().to_lowercase().as_str(),
                "upn" | "userprincipalname" | "user"
            )
        })
        .with_context(|| format!("{}: no `upn` or `UserPrincipalName` column", path.display()))?;
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("read {}", path.display()))?;
        if let Some(upn) = record.get(column).map(str::trim).filter(|u| !u.is_empty()) {
            out.push(upn.to_string());
        }
    }
    Ok(out)
}

#[derive(Args)]
pub struct AssignArgs {
    #[command(flatten)]
    pub users: Users,
    /// The product: part number (SPE_E3) or GUID; repeat for several.
    #[arg(long, short, required_unless_present = "remove_all")]
    pub product: Vec<String>,
    /// Service plans to switch off (names or ids, comma-separated); all others are on.
    /// Only with one --product.
    #[arg(long, value_delimiter = ',')]
    pub disabled_plans: Vec<String>,
    /// Replace each user's licenses with these products (L5), as one change per user.
    #[arg(long, conflicts_with = "remove_all")]
    pub replace: bool,
    /// Remove every license of each user (L5).
    #[arg(long, conflicts_with_all = ["product", "disabled_plans"])]
    pub remove_all: bool,
}

fn choices(products: &[String], disabled: &[String]) -> Result<Vec<LicenseChoice>> {
    if products.len() > 1 && !disabled.is_empty() {
        bail!("--disabled-plans applies to one --product; assign the products one at a time");
    }
    Ok(products
        .iter()
        .map(|p| LicenseChoice {
            product: p.clone(),
            disabled_plans: disabled.to_vec(),
        })
        .collect())
}

/// Prints one row per user; a failure makes the command exit 1.
fn report(s: &Session, result: BulkResult) -> Result<()> {
    let (failed, applied) = (result.failed, result.applied);
    let total = result.outcomes.len();
    let rolled_back = result.rolled_back;
    let first = result
        .outcomes
        .iter()
        .find_map(|o| o.error.as_ref().map(|e| (o.upn.clone(), e.clone())));
    let rows = OutcomeRow::all(result);
    output::print(&rows, s.format, None)?;
    if let Some((upn, e)) = first {
        let applied = if rolled_back {
            "nothing was applied (--all-or-nothing)".to_string()
        } else {
            format!("{applied} were applied")
        };
        return Err(super::Refused(format!(
            "error[{}]: {failed} of {total} users refused, {applied}; first, {upn}: {}",
            e.kind(),
            e.text()
        ))
        .into());
    }
    Ok(())
}

pub fn assign(s: &mut Session, a: &AssignArgs) -> Result<()> {
    previewed(s, &a.users.preview, |s| assign_now(s, a))
}

fn assign_now(s: &mut Session, a: &AssignArgs) -> Result<()> {
    let selection = a.users.selection()?;
    if let Selection::Upns(users) = &selection
        && users.len() == 1
        && a.product.len() == 1
        && !a.replace
        && !a.remove_all
    {
        let license = s.assign(&users[0], &a.product[0], &a.disabled_plans)?;
        return output::print_one(&UserLicenseRow::from(license), s.format);
    }
    let change = if a.remove_all {
        LicenseChange::RemoveAll
    } else if a.replace {
        LicenseChange::Replace(choices(&a.product, &a.disabled_plans)?)
    } else {
        LicenseChange::Add(choices(&a.product, &a.disabled_plans)?)
    };
    bulk_change(s, selection, &change, a.users.all_or_nothing)
}

/// A bulk change over the users named (a row each) or a filter (a summary).
fn bulk_change(
    s: &mut Session,
    selection: Selection,
    change: &LicenseChange,
    all: bool,
) -> Result<()> {
    match selection {
        Selection::Upns(users) => {
            let result = s.change_licenses(&users, change, all)?;
            report(s, result)
        }
        Selection::Where(filter) => change_where(s, &filter, change, all),
    }
}

#[derive(Args)]
pub struct UnassignArgs {
    #[command(flatten)]
    pub users: Users,
    /// The product: part number (SPE_E3) or GUID; repeat for several.
    #[arg(long, short, required = true)]
    pub product: Vec<String>,
}

#[derive(Serialize)]
struct Unassigned<'a> {
    upn: &'a str,
    product: &'a str,
    unassigned: bool,
}

pub fn unassign(s: &mut Session, a: &UnassignArgs) -> Result<()> {
    previewed(s, &a.users.preview, |s| unassign_now(s, a))
}

fn unassign_now(s: &mut Session, a: &UnassignArgs) -> Result<()> {
    let selection = a.users.selection()?;
    if let Selection::Upns(users) = &selection
        && users.len() == 1
        && a.product.len() == 1
    {
        s.unassign(&users[0], &a.product[0])?;
        return output::print_one(
            &Unassigned {
                upn: &users[0],
                product: &a.product[0],
                unassigned: true,
            },
            s.format,
        );
    }
    let change = LicenseChange::Remove(a.product.clone());
    bulk_change(s, selection, &change, a.users.all_or_nothing)
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
    let license = s.set_disabled_plans(&a.user, &a.product, &a.disabled_plans)?;
    output::print_one(&UserLicenseRow::from(license), s.format)
}

#[derive(Args)]
pub struct SetLicensesArgs {
    #[command(flatten)]
    pub users: Users,
    /// A product to add (part number or GUID); `PRODUCT:PLAN,PLAN` switches those plans off.
    #[arg(long)]
    pub add: Vec<String>,
    /// A product to remove.
    #[arg(long)]
    pub remove: Vec<String>,
}

/// A product to add as the command line says it: `PRODUCT` or `PRODUCT:PLAN,PLAN` (those plans
/// switched off).
pub fn license_spec(spec: &str) -> LicenseChoice {
    match spec.split_once(':') {
        Some((product, plans)) => LicenseChoice {
            product: product.to_string(),
            disabled_plans: plans
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
        },
        None => LicenseChoice {
            product: spec.to_string(),
            disabled_plans: vec![],
        },
    }
}

/// G2, like Set-MgUserLicense -AddLicenses -RemoveLicenses: one change per user; one user's
/// is refused whole, many users' are a bulk call (L5).
pub fn set_licenses(s: &mut Session, a: &SetLicensesArgs) -> Result<()> {
    previewed(s, &a.users.preview, |s| set_licenses_now(s, a))
}

fn set_licenses_now(s: &mut Session, a: &SetLicensesArgs) -> Result<()> {
    let add: Vec<LicenseChoice> = a.add.iter().map(|spec| license_spec(spec)).collect();
    let user = match a.users.selection()? {
        Selection::Upns(users) if users.len() == 1 => users[0].clone(),
        selection => {
            let change = LicenseChange::Set(AddRemove {
                add,
                remove: a.remove.clone(),
            });
            return bulk_change(s, selection, &change, a.users.all_or_nothing);
        }
    };
    let licenses = s.set_user_licenses(&user, &add, &a.remove)?;
    let rows: Vec<UserLicenseRow> = licenses.into_iter().map(UserLicenseRow::from).collect();
    output::print(
        &rows,
        s.format,
        Some(&["upn", "product", "disabled_plans", "assigned_at"]),
    )
}
