//! `seats audit`: who changed what, when, before and after.

use super::Session;
use crate::dates::time_arg;
use crate::output;
use crate::views::audit::AuditRow;
use anyhow::Result;
use clap::Args;

#[derive(Args)]
pub struct AuditArgs {
    /// Only changes made by this principal (UPN).
    #[arg(long)]
    pub by: Option<String>,
    /// Only this action (license.add) or family (license).
    #[arg(long)]
    pub action: Option<String>,
    /// Only changes to this object: user:UPN, subscription:ID, product:PART.
    #[arg(long)]
    pub target: Option<String>,
    /// From this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = time_arg)]
    pub since: Option<i64>,
    /// Before this date.
    #[arg(long, value_name = "DATE", value_parser = time_arg)]
    pub until: Option<i64>,
    /// At most this many of the newest entries.
    #[arg(long, default_value_t = 100, conflicts_with = "all")]
    pub last: usize,
    /// Every entry the filters select, oldest first, written as read (with `--output csv` or
    /// `json`, any number of entries in flat memory).
    #[arg(long)]
    pub all: bool,
}

pub fn run(s: &mut Session, a: &AuditArgs) -> Result<()> {
    let filter = crate::service::model::types::AuditFilter {
        actor: a.by.clone(),
        action: a.action.clone(),
        target: a.target.clone(),
        since: a.since,
        until: a.until,
        newest_first: false,
    };
    if a.all {
        let mut out = output::Stream::new(s.format, None);
        s.audit_pages(&filter, None, |page| {
            let rows = page.into_iter().map(AuditRow::from);
            out.push_objects(rows.map(AuditRow::into_object).collect())
        })?;
        return out.finish("entries");
    }
    let records = s.newest_audit(&filter, a.last)?;
    let rows: Vec<AuditRow> = records.into_iter().map(AuditRow::from).collect();
    output::print(&rows, s.format, None)
}
