//! The billing half of the `store` import: profiles, payment methods, the ledger, invoices,
//! idempotency records. Invoices and invoiced ledger entries are immutable (triggers).

use super::Db;
use crate::bindings::text::{charge_kind_from, charge_kind_text};
use crate::bindings::types::*;
use rusqlite::{OptionalExtension, Params, Row, params};
use wasmtime::Result;

const METHOD_COLUMNS: &str = "id, profile_id, kind, brand, last4, exp_month, exp_year, holder, address, bank, email, \
     added_at, active";

type RawMethod = (
    PaymentMethod,
    String,
    [Option<String>; 7],
    Option<u8>,
    Option<u16>,
);

fn method(r: &Row) -> rusqlite::Result<RawMethod> {
    Ok((
        PaymentMethod {
            id: r.get::<_, i64>(0)? as u64,
            profile_id: r.get::<_, i64>(1)? as u64,
            details: PaymentDetails::Invoice(String::new()),
            added_at: r.get(11)?,
            active: r.get(12)?,
        },
        r.get(2)?,
        [
            r.get(3)?,
            r.get(4)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            None,
        ],
        r.get(5)?,
        r.get(6)?,
    ))
}

fn decode_method(raw: RawMethod) -> Result<PaymentMethod> {
    let (mut m, kind, [brand, last4, holder, address, bank, email, _], month, year) = raw;
    let text = |v: Option<String>| v.unwrap_or_default();
    m.details = match kind.as_str() {
        "card" => PaymentDetails::Card(Card {
            brand: text(brand),
            last4: text(last4),
            exp_month: month.unwrap_or_default(),
            exp_year: year.unwrap_or_default(),
            name_on_card: text(holder),
            address: text(address),
        }),
        "bank-account" => PaymentDetails::BankAccount(BankAccount {
            bank: text(bank),
            holder: text(holder),
            last4: text(last4),
        }),
        "invoice" => PaymentDetails::Invoice(text(email)),
        other => wasmtime::bail!("unknown payment method kind '{other}' in the database"),
    };
    Ok(m)
}

const CHARGE_COLUMNS: &str = "id, profile_id, subscription_id, payment_method, kind, description, quantity, unit_price, \
     cycle_start, cycle_end, days_from, days_to, amount, reverses, at, invoice_id";

fn charge(r: &Row) -> rusqlite::Result<(Charge, String)> {
    let id = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(|v| v as u64))
    };
    Ok((
        Charge {
            id: r.get::<_, i64>(0)? as u64,
            profile_id: r.get::<_, i64>(1)? as u64,
            subscription_id: r.get::<_, i64>(2)? as u64,
            payment_method: id(3)?,
            kind: ChargeKind::Purchase,
            description: r.get(5)?,
            quantity: r.get(6)?,
            unit_price: r.get(7)?,
            cycle_start: r.get(8)?,
            cycle_end: r.get(9)?,
            days_from: r.get(10)?,
            days_to: r.get(11)?,
            amount: r.get(12)?,
            reverses: id(13)?,
            at: r.get(14)?,
            invoice_id: id(15)?,
        },
        r.get(4)?,
    ))
}

const INVOICE_COLUMNS: &str =
    "id, profile_id, period_start, period_end, issued_at, currency, total, lines";

fn invoice(r: &Row) -> rusqlite::Result<Invoice> {
    Ok(Invoice {
        id: r.get::<_, i64>(0)? as u64,
        profile_id: r.get::<_, i64>(1)? as u64,
        period_start: r.get(2)?,
        period_end: r.get(3)?,
        issued_at: r.get(4)?,
        currency: r.get(5)?,
        total: r.get(6)?,
        lines: r.get(7)?,
    })
}

impl Db {
    pub(super) fn billing_insert_profile(&mut self, p: BillingProfile) -> Result<u64> {
        self.conn()
            .prepare_cached(
                "INSERT INTO billing_profiles (name, owner, default_method, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![p.name, p.owner, p.default_method.map(|v| v as i64), p.created_at])?;
        Ok(self.conn().last_insert_rowid() as u64)
    }

    pub(super) fn billing_update_profile(&mut self, p: BillingProfile) -> Result<()> {
        let n = self.conn()
            .prepare_cached("UPDATE billing_profiles SET name = ?2, owner = ?3, default_method = ?4 WHERE id = ?1")?
            .execute(params![p.id as i64, p.name, p.owner, p.default_method.map(|v| v as i64)])?;
        wasmtime::ensure!(n == 1, "no billing profile {} to update", p.id);
        Ok(())
    }

    pub(super) fn billing_profiles(&mut self) -> Result<Vec<BillingProfile>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, name, owner, default_method, created_at FROM billing_profiles ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BillingProfile {
                id: r.get::<_, i64>(0)? as u64,
                name: r.get(1)?,
                owner: r.get(2)?,
                default_method: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
                created_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Inserts (`insert`) or updates a payment method; returns its id.
    pub(super) fn billing_put_method(&mut self, m: PaymentMethod, insert: bool) -> Result<u64> {
        let (kind, brand, last4, month, year, holder, address, bank, email) = match &m.details {
            PaymentDetails::Card(c) => (
                "card",
                Some(&c.brand),
                Some(&c.last4),
                Some(c.exp_month),
                Some(c.exp_year),
                Some(&c.name_on_card),
                Some(&c.address),
                None,
                None,
            ),
            PaymentDetails::BankAccount(b) => (
                "bank-account",
                None,
                Some(&b.last4),
                None,
                None,
                Some(&b.holder),
                None,
                Some(&b.bank),
                None,
            ),
            PaymentDetails::Invoice(e) => {
                ("invoice", None, None, None, None, None, None, None, Some(e))
            }
        };
        let sql = if insert {
            "INSERT INTO payment_methods (profile_id, kind, brand, last4, exp_month, exp_year, holder, address, bank,
                 email, added_at, active)
             VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             RETURNING id"
        } else {
            "UPDATE payment_methods SET profile_id = ?2, kind = ?3, brand = ?4, last4 = ?5, exp_month = ?6,
                 exp_year = ?7, holder = ?8, address = ?9, bank = ?10, email = ?11, added_at = ?12, active = ?13
             WHERE id = ?1 RETURNING id"
        };
        let id: i64 = self.conn().prepare_cached(sql)?.query_row(
            params![
                m.id as i64,
                m.profile_id as i64,
                kind,
                brand,
                last4,
                month,
                year,
                holder,
                address,
                bank,
                email,
                m.added_at,
                m.active
            ],
            |r| r.get(0),
        )?;
        Ok(id as u64)
    }

    pub(super) fn billing_methods(
        &mut self,
        filter: &str,
        param: u64,
    ) -> Result<Vec<PaymentMethod>> {
        let sql =
            format!("SELECT {METHOD_COLUMNS} FROM payment_methods WHERE {filter} ORDER BY id");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let raws: Vec<RawMethod> = stmt
            .query_map([param as i64], method)?
            .collect::<rusqlite::Result<_>>()?;
        raws.into_iter().map(decode_method).collect()
    }

    pub(super) fn billing_insert_charges(&mut self, charges: Vec<Charge>) -> Result<Vec<u64>> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT INTO charges (profile_id, subscription_id, payment_method, kind, description, quantity, unit_price,
                 cycle_start, cycle_end, days_from, days_to, amount, reverses, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING id",
        )?;
        let mut ids = Vec::with_capacity(charges.len());
        for c in charges {
            let id: i64 = stmt.query_row(
                params![
                    c.profile_id as i64,
                    c.subscription_id as i64,
                    c.payment_method.map(|v| v as i64),
                    charge_kind_text(c.kind),
                    c.description,
                    c.quantity,
                    c.unit_price,
                    c.cycle_start,
                    c.cycle_end,
                    c.days_from,
                    c.days_to,
                    c.amount,
                    c.reverses.map(|v| v as i64),
                    c.at
                ],
                |r| r.get(0),
            )?;
            ids.push(id as u64);
        }
        Ok(ids)
    }

    pub(super) fn billing_charges(
        &mut self,
        filter: &str,
        param: Option<u64>,
    ) -> Result<Vec<Charge>> {
        let sql = format!("SELECT {CHARGE_COLUMNS} FROM charges WHERE {filter} ORDER BY id");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let raws: Vec<(Charge, String)> = match param {
            Some(p) => stmt
                .query_map([p as i64], charge)?
                .collect::<rusqlite::Result<_>>()?,
            None => stmt
                .query_map([], charge)?
                .collect::<rusqlite::Result<_>>()?,
        };
        raws.into_iter()
            .map(|(mut c, kind)| {
                c.kind = charge_kind_from(&kind)?;
                Ok(c)
            })
            .collect()
    }

    pub(super) fn billing_insert_invoice(
        &mut self,
        i: Invoice,
        charge_ids: Vec<u64>,
    ) -> Result<u64> {
        let id: i64 = self.conn()
            .prepare_cached(
                "INSERT INTO invoices (profile_id, period_start, period_end, issued_at, currency, total, lines)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            )?
            .query_row(
                params![i.profile_id as i64, i.period_start, i.period_end, i.issued_at, i.currency, i.total, i.lines],
                |r| r.get(0),
            )?;
        let mut stmt = self.conn().prepare_cached(
            "UPDATE charges SET invoice_id = ?1 WHERE id = ?2 AND invoice_id IS NULL",
        )?;
        for c in charge_ids {
            let n = stmt.execute(params![id, c as i64])?;
            wasmtime::ensure!(
                n == 1,
                "ledger entry {c} is missing or on an invoice already"
            );
        }
        Ok(id as u64)
    }

    /// The invoices `filter` (a WHERE clause, with its ORDER BY and LIMIT) selects.
    pub(super) fn billing_invoices<P: Params>(
        &mut self,
        filter: &str,
        params: P,
    ) -> Result<Vec<Invoice>> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE {filter}");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params, invoice)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(super) fn billing_get_idempotency(
        &mut self,
        key: String,
    ) -> Result<Option<IdempotencyRecord>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT key, request, response, at FROM idempotency WHERE key = ?1")?
            .query_row([key], |r| {
                Ok(IdempotencyRecord {
                    key: r.get(0)?,
                    request: r.get(1)?,
                    response: r.get(2)?,
                    at: r.get(3)?,
                })
            })
            .optional()?)
    }

    pub(super) fn billing_put_idempotency(&mut self, e: IdempotencyRecord) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO idempotency (key, request, response, at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![e.key, e.request, e.response, e.at])?;
        Ok(())
    }
}
