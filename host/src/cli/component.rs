//! `seats component`: the domain component as an artifact, for embedding it elsewhere.

use crate::component::DOMAIN_WASM;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;

/// The WIT package, file by file, as the component was built from it.
const WIT: &[(&str, &str)] = &[
    ("world.wit", include_str!("../../../wit/world.wit")),
    ("types.wit", include_str!("../../../wit/types.wit")),
    ("store.wit", include_str!("../../../wit/store.wit")),
    ("tenant.wit", include_str!("../../../wit/tenant.wit")),
    ("catalog.wit", include_str!("../../../wit/catalog.wit")),
    ("users.wit", include_str!("../../../wit/users.wit")),
    ("licenses.wit", include_str!("../../../wit/licenses.wit")),
    (
        "subscriptions.wit",
        include_str!("../../../wit/subscriptions.wit"),
    ),
    ("audit.wit", include_str!("../../../wit/audit.wit")),
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
}

pub fn run(cmd: &ComponentCommand) -> Result<()> {
    match cmd {
        ComponentCommand::Export { path } => {
            std::fs::write(path, DOMAIN_WASM)
                .with_context(|| format!("write {}", path.display()))?;
            eprintln!(
                "Wrote the seats:licensing@0.1.0 domain component ({} bytes) to {}.",
                DOMAIN_WASM.len(),
                path.display()
            );
            Ok(())
        }
        ComponentCommand::Wit { out: Some(dir) } => {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
            for (name, text) in WIT {
                std::fs::write(dir.join(name), text).with_context(|| format!("write {name}"))?;
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
