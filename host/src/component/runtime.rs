//! One instance of the domain component over one database, and the transaction around each
//! call: BEGIN IMMEDIATE, the export, then COMMIT on `ok` and ROLLBACK on `err` or a trap.
//! Inside an outer transaction (an atomic script, `init`), each call is a SAVEPOINT instead.
//! Here the instance and its calls; the transaction around them is in runtime/transaction.rs.

use super::cache::{self, CacheDir};
use super::gate::Gate;
use super::types;
use super::wasi::{Captured, FixedClock};
use super::{DOMAIN_WASM, Domain};
use crate::db::Db;
use anyhow::{Context, Result};
use std::time::Duration;
use wasmtime::component::{Component, Instance, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

mod transaction;

use transaction::Load;

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
    /// Calls only read (`seats serve`'s GETs): each begins a deferred transaction, which runs
    /// beside other connections' instead of taking the write lock.
    reading: bool,
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
            reading: false,
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

    /// From now on, calls only read (or, with `false`, may write again).
    pub fn set_reading(&mut self, on: bool) {
        self.reading = on;
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
    fn a_broken_reference_inside_an_outer_transaction_undoes_only_its_call() {
        let dir = tempfile::tempdir().unwrap();
        let mut rt = runtime(dir.path());
        let actor = "admin@t.com".to_string();
        let upn = "admin@t.com".to_string();
        let before = audit_rows(&mut rt);
        rt.begin().unwrap();
        // The call's write drags in an audit row naming a user who does not exist: its
        // reference is checked only at COMMIT (schema 12), so the call must find it before its
        // savepoint goes.
        rt.db()
            .conn()
            .execute_batch(
                "CREATE TEMP TRIGGER dangling AFTER INSERT ON roles BEGIN
                     INSERT INTO audit (at, actor, action, user_id) VALUES (0, 1, 1, 999999);
                 END;",
            )
            .unwrap();
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
            matches!(&err, CallError::Trap(m) if m.contains("foreign key")),
            "{err}"
        );
        rt.db()
            .conn()
            .execute_batch("DROP TRIGGER temp.dangling")
            .unwrap();
        rt.call(|d, s| {
            d.seats_licensing_tenant()
                .call_grant_role(s, &actor, &upn, types::Role::BillingAdmin)
        })
        .unwrap();
        rt.finish(true).unwrap();
        assert_eq!(
            audit_rows(&mut rt),
            before + 1,
            "the batch kept the good call"
        );
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
