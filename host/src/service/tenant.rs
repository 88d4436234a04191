//! The tenant (interface `tenant`): its creation, settings, roles (R1-R4) and the check of
//! the database and the domain's invariants.

use super::model::tenant::{CheckReport, RoleRule, TenantSetup};
use super::model::types::{Role, Tenant};
use super::{CallError, Options, Session, runtime_options};
use crate::component::Runtime;
use crate::db::Db;
use anyhow::Result;

/// What `check` found: SQLite's checks of the file and the domain's invariants.
pub struct Soundness {
    /// SQLite's integrity check, line by line (`["ok"]` when sound).
    pub integrity: Vec<String>,
    /// Rows whose foreign key points at nothing.
    pub foreign_key_violations: usize,
    pub invariants: CheckReport,
}

/// A new tenant in a new database file, set up in one transaction that is still open: the
/// caller adds what it wants (the catalog, demo data) and commits with `Session::finish`.
/// `load` is a bulk load (a generated tenant): its calls share one transaction and its
/// references are checked once at the end (`check_references`).
pub fn create(o: &Options, setup: &TenantSetup, load: bool) -> Result<Session> {
    let db = Db::create(&o.db)?;
    let mut rt = Runtime::new(db, &runtime_options(o, o.now)?)?;
    if load {
        // A new file that is removed if anything fails: no need to sync while loading it.
        rt.db().bulk_load(true)?;
        rt.begin_load()?;
    } else {
        rt.begin()?;
    }
    rt.call(|d, st| d.seats_licensing_tenant().call_setup(st, setup))?;
    Ok(Session {
        rt,
        actor: setup.admin_upn.trim().to_string(),
        format: o.format,
    })
}

impl Session {
    pub fn get_tenant(&mut self) -> Result<Tenant, CallError> {
        self.call(|d, st, actor| d.seats_licensing_tenant().call_get_tenant(st, actor))
    }

    /// The usage location users created without one get (none: they must say).
    pub fn set_default_usage_location(
        &mut self,
        location: Option<&str>,
    ) -> Result<Tenant, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_tenant()
                .call_set_default_usage_location(st, actor, location)
        })
    }

    /// Who may do what (R1-R4), as the component enforces it.
    pub fn role_table(&mut self) -> Result<Vec<RoleRule>, CallError> {
        self.call(|d, st, _| Ok(Ok(d.seats_licensing_tenant().call_role_table(st)?)))
    }

    pub fn grant_role(&mut self, upn: &str, role: Role) -> Result<(), CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_tenant()
                .call_grant_role(st, actor, upn, role)
        })
    }

    pub fn roles(&mut self, upn: &str) -> Result<Vec<Role>, CallError> {
        self.call(|d, st, actor| d.seats_licensing_tenant().call_roles(st, actor, upn))
    }

    /// Is the database sound? SQLite's quick (or `full`) check and the foreign keys, then the
    /// domain's invariants; nothing is changed.
    pub fn check(&mut self, full: bool) -> anyhow::Result<Soundness> {
        let (integrity, foreign_key_violations) = self.rt.db().integrity(full)?;
        let invariants =
            self.call(|d, st, actor| d.seats_licensing_tenant().call_check_invariants(st, actor))?;
        Ok(Soundness {
            integrity,
            foreign_key_violations,
            invariants,
        })
    }

    /// Makes the session's actor the one commands act as when they name none.
    pub fn set_default_actor(&mut self) -> Result<()> {
        self.rt.db().set_setting("default_actor", &self.actor)
    }
}
