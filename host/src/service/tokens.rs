//! Bearer tokens for `seats serve`: made from the operating system's randomness, shown once,
//! stored as SHA-256, revocable. A token acts as its user: what the user's roles allow (R1),
//! the component decides on every request, as for the CLI's `--as`.

use super::Session;
pub use crate::db::tokens::TokenRow;
use anyhow::{Result, bail};
use sha2::{Digest, Sha256};

/// What tokens begin with, so a leaked one is recognisable (secret scanners look for it).
pub const PREFIX: &str = "seats_";

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Session {
    /// A new token acting as `upn`, an active user; the token is returned once, never stored.
    pub fn create_token(&mut self, upn: &str, name: &str, now: i64) -> Result<(u64, String)> {
        let db = self.rt.db();
        if !db.is_active_user(upn)? {
            bail!("{upn} is not an active user of the tenant: a token acts as one");
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
        let token = format!(
            "{PREFIX}{}",
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let id = db.insert_token(&hash(&token), upn, name, now)?;
        Ok((id, token))
    }

    /// Who a token acts as, when it is live.
    pub fn token_actor(&mut self, token: &str) -> Result<Option<String>> {
        if !token.starts_with(PREFIX) || token.len() > 200 {
            return Ok(None);
        }
        self.rt.db().token_upn(&hash(token))
    }

    pub fn tokens(&mut self) -> Result<Vec<TokenRow>> {
        self.rt.db().tokens()
    }

    pub fn revoke_token(&mut self, id: u64, now: i64) -> Result<()> {
        if !self.rt.db().revoke_token(id, now)? {
            bail!("there is no live token {id}: `seats tokens list` shows them");
        }
        Ok(())
    }
}
