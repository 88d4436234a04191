//! One instance of the domain component over one database, and the transaction around each
//! call: BEGIN IMMEDIATE, the export, then COMMIT on `ok` and ROLLBACK on `err` or a trap.
//! Inside an outer transaction (an atomic script, `init`), each call is a SAVEPOINT instead.

use super::cache::{self, CacheDir};
use super::gate::Gate;
use super::types;
use super::wasi::{Captured, FixedClock};
use super::{DOMAIN_WASM, Domain};
use crate::db::{Db, Step};
use anyhow::{Context, Result};
use std::time::Duration;
use wasmtime::component::{Component, Instance, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

pub struct HostState {
    pub db: Db,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HostState {
    /// The store over `db` with an empty WASI context: for running the store outside the
    /// component (the benchmark's native path).
    pub fn new(db: Db) -> HostState {
        HostState {
            db,
            wasi: WasiCtxBuilder::new().build(),
            table: ResourceTable::new(),
        }
    }
}

/// What the domain's `store` import reaches: the database.
struct StoreImport;

impl wasmtime::component::HasData for StoreImport {
    type Data<'a> = &'a mut Db;
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

#[derive(Clone, Default)]
pub struct RuntimeOptions {
    pub cache: Option<CacheDir>,
    /// Seconds since the epoch the component takes as now; the real time when none.
    pub now: Option<i64>,
    /// Print what the runtime does (cache use) to stderr.
    pub verbose: bool,
    /// What is asked before each change commits (the policy plugins), if anything.
    pub gate: Option<std::sync::Arc<dyn Gate>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The domain refused: nothing changed.
    #[error("{}", .0.text())]
    Domain(types::Error),
    /// The component trapped: its change was rolled back and the instance replaced.
    #[error("the domain component failed, and its change was rolled back: {0}")]
    Trap(String),
    /// A policy plugin denied the change (kind "denied"), or failed and so refused it (kind
    /// "plugin"): it was rolled back.
    #[error("{message}")]
    Plugin { kind: &'static str, message: String },
    #[error(transparent)]
    Host(#[from] anyhow::Error),
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    component: Component,
    now: Option<i64>,
    store: Option<Loaded>,
    /// An outer transaction is open (atomic scripts, init).
    outer: bool,
    /// The outer transaction is a load that succeeds or fails whole (`begin_load`).
    load: Load,
    gate: Option<std::sync::Arc<dyn Gate>>,
}

/// The domain's instance in its store, with its bindings and captured stderr.
struct Loaded {
    store: Store<HostState>,
    domain: Domain,
    instance: Instance,
    stderr: Captured,
}

impl Runtime {
    pub fn new(db: Db, options: &RuntimeOptions) -> Result<Runtime> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        let engine = Engine::new(&config)?;
        let verbose = options.verbose;
        let mut log = |line: String| {
            if verbose {
                eprintln!("{line}");
            }
        };
        let cache = options.cache.clone().unwrap_or(CacheDir(None));
        let component = cache::load(&engine, DOMAIN_WASM, &cache, &mut log)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        // The `store` import is the database's own (db/store.rs): the runtime only hands the
        // component's calls to it.
        Domain::add_to_linker::<HostState, StoreImport>(&mut linker, |s| &mut s.db)?;
        let mut rt = Runtime {
            engine,
            linker,
            component,
            now: options.now,
            store: None,
            outer: false,
            load: Load::Off,
            gate: options.gate.clone(),
        };
        rt.instantiate(db)?;
        Ok(rt)
    }

    fn instantiate(&mut self, db: Db) -> Result<()> {
        let stderr = Captured(MemoryOutputPipe::new(64 * 1024));
        let mut wasi = WasiCtxBuilder::new();
        wasi.stderr(stderr.clone());
        if let Some(now) = self.now {
            wasi.wall_clock(FixedClock(Duration::from_secs(now.max(0) as u64)));
        }
        let state = HostState {
            db,
            wasi: wasi.build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&self.engine, state);
        // What one call may copy from the domain to the host (wasmtime's default is 128 MiB):
        // the result of a bulk call over a million users is bigger. The domain is seats' own
        // component; plugins have their own stores and keep the default.
        store.set_hostcall_fuel(2 << 30);
        let instance = self
            .linker
            .instantiate(&mut store, &self.component)
            .map_err(anyhow::Error::from)
            .context("instantiate the domain component")?;
        let domain = Domain::new(&mut store, &instance)
            .map_err(anyhow::Error::from)
            .context("bind the domain component's exports")?;
        self.store = Some(Loaded {
            store,
            domain,
            instance,
            stderr,
        });
        Ok(())
    }

    pub fn db(&mut self) -> &mut Db {
        &mut self
            .store
            .as_mut()
            .expect("instantiated")
            .store
            .data_mut()
            .db
    }

    /// A transaction step, when the call takes one (a load's calls take none).
    fn exec(&mut self, step: Option<Step>) -> Result<()> {
        match step {
            Some(step) => self.db().step(step),
            None => Ok(()),
        }
    }

    /// Opens a transaction that later calls join (as savepoints) until `finish`.
    pub fn begin(&mut self) -> Result<()> {
        anyhow::ensure!(!self.outer, "a transaction is already open");
        self.exec(Some(Step::Begin))?;
        self.outer = true;
        Ok(())
    }

    /// Opens a transaction for a bulk load (`init --generate`) that later calls join without
    /// a savepoint each: a refusal or a trap then fails the whole load, which `finish` rolls
    /// back. SQLite copies every page a savepoint's statements change into its statement
    /// journal and walks that journal on each release: over a call that writes millions of
    /// rows this was a tenth of the load's time, growing with its size.
    pub fn begin_load(&mut self) -> Result<()> {
        self.begin()?;
        self.load = Load::Clean;
        Ok(())
    }

    /// Commits (or, with `commit` false, rolls back) what `begin` opened; a load that a call
    /// failed is rolled back.
    pub fn finish(&mut self, commit: bool) -> Result<()> {
        anyhow::ensure!(self.outer, "no transaction is open");
        self.outer = false;
        let written = self.db().sync();
        if written.is_err() {
            self.fail_load();
        }
        let failed = std::mem::replace(&mut self.load, Load::Off) == Load::Failed;
        self.exec(Some(if commit && !failed {
            Step::Commit
        } else {
            Step::Rollback
        }))?;
        written?;
        anyhow::ensure!(
            !(commit && failed),
            "a call of the load failed, so nothing of it was kept"
        );
        Ok(())
    }

    /// Calls one export inside its own transaction (or savepoint).
    pub fn call<T>(
        &mut self,
        f: impl FnOnce(&Domain, &mut Store<HostState>) -> wasmtime::Result<Result<T, types::Error>>,
    ) -> Result<T, CallError> {
        self.transact(|d, _, s| f(d, s))?.map_err(CallError::Domain)
    }

    /// Calls an export by its WIT names (`licenses`, `assign`) with arguments as JSON (see
    /// `replay`), inside its own transaction; returns `{"ok": ..}` or `{"err": ..}`.
    pub fn call_export(
        &mut self,
        interface: &str,
        function: &str,
        args: &[serde_json::Value],
    ) -> Result<serde_json::Value, CallError> {
        let loaded = self.store.as_mut().expect("instantiated");
        let (store, instance) = (&mut loaded.store, &loaded.instance);
        let name = format!("{}/{interface}@{}", super::PACKAGE, super::VERSION);
        let func = instance
            .get_export_index(&mut *store, None, &name)
            .and_then(|i| instance.get_export_index(&mut *store, Some(&i), function))
            .and_then(|f| instance.get_func(&mut *store, f))
            .with_context(|| format!("the domain component exports no {interface}.{function}"))?;
        let ty = func.ty(&*store);
        if ty.params().len() != args.len() {
            return Err(anyhow::anyhow!(
                "{interface}.{function} takes {} argument(s) ({}), not {}",
                ty.params().len(),
                ty.params().map(|(n, _)| n).collect::<Vec<_>>().join(", "),
                args.len()
            )
            .into());
        }
        let params = ty
            .params()
            .zip(args)
            .map(|((name, t), v)| super::replay::to_val(v, &t, name))
            .collect::<Result<Vec<_>>>()
            .with_context(|| format!("the arguments of {interface}.{function}"))?;
        let mut results = vec![Val::Bool(false); ty.results().len()];
        // Whether it was ok or err, the result itself says; transact commits or rolls back.
        let _ = self.transact(|_, _, store| {
            func.call(&mut *store, &params, &mut results)?;
            Ok(match results.as_slice() {
                [Val::Result(Err(_))] => Err(()),
                _ => Ok(()),
            })
        })?;
        let value = match results.as_slice() {
            [v @ Val::Result(_)] => super::replay::to_json(v)?,
            // A function that cannot fail answers as `{"ok": value}` too, as Node (jco) does:
            // there a plain value and a result's ok look the same.
            [v] => serde_json::json!({ "ok": super::replay::to_json(v)? }),
            [] => serde_json::Value::Null,
            many => serde_json::Value::Array(
                many.iter()
                    .map(super::replay::to_json)
                    .collect::<Result<_>>()?,
            ),
        };
        Ok(value)
    }

    /// Runs `f` in a transaction (a savepoint inside an outer one): commits when it returns
    /// `Ok(Ok(_))`, rolls back on `Ok(Err(_))` (a refusal) and on a trap, after which the
    /// instance is replaced.
    fn transact<T, E>(
        &mut self,
        f: impl FnOnce(&Domain, &Instance, &mut Store<HostState>) -> wasmtime::Result<Result<T, E>>,
    ) -> Result<Result<T, E>, CallError> {
        let (begin, commit, rollback) = if self.load != Load::Off {
            (None, None, None)
        } else if self.outer {
            (Some(Step::Savepoint), Some(Step::Release), Some(Step::Undo))
        } else {
            (Some(Step::Begin), Some(Step::Commit), Some(Step::Rollback))
        };
        self.exec(begin)?;
        let mark = if self.gate.is_none() {
            None
        } else {
            Some(self.audit_mark().inspect_err(|_| {
                self.fail_load();
                let _ = self.exec(rollback);
            })?)
        };
        let loaded = self.store.as_mut().expect("instantiated");
        let outcome = f(&loaded.domain, &loaded.instance, &mut loaded.store);
        // The store writes behind the call (db/behind.rs): before its commit, every write must
        // have gone in. A load only checks (its writes go on into its next call, and `finish`
        // waits for them). A write that failed is a store failure, as if it had trapped.
        let failed = if self.load != Load::Off {
            self.db().failure()
        } else {
            self.db().sync().err()
        };
        if let Some(e) = failed {
            self.fail_load();
            if outcome.is_ok() {
                self.exec(rollback)?;
                return Err(CallError::Trap(format!("its store failed: {e:#}")));
            }
        }
        match outcome {
            Ok(Ok(value)) => {
                // Before COMMIT: the policy plugins decide on what the call wrote.
                if let Some(mark) = mark
                    && let Err(refused) = self.ask_plugins(mark)
                {
                    self.fail_load();
                    self.exec(rollback)?;
                    return Err(refused);
                }
                self.exec(commit)?;
                Ok(Ok(value))
            }
            Ok(Err(refusal)) => {
                self.fail_load();
                self.exec(rollback)?;
                Ok(Err(refusal))
            }
            Err(trap) => {
                self.fail_load();
                let rolled_back = self.exec(rollback);
                let loaded = self.store.take().expect("instantiated");
                let panic = String::from_utf8_lossy(&loaded.stderr.0.contents())
                    .trim()
                    .to_string();
                // A trapped instance cannot be entered again: start a fresh one on the same db.
                self.instantiate(loaded.store.into_data().db)?;
                rolled_back?;
                let mut message = format!("{trap:#}");
                if !panic.is_empty() {
                    message = format!("{panic}\n{message}");
                }
                Err(CallError::Trap(message))
            }
        }
    }
}

/// Whether calls join the outer transaction without savepoints, and whether one failed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    Off,
    Clean,
    Failed,
}

impl Runtime {
    /// A call of a load failed: the load can only be rolled back now.
    fn fail_load(&mut self) {
        if self.load == Load::Clean {
            self.load = Load::Failed;
        }
    }

    /// The last audit entry's id: what a call writes after it is its change.
    fn audit_mark(&mut self) -> Result<u64> {
        self.db().last_audit_id()
    }

    /// Asks the gate (the policy plugins) about the change the call wrote: its audit entries
    /// after `mark`, as the component describes them.
    fn ask_plugins(&mut self, mark: u64) -> Result<(), CallError> {
        let gate = self.gate.clone().expect("asked only with a gate");
        let Loaded {
            mut store,
            domain,
            instance,
            stderr,
        } = self.store.take().expect("instantiated");
        let described = domain
            .seats_licensing_audit()
            .call_describe_change(&mut store, mark);
        let (store, outcome) = match described {
            // Nothing written: nothing changed, nothing to ask.
            Ok(Ok(change)) if change.entries.is_empty() => (store, Ok(())),
            Ok(Ok(change)) => {
                let licenses = domain.seats_licensing_licenses().clone();
                let (store, outcome) = gate.check(store, &licenses, &change);
                let outcome = outcome.map_err(|r| CallError::Plugin {
                    kind: r.kind(),
                    message: r.message(&change.operation),
                });
                (store, outcome)
            }
            Ok(Err(refusal)) => {
                let message = format!("{}; the change was refused and rolled back", refusal.text());
                (
                    store,
                    Err(CallError::Plugin {
                        kind: "plugin",
                        message,
                    }),
                )
            }
            Err(trap) => (
                store,
                Err(CallError::Trap(format!(
                    "describing the change for the policy plugins: {trap:#}"
                ))),
            ),
        };
        self.store = Some(Loaded {
            store,
            domain,
            instance,
            stderr,
        });
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::tenant::TenantSetup;
    use crate::component::types::Cloud;

    fn runtime(dir: &std::path::Path) -> Runtime {
        let db = Db::create(&dir.join("t.db")).unwrap();
        let mut rt = Runtime::new(db, &RuntimeOptions::default()).unwrap();
        let setup = TenantSetup {
            name: "T".into(),
            country: "DK".into(),
            currency: "DKK".into(),
            cloud: Cloud::Worldwide,
            default_usage_location: None,
            admin_upn: "admin@t.com".into(),
            admin_display_name: "Admin".into(),
            time_zone: None,
        };
        rt.call(|d, s| d.seats_licensing_tenant().call_setup(s, &setup))
            .unwrap();
        rt
    }

    fn audit_rows(rt: &mut Runtime) -> i64 {
        rt.db()
            .conn()
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_trap_rolls_back_and_the_next_call_runs_on_a_fresh_instance() {
        let dir = tempfile::tempdir().unwrap();
        let mut rt = runtime(dir.path());
        let actor = "admin@t.com".to_string();
        let before = audit_rows(&mut rt);
        rt.db()
            .conn()
            .execute_batch(
                "CREATE TRIGGER f BEFORE INSERT ON roles BEGIN SELECT RAISE(ABORT, 'boom'); END;",
            )
            .unwrap();
        let upn = "admin@t.com".to_string();
        let err = rt
            .call(|d, s| {
                d.seats_licensing_tenant().call_grant_role(
                    s,
                    &actor,
                    &upn,
                    types::Role::BillingAdmin,
                )
            })
            .unwrap_err();
        assert!(
            matches!(&err, CallError::Trap(m) if m.contains("boom")),
            "{err}"
        );
        assert_eq!(audit_rows(&mut rt), before);
        rt.db().conn().execute_batch("DROP TRIGGER f").unwrap();
        rt.call(|d, s| {
            d.seats_licensing_tenant()
                .call_grant_role(s, &actor, &upn, types::Role::BillingAdmin)
        })
        .unwrap();
        assert_eq!(audit_rows(&mut rt), before + 1);
    }

    #[test]
    fn a_refusal_inside_an_outer_transaction_undoes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let mut rt = runtime(dir.path());
        let actor = "admin@t.com".to_string();
        let before = audit_rows(&mut rt);
        rt.begin().unwrap();
        let upn = "admin@t.com".to_string();
        rt.call(|d, s| {
            d.seats_licensing_tenant()
                .call_grant_role(s, &actor, &upn, types::Role::BillingAdmin)
        })
        .unwrap();
        let ghost = "ghost@t.com".to_string();
        let err = rt
            .call(|d, s| {
                d.seats_licensing_tenant().call_grant_role(
                    s,
                    &actor,
                    &ghost,
                    types::Role::BillingAdmin,
                )
            })
            .unwrap_err();
        assert!(matches!(err, CallError::Domain(types::Error::NotFound(_))));
        rt.finish(false).unwrap();
        assert_eq!(
            audit_rows(&mut rt),
            before,
            "rolling back the outer transaction undoes both"
        );
    }

    #[test]
    fn a_load_keeps_every_call_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut rt = runtime(dir.path());
        let actor = "admin@t.com".to_string();
        let before = audit_rows(&mut rt);
        let grant = |rt: &mut Runtime, upn: &str| {
            let upn = upn.to_string();
            rt.call(|d, s| {
                d.seats_licensing_tenant().call_grant_role(
                    s,
                    &actor,
                    &upn,
                    types::Role::BillingAdmin,
                )
            })
        };
        rt.begin_load().unwrap();
        grant(&mut rt, "admin@t.com").unwrap();
        rt.finish(true).unwrap();
        assert_eq!(audit_rows(&mut rt), before + 1, "a clean load commits");

        rt.begin_load().unwrap();
        grant(&mut rt, "admin@t.com").unwrap();
        let err = grant(&mut rt, "ghost@t.com").unwrap_err();
        assert!(matches!(err, CallError::Domain(types::Error::NotFound(_))));
        let err = rt.finish(true).unwrap_err();
        assert!(err.to_string().contains("nothing of it was kept"), "{err}");
        assert_eq!(
            audit_rows(&mut rt),
            before + 1,
            "a refused call fails the whole load, the calls before it too"
        );
        rt.begin().expect("the transaction was closed");
        rt.finish(false).unwrap();
    }

    #[test]
    fn a_write_that_fails_behind_a_load_fails_the_load_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let mut rt = runtime(dir.path());
        let actor = "admin@t.com".to_string();
        let before = audit_rows(&mut rt);
        rt.db()
            .conn()
            .execute_batch(
                "CREATE TRIGGER f BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'boom'); END;",
            )
            .unwrap();
        rt.db().bulk_load(true).unwrap();
        rt.begin_load().unwrap();
        let upn = "admin@t.com".to_string();
        // The audit entry is written behind: the call may end before the writer fails.
        let call = rt.call(|d, s| {
            d.seats_licensing_tenant()
                .call_grant_role(s, &actor, &upn, types::Role::BillingAdmin)
        });
        let err = rt.finish(true).unwrap_err();
        let said = format!("{err:#} {:?}", call.err());
        assert!(said.contains("boom"), "{said}");
        rt.db().bulk_load(false).unwrap();
        rt.db().conn().execute_batch("DROP TRIGGER f").unwrap();
        assert_eq!(audit_rows(&mut rt), before);
        let roles: i64 = rt
            .db()
            .conn()
            .query_row(
                "SELECT count(*) FROM roles WHERE role = 'billing-admin'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(roles, 0, "the role granted in the same load is gone too");
    }
}
