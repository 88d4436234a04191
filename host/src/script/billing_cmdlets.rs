//! Billing cmdlets: invoices, pending charges, payment methods, purchases with their money.

use super::cmdlets::Shared;
use super::convert::*;
use crate::service::model::billing::{BillingResult, InvoicePeriod, Purchase};
use crate::service::model::types::{BillingFrequency, CancelReason, PurchaseChannel};
use crate::views::SubscriptionRow;
use crate::views::billing::{
    BilledRow, ChargeRow, InvoiceDetailRow, InvoiceRow, MethodRow, PreviewRow,
};
use rhai::{Dynamic, Engine, Map};

fn id(n: i64, what: &str) -> Fallible<u64> {
    u64::try_from(n).map_err(|_| thrown("invalid", format!("{n} is not a {what} id")))
}

fn date(m: &Map, key: &str) -> Fallible<Option<i64>> {
    opt_string(m, key)
        .map(|t| {
            crate::dates::parse_now(&t).map_err(|e| thrown("invalid", format!("{key}: {e:#}")))
        })
        .transpose()
}

pub fn billed(r: BillingResult) -> Fallible<Dynamic> {
    to_dynamic(&BilledRow {
        subscription: SubscriptionRow::from(r.subscription),
        charged_now: r.charged_now,
        charges: r.charges.into_iter().map(ChargeRow::from).collect(),
        replayed: r.replayed,
        idempotency_key: String::new(),
        next_step: r.next_step,
    })
}

/// A purchase from the options a script gives (billing, channel, product_key, partner).
pub fn purchase(product: &str, quantity: i64, m: &Map) -> Fallible<Purchase> {
    Ok(Purchase {
        product: product.into(),
        quantity,
        billing: match opt_string(m, "billing").as_deref() {
            None | Some("annual") => BillingFrequency::Annual,
            Some("monthly") => BillingFrequency::Monthly,
            Some(o) => {
                return Err(thrown(
                    "invalid",
                    format!("billing '{o}': use monthly or annual"),
                ));
            }
        },
        channel: match opt_string(m, "channel").as_deref() {
            None | Some("direct") => PurchaseChannel::Direct,
            Some("product-key") => PurchaseChannel::ProductKey,
            Some("reseller") => PurchaseChannel::Reseller,
            Some(o) => {
                return Err(thrown(
                    "invalid",
                    format!("channel '{o}': use direct, product-key or reseller"),
                ));
            }
        },
        profile: opt::<i64>(m, "profile").map(|p| p as u64),
        payment_method: opt::<i64>(m, "payment_method").map(|p| p as u64),
        product_key: opt_string(m, "product_key"),
        partner: opt_string(m, "partner"),
        idempotency_key: opt_string(m, "idempotency_key"),
    })
}

pub fn register(engine: &mut Engine, s: &Shared) {
    let invoices = |s: &Shared, m: &Map| -> Fallible<Dynamic> {
        let period = match (date(m, "from")?, date(m, "to")?) {
            (Some(f), Some(t)) => InvoicePeriod::Between((f, t)),
            (None, None) => match opt::<i64>(m, "last") {
                None | Some(3) => InvoicePeriod::LastThreeMonths,
                Some(6) => InvoicePeriod::LastSixMonths,
                Some(n) => {
                    return Err(thrown(
                        "invalid",
                        format!("last: {n}; use 3 or 6, or from and to"),
                    ));
                }
            },
            _ => return Err(thrown("invalid", "give both from and to")),
        };
        let profile = opt::<i64>(m, "profile").map(|p| p as u64);
        let mut all = Vec::new();
        s.borrow_mut()
            .invoice_pages(&period, profile, |page| {
                all.extend(page.into_iter().map(InvoiceRow::from));
                Ok(true)
            })
            .map_err(from_call)?;
        rows(&all)
    };
    let c = s.clone();
    engine.register_fn("get_invoices", move || invoices(&c, &Map::new()));
    let c = s.clone();
    engine.register_fn("get_invoices", move |m: Map| invoices(&c, &m));
    let c = s.clone();
    engine.register_fn("get_invoice", move |n: i64| -> Fallible<Dynamic> {
        let n = id(n, "invoice")?;
        let d = c.borrow_mut().get_invoice(n).map_err(from_call)?;
        to_dynamic(&InvoiceDetailRow::from(d))
    });
    let c = s.clone();
    engine.register_fn("get_pending_charges", move || -> Fallible<Dynamic> {
        let all = c.borrow_mut().pending_charges(None).map_err(from_call)?;
        rows(&all.into_iter().map(ChargeRow::from).collect::<Vec<_>>())
    });
    let c = s.clone();
    engine.register_fn("get_payment_methods", move || -> Fallible<Dynamic> {
        let all = c
            .borrow_mut()
            .list_payment_methods(None)
            .map_err(from_call)?;
        rows(&all.into_iter().map(MethodRow::from).collect::<Vec<_>>())
    });
    let c = s.clone();
    engine.register_fn(
        "preview_quantity",
        move |n: i64, total: i64| -> Fallible<Dynamic> {
            let n = id(n, "subscription")?;
            let p = c
                .borrow_mut()
                .preview_quantity(n, total)
                .map_err(from_call)?;
            to_dynamic(&PreviewRow::from(p))
        },
    );
    let c = s.clone();
    engine.register_fn("cancel_subscription", move |n: i64, reason: &str| -> Fallible<Dynamic> {
        let n = id(n, "subscription")?;
        let reason = match reason {
            "no-longer-needed" => CancelReason::NoLongerNeeded,
            "too-expensive" => CancelReason::TooExpensive,
            "switching-product" => CancelReason::SwitchingProduct,
            "missing-features" => CancelReason::MissingFeatures,
            "other" => CancelReason::Other,
            o => {
                return Err(thrown(
                    "invalid",
                    format!("reason '{o}': use no-longer-needed, too-expensive, switching-product, missing-features or other"),
                ));
            }
        };
        let r = c
            .borrow_mut()
            .cancel(n, reason, None, None)
            .map_err(from_call)?;
        billed(r)
    });
}
