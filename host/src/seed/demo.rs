//! The demo tenant: a realistic organisation built through the component's exports, so every
//! rule holds for it. Deterministic (fixed seed), so docs and tests can rely on its shape.

use crate::service::Session;
use crate::service::model::billing::{NewCard, NewPaymentMethod};
use crate::service::model::types::{BillingFrequency, Role, UserKind};
use crate::service::model::users::NewUser;
use anyhow::Result;

const DOMAIN: &str = "contoso.com";
const FIRST: &[&str] = &[
    "Ana", "Bo", "Carla", "Dev", "Emma", "Frederik", "Grace", "Hassan", "Ida", "Jonas", "Karin",
    "Lars", "Maja", "Noah", "Olivia", "Per", "Quinn", "Rasmus", "Sofia", "Theo", "Ulla", "Victor",
    "Wen", "Xenia", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Andersen",
    "Berg",
    "Christensen",
    "Diaz",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Miller",
    "Nielsen",
    "Olsen",
    "Petersen",
    "Quist",
    "Rasmussen",
    "Schmidt",
    "Thomsen",
];
/// (department, share of users in percent)
const DEPARTMENTS: &[(&str, u32)] = &[
    ("Engineering", 25),
    ("Sales", 20),
    ("Support", 15),
    ("Finance", 10),
    ("Marketing", 10),
    ("Operations", 10),
    ("HR", 5),
    ("Legal", 5),
];
const LOCATIONS: &[(&str, u32)] = &[("US", 50), ("DK", 20), ("DE", 10), ("GB", 10), ("SE", 10)];

fn pick<'a>(rng: &mut fastrand::Rng, table: &[(&'a str, u32)]) -> &'a str {
    let mut n = rng.u32(0..100);
    for (item, share) in table {
        if n < *share {
            return item;
        }
        n -= share;
    }
    table[0].0
}

fn percent(n: u32, p: u32) -> i64 {
    i64::from((n * p).div_ceil(100).max(1))
}

pub fn build(s: &mut Session, users: u32) -> Result<()> {
    let mut rng = fastrand::Rng::with_seed(2026);
    let n = users.max(10);

    let mut people: Vec<NewUser> = Vec::new();
    for i in 0..n {
        let first = FIRST[rng.usize(..FIRST.len())];
        let last = LAST[rng.usize(..LAST.len())];
        people.push(NewUser {
            upn: format!(
                "{}.{}{}@{DOMAIN}",
                first.to_lowercase(),
                last.to_lowercase(),
                i + 1
            ),
            display_name: format!("{first} {last}"),
            department: Some(pick(&mut rng, DEPARTMENTS).to_string()),
            usage_location: Some(pick(&mut rng, LOCATIONS).to_string()),
            enabled: rng.u32(0..100) >= 4,
            kind: UserKind::User,
            mailbox_gb: rng.u32(1..40),
        });
    }
    let staff = [
        ("billing", "Billing Admin", Role::BillingAdmin),
        ("licenses", "License Admin", Role::LicenseAdmin),
        ("helpdesk", "Helpdesk (User Admin)", Role::UserAdmin),
    ];
    for (name, display, _) in staff {
        people.push(NewUser {
            upn: format!("{name}@{DOMAIN}"),
            display_name: display.into(),
            department: Some("IT".into()),
            usage_location: Some("US".into()),
            enabled: true,
            kind: UserKind::User,
            mailbox_gb: 3,
        });
    }
    // Mailboxes need no license, but for the shared one over its 50 GB quota (L9).
    for (name, display, kind, gb) in [
        ("info", "Info (shared)", UserKind::SharedMailbox, 12),
        (
            "archive",
            "Archive (shared, 64 GB)",
            UserKind::SharedMailbox,
            64,
        ),
        ("boardroom", "Boardroom", UserKind::RoomMailbox, 1),
        ("projector", "Projector", UserKind::ResourceMailbox, 0),
    ] {
        people.push(NewUser {
            upn: format!("{name}@{DOMAIN}"),
            display_name: display.into(),
            department: None,
            usage_location: Some("US".into()),
            enabled: true,
            kind,
            mailbox_gb: gb,
        });
    }
    s.create_users(&people)?;
    for (name, _, role) in staff {
        let upn = format!("{name}@{DOMAIN}");
        s.grant_role(&upn, role)?;
    }

    add_card(s)?;

    // Two subscriptions of Microsoft 365 E3 (one pool, L1), and a few other products.
    let orders = [
        ("SPE_E3", percent(n, 40), BillingFrequency::Annual),
        ("SPE_E3", percent(n, 20), BillingFrequency::Monthly),
        ("SPE_E5", percent(n, 8), BillingFrequency::Annual),
        ("SPE_F1", percent(n, 25), BillingFrequency::Annual),
        ("POWER_BI_PRO", percent(n, 15), BillingFrequency::Monthly),
        ("VISIOCLIENT", percent(n, 3), BillingFrequency::Annual),
    ];
    for (product, quantity, billing) in orders {
        s.buy(product, quantity, billing)?;
    }

    // Licenses by department, leaving the newest hires unlicensed and some room in each pool.
    let mut free: std::collections::HashMap<&str, i64> =
        orders.iter().fold(Default::default(), |mut m, (p, q, _)| {
            *m.entry(*p).or_default() += q - 2;
            m
        });
    let licensed = people.len() - staff.len() - 4 - (n as usize * 8 / 100);
    for (i, p) in people.iter().take(licensed).enumerate() {
        let dept = p.department.as_deref().unwrap_or_default();
        let main = match dept {
            "Support" | "Operations" => "SPE_F1",
            "Legal" => "SPE_E5",
            "Finance" if i % 3 == 0 => "SPE_E5",
            _ => "SPE_E3",
        };
        let mut products = vec![main];
        if matches!(dept, "Finance" | "Engineering") && i % 2 == 0 {
            products.push("POWER_BI_PRO");
        }
        if dept == "Engineering" && i % 7 == 0 {
            products.push("VISIOCLIENT");
        }
        for product in products {
            let left = free.entry(product).or_default();
            if *left <= 0 {
                continue;
            }
            *left -= 1;
            // Some Sales users do without Teams calling (L3).
            let disabled: Vec<String> = if product == "SPE_E3" && dept == "Sales" && i % 4 == 0 {
                vec!["MCOSTANDARD".into()]
            } else {
                vec![]
            };
            s.assign(&p.upn, product, &disabled)?;
        }
    }
    Ok(())
}

/// The organisation pays by card (a test number: only its last four digits are kept).
pub fn add_card(s: &mut Session) -> Result<()> {
    let card = NewPaymentMethod::Card(NewCard {
        number: "4242 4242 4242 4242".into(),
        security_code: "123".into(),
        exp_month: 12,
        exp_year: 2030,
        name_on_card: "Contoso Ltd".into(),
        address: "1 Harbour Street, Copenhagen".into(),
    });
    s.add_payment_method(None, &card, true)?;
    Ok(())
}
