//! Subscriptions and self-service purchases (interface `subscriptions`, S1-S6, SS1-SS5): one
//! transaction each.

use super::model::subscriptions::{ExistingSubscription, ProcessReport, SelfServiceView};
use super::model::types::SubscriptionView;
use super::{CallError, Session};

impl Session {
    pub fn list_subscriptions(&mut self) -> Result<Vec<SubscriptionView>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_list_subscriptions(st, actor)
        })
    }

    /// Records subscriptions bought outside seats (an import), all or none; nothing is charged.
    pub fn import_subscriptions(
        &mut self,
        existing: &[ExistingSubscription],
    ) -> Result<Vec<SubscriptionView>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_import_subscriptions(st, actor, existing)
        })
    }

    /// Turns a subscription's recurring billing on or off.
    pub fn set_recurring(
        &mut self,
        subscription: u64,
        on: bool,
    ) -> Result<SubscriptionView, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_set_recurring(st, actor, subscription, on)
        })
    }

    pub fn renew(&mut self, subscription: u64) -> Result<SubscriptionView, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_renew(st, actor, subscription)
        })
    }

    /// Whatever fell due by now: renewals, expiries, deletions, invoices.
    pub fn process_lifecycle(&mut self) -> Result<ProcessReport, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_process_lifecycle(st, actor)
        })
    }

    /// The self-service purchases the actor made.
    pub fn my_subscriptions(&mut self) -> Result<Vec<SelfServiceView>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_my_subscriptions(st, actor)
        })
    }

    /// Every self-service purchase in the organisation (an admin's view).
    pub fn self_service_overview(&mut self) -> Result<Vec<SelfServiceView>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_self_service_overview(st, actor)
        })
    }

    pub fn assign_self_service(&mut self, subscription: u64, upn: &str) -> Result<(), CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_assign_self_service(st, actor, subscription, upn)
        })
    }

    pub fn unassign_self_service(&mut self, subscription: u64, upn: &str) -> Result<(), CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_unassign_self_service(st, actor, subscription, upn)
        })
    }

    /// An admin takes a self-service purchase over for the organisation.
    pub fn take_over(&mut self, subscription: u64) -> Result<SubscriptionView, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_subscriptions()
                .call_take_over(st, actor, subscription)
        })
    }
}
