//! The transaction around each call of the runtime: its own (BEGIN IMMEDIATE ... COMMIT or
//! ROLLBACK), a savepoint inside an outer one (`begin` ... `finish`), or none inside a load
//! (`begin_load`); and the policy plugins asked before it commits.

use super::{CallError, HostState, Loaded, Runtime};
use crate::component::Domain;
use crate::db::Step;
use anyhow::Result;
use wasmtime::Store;
use wasmtime::component::Instance;

impl Runtime {
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

    /// Runs `f` in a transaction (a savepoint inside an outer one): commits when it returns
    /// `Ok(Ok(_))`, rolls back on `Ok(Err(_))` (a refusal) and on a trap, after which the
    /// instance is replaced.
    pub(super) fn transact<T, E>(
        &mut self,
        f: impl FnOnce(&Domain, &Instance, &mut Store<HostState>) -> wasmtime::Result<Result<T, E>>,
    ) -> Result<Result<T, E>, CallError> {
        let (begin, commit, rollback) = if self.load != Load::Off {
            (None, None, None)
        } else if self.outer {
            (Some(Step::Savepoint), Some(Step::Release), Some(Step::Undo))
        } else {
            let begin = if self.reading {
                Step::BeginRead
            } else {
                Step::Begin
            };
            (Some(begin), Some(Step::Commit), Some(Step::Rollback))
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
            Ok(Ok(_)) if self.load == Load::Off && self.db().references_pending() => {
                // A row the call wrote refers to one that does not exist: a store failure, as
                // if it had trapped (checked here, since a savepoint's release would not).
                self.exec(rollback)?;
                Err(CallError::Trap(
                    "its store failed: a row it wrote refers to one that does not exist \
                     (a foreign key); nothing of the call was kept"
                        .into(),
                ))
            }
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
pub(super) enum Load {
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
            .call_overview_of_change(&mut store, mark);
        let (store, outcome) = match described {
            // Nothing written: nothing changed, nothing to ask.
            Ok(Ok(change)) if change.entries == 0 => (store, Ok(())),
            Ok(Ok(change)) => {
                let reads = crate::component::gate::DomainReads {
                    audit: domain.seats_licensing_audit().clone(),
                    licenses: domain.seats_licensing_licenses().clone(),
                };
                let (store, outcome) = gate.check(store, &reads, mark, &change);
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
