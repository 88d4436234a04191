//! `seats roles`: show and grant admin roles (R1).

use super::Session;
use crate::output;
use crate::service::model::types::Role;
use crate::views::role_row;
use anyhow::Result;
use clap::{Subcommand, ValueEnum};

/// Names as Graph spells the roles, less "istrator".
#[derive(Clone, Copy, ValueEnum)]
#[allow(clippy::enum_variant_names)]
pub enum RoleArg {
    GlobalAdmin,
    BillingAdmin,
    UserAdmin,
    LicenseAdmin,
    ServiceAdmin,
    PasswordAdmin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::GlobalAdmin => Role::GlobalAdmin,
            RoleArg::BillingAdmin => Role::BillingAdmin,
            RoleArg::UserAdmin => Role::UserAdmin,
            RoleArg::LicenseAdmin => Role::LicenseAdmin,
            RoleArg::ServiceAdmin => Role::ServiceAdmin,
            RoleArg::PasswordAdmin => Role::PasswordAdmin,
        }
    }
}

#[derive(Subcommand)]
pub enum TenantCommand {
    /// The tenant's settings.
    Show,
    /// Set the usage location for users that have none (G1); "" clears it.
    SetDefaultUsageLocation { location: String },
}

#[derive(serde::Serialize)]
struct TenantRow {
    name: String,
    country: String,
    currency: String,
    cloud: &'static str,
    default_usage_location: Option<String>,
    created: String,
}

pub fn tenant(s: &mut Session, cmd: &TenantCommand) -> Result<()> {
    let t = match cmd {
        TenantCommand::Show => s.get_tenant()?,
        TenantCommand::SetDefaultUsageLocation { location } => {
            let location = Some(location.trim().to_string()).filter(|l| !l.is_empty());
            s.set_default_usage_location(location.as_deref())?
        }
    };
    let row = TenantRow {
        name: t.name,
        country: t.country,
        currency: t.currency,
        cloud: crate::service::model::text::cloud_text(t.cloud),
        default_usage_location: t.default_usage_location,
        created: crate::views::date(t.created_at),
    };
    output::print_one(&row, s.format)
}

#[derive(Subcommand)]
pub enum RolesCommand {
    /// The roles a user holds.
    Show { upn: String },
    /// Which roles allow each operation (R1, R2): the component's table, as docs/roles.md.
    Table,
    /// Give a user an admin role.
    Grant {
        upn: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
}

pub fn run(s: &mut Session, cmd: &RolesCommand) -> Result<()> {
    let upn = match cmd {
        RolesCommand::Table => {
            let table = s.role_table()?;
            let rows: Vec<_> = table.into_iter().map(crate::views::role_rule_row).collect();
            return output::print(&rows, s.format, None);
        }
        RolesCommand::Show { upn } => upn,
        RolesCommand::Grant { upn, role } => {
            let role = Role::from(*role);
            s.grant_role(upn, role)?;
            upn
        }
    };
    let roles = s.roles(upn)?;
    let rows: Vec<_> = roles.into_iter().map(|r| role_row(upn, r)).collect();
    output::print(&rows, s.format, None)
}
