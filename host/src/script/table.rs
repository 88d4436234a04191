//! Every cmdlet a script can call, with how to call it, its Graph PowerShell counterpart and
//! what it does: the one list that the shell completes from, `help()` prints and the README's
//! table is (a test checks both against what the engine registers).

/// One cmdlet: its name, how it is called, what Graph PowerShell (or the admin center) says
/// for it, and what it does.
pub struct Cmdlet {
    pub name: &'static str,
    pub call: &'static str,
    pub graph: &'static str,
    pub does: &'static str,
}

const fn c(
    name: &'static str,
    call: &'static str,
    graph: &'static str,
    does: &'static str,
) -> Cmdlet {
    Cmdlet {
        name,
        call,
        graph,
        does,
    }
}

pub const CMDLETS: &[Cmdlet] = &[
    c(
        "get_users",
        "get_users([#{unlicensed, product, department, usage_location, enabled, deleted, group, in_error}])",
        "`Get-MgUser -Filter`",
        "users, filtered",
    ),
    c(
        "users_where",
        "users_where(#{unlicensed, product, department, usage_location, enabled, group})",
        "`Get-MgUser -Filter -All \\| …`",
        "a selection for the bulk cmdlets, left in the component",
    ),
    c(
        "get_user",
        "get_user(upn)",
        "`Get-MgUser`, `Get-MgUserLicenseDetail`",
        "a user with licenses, plans and service data",
    ),
    c(
        "new_user",
        "new_user(#{upn, display_name, department, usage_location, kind, mailbox_gb, licenses})",
        "`New-MgUser`",
        "create a user, with their licenses in the same change (S7)",
    ),
    c(
        "new_users",
        "new_users([#{…, licenses}, …])",
        "admin center: Add multiple users",
        "create every user with their licenses, or none",
    ),
    c(
        "update_user",
        "update_user(upn, #{display_name, department, usage_location, enabled})",
        "`Update-MgUser`",
        "change a user",
    ),
    c(
        "remove_user",
        "remove_user(upn)",
        "`Remove-MgUser`",
        "delete a user: every license freed, restorable for 30 days (L8)",
    ),
    c(
        "restore_user",
        "restore_user(upn)",
        "`Restore-MgDirectoryDeletedItem`",
        "restore a deleted user, with the licenses the pools have room for",
    ),
    c(
        "get_licenses",
        "get_licenses()",
        "`Get-MgSubscribedSku`",
        "the Licenses page, per product",
    ),
    c(
        "get_products",
        "get_products()",
        "(the catalog CSV)",
        "products with prices and service plans",
    ),
    c(
        "get_subscriptions",
        "get_subscriptions()",
        "`Get-MgDirectorySubscription`",
        "one row per subscription",
    ),
    c(
        "new_subscription",
        "new_subscription(product, quantity[, #{billing, channel, product_key, partner}])",
        "admin center: Buy",
        "buy licenses, charged at once: the subscription with `charges` and `charged_now`",
    ),
    c(
        "set_quantity",
        "set_quantity(id, total)",
        "admin center: Add or remove licenses",
        "set a subscription's total (S1, S2), with `charges` and `charged_now`",
    ),
    c(
        "preview_quantity",
        "preview_quantity(id, total)",
        "admin center: Add or remove licenses (review)",
        "what a new total would cost now and on the next invoice; nothing changes",
    ),
    c(
        "cancel_subscription",
        "cancel_subscription(id, reason)",
        "admin center: Cancel subscription",
        "cancel within the window, with a prorated refund (S5)",
    ),
    c(
        "get_invoices",
        "get_invoices([#{last, from, to}])",
        "admin center: Bills & payments",
        "invoices: the last 3 months, `last: 6`, or `from` and `to`",
    ),
    c(
        "get_invoice",
        "get_invoice(id)",
        "admin center: an invoice",
        "one invoice with its lines",
    ),
    c(
        "get_pending_charges",
        "get_pending_charges()",
        "(the next invoice)",
        "ledger lines not invoiced yet",
    ),
    c(
        "get_payment_methods",
        "get_payment_methods()",
        "admin center: Payment methods",
        "the payment methods of your billing profile",
    ),
    c(
        "set_user_license",
        "set_user_license(upn, #{add, remove})",
        "`Set-MgUserLicense -AddLicenses -RemoveLicenses`",
        "one user, one change (G2)",
    ),
    c(
        "set_licenses",
        "set_licenses(users, #{add, remove, all_or_nothing})",
        "`… \\| Set-MgUserLicense`",
        "the same for many users, one call",
    ),
    c(
        "add_licenses",
        "add_licenses(users, products[, #{all_or_nothing}])",
        "admin center: Add to existing",
        "bulk add (L5)",
    ),
    c(
        "replace_licenses",
        "replace_licenses(users, products[, opts])",
        "admin center: Replace existing",
        "bulk replace (L5)",
    ),
    c(
        "remove_all_licenses",
        "remove_all_licenses(users[, opts])",
        "admin center: Unassign all",
        "bulk remove all (L5)",
    ),
    c(
        "remove_licenses",
        "remove_licenses(users, products[, opts])",
        "`Set-MgUserLicense -RemoveLicenses`",
        "bulk remove some (L6)",
    ),
    c(
        "get_conflicts",
        "get_conflicts()",
        "(admin center: license conflicts)",
        "products in conflict, and the ways out",
    ),
    c(
        "get_audit",
        "get_audit([#{by, action, target, last}])",
        "`Get-MgAuditLogDirectoryAudit`",
        "the audit log, oldest first; `last: N` only the newest N",
    ),
    c(
        "import_csv",
        "import_csv(path)",
        "`Import-Csv`",
        "CSV in: one map per row",
    ),
    c(
        "export_csv",
        "export_csv(objects or users_where(…), path)",
        "`Export-Csv`",
        "CSV out; a selection is written a page at a time, any number of users in flat memory \
         (cells a spreadsheet would run as formulas are written as text)",
    ),
    c(
        "each_user",
        "each_user(users_where(…), \\|u\\| …)",
        "`Get-MgUser -All \\| ForEach-Object`",
        "call a function with every user a selection holds, read a page at a time",
    ),
    c(
        "print_table",
        "print_table(objects)",
        "`Format-Table`",
        "show results as a table",
    ),
    c(
        "to_json",
        "to_json(value)",
        "`ConvertTo-Json`",
        "a value as JSON text",
    ),
    c(
        "get_groups",
        "get_groups()",
        "`Get-MgGroup`",
        "every group: static, or dynamic with its rule",
    ),
    c(
        "get_group",
        "get_group(group)",
        "`Get-MgGroup`, `Get-MgGroupLicense…`",
        "a group with its products, members and members in error",
    ),
    c(
        "new_group",
        "new_group(name, #{description, rule})",
        "`New-MgGroup`",
        "create a group; a rule (`user.department -eq \"Sales\"`) makes it dynamic",
    ),
    c(
        "remove_group",
        "remove_group(group)",
        "`Remove-MgGroup`",
        "delete a group that gives no product (GL6)",
    ),
    c(
        "add_group_members",
        "add_group_members(group, users)",
        "`New-MgGroupMember`",
        "users join a static group and get its products now",
    ),
    c(
        "remove_group_members",
        "remove_group_members(group, users)",
        "`Remove-MgGroupMemberByRef`",
        "users leave a static group and lose what only it gave",
    ),
    c(
        "set_group_license",
        "set_group_license(group, #{add: [...], remove: [...]})",
        "`Set-MgGroupLicense`",
        "a group's products added and removed in one change for every member (GL10)",
    ),
    c(
        "set_group_rule",
        "set_group_rule(group, rule)",
        "`Update-MgGroup -MembershipRule`",
        "a group's rule: its members follow it, with its products, now",
    ),
    c(
        "reprocess_group",
        "reprocess_group(group)",
        "`Invoke-MgLicenseUser`",
        "give the group's products again to its members in error (GL7)",
    ),
    c(
        "get_group_errors",
        "get_group_errors([group])",
        "`Get-MgUser` `licenseAssignmentStates`",
        "members in error, oldest first, with Graph's code (GL3)",
    ),
    c(
        "help",
        "help([name])",
        "`Get-Help`",
        "this table, or one cmdlet's line",
    ),
];

/// The table as the README shows it.
pub fn markdown() -> String {
    let mut out = String::from("| cmdlet | Graph PowerShell | what it does |\n|---|---|---|\n");
    for c in CMDLETS {
        out.push_str(&format!("| `{}` | {} | {} |\n", c.call, c.graph, c.does));
    }
    out
}

/// `help()`: every cmdlet, or the one named.
pub fn help(name: Option<&str>) -> String {
    CMDLETS
        .iter()
        .filter(|c| name.is_none_or(|n| c.name == n.trim()))
        .map(|c| format!("{:<90} {}", c.call, c.does))
        .collect::<Vec<_>>()
        .join("\n")
}
