//! `seats users`: list (L10), add, show.

use super::Session;
use crate::output;
use crate::service::model::licenses::LicenseChoice;
use crate::service::model::types::UserKind;
use crate::service::model::users::{NewLicensedUser, NewUser, UserFilter, UserUpdate};
use crate::views::{ServiceDataRow, UserLicenseRow, UserRow};
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: Option<UsersCommand>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Args)]
pub struct ListArgs {
    /// Only users that hold no license.
    #[arg(long)]
    pub unlicensed: bool,
    /// Only users that hold this product (part number or GUID).
    #[arg(long)]
    pub product: Option<String>,
    /// Only members of this group (its name or id).
    #[arg(long)]
    pub group: Option<String>,
    /// Only users in error for a group's products (GL3): `seats groups errors` says why.
    #[arg(long)]
    pub in_error: bool,
    #[arg(long)]
    pub department: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    #[arg(long)]
    pub usage_location: Option<String>,
    /// Only users that can (true) or cannot (false) sign in.
    #[arg(long)]
    pub enabled: Option<bool>,
    /// Deleted users (restorable for 30 days) instead of active ones.
    #[arg(long)]
    pub deleted: bool,
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add a user.
    Add(AddArgs),
    /// One user with their licenses and what those provision.
    Show {
        /// User principal name.
        upn: String,
    },
    /// Change a user's name, department, usage location or sign-in (like Update-MgUser).
    Set {
        upn: String,
        #[arg(long)]
        name: Option<String>,
        /// "" clears it.
        #[arg(long)]
        department: Option<String>,
        /// ISO 3166-1 alpha-2 code; a license needs one (G1).
        #[arg(long)]
        usage_location: Option<String>,
        /// false blocks sign-in.
        #[arg(long)]
        enabled: Option<bool>,
    },
    /// Delete a user: every license is freed at once; restorable for 30 days.
    Delete { upn: String },
    /// Restore a deleted user, with the licenses the pools have room for.
    Restore { upn: String },
    /// Set a mailbox's size or retention hold.
    Mailbox {
        upn: String,
        /// Size in GB (shared, room and resource mailboxes need a license above 50).
        #[arg(long)]
        size_gb: Option<u32>,
        /// Keep Exchange data past the 30 days after a license is removed.
        #[arg(long)]
        hold: Option<bool>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    User,
    SharedMailbox,
    RoomMailbox,
    ResourceMailbox,
}

#[derive(Args)]
pub struct AddArgs {
    /// User principal name, e.g. ana@contoso.com.
    pub upn: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub department: Option<String>,
    /// ISO 3166-1 alpha-2 code; the tenant's default when not given.
    #[arg(long)]
    pub usage_location: Option<String>,
    /// Create the user blocked from signing in.
    #[arg(long)]
    pub disabled: bool,
    #[arg(long, value_enum, default_value = "user")]
    pub kind: Kind,
    /// Mailbox size in GB.
    #[arg(long, default_value_t = 0)]
    pub mailbox_gb: u32,
    /// Assign this product's license too, in the same change (repeatable; S7).
    #[arg(long = "license", value_name = "PRODUCT")]
    pub licenses: Vec<String>,
}

pub fn run(s: &mut Session, args: &UsersArgs) -> Result<()> {
    match &args.command {
        None => list(s, &args.list),
        Some(UsersCommand::Add(a)) => add(s, a),
        Some(UsersCommand::Show { upn }) => show(s, upn),
        Some(UsersCommand::Set {
            upn,
            name,
            department,
            usage_location,
            enabled,
        }) => {
            let update = UserUpdate {
                display_name: name.clone(),
                department: department.clone(),
                usage_location: usage_location.clone(),
                enabled: *enabled,
            };
            let user = s.update_user(upn, &update)?;
            output::print_one(&UserRow::from(user), s.format)
        }
        Some(UsersCommand::Delete { upn }) => {
            let user = s.delete_user(upn)?;
            output::print_one(&UserRow::from(user), s.format)
        }
        Some(UsersCommand::Restore { upn }) => {
            let r = s.restore_user(upn)?;
            let view = RestoreView {
                user: UserRow::from(r.user),
                restored: r.restored,
                not_restored: r.not_restored,
            };
            output::print_one(&view, s.format)?;
            // The user is back; a license that could not come back is a partial refusal, as a
            // bulk change's failed users are: said, and exit 1.
            if view.not_restored.is_empty() {
                return Ok(());
            }
            Err(super::Refused(format!(
                "{} is restored, but {}: {}. Their data is kept; assign licenses when there is \
                 room (`seats licenses`, `seats assign`)",
                view.user.upn,
                if view.restored.is_empty() {
                    "no license was restored".to_string()
                } else {
                    format!("{} license(s) were not restored", view.not_restored.len())
                },
                view.not_restored.join("; ")
            ))
            .into())
        }
        Some(UsersCommand::Mailbox { upn, size_gb, hold }) => {
            let user = s.update_mailbox(upn, *size_gb, *hold)?;
            output::print_one(&UserRow::from(user), s.format)
        }
    }
}

pub fn list(s: &mut Session, args: &ListArgs) -> Result<()> {
    let filter = UserFilter {
        unlicensed_only: args.unlicensed,
        product: args.product.clone(),
        department: args.department.clone(),
        usage_location: args.usage_location.clone(),
        enabled: args.enabled,
        deleted: args.deleted,
        group: args.group.clone(),
        in_error: args.in_error,
    };
    // Written as read, a page at a time: any number of users in flat memory.
    let mut out = output::Stream::new(s.format, None);
    s.user_pages(&filter, |page| {
        let rows: Vec<UserRow> = page.into_iter().map(UserRow::from).collect();
        out.push(&rows)
    })?;
    out.finish("users")
}

fn add(s: &mut Session, a: &AddArgs) -> Result<()> {
    let new = [NewLicensedUser {
        user: NewUser {
            upn: a.upn.clone(),
            display_name: a.name.clone(),
            department: a.department.clone(),
            usage_location: a.usage_location.clone(),
            enabled: !a.disabled,
            kind: match a.kind {
                Kind::User => UserKind::User,
                Kind::SharedMailbox => UserKind::SharedMailbox,
                Kind::RoomMailbox => UserKind::RoomMailbox,
                Kind::ResourceMailbox => UserKind::ResourceMailbox,
            },
            mailbox_gb: a.mailbox_gb,
        },
        licenses: a
            .licenses
            .iter()
            .map(|product| LicenseChoice {
                product: product.clone(),
                disabled_plans: Vec::new(),
            })
            .collect(),
    }];
    // The user and their licenses as one change: both, or neither (S7).
    let mut users = s.create_licensed_users(&new)?;
    output::print_one(&UserRow::from(users.remove(0)), s.format)
}

#[derive(Serialize)]
struct UserDetailsView {
    #[serde(flatten)]
    user: UserRow,
    needs_license: bool,
    licenses: Vec<UserLicenseRow>,
    service_data: Vec<ServiceDataRow>,
    /// The groups whose products the user could not be given (GL3).
    license_errors: Vec<crate::views::groups::MemberErrorRow>,
}

#[derive(Serialize)]
struct RestoreView {
    #[serde(flatten)]
    user: UserRow,
    restored: Vec<String>,
    not_restored: Vec<String>,
}

fn show(s: &mut Session, upn: &str) -> Result<()> {
    let details = s.get_user(upn)?;
    let view = UserDetailsView {
        user: UserRow::from(details.user),
        needs_license: details.needs_license,
        licenses: details
            .licenses
            .into_iter()
            .map(UserLicenseRow::from)
            .collect(),
        service_data: details
            .service_data
            .into_iter()
            .map(ServiceDataRow::from)
            .collect(),
        license_errors: details
            .license_errors
            .into_iter()
            .map(crate::views::groups::MemberErrorRow::from)
            .collect(),
    };
    match s.format {
        output::Format::Table => {
            output::print_one(&view.user, s.format)?;
            output::print(
                &view.licenses,
                s.format,
                Some(&[
                    "product",
                    "source",
                    "disabled_plans",
                    "assigned_at",
                    "assigned_by",
                ]),
            )?;
            if !view.license_errors.is_empty() {
                output::print(
                    &view.license_errors,
                    s.format,
                    Some(&["group", "code", "message", "since"]),
                )?;
            }
            output::print(&view.service_data, s.format, None)
        }
        _ => output::print_one(&view, s.format),
    }
}
