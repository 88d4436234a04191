//! `seats component`: the domain component as an artifact, for embedding it elsewhere.

use super::Cli;
use crate::service::component::DOMAIN_WASM;
use crate::service::model::{PACKAGE, VERSION};
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;

/// The WIT contract, file by file, as the component and the plugin worlds were built from it:
/// the domain package, the plugin package, and the released plugin world still loaded.
const WIT: &[(&str, &str)] = &[
    ("world.wit", include_str!("../../../wit/world.wit")),
    ("types.wit", include_str!("../../../wit/types.wit")),
    ("store.wit", include_str!("../../../wit/store.wit")),
    ("tenant.wit", include_str!("../../../wit/tenant.wit")),
    ("catalog.wit", include_str!("../../../wit/catalog.wit")),
    ("users.wit", include_str!("../../../wit/users.wit")),
    ("licenses.wit", include_str!("../../../wit/licenses.wit")),
    ("bulk.wit", include_str!("../../../wit/bulk.wit")),
    (
        "subscriptions.wit",
        include_str!("../../../wit/subscriptions.wit"),
    ),
    ("billing.wit", include_str!("../../../wit/billing.wit")),
    ("audit.wit", include_str!("../../../wit/audit.wit")),
    (
        "policy/plugin.wit",
        include_str!("../../../wit/policy/plugin.wit"),
    ),
    (
        "frozen/policy@0.1.0/plugin.wit",
        include_str!("../../../wit/frozen/policy@0.1.0/plugin.wit"),
    ),
];

#[derive(Subcommand)]
pub enum ComponentCommand {
    /// Write the exact .wasm component seats runs.
    Export { path: PathBuf },
    /// Print the WIT contract (or write its files into a folder).
    Wit {
        /// A folder to write the .wit files into, instead of printing them.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a scenario of calls to the component's exports (JSON) on --db (created when it
    /// does not exist), each in its own transaction, and print every result as JSON.
    ///
    /// The scenario is {"calls": [{"interface": "licenses", "function": "assign", "args": [..]}]}
    /// with WIT values as JSON; tests/embed-node/replay.mjs runs the same file in Node.
    Replay { scenario: PathBuf },
}

pub fn run(cli: &Cli, cmd: &ComponentCommand) -> Result<()> {
    match cmd {
        ComponentCommand::Replay { scenario } => replay(cli, scenario),
        ComponentCommand::Export { path } => {
            std::fs::write(path, DOMAIN_WASM)
                .with_context(|| format!("write {}", path.display()))?;
            eprintln!(
                "Wrote the {}@{} domain component ({} bytes) to {}.",
                PACKAGE,
                VERSION,
                DOMAIN_WASM.len(),
                path.display()
            );
            Ok(())
        }
        ComponentCommand::Wit { out: Some(dir) } => {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
            for (name, text) in WIT {
                let path = dir.join(name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("create {}", parent.display()))?;
                }
                std::fs::write(&path, text).with_context(|| format!("write {name}"))?;
            }
            Ok(())
        }
        ComponentCommand::Wit { out: None } => {
            for (name, text) in WIT {
                println!("// ---- {name}\n{text}");
            }
            Ok(())
        }
    }
}

/// Runs each call of the scenario in its own transaction and prints the results as JSON, in
/// the form tests/embed-node/replay.mjs prints them; a trap stops the run (exit code 3).
fn replay(cli: &Cli, path: &std::path::Path) -> Result<()> {
    let replayed = crate::service::component::replay(&super::options(cli), path)?;
    println!("{}", serde_json::to_string_pretty(&replayed.results)?);
    match replayed.trapped {
        Some(e) => Err(anyhow::anyhow!(e)),
        None => Ok(()),
    }
}
