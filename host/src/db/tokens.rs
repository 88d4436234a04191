//! Bearer tokens for `seats serve` (schema 10): who a token acts as. Only a token's SHA-256
//! is stored, so the file does not hold a usable token.

use super::Db;
use anyhow::Result;
use rusqlite::OptionalExtension;

/// A token as listed: never the token itself.
#[derive(Debug, serde::Serialize)]
pub struct TokenRow {
    pub id: u64,
    pub upn: String,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl Db {
    pub fn insert_token(&self, hash: &str, upn: &str, name: &str, now: i64) -> Result<u64> {
        self.conn().execute(
            "INSERT INTO tokens (hash, upn, name, created_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![hash, upn, name, now],
        )?;
        Ok(self.conn().last_insert_rowid() as u64)
    }

    /// The UPN a live (not revoked) token acts as.
    pub fn token_upn(&self, hash: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT upn FROM tokens WHERE hash = ?1 AND revoked_at IS NULL")?
            .query_row([hash], |r| r.get(0))
            .optional()?)
    }

    pub fn tokens(&self) -> Result<Vec<TokenRow>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, upn, name, created_at, revoked_at FROM tokens ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(TokenRow {
                id: r.get::<_, i64>(0)? as u64,
                upn: r.get(1)?,
                name: r.get(2)?,
                created_at: r.get(3)?,
                revoked_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Revokes a token; false when there is no such live token.
    pub fn revoke_token(&self, id: u64, now: i64) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            rusqlite::params![id as i64, now],
        )? == 1)
    }
}

impl Db {
    /// Whether a user of this UPN exists and is not deleted (a token acts only as one).
    pub fn is_active_user(&self, upn: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM users WHERE upn = ?1 AND deleted_at IS NULL",
                [upn],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}
