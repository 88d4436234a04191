//! The application service: what every adapter works with (the CLI, scripts and the shell, the
//! seeders). A session is the component over one database, who acts, and how results are
//! printed; its operations are the component's exports, typed, called in one transaction each (one file
//! per interface). No adapter depends on another or reaches the runtime or the storage: they
//! name the domain's records through `model`.

mod audit;
mod billing;
mod catalog;
pub mod clock;
pub mod component;
pub mod graph_ids;
mod groups;
mod licenses;
pub mod load;
pub mod model;
mod subscriptions;
pub mod tenant;
pub mod tokens;
mod users;

pub use crate::component::CallError;
use crate::component::{CacheDir, Runtime, RuntimeOptions};
use crate::db::Db;
use crate::output::Format;
use anyhow::{Result, bail};
use std::path::PathBuf;

/// What opening a session takes: where the data is, who acts, the tenant's time, the policy
/// plugins named (more are found beside the database), how to print.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub db: PathBuf,
    /// The acting principal; the database's default actor when none.
    pub actor: Option<String>,
    /// Seconds since the epoch taken as now; the real time when none.
    pub now: Option<i64>,
    pub plugins: Vec<PathBuf>,
    pub verbose: bool,
    pub format: Format,
}

/// A command refused in part (a bulk change with failures): its report is printed, and
/// the command exits 1 with this summary.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// What a command works with: the runtime over the database, who acts, how to print.
pub struct Session {
    rt: Runtime,
    pub actor: String,
    pub format: Format,
}

impl Session {
    /// One export of the component, called as the session's actor in one transaction (a
    /// savepoint inside `begin`/`finish`): the typed operations are spelled with it.
    fn call<T>(
        &mut self,
        f: impl FnOnce(
            &crate::component::Domain,
            &mut wasmtime::Store<crate::component::HostState>,
            &String,
        ) -> wasmtime::Result<Result<T, crate::component::types::Error>>,
    ) -> Result<T, CallError> {
        let actor = self.actor.clone();
        self.rt.call(|d, s| f(d, s, &actor))
    }

    /// Opens one transaction around the calls that follow (an atomic script, a what-if): each
    /// call is a savepoint in it, and `finish` commits or rolls back the whole.
    pub fn begin(&mut self) -> Result<()> {
        self.rt.begin()
    }

    /// Whether the calls that follow only read: they then run beside other connections'
    /// calls (a server's GETs) instead of waiting for the write lock.
    pub fn reading(&mut self, on: bool) {
        self.rt.set_reading(on);
    }

    /// Commits (`true`) or rolls back what was done since `begin`.
    pub fn finish(&mut self, commit: bool) -> Result<()> {
        self.rt.finish(commit)
    }
}

/// Failures a bulk change over a filter lists in full; its counts cover them all.
pub const FAILURES_SHOWN: u32 = 1000;

/// Users one page of a listing reads: the component's largest.
pub const PAGE: u32 = 5000;

/// Reads page after page from `after` on, handing each to `each` until it returns false or the
/// last page is read.
fn pages<T>(
    mut after: Option<u64>,
    mut read: impl FnMut(Option<u64>) -> Result<(Vec<T>, Option<u64>), CallError>,
    mut each: impl FnMut(Vec<T>) -> anyhow::Result<bool>,
) -> Result<(), CallError> {
    loop {
        let (items, next) = read(after)?;
        if !each(items)? || next.is_none() {
            return Ok(());
        }
        after = next;
    }
}

/// The runtime's options with `now` as the tenant's time, and the policy plugins (named, or in
/// a `plugins` folder beside the database) loaded as its gate.
fn runtime_options(o: &Options, now: Option<i64>) -> Result<RuntimeOptions> {
    let cache = CacheDir::from_env();
    let paths = crate::plugins::discover(&o.plugins, &o.db)?;
    let gate: Option<std::sync::Arc<dyn crate::component::Gate>> = if paths.is_empty() {
        None
    } else {
        let verbose = o.verbose;
        let mut log = |line: String| {
            if verbose {
                eprintln!("{line}");
            }
        };
        Some(std::sync::Arc::new(crate::plugins::Plugins::load(
            &paths, &cache, now, &mut log,
        )?))
    };
    Ok(RuntimeOptions {
        cache: Some(cache),
        now,
        verbose: o.verbose,
        gate,
    })
}

/// Opens the database and the component for work on an existing tenant.
pub fn open(o: &Options) -> Result<Session> {
    let db = Db::open(&o.db)?;
    // The tenant's clock runs ahead of the real (or given) one by what `clock advance` added.
    let offset = clock::offset(&db)?;
    let now = match offset {
        0 => o.now,
        off => Some(o.now.unwrap_or_else(clock::real_now) + off),
    };
    let options = runtime_options(o, now)?;
    let actor = match &o.actor {
        Some(a) => a.clone(),
        None => match db.setting("default_actor")? {
            Some(a) => a,
            None => bail!("say who acts: pass --as UPN (or set SEATS_AS)"),
        },
    };
    let rt = Runtime::new(db, &options)?;
    Ok(Session {
        rt,
        actor,
        format: o.format,
    })
}
