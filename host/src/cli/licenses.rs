//! `seats licenses`: the Licenses page (L1).

use super::Session;
use crate::output;
use crate::views::LicenseRow;
use anyhow::Result;

pub fn rows(s: &mut Session) -> Result<Vec<LicenseRow>> {
    let pools =
        s.call(|d, st, actor| d.seats_licensing_licenses().call_licenses_page(st, actor))?;
    Ok(pools.into_iter().map(LicenseRow::from).collect())
}

pub fn run(s: &mut Session) -> Result<()> {
    let rows = rows(s)?;
    output::print(&rows, s.format, None)
}
