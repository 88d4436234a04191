//! Who acts: the acting principal as a user of the organisation, with the admin roles they
//! hold. Every authorisation starts here (`roles`), so "who is this" is answered once.

use crate::Store;
use crate::types::{Role, User};

pub struct Actor {
    pub user: User,
    /// Admin roles; none for a user of the organisation who administers nothing.
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        !self.roles.is_empty()
    }

    /// Whether the actor is this user (a UPN, without regard to case).
    pub fn is(&self, upn: &str) -> bool {
        self.user.upn.eq_ignore_ascii_case(upn.trim())
    }
}

/// The acting user when they exist, are not deleted and may sign in; else, in words, why not
/// ("is not a user of this tenant"), for the refusal to finish.
pub fn active<S: Store + ?Sized>(store: &S, upn: &str) -> Result<Actor, String> {
    let Some(user) = store.find_user(upn.trim()) else {
        return Err(format!("'{}' is not a user of this tenant", upn.trim()));
    };
    if user.deleted_at.is_some() {
        return Err(format!("{} is deleted", user.upn));
    }
    if !user.enabled {
        return Err(format!("{} is blocked from signing in", user.upn));
    }
    let roles = store.roles_of(&user.upn);
    Ok(Actor { user, roles })
}
