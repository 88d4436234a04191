//! `seats tokens`: bearer tokens for `seats serve`, each acting as a user (`--as`).

use super::Session;
use crate::output;
use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum TokensCommand {
    /// A new token acting as the user `--as` names (shown once; only its hash is kept).
    Create {
        /// What the token is for, to tell tokens apart when listing or revoking.
        #[arg(long, default_value = "seats serve")]
        name: String,
    },
    /// Every token: whom it acts as, when it was made or revoked (never the token).
    List,
    /// Stops a token working at once.
    Revoke {
        /// The token's id (`seats tokens list`).
        id: u64,
    },
}

pub fn run(s: &mut Session, cmd: &TokensCommand, now: i64) -> Result<()> {
    match cmd {
        TokensCommand::Create { name } => {
            let name = output::bounded(name, 100);
            let upn = s.actor.clone();
            let (id, token) = s.create_token(&upn, &name, now)?;
            eprintln!(
                "Token {id} acts as {upn}; it is shown once (send it as Authorization: Bearer):"
            );
            println!("{token}");
            Ok(())
        }
        TokensCommand::List => output::print(&s.tokens()?, s.format, None),
        TokensCommand::Revoke { id } => {
            s.revoke_token(*id, now)?;
            eprintln!("Token {id} is revoked.");
            Ok(())
        }
    }
}
