//! `--what-if` on the commands that change many users (bulk license changes, group changes):
//! the change runs in a transaction that is rolled back after its change set is printed (GL9),
//! and with `--plan FILE` is also written as Graph requests (`graph::plan`).

use super::Session;
use crate::views::changes::Changes;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Clone, Default)]
pub struct WhatIf {
    /// Show who would gain and lose which products and plans, whose data would start its
    /// retention, and what it would cost; change nothing (GL9).
    #[arg(long)]
    pub what_if: bool,
    /// With --what-if: write the change as Microsoft Graph `$batch` bodies (assignLicense per
    /// user whose direct licenses change, 20 to a batch, one batch per line).
    #[arg(long, value_name = "FILE", requires = "what_if")]
    pub plan: Option<PathBuf>,
}

/// Runs `f`; with --what-if inside a transaction that is rolled back after the change set is
/// printed (and the plan written).
pub fn previewed(
    s: &mut Session,
    preview: &WhatIf,
    f: impl FnOnce(&mut Session) -> Result<()>,
) -> Result<()> {
    if !preview.what_if {
        return f(s);
    }
    s.begin()?;
    let changes = match Changes::start(s) {
        Ok(c) => c,
        Err(e) => {
            s.finish(false)?;
            return Err(e);
        }
    };
    // The change set is shown even when some users or members would be refused.
    let done = f(s);
    let printed = changes.print(s).map(|_| ());
    let during = match (&preview.plan, &printed) {
        (Some(_), Ok(())) => Some(crate::graph::plan::during(s, changes.mark())),
        _ => None,
    };
    s.finish(false)?;
    eprintln!("What if: nothing was changed.");
    printed?;
    if let (Some(path), Some(during)) = (&preview.plan, during) {
        let w = crate::graph::plan::write(s, &during?, path)?;
        eprintln!("{}", w.describe(path));
    }
    done
}
