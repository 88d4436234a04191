//! The organisation: set up once, with its first global administrator.

use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, conflict, not_found};
use crate::exports::seats::licensing::tenant::TenantSetup;
use crate::types::Operation;
use crate::types::{Role, Tenant, Timestamp, User, UserKind};
use crate::{Store, validate};

/// Creates the tenant and its first global administrator; refused once a tenant exists.
pub fn setup<S: Store + ?Sized>(store: &S, now: Timestamp, setup: &TenantSetup) -> Result<Tenant> {
    if let Some(t) = store.get_tenant() {
        return Err(conflict(format!(
            "this database already holds the tenant '{}'; use another --db to start a new one",
            t.name
        )));
    }
    let country = validate::country("country", &setup.country)?;
    let tenant = Tenant {
        name: validate::text("name", &setup.name, 256)?,
        currency: validate::currency(&setup.currency)?,
        cloud: setup.cloud,
        default_usage_location: setup
            .default_usage_location
            .as_deref()
            .map(|l| validate::country("default-usage-location", l))
            .transpose()?,
        created_at: now,
        country: country.clone(),
        time_zone: crate::calendar::zone_name(setup.time_zone.as_deref().unwrap_or("UTC"))?,
    };
    let admin = User {
        id: 0,
        upn: validate::upn("admin-upn", &setup.admin_upn)?,
        display_name: validate::text("admin-display-name", &setup.admin_display_name, 256)?,
        department: None,
        usage_location: Some(tenant.default_usage_location.clone().unwrap_or(country)),
        enabled: true,
        kind: UserKind::User,
        mailbox_gb: 0,
        retention_hold: false,
        created_at: now,
        deleted_at: None,
    };
    store.put_tenant(&tenant);
    let id = store.insert_users(std::slice::from_ref(&admin))[0];
    store.grant_role(id, Role::GlobalAdmin);
    let cx = Cx::new(store, admin.upn.clone(), now);
    cx.audit(
        "tenant.setup",
        format!("tenant:{}", tenant.name),
        audited::NOTHING,
        Some(&tenant),
    );
    cx.audit(
        "role.grant",
        format!("user:{}", admin.upn),
        audited::NOTHING,
        Some(&vec![Role::GlobalAdmin]),
    );
    // The organisation's billing profile, named after it; payment methods are added to it.
    crate::billing::payments::default_profile(&cx, true)?;
    Ok(tenant)
}

pub fn get<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Tenant> {
    cx.require(Operation::Read)?;
    cx.store.get_tenant().ok_or_else(no_tenant)
}

fn no_tenant() -> crate::types::Error {
    not_found(
        crate::types::ObjectKind::Tenant,
        "",
        "no tenant: run `seats init` first",
    )
}

/// G1: the usage location users without one get for licensing.
pub fn set_default_usage_location<S: Store + ?Sized>(
    cx: &Cx<S>,
    location: Option<&str>,
) -> Result<Tenant> {
    cx.require(Operation::TenantSettings)?;
    let mut t = cx.store.get_tenant().ok_or_else(no_tenant)?;
    let before = t.clone();
    t.default_usage_location = location
        .map(|l| validate::country("default-usage-location", l))
        .transpose()?;
    cx.store.put_tenant(&t);
    cx.audit(
        "tenant.usage-location",
        format!("tenant:{}", t.name),
        Some(&before),
        Some(&t),
    );
    Ok(t)
}

pub fn roles<S: Store + ?Sized>(cx: &Cx<S>, upn: &str) -> Result<Vec<Role>> {
    cx.require(Operation::Read)?;
    let user = crate::directory::find_active(cx.store, upn)?;
    Ok(cx.store.roles_of(&user.upn))
}

pub fn grant_role<S: Store + ?Sized>(cx: &Cx<S>, upn: &str, role: Role) -> Result<()> {
    cx.require(Operation::GrantRoles)?;
    let user = crate::directory::find_active(cx.store, upn)?;
    let before = cx.store.roles_of(&user.upn);
    if before.contains(&role) {
        return Ok(());
    }
    cx.store.grant_role(user.id, role);
    let mut after = before.clone();
    after.push(role);
    cx.audit(
        "role.grant",
        format!("user:{}", user.upn),
        Some(&before),
        Some(&after),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn setup_creates_a_global_admin_once() {
        let store = crate::memory::MemoryStore::new();
        let t = setup(&store, NOW, &tenant_setup()).unwrap();
        assert_eq!(t.country, "DK");
        assert_eq!(store.roles_of(ADMIN), vec![Role::GlobalAdmin]);
        let before = store.snapshot();
        assert!(matches!(
            setup(&store, NOW, &tenant_setup()),
            Err(crate::types::Error::Conflict(_))
        ));
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn setup_refuses_a_bad_country() {
        let store = crate::memory::MemoryStore::new();
        let mut s = tenant_setup();
        s.country = "Denmark".into();
        let err = setup(&store, NOW, &s).unwrap_err();
        assert_eq!(err.kind(), "invalid");
        assert!(store.get_tenant().is_none());
    }
}
