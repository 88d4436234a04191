//! The command line: global options, one module per command, one error path.

mod assign;
mod audit;
mod billing;
mod catalog;
mod check;
mod clock;
mod component;
mod graph;
mod groups;
mod init;
mod licenses;
mod preview;
mod roles;
mod self_service;
mod subscriptions;
mod tokens;
mod users;

use crate::output::Format;
use crate::service::{self, CallError, FAILURES_SHOWN, Refused, Session};
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Administer software licenses and their billing in bulk.
///
/// Every rule of licensing and billing runs in a WebAssembly component; the data is a
/// SQLite file (--db). Start with `seats init --demo`, then `seats licenses`.
#[derive(Parser)]
#[command(name = "seats", version)]
pub struct Cli {
    /// The database file.
    #[arg(
        long,
        global = true,
        env = "SEATS_DB",
        default_value = "seats.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,
    /// Act as this user (UPN); defaults to the administrator `init` created.
    #[arg(long = "as", global = true, env = "SEATS_AS", value_name = "UPN")]
    pub actor: Option<String>,
    /// How to print results.
    #[arg(
        long,
        short,
        global = true,
        value_enum,
        default_value_t,
        env = "SEATS_OUTPUT"
    )]
    pub output: Format,
    /// Take this as the current time (YYYY-MM-DD or RFC 3339), to simulate dates.
    #[arg(long, global = true, value_name = "DATE", env = "SEATS_NOW", value_parser = crate::dates::time_arg)]
    pub now: Option<i64>,
    /// Say what the runtime does (compiled-code cache, timings, and at the end the run's time
    /// and peak memory) on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// A policy plugin (a .wasm component of the world policy-plugin) asked before each change
    /// commits; repeatable. Plugins in a `plugins` folder beside the database are loaded too.
    #[arg(long = "plugin", global = true, value_name = "FILE.wasm")]
    pub plugins: Vec<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a tenant in a new database (with --demo: a realistic demo tenant).
    Init(init::InitArgs),
    /// The Licenses page: per product, licenses in all, assigned and available.
    Licenses,
    /// Products with more licenses assigned than enabled, and the ways out.
    Conflicts,
    /// Your products: one row per subscription (--trial, --self-service, --product to filter).
    Subscriptions(subscriptions::ListArgs),
    /// Buy a new subscription of a product (charged at once; --preview shows the cost first).
    Buy(billing::BuyArgs),
    /// Set a subscription's total number of licenses (105 of 100 buys five; 95 removes five).
    SetQuantity(billing::SetQuantityArgs),
    /// Cancel a subscription within 7 days of buying or renewing it, with a prorated refund.
    Cancel(billing::CancelArgs),
    /// Free trials: start one, or buy it.
    #[command(subcommand)]
    Trial(billing::TrialCommand),
    /// Billing profiles, payment methods, invoices.
    #[command(subcommand)]
    Billing(billing::BillingCommand),
    /// The tenant's clock: show it, or move it forward and process what fell due.
    #[command(subcommand)]
    Clock(clock::ClockCommand),
    /// Turn a subscription's recurring billing on or off.
    Recurring(subscriptions::RecurringArgs),
    /// Renew or reactivate an expired or disabled subscription.
    Renew {
        /// The subscription's id.
        subscription: u64,
    },
    /// Apply what fell due by now on the tenant's clock (renewals, expiry); use --now to move it.
    Process,
    /// The audit log: who changed what, when, before and after.
    Audit(audit::AuditArgs),
    /// List users (all active, or filtered), or add and show one.
    Users(users::UsersArgs),
    /// Assign a product's license to a user.
    Assign(assign::AssignArgs),
    /// Remove a product's license from a user.
    Unassign(assign::UnassignArgs),
    /// Add and remove a user's licenses as one change (like Set-MgUserLicense).
    SetLicenses(assign::SetLicensesArgs),
    /// Switch service plans of a user's license off (the rest on).
    SetPlans(assign::SetPlansArgs),
    /// The product catalog: import Microsoft's CSV, list, show, set prices.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Self-service purchases: users buy and assign; admins view and take over.
    #[command(subcommand)]
    SelfService(self_service::SelfServiceCommand),
    /// The tenant's settings.
    #[command(subcommand)]
    Tenant(roles::TenantCommand),
    /// The domain component as an artifact: export the .wasm, print the WIT.
    #[command(subcommand)]
    Component(component::ComponentCommand),
    /// Check the database: SQLite's integrity and the domain's invariants.
    Check(check::CheckArgs),
    /// Run a PowerShell-style script (Rhai) of seats cmdlets.
    Run(crate::script::RunArgs),
    /// An interactive prompt for seats cmdlets.
    Shell(crate::script::ShellArgs),
    /// Admin roles: show or grant.
    #[command(subcommand)]
    Roles(roles::RolesCommand),
    /// Groups whose members inherit the group's products (group-based licensing, GL1-GL10).
    #[command(subcommand)]
    Groups(groups::GroupsCommand),
    /// A new database from another system's data: a Microsoft Graph export.
    #[command(subcommand)]
    Import(graph::ImportCommand),
    /// The tenant in another system's shapes: Microsoft Graph's JSON.
    #[command(subcommand)]
    Export(graph::ExportCommand),
    /// Serve a Microsoft Graph v1.0 subset over HTTP (subscribedSkus, users, assignLicense,
    /// groups, $batch) for scripts and apps written against Graph.
    Serve(crate::serve::ServeArgs),
    /// Bearer tokens for `seats serve`: create (as --as), list, revoke.
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
}

/// The service's options from the command line.
pub fn options(cli: &Cli) -> service::Options {
    service::Options {
        db: cli.db.clone(),
        actor: cli.actor.clone(),
        now: cli.now,
        plugins: cli.plugins.clone(),
        verbose: cli.verbose,
        format: cli.output,
    }
}

/// Opens the database and the component for a command on an existing tenant.
pub fn open(cli: &Cli) -> Result<Session> {
    service::open(&options(cli))
}

fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Init(args) => init::run(&cli, args),
        Command::Import(cmd) => graph::import(&cli, cmd),
        Command::Export(cmd) => graph::export(&mut open(&cli)?, cmd),
        Command::Serve(args) => crate::serve::run(&options(&cli), args),
        Command::Tokens(cmd) => tokens::run(
            &mut open(&cli)?,
            cmd,
            cli.now.unwrap_or_else(crate::service::clock::real_now),
        ),
        Command::Component(cmd) => component::run(&cli, cmd),
        Command::Licenses => licenses::run(&mut open(&cli)?),
        Command::Conflicts => licenses::conflicts(&mut open(&cli)?),
        Command::Recurring(args) => subscriptions::recurring(&mut open(&cli)?, args),
        Command::Renew { subscription } => subscriptions::renew(&mut open(&cli)?, *subscription),
        Command::Process => subscriptions::process(&mut open(&cli)?),
        Command::Audit(args) => audit::run(&mut open(&cli)?, args),
        Command::Subscriptions(args) => subscriptions::list(&mut open(&cli)?, args),
        Command::Buy(args) => billing::buy(&mut open(&cli)?, args),
        Command::SetQuantity(args) => billing::set_quantity(&mut open(&cli)?, args),
        Command::Cancel(args) => billing::cancel(&mut open(&cli)?, args),
        Command::Trial(cmd) => billing::trial(&mut open(&cli)?, cmd),
        Command::Billing(cmd) => billing::run(&mut open(&cli)?, cmd),
        Command::Clock(cmd) => clock::run(&cli, cmd),
        Command::Users(args) => users::run(&mut open(&cli)?, args),
        Command::Assign(args) => assign::assign(&mut open(&cli)?, args),
        Command::Unassign(args) => assign::unassign(&mut open(&cli)?, args),
        Command::SetPlans(args) => assign::set_plans(&mut open(&cli)?, args),
        Command::SetLicenses(args) => assign::set_licenses(&mut open(&cli)?, args),
        Command::Catalog(cmd) => catalog::run(&mut open(&cli)?, cmd),
        Command::Roles(cmd) => roles::run(&mut open(&cli)?, cmd),
        Command::Groups(cmd) => groups::run(&mut open(&cli)?, cmd),
        Command::Run(args) => crate::script::run(open(&cli)?, args),
        Command::Check(args) => check::run(&mut open(&cli)?, args),
        Command::Shell(args) => crate::script::run_shell(open(&cli)?, args),
        Command::Tenant(cmd) => roles::tenant(&mut open(&cli)?, cmd),
        Command::SelfService(cmd) => self_service::run(&mut open(&cli)?, cmd),
    }
}

/// A demo tenant of `users` users in a new database at `path`, opened as its administrator:
/// what the fuzz targets (fuzz/) run scripts and calls against.
pub fn demo_session(path: &std::path::Path, users: u32) -> Result<Session> {
    let db = path.to_string_lossy().to_string();
    let users = users.to_string();
    let init = Cli::try_parse_from(["seats", "--db", &db, "init", "--demo", "--users", &users])?;
    let Command::Init(args) = &init.command else {
        unreachable!("parsed as init")
    };
    init::run(&init, args)?;
    open(&Cli::try_parse_from(["seats", "--db", &db, "check"])?)
}

/// Whether the error is a reader that stopped reading (`seats users | head`): through any of
/// the writers output goes through.
fn broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = |k: std::io::ErrorKind| k == std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        // A printer's error can come back through a service call (a page written as read).
        matches!(c.downcast_ref::<CallError>(), Some(CallError::Host(inner)) if broken_pipe(inner))
            || c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| pipe(io.kind()))
            || c.downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if pipe(io.kind())))
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind().is_some_and(pipe))
    })
}

/// A reader that stopped reading ends the command quietly, even inside `println!` (which
/// panics on a closed stdout): exit 0, nothing on stderr.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info)
    }));
}

/// The contexts a refusal was given on its way out, outermost first.
fn contexts(e: &anyhow::Error) -> Vec<String> {
    e.chain()
        .take_while(|c| c.downcast_ref::<CallError>().is_none())
        .map(|c| c.to_string())
        .collect()
}

/// Exit codes: 0 done, 1 refused by a rule (nothing changed, or some users of a bulk change
/// or some licenses of a restore), 2 bad usage, 3 failed.
pub fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    let json = cli.output == crate::output::Format::Json;
    let verbose = cli.verbose;
    let result = run(cli);
    if verbose {
        eprintln!("seats: {}", crate::progress::cost(started));
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<Refused>().is_some() => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
        Err(e) => match e.downcast_ref::<CallError>() {
            // With --output json, the refusal's data as JSON: `{"error": {"kind": ..}}`.
            Some(CallError::Domain(refusal)) if json => {
                let mut error = refusal.fields();
                let at = contexts(&e);
                if !at.is_empty() {
                    error.insert("context".into(), at.into());
                }
                eprintln!("{}", serde_json::json!({ "error": error }));
                ExitCode::from(1)
            }
            Some(CallError::Domain(refusal)) => {
                // What the command was doing when refused (an import's file and item), first.
                let at: String = contexts(&e).iter().map(|c| format!("{c}: ")).collect();
                eprintln!("error[{}]: {at}{}", refusal.kind(), refusal.text());
                ExitCode::from(1)
            }
            Some(CallError::Plugin { kind, .. }) => {
                eprintln!("error[{kind}]: {e}");
                ExitCode::from(1)
            }
            Some(CallError::Trap(_)) => {
                eprintln!("error[trap]: {e:#}");
                ExitCode::from(3)
            }
            _ => {
                eprintln!("error: {e:#}");
                ExitCode::from(3)
            }
        },
    }
}
