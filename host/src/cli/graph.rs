//! `seats import graph DIR` and `seats export graph DIR`: a tenant in Microsoft Graph's JSON.

use super::init::{TenantArgs, remove_db, ship_catalog};
use super::{Cli, Session, options};
use crate::graph::{export, import};
use crate::output;
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A new database from a tenant's Graph export: subscribedSkus, directory/subscriptions,
    /// users (with their licenses) and groups (with members and licenses), as Graph returns
    /// them. All of it or nothing.
    Graph(ImportGraphArgs),
}

#[derive(Args)]
pub struct ImportGraphArgs {
    /// The folder of the export's JSON files (README: "Import a tenant from Microsoft Graph").
    pub dir: PathBuf,
    /// Replace the database file if it exists.
    #[arg(long)]
    pub force: bool,
    /// The tenant's settings; --admin names the global administrator seats acts as (a user of
    /// the export, or one created).
    #[command(flatten)]
    pub tenant: TenantArgs,
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The tenant as Graph's JSON, in the files `import graph` reads.
    Graph {
        /// A new or empty folder.
        dir: PathBuf,
        /// Write over the folder's files.
        #[arg(long)]
        force: bool,
    },
}

pub fn import(cli: &Cli, cmd: &ImportCommand) -> Result<()> {
    let ImportCommand::Graph(args) = cmd;
    // Read and checked for shape before a database is made.
    let export = import::read(&args.dir)?;
    if args.force {
        remove_db(&cli.db);
    }
    let existed = cli.db.exists();
    let built = (|| -> Result<(Session, import::Summary)> {
        let o = options(cli);
        let mut s = crate::service::tenant::create(&o, &args.tenant.setup(), false)?;
        ship_catalog(&mut s)?;
        let now = o.now.unwrap_or_else(crate::service::clock::real_now);
        let summary = import::import(&mut s, &export, now)?;
        s.finish(true)?;
        s.set_default_actor()?;
        Ok((s, summary))
    })();
    let (s, summary) = match built {
        Ok(done) => done,
        Err(e) => {
            if !existed {
                remove_db(&cli.db);
            }
            return Err(e.context(format!("nothing was imported from {}", args.dir.display())));
        }
    };
    eprintln!(
        "Imported {} users ({} direct licenses), {} subscriptions, {} groups ({} members) and {} \
         products new to the catalog from {} into {}, acting as {}.",
        summary.users,
        summary.licenses,
        summary.subscriptions,
        summary.groups,
        summary.members,
        summary.products_added,
        args.dir.display(),
        cli.db.display(),
        s.actor
    );
    for note in &summary.notes {
        eprintln!("note: {}", output::bounded(note, 500));
    }
    if s.format == output::Format::Json {
        output::print_one(&summary, output::Format::Json)?;
    }
    Ok(())
}

pub fn export(s: &mut Session, cmd: &ExportCommand) -> Result<()> {
    let ExportCommand::Graph { dir, force } = cmd;
    let summary = export::export(s, dir, *force)?;
    eprintln!(
        "Exported {} products, {} subscriptions, {} users and {} groups to {} ({} files).",
        summary.products,
        summary.subscriptions,
        summary.users,
        summary.groups,
        dir.display(),
        summary.files
    );
    if s.format == output::Format::Json {
        output::print_one(&summary, output::Format::Json)?;
    }
    Ok(())
}
