//! Who may do what (R1, R2): the role table, one row per operation, as data. Every export
//! asks it for its operation; `seats roles table` and docs/roles.md print it, and a test tries
//! every role against every row through the rules themselves.

use crate::Store;
use crate::actor::{self, Actor};
use crate::error::{Result, forbidden};
use crate::exports::seats::licensing::tenant::{MemberAccess, RoleRule};
use crate::types::{Operation, Role, Subscription};

/// One row: the roles that allow an operation, least privileged first (a refusal names the
/// first), and what users without an admin role may do of it.
pub struct Row {
    pub op: Operation,
    pub does: &'static str,
    pub roles: &'static [Role],
    pub members: MemberAccess,
}

use MemberAccess::{AnyUser, NotAllowed, OwnPurchases};
use Role::*;

const LICENSES: &[Role] = &[LicenseAdmin, UserAdmin, GlobalAdmin];
const USERS: &[Role] = &[UserAdmin, GlobalAdmin];
const BILLING: &[Role] = &[BillingAdmin, GlobalAdmin];
const GLOBAL: &[Role] = &[GlobalAdmin];

/// DOMAIN.md's matrix (assign, remove, buy, delete a user) and the operations around it.
pub static TABLE: [Row; 16] = [
    Row {
        op: Operation::Read,
        does: "view licenses, users, subscriptions, the catalog, the audit log; seats check",
        roles: &[
            ServiceAdmin,
            PasswordAdmin,
            LicenseAdmin,
            UserAdmin,
            BillingAdmin,
            GlobalAdmin,
        ],
        members: NotAllowed,
    },
    Row {
        op: Operation::AssignLicense,
        does: "assign a license, switch its service plans",
        roles: LICENSES,
        members: OwnPurchases,
    },
    Row {
        op: Operation::RemoveLicense,
        does: "remove a license",
        roles: LICENSES,
        members: OwnPurchases,
    },
    Row {
        op: Operation::ManageUsers,
        does: "create and change users and their mailboxes",
        roles: USERS,
        members: NotAllowed,
    },
    Row {
        op: Operation::DeleteUser,
        does: "delete and restore users",
        roles: USERS,
        members: NotAllowed,
    },
    Row {
        op: Operation::BuyLicenses,
        does: "buy, add, remove, cancel and renew licenses and subscriptions; trials",
        roles: BILLING,
        members: OwnPurchases,
    },
    Row {
        op: Operation::ManageBilling,
        does: "billing profiles, payment methods, invoices",
        roles: BILLING,
        members: OwnPurchases,
    },
    Row {
        op: Operation::Process,
        does: "apply what fell due: renewals, expiry, charges, invoices, data purges",
        roles: BILLING,
        members: NotAllowed,
    },
    Row {
        op: Operation::TakeOver,
        does: "take a user's self-service subscription over",
        roles: BILLING,
        members: NotAllowed,
    },
    Row {
        op: Operation::ManagePrices,
        does: "set the catalog's prices",
        roles: BILLING,
        members: NotAllowed,
    },
    Row {
        op: Operation::ImportCatalog,
        does: "import the product catalog and its service-plan rules",
        roles: GLOBAL,
        members: NotAllowed,
    },
    Row {
        op: Operation::GrantRoles,
        does: "grant admin roles",
        roles: GLOBAL,
        members: NotAllowed,
    },
    Row {
        op: Operation::TenantSettings,
        does: "change the tenant's settings (default usage location)",
        roles: GLOBAL,
        members: NotAllowed,
    },
    Row {
        op: Operation::MoveClock,
        does: "move the tenant's clock forward (seats clock advance)",
        roles: GLOBAL,
        members: NotAllowed,
    },
    Row {
        op: Operation::ManageGroups,
        does: "create and delete groups, add and remove their members (GL1, GL6)",
        roles: USERS,
        members: NotAllowed,
    },
    Row {
        op: Operation::BuySelfService,
        does: "buy a self-service subscription for one's team",
        roles: &[],
        members: AnyUser,
    },
];

pub const ALL_ROLES: [Role; 6] = [
    GlobalAdmin,
    BillingAdmin,
    UserAdmin,
    LicenseAdmin,
    ServiceAdmin,
    PasswordAdmin,
];

pub fn row(op: Operation) -> &'static Row {
    TABLE
        .iter()
        .find(|r| r.op == op)
        .expect("every operation has a row")
}

pub fn allows(role: Role, op: Operation) -> bool {
    row(op).roles.contains(&role)
}

/// The least privileged role that allows `op`: the one a refusal names.
pub fn least_role_for(op: Operation) -> Option<Role> {
    row(op).roles.first().copied()
}

/// The table as the contract spells it.
pub fn table() -> Vec<RoleRule> {
    TABLE
        .iter()
        .map(|r| RoleRule {
            operation: r.op,
            description: r.does.to_string(),
            roles: r.roles.to_vec(),
            members: r.members,
        })
        .collect()
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        GlobalAdmin => "Global administrator",
        BillingAdmin => "Billing administrator",
        UserAdmin => "User administrator",
        LicenseAdmin => "License administrator",
        ServiceAdmin => "Service administrator",
        PasswordAdmin => "Password administrator",
    }
}

/// The operation as a refusal says it: "X cannot {describe}".
fn describe(op: Operation) -> &'static str {
    match op {
        Operation::Read => "view the tenant",
        Operation::AssignLicense => "assign licenses",
        Operation::RemoveLicense => "remove licenses",
        Operation::ManageUsers => "create or change users",
        Operation::DeleteUser => "delete or restore users",
        Operation::BuyLicenses => "buy or remove licenses",
        Operation::ManageBilling => "manage billing (profiles, payment methods, invoices)",
        Operation::Process => "process renewals, charges and invoices",
        Operation::TakeOver => "take self-service subscriptions over",
        Operation::ManagePrices => "change prices",
        Operation::ImportCatalog => "import the catalog",
        Operation::GrantRoles => "grant admin roles",
        Operation::TenantSettings => "change tenant settings",
        Operation::MoveClock => "move the tenant's clock",
        Operation::BuySelfService => "buy through self-service",
        Operation::ManageGroups => "manage groups",
    }
}

fn names(roles: &[Role]) -> String {
    if roles.is_empty() {
        return "no admin role".to_string();
    }
    roles
        .iter()
        .map(|r| role_name(*r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The acting user, active, for an operation; else a refusal naming the role that would allow
/// it (R1).
fn active<S: Store + ?Sized>(store: &S, upn: &str, op: Operation) -> Result<Actor> {
    actor::active(store, upn).map_err(|why| {
        forbidden(
            least_role_for(op),
            format!(
                "{why}, so it cannot {}; act as an administrator (--as UPN)",
                describe(op)
            ),
        )
    })
}

/// The actor, when one of its roles allows `op` (R1), or, for a self-service purchase, when
/// it holds none; else a refusal naming a role that would allow it.
pub fn authorize<S: Store + ?Sized>(store: &S, upn: &str, op: Operation) -> Result<Actor> {
    let actor = active(store, upn, op)?;
    let row = row(op);
    if row.members == AnyUser && !actor.is_admin() {
        return Ok(actor);
    }
    if actor.roles.iter().any(|r| row.roles.contains(r)) {
        return Ok(actor);
    }
    let who = &actor.user.upn;
    Err(match least_role_for(op) {
        Some(needed) => forbidden(
            Some(needed),
            format!(
                "{who} cannot {}: that needs the {} role{}; {who} holds {}",
                describe(op),
                role_name(needed),
                if needed == GlobalAdmin {
                    ""
                } else {
                    " (or Global administrator)"
                },
                names(&actor.roles)
            ),
        ),
        None => forbidden(
            None,
            format!(
                "{who} holds an admin role ({}): self-service purchases are for users without \
                 one; the organisation buys with `seats buy` (Billing administrator)",
                names(&actor.roles)
            ),
        ),
    })
}

/// Who pays and whose billing an actor sees (R2, P2).
pub enum Payer {
    /// A Global or Billing administrator: the organisation's profiles.
    Organisation(Actor),
    /// A user without an admin role: their own self-service profile.
    Member(Actor),
}

/// The billing an actor acts on: the organisation's with a role that allows it, their own
/// without any admin role; an admin without the role is refused, naming it (R2).
pub fn payer<S: Store + ?Sized>(store: &S, upn: &str) -> Result<Payer> {
    let actor = active(store, upn, Operation::ManageBilling)?;
    if !actor.is_admin() {
        return Ok(Payer::Member(actor));
    }
    authorize(store, upn, Operation::ManageBilling).map(Payer::Organisation)
}

/// The actor, for `op` on one subscription: the organisation's needs a role that allows it
/// (R2); a self-service one is its purchaser's alone (P2), read-only to admins until they
/// take it over (P3, P4).
pub fn for_subscription<S: Store + ?Sized>(
    store: &S,
    upn: &str,
    s: &Subscription,
    op: Operation,
) -> Result<Actor> {
    let Some(purchaser) = &s.purchaser else {
        return authorize(store, upn, op);
    };
    let actor = active(store, upn, op)?;
    if actor.is(purchaser) && row(op).members == OwnPurchases {
        return Ok(actor);
    }
    let id = s.id;
    Err(if actor.is_admin() {
        forbidden(
            None,
            format!(
                "subscription {id} is a self-service subscription of {purchaser}: admins have a \
                 read-only view of it. To {} it, take it over for the organisation first \
                 (`seats self-service take-over {id}`)",
                match op {
                    Operation::AssignLicense | Operation::RemoveLicense => "change the licenses of",
                    _ => "change",
                }
            ),
        )
    } else {
        forbidden(
            None,
            format!("subscription {id} was bought by {purchaser}: only its purchaser manages it"),
        )
    })
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
