//! What billing commands and cmdlets show: payment methods, ledger lines, invoices, previews.

use super::{SubscriptionRow, date};
use crate::service::model::text::charge_kind_text;
use crate::service::model::{billing, types};
use serde::Serialize;

#[derive(Serialize)]
pub struct ProfileRow {
    pub id: u64,
    pub name: String,
    pub owner: Option<String>,
    pub default_method: Option<u64>,
}

impl From<types::BillingProfile> for ProfileRow {
    fn from(p: types::BillingProfile) -> Self {
        ProfileRow {
            id: p.id,
            name: p.name,
            owner: p.owner,
            default_method: p.default_method,
        }
    }
}

#[derive(Serialize)]
pub struct MethodRow {
    pub id: u64,
    pub profile: u64,
    pub kind: &'static str,
    /// "Visa ending 4242, expires 12/2028", "Danske Bank ending 6243", "invoice to ...".
    pub method: String,
    pub holder: String,
    pub address: String,
    pub active: bool,
    pub added: String,
}

impl From<types::PaymentMethod> for MethodRow {
    fn from(m: types::PaymentMethod) -> Self {
        let (kind, method, holder, address) = match m.details {
            types::PaymentDetails::Card(c) => (
                "card",
                format!(
                    "{} ending {}, expires {:02}/{}",
                    c.brand, c.last4, c.exp_month, c.exp_year
                ),
                c.name_on_card,
                c.address,
            ),
            types::PaymentDetails::BankAccount(b) => (
                "bank-account",
                format!("{} ending {}", b.bank, b.last4),
                b.holder,
                String::new(),
            ),
            types::PaymentDetails::Invoice(email) => (
                "invoice",
                format!("invoice to {email}"),
                String::new(),
                String::new(),
            ),
        };
        MethodRow {
            id: m.id,
            profile: m.profile_id,
            kind,
            method,
            holder,
            address,
            active: m.active,
            added: date(m.added_at),
        }
    }
}

#[derive(Serialize)]
pub struct ChargeRow {
    pub line: u64,
    pub subscription: u64,
    pub kind: &'static str,
    pub quantity: u32,
    pub from: String,
    pub to: String,
    pub days: i64,
    pub cycle_days: i64,
    pub unit_price: String,
    pub amount: String,
    pub description: String,
    pub invoice: Option<u64>,
}

impl From<types::Charge> for ChargeRow {
    fn from(c: types::Charge) -> Self {
        ChargeRow {
            line: c.id,
            subscription: c.subscription_id,
            kind: charge_kind_text(c.kind),
            quantity: c.quantity,
            from: date(c.days_from),
            to: date(c.days_to),
            days: (c.days_to - c.days_from) / 86_400,
            cycle_days: (c.cycle_end - c.cycle_start) / 86_400,
            unit_price: c.unit_price,
            amount: c.amount,
            description: c.description,
            invoice: c.invoice_id,
        }
    }
}

#[derive(Serialize)]
pub struct InvoiceRow {
    pub id: u64,
    pub profile: u64,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub issued: String,
    pub lines: u32,
    pub total: String,
    pub currency: String,
}

impl From<types::Invoice> for InvoiceRow {
    fn from(i: types::Invoice) -> Self {
        InvoiceRow {
            id: i.id,
            profile: i.profile_id,
            period: date(i.period_start).chars().take(7).collect(),
            period_start: date(i.period_start),
            period_end: date(i.period_end),
            issued: date(i.issued_at),
            lines: i.lines,
            total: i.total,
            currency: i.currency,
        }
    }
}

#[derive(Serialize)]
pub struct InvoiceDetailRow {
    #[serde(flatten)]
    pub invoice: InvoiceRow,
    pub items: Vec<ChargeRow>,
}

impl From<billing::InvoiceDetail> for InvoiceDetailRow {
    fn from(d: billing::InvoiceDetail) -> Self {
        InvoiceDetailRow {
            invoice: d.invoice.into(),
            items: d.lines.into_iter().map(ChargeRow::from).collect(),
        }
    }
}

/// A purchase or change with what it charged.
#[derive(Serialize)]
pub struct BilledRow {
    #[serde(flatten)]
    pub subscription: SubscriptionRow,
    pub charged_now: String,
    pub charges: Vec<ChargeRow>,
    pub replayed: bool,
    pub idempotency_key: String,
    /// What an admin usually does next (S7).
    pub next_step: Option<String>,
}

#[derive(Serialize)]
pub struct PreviewRow {
    pub due_now: String,
    pub next_invoice_total: String,
    pub next_invoice_date: String,
    pub currency: String,
    pub lines: Vec<ChargeRow>,
}

impl From<billing::Preview> for PreviewRow {
    fn from(p: billing::Preview) -> Self {
        PreviewRow {
            due_now: p.due_now,
            next_invoice_total: p.next_invoice_total,
            next_invoice_date: date(p.next_invoice_date),
            currency: p.currency,
            lines: p.lines.into_iter().map(ChargeRow::from).collect(),
        }
    }
}
