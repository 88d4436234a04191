//! `seats groups`: group-based licensing (GL1-GL10). Members inherit a group's products in the
//! command that changes the group; `--what-if` shows who would gain and lose what and changes
//! nothing (GL9).

use super::assign::{license_spec, read_upns};
use super::preview::{WhatIf, previewed};
use super::{Refused, Session};
use crate::output;
use crate::service::model::groups::GroupChange;
use crate::views::OutcomeRow;
use crate::views::groups::{GroupChangeView, GroupDetailsView, GroupRow, MemberErrorRow};
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum GroupsCommand {
    /// Every group (Get-MgGroup).
    List,
    /// A group with the products it gives, its members and members in error.
    Show { group: String },
    /// A new group (New-MgGroup): static, or dynamic with a membership rule in Entra's syntax,
    /// e.g. --rule 'user.department -eq "Sales" -and user.usageLocation -in ["DK","SE"]'.
    Create {
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// A dynamic group's membership rule over user.department, user.usageLocation,
        /// user.accountEnabled and user.kind (-eq -ne -in -notIn -not -and -or).
        #[arg(long)]
        rule: Option<String>,
        #[command(flatten)]
        preview: WhatIf,
    },
    /// Set a group's membership rule: its members become the users the rule selects, with the
    /// group's products, in this command (Update-MgGroup -MembershipRule).
    SetRule {
        group: String,
        rule: String,
        #[command(flatten)]
        preview: WhatIf,
    },
    /// Delete a group that gives no product (Remove-MgGroup, GL6).
    Delete {
        group: String,
        #[command(flatten)]
        preview: WhatIf,
    },
    /// Add users to a static group; they get its products now (New-MgGroupMember).
    AddMembers(Members),
    /// Remove users from a static group; they lose what only it gave (Remove-MgGroupMemberByRef).
    RemoveMembers(Members),
    /// Add and remove the group's products as one change for every member
    /// (Set-MgGroupLicense); switching E3 for E5 never has a member hold both (GL10).
    License {
        group: String,
        /// A product to give: PRODUCT or PRODUCT:PLAN,PLAN (those plans switched off).
        #[arg(long)]
        add: Vec<String>,
        /// A product to stop giving.
        #[arg(long)]
        remove: Vec<String>,
        #[command(flatten)]
        preview: WhatIf,
    },
    /// Give the group's products again to its members in error (Invoke-MgLicenseUser, GL7).
    Reprocess {
        group: String,
        #[command(flatten)]
        preview: WhatIf,
    },
    /// Members in error, of one group or all, oldest first, with Graph's code (GL3).
    Errors { group: Option<String> },
}

#[derive(Args)]
pub struct Members {
    pub group: String,
    /// User principal names.
    pub users: Vec<String>,
    /// Also the users listed in this file: one UPN a line, or a CSV with a `upn` or
    /// `UserPrincipalName` column.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    #[command(flatten)]
    pub preview: WhatIf,
}

impl Members {
    fn upns(&self) -> Result<Vec<String>> {
        let mut all = self.users.clone();
        if let Some(path) = &self.from {
            all.extend(read_upns(path)?);
        }
        if all.is_empty() {
            bail!("name at least one user (UPN arguments or --from FILE)");
        }
        Ok(all)
    }
}

pub fn run(s: &mut Session, cmd: &GroupsCommand) -> Result<()> {
    match cmd {
        GroupsCommand::List => {
            let rows: Vec<GroupRow> = s.groups()?.into_iter().map(GroupRow::from).collect();
            output::print(&rows, s.format, None)
        }
        GroupsCommand::Show { group } => {
            output::print_one(&GroupDetailsView::from(s.get_group(group)?), s.format)
        }
        GroupsCommand::Create {
            name,
            description,
            rule,
            preview,
        } => previewed(s, preview, |s| {
            let g = s.create_group(name, description.as_deref(), rule.as_deref())?;
            output::print_one(&GroupRow::from(g), s.format)
        }),
        GroupsCommand::SetRule {
            group,
            rule,
            preview,
        } => previewed(s, preview, |s| {
            let c = s.set_group_rule(group, rule)?;
            report(s, c)
        }),
        GroupsCommand::Delete { group, preview } => previewed(s, preview, |s| {
            let g = s.delete_group(group)?;
            output::print_one(&GroupRow::from(g), s.format)
        }),
        GroupsCommand::AddMembers(m) => {
            let upns = m.upns()?;
            previewed(s, &m.preview, |s| {
                let c = s.add_members(&m.group, &upns)?;
                report(s, c)
            })
        }
        GroupsCommand::RemoveMembers(m) => {
            let upns = m.upns()?;
            previewed(s, &m.preview, |s| {
                let c = s.remove_members(&m.group, &upns)?;
                report(s, c)
            })
        }
        GroupsCommand::License {
            group,
            add,
            remove,
            preview,
        } => {
            let add: Vec<_> = add.iter().map(|a| license_spec(a)).collect();
            previewed(s, preview, |s| {
                let c = s.set_group_licenses(group, &add, remove)?;
                report(s, c)
            })
        }
        GroupsCommand::Reprocess { group, preview } => previewed(s, preview, |s| {
            let c = s.reprocess_group(group)?;
            report(s, c)
        }),
        GroupsCommand::Errors { group } => {
            let mut out = output::Stream::new(s.format, None);
            s.member_error_pages(group.as_deref(), |page| {
                let rows: Vec<MemberErrorRow> =
                    page.into_iter().map(MemberErrorRow::from).collect();
                out.push(&rows)
            })?;
            out.finish("members in error")
        }
    }
}

/// The change's counts; the members left in error with why (exit 1 when there are some).
fn report(s: &mut Session, c: GroupChange) -> Result<()> {
    output::print_one(&GroupChangeView::from(&c), s.format)?;
    if c.errors == 0 {
        return Ok(());
    }
    if s.format == output::Format::Table {
        let rows: Vec<OutcomeRow> = c.failures.into_iter().map(OutcomeRow::from).collect();
        output::print(&rows, s.format, None)?;
    }
    Err(Refused(format!(
        "{} member(s) of {} are in error: none of the group's products (`seats groups errors {}`)",
        c.errors, c.group.name, c.group.name
    ))
    .into())
}
