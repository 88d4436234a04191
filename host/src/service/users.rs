//! The users' operations (interface `users`, L8, U1-U4, S7): one transaction each.

use super::model::types::User;
use super::model::users::{
    HoldingUser, NewLicensedUser, NewUser, RestoreResult, UserDetails, UserFilter, UserUpdate,
};
use super::{CallError, PAGE, Session, pages};

impl Session {
    /// A user with their licenses and whether they need one.
    pub fn get_user(&mut self, upn: &str) -> Result<UserDetails, CallError> {
        self.call(|d, st, actor| d.seats_licensing_users().call_get_user(st, actor, upn))
    }

    /// New users without licenses, all or none.
    pub fn create_users(&mut self, users: &[NewUser]) -> Result<Vec<User>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_users()
                .call_create_users(st, actor, users)
        })
    }

    /// New users with their licenses in one step (S7), all or none.
    pub fn create_licensed_users(
        &mut self,
        users: &[NewLicensedUser],
    ) -> Result<Vec<User>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_users()
                .call_create_licensed_users(st, actor, users)
        })
    }

    pub fn update_user(&mut self, upn: &str, update: &UserUpdate) -> Result<User, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_users()
                .call_update_user(st, actor, upn, update)
        })
    }

    /// Deletes a user; their licenses are kept for a restore (L8).
    pub fn delete_user(&mut self, upn: &str) -> Result<User, CallError> {
        self.call(|d, st, actor| d.seats_licensing_users().call_delete_user(st, actor, upn))
    }

    /// Restores a deleted user with the licenses their pools can still give (L8).
    pub fn restore_user(&mut self, upn: &str) -> Result<RestoreResult, CallError> {
        self.call(|d, st, actor| d.seats_licensing_users().call_restore_user(st, actor, upn))
    }

    pub fn update_mailbox(
        &mut self,
        upn: &str,
        mailbox_gb: Option<u32>,
        retention_hold: Option<bool>,
    ) -> Result<User, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_users().call_update_mailbox(
                st,
                actor,
                upn,
                mailbox_gb,
                retention_hold,
            )
        })
    }

    /// Every user matching the filter, page by page.
    pub fn all_users(&mut self, filter: &UserFilter) -> Result<Vec<User>, CallError> {
        let mut users = Vec::new();
        self.user_pages(filter, |page| {
            users.extend(page);
            Ok(true)
        })?;
        Ok(users)
    }

    /// The users matching the filter, handed to `each` a page at a time as they are read, in
    /// flat memory, until it returns false.
    pub fn user_pages(
        &mut self,
        filter: &UserFilter,
        each: impl FnMut(Vec<User>) -> anyhow::Result<bool>,
    ) -> Result<(), CallError> {
        pages(None, |after| self.user_page(filter, after), each)
    }

    /// One page of the users matching the filter with what each holds, and the next cursor.
    pub fn holding_page(
        &mut self,
        filter: &UserFilter,
        after: Option<u64>,
        limit: u32,
    ) -> Result<(Vec<HoldingUser>, Option<u64>), CallError> {
        let page = self.call(|d, st, actor| {
            d.seats_licensing_users()
                .call_list_holdings(st, actor, filter, after, limit)
        })?;
        Ok((page.users, page.next))
    }

    /// One page of the users matching the filter, after the cursor, and the next cursor.
    pub fn user_page(
        &mut self,
        filter: &UserFilter,
        after: Option<u64>,
    ) -> Result<(Vec<User>, Option<u64>), CallError> {
        let page = self.call(|d, st, actor| {
            d.seats_licensing_users()
                .call_list_users(st, actor, filter, after, PAGE)
        })?;
        Ok((page.users, page.next))
    }
}
