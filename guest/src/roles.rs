//! Who may do what (R1, R2): the role matrix of DOMAIN.md, as data.

use crate::Store;
use crate::error::{Result, forbidden};
use crate::types::{Role, User};

/// The operations the matrix decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// See the tenant: products, licenses, users, subscriptions.
    Read,
    AssignLicense,
    RemoveLicense,
    /// Buy, remove or cancel licenses and subscriptions; payment methods; invoices (R2).
    BuyLicenses,
    /// Create and edit users.
    ManageUsers,
    DeleteUser,
    /// Prices of the catalog.
    ManagePrices,
    /// Tenant settings: the catalog itself, admin roles.
    ManageTenant,
}

pub const ALL_ROLES: [Role; 6] = [
    Role::GlobalAdmin,
    Role::BillingAdmin,
    Role::UserAdmin,
    Role::LicenseAdmin,
    Role::ServiceAdmin,
    Role::PasswordAdmin,
];

/// DOMAIN.md's table: assign, remove, buy, delete; plus the operations around them.
pub fn allows(role: Role, op: Operation) -> bool {
    use Operation::*;
    use Role::*;
    matches!(
        (role, op),
        (GlobalAdmin, _)
            | (_, Read)
            | (BillingAdmin, BuyLicenses | ManagePrices)
            | (
                UserAdmin,
                AssignLicense | RemoveLicense | ManageUsers | DeleteUser
            )
            | (LicenseAdmin, AssignLicense | RemoveLicense)
    )
}

/// The least privileged role that allows `op`: the one a refusal names.
pub fn least_role_for(op: Operation) -> Role {
    use Operation::*;
    match op {
        Read => Role::ServiceAdmin,
        AssignLicense | RemoveLicense => Role::LicenseAdmin,
        BuyLicenses | ManagePrices => Role::BillingAdmin,
        ManageUsers | DeleteUser => Role::UserAdmin,
        ManageTenant => Role::GlobalAdmin,
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::GlobalAdmin => "Global administrator",
        Role::BillingAdmin => "Billing administrator",
        Role::UserAdmin => "User administrator",
        Role::LicenseAdmin => "License administrator",
        Role::ServiceAdmin => "Service administrator",
        Role::PasswordAdmin => "Password administrator",
    }
}

fn describe(op: Operation) -> &'static str {
    use Operation::*;
    match op {
        Read => "view the tenant",
        AssignLicense => "assign licenses",
        RemoveLicense => "remove licenses",
        BuyLicenses => "buy or remove licenses",
        ManageUsers => "create or change users",
        DeleteUser => "delete users",
        ManagePrices => "change prices",
        ManageTenant => "change tenant settings",
    }
}

/// The acting user, when it exists, is active and holds a role allowing `op`.
pub fn authorize<S: Store + ?Sized>(store: &S, actor: &str, op: Operation) -> Result<User> {
    let needed = least_role_for(op);
    let Some(user) = store.find_user(actor.trim()) else {
        return Err(forbidden(
            Some(needed),
            format!(
                "'{actor}' is not a user of this tenant, so it cannot {}; act as an administrator (--as UPN)",
                describe(op)
            ),
        ));
    };
    if user.deleted_at.is_some() || !user.enabled {
        return Err(forbidden(
            Some(needed),
            format!(
                "{} is {}, so it cannot {}",
                user.upn,
                if user.deleted_at.is_some() {
                    "deleted"
                } else {
                    "blocked from signing in"
                },
                describe(op)
            ),
        ));
    }
    let roles = store.roles_of(&user.upn);
    if roles.iter().any(|r| allows(*r, op)) {
        return Ok(user);
    }
    Err(forbidden(
        Some(needed),
        format!(
            "{} cannot {}: that needs the {} role (or Global administrator); {} holds {}",
            user.upn,
            describe(op),
            role_name(needed),
            user.upn,
            if roles.is_empty() {
                "no admin role".to_string()
            } else {
                roles
                    .iter()
                    .map(|r| role_name(*r))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    ))
}
