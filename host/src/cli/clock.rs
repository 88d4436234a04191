//! `seats clock`: the tenant's clock, for trying out what time does (renewals, expiry,
//! invoices). It runs ahead of the real clock (or `--now`) by an offset kept in the database.

use super::{Cli, open, subscriptions};
use crate::component::types::Operation;
use crate::db::Db;
use anyhow::{Context, Result};
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

const KEY: &str = "clock_offset";

pub fn offset(db: &Db) -> Result<i64> {
    Ok(match db.setting(KEY)? {
        Some(v) => v
            .parse()
            .with_context(|| format!("the clock offset '{v}' in the database is not a number"))?,
        None => 0,
    })
}

pub fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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

/// Who may move the tenant's clock is the component's to say (the role table).
fn may_move(cli: &Cli) -> Result<()> {
    let mut s = open(cli)?;
    s.call(|d, st, actor| {
        d.seats_licensing_tenant()
            .call_authorize(st, actor, Operation::MoveClock)
    })?;
    Ok(())
}

pub fn run(cli: &Cli, cmd: &ClockCommand) -> Result<()> {
    let base = cli.now.unwrap_or_else(real_now);
    match cmd {
        ClockCommand::Show => {
            let db = Db::open(&cli.db)?;
            let off = offset(&db)?;
            println!(
                "{} (ahead by {} days)",
                crate::views::datetime(base + off),
                off / 86_400
            );
            Ok(())
        }
        ClockCommand::Reset => {
            may_move(cli)?;
            Db::open(&cli.db)?.set_setting(KEY, "0")?;
            println!("{}", crate::views::datetime(base));
            Ok(())
        }
        ClockCommand::Advance { by } => {
            let by = *by;
            may_move(cli)?;
            let db = Db::open(&cli.db)?;
            let off = offset(&db)? + by;
            db.set_setting(KEY, &off.to_string())?;
            drop(db);
            eprintln!(
                "the tenant's clock is now {}",
                crate::views::datetime(base + off)
            );
            subscriptions::process(&mut open(cli)?)
        }
    }
}
