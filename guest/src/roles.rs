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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cx::Cx;
    use crate::testkit::*;
    use crate::types::Error;

    /// DOMAIN.md's table: (role, assign, remove, buy, delete a user).
    const MATRIX: [(Role, bool, bool, bool, bool); 6] = [
        (Role::GlobalAdmin, true, true, true, true),
        (Role::BillingAdmin, false, false, true, false),
        (Role::UserAdmin, true, true, false, true),
        (Role::LicenseAdmin, true, true, false, false),
        (Role::ServiceAdmin, false, false, false, false),
        (Role::PasswordAdmin, false, false, false, false),
    ];

    #[test]
    fn r1_r2_the_matrix_as_data() {
        for (role, assign, remove, buy, delete) in MATRIX {
            assert_eq!(
                allows(role, Operation::AssignLicense),
                assign,
                "{role:?} assign"
            );
            assert_eq!(
                allows(role, Operation::RemoveLicense),
                remove,
                "{role:?} remove"
            );
            assert_eq!(allows(role, Operation::BuyLicenses), buy, "{role:?} buy");
            assert_eq!(
                allows(role, Operation::DeleteUser),
                delete,
                "{role:?} delete"
            );
        }
    }

    fn expect(result: std::result::Result<(), Error>, allowed: bool, what: &str) {
        match (result, allowed) {
            (Ok(()), true) => {}
            (Err(Error::Forbidden(f)), false) => {
                let role = f.needed_role.expect("a refusal names a role");
                assert!(f.message.contains(role_name(role)), "{what}: {}", f.message);
            }
            (other, _) => panic!(
                "{what}: expected {}, got {other:?}",
                if allowed { "ok" } else { "forbidden" }
            ),
        }
    }

    #[test]
    fn r1_r2_every_role_and_operation_of_the_table_through_the_rules() {
        for (i, (role, assign, remove, buy, delete)) in MATRIX.into_iter().enumerate() {
            let (store, _) = tenant_with_catalog();
            let sub = crate::testkit::buy(&store, "SPE_E3", 5);
            let actor = format!("actor{i}@contoso.com");
            add_admin(&store, &actor, role);
            add_user(&store, "target@contoso.com");
            add_user(&store, "holder@contoso.com");
            add_user(&store, "leaver@contoso.com");
            crate::licenses::assign(&admin(&store), "holder@contoso.com", "SPE_E3", &[]).unwrap();
            let cx = Cx::new(&store, actor.clone(), NOW);
            let what = format!("{role:?}");
            expect(
                crate::licenses::assign(&cx, "target@contoso.com", "SPE_E3", &[]).map(drop),
                assign,
                &format!("{what} assign"),
            );
            expect(
                crate::licenses::unassign(&cx, "holder@contoso.com", "SPE_E3"),
                remove,
                &format!("{what} remove"),
            );
            expect(
                crate::subscriptions::set_quantity(&cx, sub, 6).map(drop),
                buy,
                &format!("{what} buy"),
            );
            expect(
                crate::users::delete(&cx, "leaver@contoso.com").map(drop),
                delete,
                &format!("{what} delete"),
            );
            // Every admin role may read (R1); a plain user may not.
            assert!(crate::licenses::page(&cx).is_ok(), "{what} read");
        }
        let (store, _) = tenant_with_catalog();
        add_user(&store, "plain@contoso.com");
        let err = crate::licenses::page(&Cx::new(&store, "plain@contoso.com", NOW)).unwrap_err();
        assert_eq!(err.kind(), "forbidden");
    }
}
