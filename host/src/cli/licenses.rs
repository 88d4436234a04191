//! `seats licenses` (L1, C2) and `seats conflicts` (C1, C3).

use super::Session;
use crate::output;
use crate::views::{ConflictRow, LicenseRow};
use anyhow::Result;

pub fn rows(s: &mut Session) -> Result<Vec<LicenseRow>> {
    Ok(s.licenses_page()?
        .into_iter()
        .map(LicenseRow::from)
        .collect())
}

/// The table shows a status column only when some product is in conflict (C2).
pub fn run(s: &mut Session) -> Result<()> {
    let rows = rows(s)?;
    let mut columns = vec![
        "product",
        "name",
        "sku_id",
        "total",
        "assigned",
        "available",
    ];
    // In a conflict the table says why: units enabled, in their grace period (warning) and
    // suspended, as Graph reports them (G5).
    if rows.iter().any(|r| r.users_needing_license > 0) {
        columns.extend(["enabled", "warning", "suspended", "status"]);
    }
    output::print(&rows, s.format, Some(&columns))
}

pub fn conflicts(s: &mut Session) -> Result<()> {
    let conflicts = s.conflicts()?;
    let rows: Vec<ConflictRow> = conflicts.into_iter().map(ConflictRow::from).collect();
    if rows.is_empty() && s.format == output::Format::Table {
        println!("No license conflicts.");
        return Ok(());
    }
    if s.format == output::Format::Table {
        for r in &rows {
            println!(
                "{} ({}): {} assigned, {} enabled: {} user(s) need a valid license. Ways out:",
                r.product, r.name, r.assigned, r.enabled, r.users_needing_license
            );
            for way in &r.resolutions {
                println!("  - {way}");
            }
        }
        return Ok(());
    }
    output::print(&rows, s.format, None)
}
