//! `seats check`: is this database sound? SQLite's own checks, then the domain's invariants.

use super::{Refused, Session};
use crate::output;
use anyhow::Result;
use clap::Args;
use serde::Serialize;

#[derive(Args)]
pub struct CheckArgs {
    /// SQLite's full integrity check (every index against its table, minutes on a big file)
    /// instead of its quick check (pages and records).
    #[arg(long)]
    pub full: bool,
}

#[derive(Serialize)]
struct Report {
    integrity: String,
    foreign_key_violations: usize,
    users: u32,
    assignments: u32,
    subscriptions: u32,
    problems: Vec<String>,
}

pub fn run(s: &mut Session, args: &CheckArgs) -> Result<()> {
    let spinner = crate::progress::Spinner::working(if args.full {
        "Checking the database (SQLite's full integrity check) and the domain's invariants"
    } else {
        "Checking the database (SQLite's quick check, references) and the domain's invariants"
    });
    let found = s.check(args.full)?;
    let (integrity, fk, inv) = (
        found.integrity,
        found.foreign_key_violations,
        found.invariants,
    );
    drop(spinner);
    let mut problems = Vec::new();
    if integrity != ["ok"] {
        problems.extend(integrity.iter().map(|i| format!("sqlite: {i}")));
    }
    if fk > 0 {
        problems.push(format!(
            "sqlite: {fk} rows refer to a row that is missing (a user, product, subscription or \
             audit name): restore the file from a backup"
        ));
    }
    problems.extend(inv.problems);
    let report = Report {
        integrity: integrity.join("; "),
        foreign_key_violations: fk,
        users: inv.users,
        assignments: inv.assignments,
        subscriptions: inv.subscriptions,
        problems,
    };
    if s.format != output::Format::Table {
        output::print_one(&report, s.format)?;
    } else if report.problems.is_empty() {
        println!(
            "seats check: ok ({} users, {} assignments, {} subscriptions; SQLite {} ok, no row refers to a missing one)",
            report.users,
            report.assignments,
            report.subscriptions,
            if args.full {
                "integrity check"
            } else {
                "quick check"
            }
        );
    } else {
        for p in &report.problems {
            println!("problem: {p}");
        }
    }
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(Refused(format!(
            "error[check]: {} problem(s) found",
            report.problems.len()
        ))
        .into())
    }
}
