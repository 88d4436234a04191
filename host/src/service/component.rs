//! The domain component as an artifact (for embedding it elsewhere), and a scenario of calls
//! replayed on a database the way the Node embedding replays it.

use super::{Options, runtime_options};
use crate::component::replay::Scenario;
use crate::component::{CallError, Runtime};
use crate::db::Db;
use anyhow::Result;

/// The exact .wasm component seats runs.
pub use crate::component::DOMAIN_WASM;

/// What a replayed scenario gave: one JSON object per call (`{"call", "result"}`,
/// `{"call", "refused"}` or `{"call", "trap"}`), and the trap that stopped it, if one did.
pub struct Replayed {
    pub results: Vec<serde_json::Value>,
    pub trapped: Option<String>,
}

/// Runs each call of the scenario file on the database (created when it does not exist), each
/// in its own transaction; a trap stops the run.
pub fn replay(o: &Options, path: &std::path::Path) -> Result<Replayed> {
    let scenario = Scenario::read(path)?;
    let db = if o.db.exists() {
        Db::open(&o.db)?
    } else {
        Db::create(&o.db)?
    };
    let mut rt = Runtime::new(db, &runtime_options(o, o.now)?)?;
    let mut results = Vec::new();
    for call in &scenario.calls {
        let name = format!("{}.{}", call.interface, call.function);
        match rt.call_export(&call.interface, &call.function, &call.args) {
            Ok(result) => results.push(serde_json::json!({ "call": name, "result": result })),
            Err(CallError::Host(e)) => return Err(e.context(name)),
            Err(CallError::Plugin { message, .. }) => {
                results.push(serde_json::json!({ "call": name, "refused": message }))
            }
            Err(e) => {
                results.push(serde_json::json!({ "call": name, "trap": e.to_string() }));
                return Ok(Replayed {
                    results,
                    trapped: Some(format!("{name}: {e}")),
                });
            }
        }
    }
    Ok(Replayed {
        results,
        trapped: None,
    })
}

/// Where the shell keeps its history: beside the compiled-code cache, when there is one.
pub fn shell_history() -> Option<std::path::PathBuf> {
    crate::component::CacheDir::from_env()
        .0
        .map(|d| d.join("shell-history"))
}
