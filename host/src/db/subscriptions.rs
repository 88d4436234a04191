//! Subscriptions for the `store` import: each row with its status, billing, channel and
//! cancellation.

use super::Db;
use super::rows::{SUBSCRIPTION_COLUMNS, decode_subscription, subscription};
use crate::bindings::text::{billing_text, channel_text, status_text};
use crate::bindings::types::*;
use rusqlite::{OptionalExtension, params};
use wasmtime::Result;

impl Db {
    pub(super) fn subscriptions_insert(&mut self, s: Subscription) -> Result<u64> {
        self.conn()
            .prepare_cached(
                "INSERT INTO subscriptions
                     (sku_id, quantity, status, billing, channel, recurring, created_at, term_end, anchor, terms, purchaser,
                      billing_profile, payment_method, partner, credit_check_until, cancelled_at, cancel_reason, cancel_feedback)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            )?
            .execute(params![
                s.sku_id,
                s.quantity,
                status_text(s.status),
                billing_text(s.billing),
                channel_text(s.channel),
                s.recurring,
                s.created_at,
                s.term_end,
                s.anchor,
                s.terms,
                s.purchaser,
                s.billing_profile.map(|v| v as i64),
                s.payment_method.map(|v| v as i64),
                s.partner,
                s.credit_check_until,
                s.cancellation.as_ref().map(|c| c.at),
                s.cancellation.as_ref().map(|c| crate::bindings::text::reason_text(c.reason)),
                s.cancellation.as_ref().and_then(|c| c.feedback.clone())
            ])?;
        Ok(self.conn().last_insert_rowid() as u64)
    }

    pub(super) fn subscriptions_update(&mut self, s: Subscription) -> Result<()> {
        let n = self.conn()
            .prepare_cached(
                "UPDATE subscriptions SET sku_id = ?2, quantity = ?3, status = ?4, billing = ?5, channel = ?6,
                     recurring = ?7, created_at = ?8, term_end = ?9, anchor = ?10, terms = ?11, purchaser = ?12,
                     billing_profile = ?13, payment_method = ?14, partner = ?15, credit_check_until = ?16,
                     cancelled_at = ?17, cancel_reason = ?18, cancel_feedback = ?19 WHERE id = ?1",
            )?
            .execute(params![
                s.id as i64,
                s.sku_id,
                s.quantity,
                status_text(s.status),
                billing_text(s.billing),
                channel_text(s.channel),
                s.recurring,
                s.created_at,
                s.term_end,
                s.anchor,
                s.terms,
                s.purchaser,
                s.billing_profile.map(|v| v as i64),
                s.payment_method.map(|v| v as i64),
                s.partner,
                s.credit_check_until,
                s.cancellation.as_ref().map(|c| c.at),
                s.cancellation.as_ref().map(|c| crate::bindings::text::reason_text(c.reason)),
                s.cancellation.as_ref().and_then(|c| c.feedback.clone())
            ])?;
        wasmtime::ensure!(n == 1, "no subscription {} to update", s.id);
        Ok(())
    }

    pub(super) fn subscriptions_get(&mut self, id: u64) -> Result<Option<Subscription>> {
        let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ?1");
        let raw = self
            .conn()
            .prepare_cached(&sql)?
            .query_row([id as i64], subscription)
            .optional()?;
        raw.map(decode_subscription).transpose()
    }

    pub(super) fn subscriptions_of_sku(&mut self, sku_id: String) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE sku_id = ?1 ORDER BY id"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let raws: Vec<_> = stmt
            .query_map([sku_id], subscription)?
            .collect::<rusqlite::Result<_>>()?;
        raws.into_iter().map(decode_subscription).collect()
    }

    pub(super) fn subscriptions_list(
        &mut self,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id > ?1 ORDER BY id LIMIT ?2"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let raws: Vec<_> = stmt
            .query_map(params![after.unwrap_or(0) as i64, limit], subscription)?
            .collect::<rusqlite::Result<_>>()?;
        raws.into_iter().map(decode_subscription).collect()
    }

    pub(super) fn subscriptions_of_purchaser(&mut self, upn: String) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE purchaser = ?1 COLLATE NOCASE ORDER BY id"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let raws: Vec<_> = stmt
            .query_map([upn], subscription)?
            .collect::<rusqlite::Result<_>>()?;
        raws.into_iter().map(decode_subscription).collect()
    }
}
