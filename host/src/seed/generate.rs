//! `seats init --generate N`: a realistic tenant of N users for benchmarks, built quickly and
//! still entirely through the component's exports (the host decides the tenant's shape, the
//! domain checks and writes every user, subscription and license).
//!
//! The subscriptions are bought first; then users are created with their licenses by batched
//! `create-licensed-users` calls, all inside the one outer transaction `init` opens. Deterministic (fixed seed): the same N gives the same tenant.

use crate::service::Session;
use crate::service::model::licenses::LicenseChoice;
use crate::service::model::types::{BillingFrequency, UserKind};
use crate::service::model::users::{NewLicensedUser, NewUser};
use anyhow::Result;
use std::collections::BTreeMap;
use std::time::Instant;

const DOMAIN: &str = "contoso.com";
/// Users per create-licensed-users call: few calls, since each counts the pools of the
/// products it assigns; the component pages within a call.
const BATCH: usize = 200_000;
/// Indexes generating never reads whose keys may arrive out of order (audit entries by a
/// named target; since schema 13 few, the users' entries being by user id): created once at
/// the end instead of updated per row. The other secondary indexes of audit and users get
/// their keys in order or from a few values (user id, department, location), so each insert
/// lands where the last one did: measured at 1M, keeping those up to date cost 1.2-2 s less
/// than building them at the end.
const DEFERRED_INDEXES: &[&str] = &["audit_by_target"];
/// The most licenses one subscription may hold (the domain's limit); bigger pools are several.
const MAX_SUBSCRIPTION: i64 = 500_000;

/// (department, share of users in per mille)
const DEPARTMENTS: &[(&str, u32)] = &[
    ("Engineering", 220),
    ("Sales", 180),
    ("Support", 140),
    ("Operations", 100),
    ("Finance", 80),
    ("Marketing", 80),
    ("HR", 50),
    ("Legal", 40),
    ("IT", 40),
    ("Research", 40),
    ("Procurement", 20),
    ("Facilities", 10),
];
const LOCATIONS: &[(&str, u32)] = &[
    ("US", 400),
    ("GB", 100),
    ("DE", 100),
    ("IN", 100),
    ("DK", 80),
    ("FR", 80),
    ("JP", 80),
    ("SE", 60),
];
const FIRST: &[&str] = &[
    "ana", "bo", "carla", "dev", "emma", "frederik", "grace", "hassan", "ida", "jonas", "karin",
    "lars", "maja", "noah", "olivia", "per", "quinn", "rasmus", "sofia", "theo", "ulla", "victor",
    "wen", "xenia", "yusuf", "zoe",
];
const LAST: &[&str] = &[
    "andersen", "berg", "diaz", "eriksen", "fischer", "garcia", "hansen", "ito", "jensen",
    "kowalski", "larsen", "miller", "nielsen", "olsen", "schmidt", "thomsen",
];

fn pick<'a>(rng: &mut fastrand::Rng, table: &[(&'a str, u32)]) -> &'a str {
    let mut n = rng.u32(0..1000);
    for (item, share) in table {
        if n < *share {
            return item;
        }
        n -= share;
    }
    table[0].0
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Who a generated user is and which licenses they get.
struct Person {
    user: NewUser,
    /// (part number, disabled plans); empty for the unlicensed.
    licenses: Vec<(&'static str, &'static [&'static str])>,
    deleted: bool,
}

fn person(rng: &mut fastrand::Rng, i: u32) -> Person {
    let first = FIRST[rng.usize(..FIRST.len())];
    let last = LAST[rng.usize(..LAST.len())];
    let dept = pick(rng, DEPARTMENTS);
    let roll = rng.u32(0..1000);
    let (enabled, deleted, unlicensed) = (roll >= 40, (40..50).contains(&roll), roll >= 940);
    let mut licenses: Vec<(&'static str, &'static [&'static str])> = Vec::new();
    if !unlicensed {
        let main: &'static str = match dept {
            "Support" | "Operations" | "Facilities" => "SPE_F1",
            "Legal" => "SPE_E5",
            "Finance" | "IT" if rng.u32(0..3) == 0 => "SPE_E5",
            _ => "SPE_E3",
        };
        // Some Sales users do without Teams calling (L3).
        let disabled: &'static [&'static str] =
            if main == "SPE_E3" && dept == "Sales" && rng.u32(0..4) == 0 {
                &["MCOSTANDARD"]
            } else {
                &[]
            };
        licenses.push((main, disabled));
        if matches!(dept, "Finance" | "Engineering" | "Research" | "Marketing")
            && rng.bool()
            && main != "SPE_F1"
        {
            licenses.push(("POWER_BI_PRO", &[]));
        }
        if matches!(dept, "Engineering" | "Research") && rng.u32(0..7) == 0 {
            licenses.push(("VISIOCLIENT", &[]));
        }
    }
    Person {
        user: NewUser {
            upn: format!("{first}.{last}{}@{DOMAIN}", i + 1),
            display_name: format!("{} {}", capitalised(first), capitalised(last)),
            department: Some(dept.to_string()),
            usage_location: Some(pick(rng, LOCATIONS).to_string()),
            enabled,
            kind: UserKind::User,
            mailbox_gb: rng.u32(1..40),
        },
        licenses,
        deleted,
    }
}

/// Time spent in each step, for `init` to report.
#[derive(Default)]
pub struct Timings {
    /// The tenant's people drawn at random.
    pub people: f64,
    pub subscriptions: f64,
    /// Users created with their licenses.
    pub users: f64,
    /// How the users' writes went behind the planning (`db/behind.rs`).
    pub behind: crate::service::load::WriteBehind,
    pub deletes: f64,
    /// Groups made and their licenses given to their members.
    pub groups: f64,
    pub indexes: f64,
}

/// The generated tenant's groups (GL1): two dynamic groups that give a product to their
/// members, and a static project group. The benchmarks change the first two.
pub const WORKPLACE: &str = "Workplace";
pub const WORKPLACE_RULE: &str =
    r#"user.usageLocation -in ["US", "GB", "DE"] -and user.kind -eq "user""#;
pub const SALES_TEAM: &str = "Sales team";
pub const SALES_RULE: &str = r#"user.department -eq "Sales" -and user.kind -eq "user""#;
/// What Workplace gives; what Sales team gives (and the benchmarks add to Workplace).
pub const WORKPLACE_PRODUCT: &str = "EMSPREMIUM";
pub const SALES_PRODUCT: &str = "AAD_PREMIUM_P2";
const WORKPLACE_LOCATIONS: [&str; 3] = ["US", "GB", "DE"];

/// Builds a tenant of `n` users (plus a few mailboxes that need no license).
pub fn build(s: &mut Session, n: u32) -> Result<Timings> {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut t = Timings::default();
    let deferred = s.defer_indexes(DEFERRED_INDEXES)?;
    let started = Instant::now();
    let people: Vec<Person> = (0..n).map(|i| person(&mut rng, i)).collect();
    t.people = started.elapsed().as_secs_f64();

    // Pools sized from what is assigned, with room for the benchmarks' operations: every E3
    // holder can move to E5, and every unlicensed user can get E3. Bought first, so each user
    // is created with their licenses in one step.
    let started = Instant::now();
    let mut held: BTreeMap<&str, i64> = BTreeMap::new();
    // Leavers hold theirs until they are deleted, at the end.
    for p in &people {
        for (product, _) in &p.licenses {
            *held.entry(product).or_default() += 1;
        }
    }
    let unlicensed = people.iter().filter(|p| p.licenses.is_empty()).count() as i64;
    // The groups' products: Workplace's for its members, and room for anyone to get the
    // other one (the benchmarks give it to Workplace and grow Sales team).
    let workplace = people
        .iter()
        .filter(|p| {
            p.user
                .usage_location
                .as_deref()
                .is_some_and(|l| WORKPLACE_LOCATIONS.contains(&l))
        })
        .count() as i64;
    held.insert(WORKPLACE_PRODUCT, workplace);
    held.insert(SALES_PRODUCT, i64::from(n));
    let e3 = held.get("SPE_E3").copied().unwrap_or(0);
    let room = |k: i64| k + k / 50 + 10;
    crate::seed::demo::add_card(s)?;
    let mut orders: Vec<(&str, i64)> = Vec::new();
    for (product, count) in &held {
        let want = match *product {
            "SPE_E3" => room(count + unlicensed),
            "SPE_E5" => room(count + e3),
            _ => room(*count),
        };
        orders.push((product, want));
    }
    for (i, (product, mut want)) in orders.into_iter().enumerate() {
        while want > 0 {
            let quantity = want.min(MAX_SUBSCRIPTION);
            want -= quantity;
            let billing = if i % 2 == 0 {
                BillingFrequency::Annual
            } else {
                BillingFrequency::Monthly
            };
            s.buy(product, quantity, billing)?;
        }
    }
    t.subscriptions = started.elapsed().as_secs_f64();

    // Users with their licenses, in id order, a batch per create-licensed-users call.
    let started = Instant::now();
    let mailboxes = (n / 1000).max(2);
    let shared = (0..mailboxes).map(|i| NewLicensedUser {
        user: NewUser {
            upn: format!("shared{}@{DOMAIN}", i + 1),
            display_name: format!("Shared mailbox {}", i + 1),
            department: None,
            usage_location: Some("US".into()),
            enabled: true,
            kind: if i % 5 == 4 {
                UserKind::RoomMailbox
            } else {
                UserKind::SharedMailbox
            },
            mailbox_gb: rng.u32(1..60),
        },
        licenses: Vec::new(),
    });
    let mut all: Vec<NewLicensedUser> = people
        .iter()
        .map(|p| NewLicensedUser {
            user: p.user.clone(),
            licenses: p
                .licenses
                .iter()
                .map(|(product, disabled)| LicenseChoice {
                    product: product.to_string(),
                    disabled_plans: disabled.iter().map(|p| p.to_string()).collect(),
                })
                .collect(),
        })
        .collect();
    all.extend(shared);
    for batch in all.chunks(BATCH) {
        s.create_licensed_users(batch)?;
    }
    t.users = started.elapsed().as_secs_f64();
    t.behind = s.write_behind_stats();

    // A few leavers: deleted, their licenses kept for a restore (L8).
    let started = Instant::now();
    for p in people.iter().filter(|p| p.deleted) {
        s.delete_user(&p.user.upn)?;
    }
    t.deletes = started.elapsed().as_secs_f64();

    // Groups, as a real tenant has them: their members get their products in the load.
    let started = Instant::now();
    let choice = |p: &str| LicenseChoice {
        product: p.to_string(),
        disabled_plans: vec![],
    };
    s.create_group(
        WORKPLACE,
        Some("The US, GB and DE offices"),
        Some(WORKPLACE_RULE),
    )?;
    s.set_group_licenses(WORKPLACE, &[choice(WORKPLACE_PRODUCT)], &[])?;
    s.create_group(SALES_TEAM, Some("Everyone in Sales"), Some(SALES_RULE))?;
    s.set_group_licenses(SALES_TEAM, &[choice(SALES_PRODUCT)], &[])?;
    s.create_group("Project Phoenix", Some("A project team"), None)?;
    let team: Vec<String> = people
        .iter()
        .filter(|p| !p.deleted)
        .step_by(500)
        .map(|p| p.user.upn.clone())
        .collect();
    for batch in team.chunks(BATCH) {
        s.add_members("Project Phoenix", batch)?;
    }
    t.groups = started.elapsed().as_secs_f64();

    let started = Instant::now();
    s.build_indexes(&deferred)?;
    t.indexes = started.elapsed().as_secs_f64();
    Ok(t)
}
