//! Licenses, one user at a time and in bulk (interfaces `licenses` and `bulk`, L1-L8, C1-C3,
//! P1-P4): one transaction each.

use super::model::bulk::{BulkSummary, LicenseChange};
use super::model::licenses::{
    BulkResult, LicenseChoice, LicenseConflict, LicensePool, UserLicense,
};
use super::model::users::UserFilter;
use super::{CallError, FAILURES_SHOWN, Session};

impl Session {
    /// The Licenses page (L1, C2): the organisation's pools, by part number.
    pub fn licenses_page(&mut self) -> Result<Vec<LicensePool>, CallError> {
        self.call(|d, st, actor| d.seats_licensing_licenses().call_licenses_page(st, actor))
    }

    /// Users holding products that cannot be held together (C1-C3).
    pub fn conflicts(&mut self) -> Result<Vec<LicenseConflict>, CallError> {
        self.call(|d, st, actor| d.seats_licensing_licenses().call_conflicts(st, actor))
    }

    /// Gives a user a license of a product, with these of its plans turned off.
    pub fn assign(
        &mut self,
        upn: &str,
        product: &str,
        disabled_plans: &[String],
    ) -> Result<UserLicense, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_licenses()
                .call_assign(st, actor, upn, product, disabled_plans)
        })
    }

    /// Takes a user's license of a product back to its pool.
    pub fn unassign(&mut self, upn: &str, product: &str) -> Result<(), CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_licenses()
                .call_unassign(st, actor, upn, product)
        })
    }

    /// Which plans of a user's license are off (P1-P4).
    pub fn set_disabled_plans(
        &mut self,
        upn: &str,
        product: &str,
        disabled_plans: &[String],
    ) -> Result<UserLicense, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_licenses().call_set_disabled_plans(
                st,
                actor,
                upn,
                product,
                disabled_plans,
            )
        })
    }

    /// Adds and removes a user's licenses in one step (Set-MgUserLicense); their licenses after.
    pub fn set_user_licenses(
        &mut self,
        upn: &str,
        add: &[LicenseChoice],
        remove: &[String],
    ) -> Result<Vec<UserLicense>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_licenses()
                .call_set_user_licenses(st, actor, upn, add, remove)
        })
    }

    /// A bulk license change over the users named: one outcome per user.
    pub fn change_licenses(
        &mut self,
        users: &[String],
        change: &LicenseChange,
        all: bool,
    ) -> Result<BulkResult, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_bulk()
                .call_change(st, actor, users, change, all)
        })
    }

    /// A bulk license change over every user the filter selects, a page at a time in the
    /// component: counts and the first `FAILURES_SHOWN` failures.
    pub fn change_licenses_where(
        &mut self,
        filter: &UserFilter,
        change: &LicenseChange,
        all: bool,
    ) -> Result<BulkSummary, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_bulk().call_change_where(
                st,
                actor,
                filter,
                change,
                all,
                FAILURES_SHOWN,
            )
        })
    }
}
