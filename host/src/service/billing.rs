//! Billing (interface `billing`, B1-B9, S1-S6): profiles, payment methods, purchases and
//! quantities, trials, cancellations, invoices. One transaction each.

use super::model::billing::{
    BillingResult, CardUpdate, InvoiceDetail, InvoicePeriod, NewPaymentMethod, Preview, Purchase,
};
use super::model::types::{
    BillingFrequency, BillingProfile, CancelReason, Charge, Invoice, PaymentMethod,
    PurchaseChannel, SubscriptionView,
};
use super::{CallError, Session, pages};

/// Invoices per page (the most the contract allows).
const INVOICE_PAGE: u32 = 1000;

impl Session {
    /// Buys licenses as the order says (S4, S5).
    pub fn buy_order(&mut self, order: &Purchase) -> Result<BillingResult, CallError> {
        self.call(|d, st, actor| d.seats_licensing_billing().call_buy(st, actor, order))
    }

    /// Buys `quantity` licenses of a product for the organisation, charged at once to its
    /// default payment method (S4).
    pub fn buy(
        &mut self,
        product: &str,
        quantity: i64,
        billing: BillingFrequency,
    ) -> Result<BillingResult, CallError> {
        self.buy_order(&Purchase {
            product: product.to_string(),
            quantity,
            billing,
            channel: PurchaseChannel::Direct,
            profile: None,
            payment_method: None,
            product_key: None,
            partner: None,
            idempotency_key: None,
        })
    }

    /// What the order would cost, changing nothing.
    pub fn preview_purchase(&mut self, order: &Purchase) -> Result<Preview, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_preview_purchase(st, actor, order)
        })
    }

    /// A subscription's quantity set to `total` (prorated, B4).
    pub fn change_quantity(
        &mut self,
        subscription: u64,
        total: i64,
        product_key: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<BillingResult, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing().call_change_quantity(
                st,
                actor,
                subscription,
                total,
                product_key,
                idempotency_key,
            )
        })
    }

    /// What setting the quantity would cost, changing nothing.
    pub fn preview_quantity(
        &mut self,
        subscription: u64,
        total: i64,
    ) -> Result<Preview, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_preview_quantity(st, actor, subscription, total)
        })
    }

    pub fn cancel(
        &mut self,
        subscription: u64,
        reason: CancelReason,
        feedback: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<BillingResult, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing().call_cancel(
                st,
                actor,
                subscription,
                reason,
                feedback,
                idempotency_key,
            )
        })
    }

    pub fn start_trial(&mut self, product: &str) -> Result<SubscriptionView, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_start_trial(st, actor, product)
        })
    }

    /// Turns a trial into a paid subscription.
    pub fn buy_trial(
        &mut self,
        subscription: u64,
        billing: BillingFrequency,
        idempotency_key: Option<&str>,
    ) -> Result<BillingResult, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing().call_buy_trial(
                st,
                actor,
                subscription,
                billing,
                idempotency_key,
            )
        })
    }

    pub fn complete_credit_check(
        &mut self,
        subscription: u64,
    ) -> Result<SubscriptionView, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_complete_credit_check(st, actor, subscription)
        })
    }

    pub fn list_profiles(&mut self) -> Result<Vec<BillingProfile>, CallError> {
        self.call(|d, st, actor| d.seats_licensing_billing().call_list_profiles(st, actor))
    }

    pub fn create_profile(&mut self, name: &str) -> Result<BillingProfile, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_create_profile(st, actor, name)
        })
    }

    /// The payment methods of a profile, or of every profile the actor may use.
    pub fn list_payment_methods(
        &mut self,
        profile: Option<u64>,
    ) -> Result<Vec<PaymentMethod>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_list_payment_methods(st, actor, profile)
        })
    }

    pub fn add_payment_method(
        &mut self,
        profile: Option<u64>,
        method: &NewPaymentMethod,
        make_default: bool,
    ) -> Result<PaymentMethod, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing().call_add_payment_method(
                st,
                actor,
                profile,
                method,
                make_default,
            )
        })
    }

    pub fn update_card(
        &mut self,
        id: u64,
        update: &CardUpdate,
    ) -> Result<PaymentMethod, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_update_card(st, actor, id, update)
        })
    }

    pub fn replace_payment_method(
        &mut self,
        id: u64,
        method: &NewPaymentMethod,
    ) -> Result<PaymentMethod, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_replace_payment_method(st, actor, id, method)
        })
    }

    pub fn set_default_payment_method(&mut self, id: u64) -> Result<BillingProfile, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_set_default_payment_method(st, actor, id)
        })
    }

    /// An invoice with its lines.
    pub fn get_invoice(&mut self, id: u64) -> Result<InvoiceDetail, CallError> {
        self.call(|d, st, actor| d.seats_licensing_billing().call_get_invoice(st, actor, id))
    }

    /// Charges not yet on an invoice, of a profile or of every profile the actor may use.
    pub fn pending_charges(&mut self, profile: Option<u64>) -> Result<Vec<Charge>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_billing()
                .call_pending_charges(st, actor, profile)
        })
    }

    /// The invoices of the period (of one profile, or every one the actor may use), newest
    /// first, handed to `each` a page at a time as they are read, until it returns false.
    pub fn invoice_pages(
        &mut self,
        period: &InvoicePeriod,
        profile: Option<u64>,
        each: impl FnMut(Vec<Invoice>) -> anyhow::Result<bool>,
    ) -> Result<(), CallError> {
        let read = |after| {
            let page = self.call(|d, st, actor| {
                d.seats_licensing_billing().call_list_invoices(
                    st,
                    actor,
                    *period,
                    profile,
                    after,
                    INVOICE_PAGE,
                )
            })?;
            Ok((page.invoices, page.next))
        };
        pages(None, read, each)
    }
}
