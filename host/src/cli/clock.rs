//! `seats clock`: the tenant's clock, for trying out what time does (renewals, expiry,
//! invoices). It runs ahead of the real clock (or `--now`) by an offset kept in the database.

use super::{Cli, open, subscriptions};
use crate::service::clock::{offset_of, real_now};
use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum ClockCommand {
    /// The tenant's time and how far it runs ahead.
    Show,
    /// Move the tenant's clock forward (e.g. 30d, 2w, 1d) and process what fell due.
    Advance {
        /// A number of days (30d) or weeks (2w).
        #[arg(value_name = "DURATION", value_parser = parse_by)]
        by: i64,
    },
    /// Put the tenant's clock back on the real one (or --now).
    Reset,
}

/// A length of time in seconds, from days (30d) or weeks (2w); a mistake is a command-line
/// mistake (exit code 2).
fn parse_by(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let wrong = || {
        format!(
            "'{text}' is not a length of time: use days or weeks such as 30d or 2w (1 to 36500)"
        )
    };
    let n: i64 = n
        .parse()
        .ok()
        .filter(|n| (1..=36_500).contains(n))
        .ok_or_else(wrong)?;
    Ok(match unit {
        "d" | "" => n,
        "w" => n * 7,
        _ => return Err(wrong()),
    } * 86_400)
}

pub fn run(cli: &Cli, cmd: &ClockCommand) -> Result<()> {
    let base = cli.now.unwrap_or_else(real_now);
    match cmd {
        ClockCommand::Show => {
            let off = offset_of(&cli.db)?;
            println!(
                "{} (ahead by {} days)",
                crate::views::datetime(base + off),
                off / 86_400
            );
            Ok(())
        }
        ClockCommand::Reset => {
            open(cli)?.move_clock(None)?;
            println!("{}", crate::views::datetime(base));
            Ok(())
        }
        ClockCommand::Advance { by } => {
            let off = open(cli)?.move_clock(Some(*by))?;
            eprintln!(
                "the tenant's clock is now {}",
                crate::views::datetime(base + off)
            );
            subscriptions::process(&mut open(cli)?)
        }
    }
}
