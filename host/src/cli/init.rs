//! `seats init`: a new database with a tenant, the shipped catalog and price list, and with
//! `--demo` a realistic demo tenant. All of it in one transaction: it exists whole or not at all.

use super::{Cli, Session, options};
use crate::catalog_csv::{self, SHIPPED_CATALOG};
use crate::seed::{demo, generate};
use crate::service::model::tenant::TenantSetup;
use crate::service::model::types::Cloud;
use anyhow::Result;
use clap::{Args, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
pub enum CloudArg {
    Worldwide,
    /// Microsoft 365 operated by 21Vianet.
    Vianet,
}

#[derive(Args)]
pub struct InitArgs {
    /// Fill the tenant with demo data: products, subscriptions, users, licenses.
    #[arg(long)]
    pub demo: bool,
    /// How many users the demo tenant has.
    #[arg(long, default_value_t = 300, requires = "demo")]
    pub users: u32,
    /// Generate a large tenant of this many users for benchmarks (departments, usage
    /// locations, five products, 1-3 licenses per user, some disabled, deleted and unlicensed
    /// users), in batched calls of the component.
    #[arg(long, value_name = "USERS", conflicts_with = "demo")]
    pub generate: Option<u32>,
    /// Replace the database file if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub tenant: TenantArgs,
}

/// The new tenant's settings and first global administrator (`init`, `import graph`).
#[derive(Args)]
pub struct TenantArgs {
    /// The organisation's name.
    #[arg(long, default_value = "Contoso")]
    pub name: String,
    /// ISO 3166-1 alpha-2 code.
    #[arg(long, default_value = "US")]
    pub country: String,
    /// ISO 4217 code.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    #[arg(long, value_enum, default_value = "worldwide")]
    pub cloud: CloudArg,
    /// Usage location for users created without one.
    #[arg(long)]
    pub default_usage_location: Option<String>,
    /// The first global administrator's UPN; commands act as them unless --as says otherwise.
    #[arg(long, default_value = "admin@contoso.com")]
    pub admin: String,
    #[arg(long, default_value = "Global Admin")]
    pub admin_name: String,
    /// The tenant's IANA time zone (Europe/Copenhagen): its days, terms and billing months.
    #[arg(long, default_value = "UTC")]
    pub time_zone: String,
}

impl TenantArgs {
    pub fn setup(&self) -> TenantSetup {
        TenantSetup {
            name: self.name.clone(),
            country: self.country.clone(),
            currency: self.currency.clone(),
            cloud: match self.cloud {
                CloudArg::Worldwide => Cloud::Worldwide,
                CloudArg::Vianet => Cloud::Vianet,
            },
            default_usage_location: self.default_usage_location.clone(),
            admin_upn: self.admin.clone(),
            admin_display_name: self.admin_name.clone(),
            time_zone: Some(self.time_zone.clone()),
        }
    }
}

/// The shipped catalog, price list and service-plan rules, into a new tenant.
pub fn ship_catalog(s: &mut Session) -> Result<()> {
    let rows = catalog_csv::read_catalog(SHIPPED_CATALOG.as_bytes(), "the shipped catalog")?;
    s.import_catalog(&rows)?;
    for (sku, price) in catalog_csv::shipped_prices()? {
        s.set_price(&sku, &price)?;
    }
    let rules =
        catalog_csv::read_plan_rules(catalog_csv::SHIPPED_PLAN_RULES, "the shipped plan rules")?;
    s.set_plan_rules(&rules)?;
    Ok(())
}

/// Removes a database file and its journal.
pub fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn build(cli: &Cli, args: &InitArgs) -> Result<Session> {
    let setup = args.tenant.setup();
    let mut s = crate::service::tenant::create(&options(cli), &setup, args.generate.is_some())?;
    ship_catalog(&mut s)?;
    if args.demo {
        demo::build(&mut s, args.users)?;
    }
    if let Some(n) = args.generate {
        let started = std::time::Instant::now();
        let t = generate::build(&mut s, n)?;
        let checked = std::time::Instant::now();
        s.check_references()?;
        let checked = checked.elapsed().as_secs_f64();
        let committed = std::time::Instant::now();
        s.commit_load()?;
        let committed = committed.elapsed().as_secs_f64();
        let b = t.behind;
        eprintln!(
            "Generated {n} users in {:.1} s: people drawn {:.1} s, subscriptions {:.1} s, users \
             with their licenses {:.1} s (written behind for {:.1} s; the planning waited {:.1} s \
             for the writer, {:.1} s for reads), deletions {:.1} s, groups {:.1} s, indexes \
             {:.1} s, references checked {:.1} s, commit {:.1} s.",
            started.elapsed().as_secs_f64(),
            t.people,
            t.subscriptions,
            t.users,
            b.writing,
            b.queue_full,
            b.draining,
            t.deletes,
            t.groups,
            t.indexes,
            checked,
            committed,
        );
    } else {
        s.finish(true)?;
    }
    s.set_default_actor()?;
    Ok(s)
}

pub fn run(cli: &Cli, args: &InitArgs) -> Result<()> {
    if args.force {
        remove_db(&cli.db);
    }
    // A file that was there is not ours to remove: creating over it fails first.
    let existed = cli.db.exists();
    let mut s = match build(cli, args) {
        Ok(s) => s,
        Err(e) => {
            if !existed {
                remove_db(&cli.db);
            }
            return Err(e);
        }
    };
    eprintln!(
        "Created tenant {} in {}, acting as {}{}.",
        args.tenant.name,
        cli.db.display(),
        s.actor,
        match (args.demo, args.generate) {
            (true, _) => format!(" (demo: {} users)", args.users),
            (_, Some(n)) => format!(" (generated: {n} users)"),
            _ => String::new(),
        }
    );
    eprintln!("Licenses page:");
    super::licenses::run(&mut s)
}
