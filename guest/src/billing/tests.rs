//! The billing rules, each named after its id (S3-S7, B1-B5), on the in-memory store.

use super::ledger::DAY;
use super::{invoices, ledger, money, payments, purchases};
use crate::Store;
use crate::cx::Cx;
use crate::exports::seats::licensing::billing::{InvoicePeriod, NewPaymentMethod, Purchase};
use crate::exports::seats::licensing::catalog::PriceUpdate;
use crate::memory::MemoryStore;
use crate::testkit::*;
use crate::types::{
    BillingFrequency, CancelReason, ChargeKind, PurchaseChannel, SubscriptionStatus, Timestamp,
};
use rust_decimal::Decimal;
use std::str::FromStr;
use time::macros::date;

fn at(d: time::Date) -> Timestamp {
    crate::calendar::start_of(d) + 9 * 3600
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn cx(store: &MemoryStore, now: Timestamp) -> Cx<'_, MemoryStore> {
    Cx::new(store, ADMIN, now)
}

/// A tenant whose SPE_E3 costs 10.08 a month (Microsoft's worked example) and 120.96 a year.
fn tenant() -> MemoryStore {
    let (store, _) = tenant_with_catalog();
    let price = PriceUpdate {
        monthly: Some("10.08".into()),
        annual: Some("120.96".into()),
        trial_available: Some(true),
        self_service: None,
    };
    crate::catalog::set_price(&admin(&store), "SPE_E3", &price).unwrap();
    store
}

fn order(quantity: i64, billing: BillingFrequency) -> Purchase {
    Purchase {
        product: "SPE_E3".into(),
        quantity,
        billing,
        channel: PurchaseChannel::Direct,
        profile: None,
        payment_method: None,
        product_key: None,
        partner: None,
        idempotency_key: None,
    }
}

fn buy_on(store: &MemoryStore, now: Timestamp, quantity: i64, billing: BillingFrequency) -> u64 {
    purchases::buy(&cx(store, now), &order(quantity, billing))
        .unwrap()
        .subscription
        .subscription
        .id
}

fn amounts(lines: &[crate::types::Charge]) -> Vec<(ChargeKind, String)> {
    lines.iter().map(|c| (c.kind, c.amount.clone())).collect()
}

#[test]
fn s4_buying_charges_the_payment_method_at_once_and_the_licenses_are_there() {
    let store = tenant();
    let r = purchases::buy(&cx(&store, NOW), &order(10, BillingFrequency::Monthly)).unwrap();
    assert_eq!(
        amounts(&r.charges),
        [(ChargeKind::Purchase, "100.80".into())]
    );
    let card = payments::default_profile(&admin(&store), false)
        .unwrap()
        .default_method;
    assert_eq!(r.charges[0].payment_method, card);
    let pool = crate::pool::of_product(&store, &crate::catalog::resolve(&store, "SPE_E3").unwrap());
    assert_eq!(pool.total, 10);
    // Without a payment method nothing is bought, and nothing changes.
    let store = MemoryStore::new();
    crate::tenant::setup(&store, NOW, &tenant_setup()).unwrap();
    let before = store.snapshot();
    let err = purchases::buy(&cx(&store, NOW), &order(1, BillingFrequency::Monthly)).unwrap_err();
    assert_eq!(err.kind(), "not-found", "{err:?}"); // no SPE_E3 in an empty catalog
    assert_eq!(store.snapshot(), before);
}

#[test]
fn b2_microsofts_example_10_to_12_licenses_after_2_days_of_a_30_day_cycle() {
    let store = tenant();
    let id = buy_on(
        &store,
        at(date!(2026 - 11 - 01)),
        10,
        BillingFrequency::Monthly,
    );
    let r = purchases::change_quantity(&cx(&store, at(date!(2026 - 11 - 03))), id, 12, None, None)
        .unwrap();
    assert_eq!(
        amounts(&r.charges),
        [
            (ChargeKind::Reversal, "-100.80".into()),
            (ChargeKind::Prorated, "6.72".into()),
            // 12 x 10.08 x 28 / 30 = 112.896: half away from zero.
            (ChargeKind::Remainder, "112.90".into()),
        ]
    );
    // Microsoft's partner view of the same change: refund 94.08, charge 112.90; same net.
    let partner = -money::prorate(10, dec("10.08"), 28, 30, "USD")
        + money::prorate(12, dec("10.08"), 28, 30, "USD");
    assert_eq!(ledger::sum(&r.charges), partner);
    assert_eq!(partner, dec("18.82"));
    // A second change reverses what the first one charged, exactly as billed.
    let r = purchases::change_quantity(&cx(&store, at(date!(2026 - 11 - 13))), id, 11, None, None)
        .unwrap();
    assert_eq!(
        amounts(&r.charges),
        [
            (ChargeKind::Reversal, "-112.90".into()),
            (ChargeKind::Prorated, "40.32".into()), // 12 for 10 days
            (ChargeKind::Remainder, "66.53".into()), // 11 for 18 days: 66.528
        ]
    );
}

#[test]
fn b2_an_annual_change_is_priced_over_the_365_days_of_its_year() {
    let store = tenant();
    let id = buy_on(
        &store,
        at(date!(2026 - 01 - 10)),
        10,
        BillingFrequency::Annual,
    );
    let r = purchases::change_quantity(&cx(&store, at(date!(2026 - 04 - 10))), id, 15, None, None)
        .unwrap();
    // 90 days at 10, 275 days at 15, of 120.96 a year per license.
    assert_eq!(
        amounts(&r.charges),
        [
            (ChargeKind::Reversal, "-1209.60".into()),
            (ChargeKind::Prorated, "298.26".into()), // 298.2575...
            (ChargeKind::Remainder, "1367.01".into()), // 1367.0136...
        ]
    );
    assert_eq!(r.charges[1].cycle_end - r.charges[1].cycle_start, 365 * DAY);
}

#[test]
fn b1_a_mid_period_change_is_on_the_next_invoice_and_an_annual_one_within_a_month() {
    let store = tenant();
    let id = buy_on(
        &store,
        at(date!(2026 - 11 - 01)),
        10,
        BillingFrequency::Annual,
    );
    purchases::change_quantity(&cx(&store, at(date!(2026 - 11 - 20))), id, 12, None, None).unwrap();
    // Nothing is invoiced before the month is over.
    crate::lifecycle::process(&cx(&store, at(date!(2026 - 11 - 30)))).unwrap();
    assert!(store.snapshot().invoices.is_empty());
    crate::lifecycle::process(&cx(&store, at(date!(2026 - 12 - 01)))).unwrap();
    let t = store.snapshot();
    assert_eq!(
        t.invoices.len(),
        1,
        "one invoice, issued when November is over"
    );
    let invoice = t.invoices.values().next().unwrap();
    assert_eq!(invoice.lines, 4, "purchase, reversal, prorated, remainder");
    assert_eq!(
        money::parse(&invoice.total),
        ledger::sum(&t.charges.values().cloned().collect::<Vec<_>>())
    );
    assert_eq!(
        invoice.period_end,
        crate::calendar::start_of(date!(2026 - 12 - 01))
    );
}

#[test]
fn b1_no_period_is_invoiced_twice_and_a_late_entry_goes_on_the_next_invoice() {
    let store = tenant();
    buy_on(
        &store,
        at(date!(2026 - 10 - 05)),
        2,
        BillingFrequency::Monthly,
    );
    crate::lifecycle::process(&cx(&store, at(date!(2026 - 11 - 02)))).unwrap();
    crate::lifecycle::process(&cx(&store, at(date!(2026 - 11 - 03)))).unwrap();
    assert_eq!(store.snapshot().invoices.len(), 1);
    // An entry dated in October after October was invoiced (the clock set back with --now).
    let id = buy_on(
        &store,
        at(date!(2026 - 10 - 20)),
        1,
        BillingFrequency::Monthly,
    );
    crate::lifecycle::process(&cx(&store, at(date!(2026 - 12 - 01)))).unwrap();
    let t = store.snapshot();
    let starts: Vec<_> = t
        .invoices
        .values()
        .map(|i| crate::calendar::date_of(i.period_start))
        .collect();
    assert_eq!(starts, [date!(2026 - 10 - 01), date!(2026 - 11 - 01)]);
    assert!(
        t.charges
            .values()
            .filter(|c| c.subscription_id == id)
            .all(|c| c.invoice_id == Some(2))
    );
}

#[test]
fn b4_invoices_of_the_last_three_or_six_months_or_a_range() {
    let store = tenant();
    buy_on(
        &store,
        at(date!(2026 - 01 - 15)),
        1,
        BillingFrequency::Monthly,
    );
    let now = at(date!(2026 - 11 - 23));
    crate::lifecycle::process(&cx(&store, now)).unwrap();
    let c = cx(&store, now);
    let months = |p: &InvoicePeriod| -> Vec<String> {
        invoices::list(&c, p, None, None, 1000)
            .unwrap()
            .invoices
            .iter()
            .map(|i| crate::calendar::date_of(i.period_start).to_string()[..7].to_string())
            .collect()
    };
    assert_eq!(
        months(&InvoicePeriod::LastThreeMonths),
        ["2026-10", "2026-09", "2026-08"]
    );
    assert_eq!(months(&InvoicePeriod::LastSixMonths).len(), 6);
    let range = InvoicePeriod::Between((at(date!(2026 - 01 - 01)), at(date!(2026 - 03 - 01))));
    assert_eq!(months(&range), ["2026-02", "2026-01"]);
    let one = invoices::list(&c, &InvoicePeriod::LastThreeMonths, None, None, 1000)
        .unwrap()
        .invoices[0]
        .id;
    let detail = invoices::get(&c, one).unwrap();
    assert_eq!(
        ledger::sum(&detail.lines),
        money::parse(&detail.invoice.total)
    );
    let backwards = InvoicePeriod::Between((at(date!(2026 - 03 - 01)), at(date!(2026 - 01 - 01))));
    assert_eq!(
        invoices::list(&c, &backwards, None, None, 1000)
            .unwrap_err()
            .kind(),
        "invalid"
    );
    // Page by page (three at a time) reads the same invoices in the same order as one page.
    let year = InvoicePeriod::Between((at(date!(2026 - 01 - 01)), at(date!(2027 - 01 - 01))));
    let whole = invoices::list(&c, &year, None, None, 1000).unwrap();
    assert_eq!(whole.invoices.len(), 10);
    assert_eq!(whole.next, None);
    let (mut paged, mut after) = (Vec::new(), None);
    loop {
        let page = invoices::list(&c, &year, None, after, 3).unwrap();
        paged.extend(page.invoices.iter().map(|i| i.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(
        paged,
        whole.invoices.iter().map(|i| i.id).collect::<Vec<_>>()
    );
    for limit in [0, invoices::MAX_PAGE + 1] {
        let refused = invoices::list(&c, &year, None, None, limit).unwrap_err();
        assert_eq!(refused.kind(), "invalid");
    }
}

#[test]
fn s3_a_pending_credit_check_blocks_changes_for_two_business_days() {
    let store = tenant();
    let c = admin(&store);
    payments::add(
        &c,
        None,
        &NewPaymentMethod::Invoice("ap@contoso.com".into()),
        true,
    )
    .unwrap();
    // Friday 2026-11-20: two business days later is Tuesday the 24th.
    let friday = at(date!(2026 - 11 - 20));
    let id = buy_on(&store, friday, 5, BillingFrequency::Annual);
    let monday = cx(&store, at(date!(2026 - 11 - 23)));
    let before = store.snapshot();
    let err = purchases::change_quantity(&monday, id, 6, None, None).unwrap_err();
    assert!(
        err.text().contains("credit check is pending") && err.text().contains("2026-11-24"),
        "{err:?}"
    );
    assert_eq!(store.snapshot(), before);
    purchases::change_quantity(&cx(&store, at(date!(2026 - 11 - 24))), id, 6, None, None).unwrap();
    // Or cleared explicitly.
    let id = buy_on(&store, friday, 5, BillingFrequency::Annual);
    purchases::complete_credit_check(&monday, id).unwrap();
    purchases::change_quantity(&monday, id, 7, None, None).unwrap();
}

#[test]
fn s3_b5_prepaid_product_key_licenses_cannot_be_removed_and_are_added_with_a_key_or_a_card() {
    let (store, _) = {
        let store = MemoryStore::new();
        crate::tenant::setup(&store, NOW, &tenant_setup()).unwrap();
        (store, ())
    };
    // A tenant without a card: reuse the catalog of the test kit, then take its card away.
    let full = tenant();
    store.tables.borrow_mut().products = full.snapshot().products;
    let c = admin(&store);
    let mut o = order(10, BillingFrequency::Annual);
    o.channel = PurchaseChannel::ProductKey;
    o.product_key = Some("bad-key".into());
    assert_eq!(purchases::buy(&c, &o).unwrap_err().kind(), "invalid");
    o.product_key = Some("ABCDE-12345-FGHIJ-67890-KLMNO".into());
    let r = purchases::buy(&c, &o).unwrap();
    assert!(r.charges.is_empty(), "prepaid: nothing is charged");
    let id = r.subscription.subscription.id;
    assert_eq!(
        purchases::buy(&c, &o).unwrap_err().kind(),
        "conflict",
        "a key is redeemed once"
    );
    let err = purchases::change_quantity(&c, id, 9, None, None).unwrap_err();
    assert!(err.text().contains("cannot be removed"), "{err:?}");
    let err = purchases::change_quantity(&c, id, 12, None, None).unwrap_err();
    assert!(
        err.text().contains("another product key") && err.text().contains("card or bank account"),
        "{err:?}"
    );
    // Another key adds prepaid licenses; a card pays for more.
    let r = purchases::change_quantity(&c, id, 12, Some("ZZZZZ-12345-FGHIJ-67890-KLMNO"), None)
        .unwrap();
    assert!(r.charges.is_empty());
    payments::add(&c, None, &card("4242424242424242"), true).unwrap();
    let r = purchases::change_quantity(&c, id, 15, None, None).unwrap();
    assert_eq!(
        amounts(&r.charges),
        [(ChargeKind::Remainder, "362.88".into())],
        "3 x 120.96, for the whole year left"
    );
    assert_eq!(r.subscription.subscription.quantity, 15);
}

#[test]
fn s3_a_trial_and_a_reseller_subscription_are_blocked_with_the_way_out() {
    let store = tenant();
    let c = admin(&store);
    let trial = purchases::start_trial(&c, "SPE_E3").unwrap().subscription;
    assert_eq!(
        (trial.status, trial.quantity),
        (SubscriptionStatus::Trial, 25)
    );
    let err = purchases::change_quantity(&c, trial.id, 30, None, None).unwrap_err();
    assert!(err.text().contains("buy the trial first"), "{err:?}");
    let bought = purchases::buy_trial(&c, trial.id, BillingFrequency::Monthly, None).unwrap();
    assert_eq!(
        amounts(&bought.charges),
        [(ChargeKind::Purchase, "252.00".into())]
    );
    purchases::change_quantity(&c, trial.id, 30, None, None).unwrap();

    let mut o = order(5, BillingFrequency::Annual);
    o.channel = PurchaseChannel::Reseller;
    assert_eq!(
        purchases::buy(&c, &o).unwrap_err().kind(),
        "invalid",
        "names the partner"
    );
    o.partner = Some("Fabrikam CSP".into());
    let r = purchases::buy(&c, &o).unwrap();
    assert!(r.charges.is_empty(), "the partner bills it");
    let err =
        purchases::change_quantity(&c, r.subscription.subscription.id, 6, None, None).unwrap_err();
    assert!(
        err.text().contains("contact your partner") && err.text().contains("Fabrikam CSP"),
        "{err:?}"
    );
}

#[test]
fn s5_cancelling_within_seven_days_refunds_the_unused_days_and_after_that_says_turn_recurring_off()
{
    let store = tenant();
    let id = buy_on(
        &store,
        at(date!(2026 - 11 - 01)),
        10,
        BillingFrequency::Monthly,
    );
    let late = cx(&store, at(date!(2026 - 11 - 08)));
    let before = store.snapshot();
    let err = purchases::cancel(&late, id, CancelReason::TooExpensive, None, None).unwrap_err();
    assert!(
        err.text().contains("recurring") && err.text().contains("2026-12-01"),
        "{err:?}"
    );
    assert_eq!(store.snapshot(), before);
    let r = purchases::cancel(
        &cx(&store, at(date!(2026 - 11 - 04))),
        id,
        CancelReason::NoLongerNeeded,
        Some("bought too many"),
        None,
    )
    .unwrap();
    assert_eq!(
        amounts(&r.charges),
        [
            (ChargeKind::Reversal, "-100.80".into()),
            (ChargeKind::Prorated, "10.08".into())
        ],
        "3 of 30 days used"
    );
    let s = r.subscription.subscription;
    assert_eq!(s.status, SubscriptionStatus::Cancelled);
    assert_eq!(
        s.cancellation.unwrap().feedback.as_deref(),
        Some("bought too many")
    );
    let pool = crate::pool::of_product(&store, &crate::catalog::resolve(&store, "SPE_E3").unwrap());
    assert_eq!(pool.total, 0);
}

#[test]
fn s5_cancelling_needs_the_licenses_unassigned_first() {
    let store = tenant();
    let id = buy_on(&store, NOW, 1, BillingFrequency::Monthly);
    add_user(&store, "ana@contoso.com");
    crate::licenses::assign(&admin(&store), "ana@contoso.com", "SPE_E3", &[]).unwrap();
    let err = purchases::cancel(&admin(&store), id, CancelReason::Other, None, None).unwrap_err();
    assert!(
        err.text().contains("Unassign 1 license(s) first"),
        "{err:?}"
    );
}

#[test]
fn s6_a_renewal_charges_the_new_term_and_recurring_off_ends_it() {
    let store = tenant();
    let id = buy_on(
        &store,
        at(date!(2026 - 01 - 31)),
        2,
        BillingFrequency::Monthly,
    );
    crate::lifecycle::process(&cx(&store, at(date!(2026 - 03 - 01)))).unwrap();
    let lines = store.charges_of(id);
    let cycles: Vec<_> = lines
        .iter()
        .map(|c| {
            (
                crate::calendar::date_of(c.days_from),
                crate::calendar::date_of(c.days_to),
                c.amount.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cycles,
        [
            (date!(2026 - 01 - 31), date!(2026 - 02 - 28), "20.16"),
            (date!(2026 - 02 - 28), date!(2026 - 03 - 31), "20.16"),
        ]
    );
    crate::lifecycle::set_recurring(&admin(&store), id, false).unwrap();
    crate::lifecycle::process(&cx(&store, at(date!(2026 - 04 - 01)))).unwrap();
    assert_eq!(
        store.charges_of(id).len(),
        2,
        "no renewal once recurring billing is off"
    );
    assert_eq!(
        store.get_subscription(id).unwrap().status,
        SubscriptionStatus::Expired
    );
    // Reactivating pays for a new term from today.
    crate::lifecycle::renew(&cx(&store, at(date!(2026 - 04 - 10))), id).unwrap();
    assert_eq!(
        store.charges_of(id).last().unwrap().kind,
        ChargeKind::Renewal
    );
}

#[test]
fn s7_the_next_step_after_buying_is_adding_users_and_after_removing_deleting_the_leaver() {
    let store = tenant();
    let r = purchases::buy(&admin(&store), &order(10, BillingFrequency::Monthly)).unwrap();
    assert!(r.next_step.unwrap().contains("--license SPE_E3"));
    let id = r.subscription.subscription.id;
    let r = purchases::change_quantity(&admin(&store), id, 8, None, None).unwrap();
    assert!(r.next_step.unwrap().contains("seats users delete"));
}

#[test]
fn idempotency_a_retry_returns_the_first_result_and_charges_nothing_twice() {
    let store = tenant();
    let c = admin(&store);
    let mut o = order(3, BillingFrequency::Monthly);
    o.idempotency_key = Some("retry-1".into());
    let first = purchases::buy(&c, &o).unwrap();
    let again = purchases::buy(&c, &o).unwrap();
    assert!(again.replayed && !first.replayed);
    assert_eq!(again.subscription, first.subscription);
    assert_eq!(again.charges, first.charges);
    assert_eq!(store.snapshot().charges.len(), 1);
    assert_eq!(store.snapshot().subscriptions.len(), 1);
    o.quantity = 4;
    let err = purchases::buy(&c, &o).unwrap_err();
    assert!(err.text().contains("different request"), "{err:?}");
    let id = first.subscription.subscription.id;
    purchases::change_quantity(&c, id, 5, None, Some("q")).unwrap();
    purchases::change_quantity(&c, id, 5, None, Some("q")).unwrap();
    assert_eq!(store.snapshot().charges.len(), 3);
}

#[test]
fn a_preview_shows_exactly_what_the_change_then_charges() {
    let store = tenant();
    let id = buy_on(
        &store,
        at(date!(2026 - 11 - 01)),
        10,
        BillingFrequency::Monthly,
    );
    let c = cx(&store, at(date!(2026 - 11 - 03)));
    let before = store.snapshot();
    let preview = purchases::preview_quantity(&c, id, 12).unwrap();
    assert_eq!(store.snapshot(), before, "a preview writes nothing");
    assert_eq!(preview.due_now, "18.82");
    assert_eq!(preview.next_invoice_total, "119.62");
    assert_eq!(
        crate::calendar::date_of(preview.next_invoice_date),
        date!(2026 - 12 - 01)
    );
    let done = purchases::change_quantity(&c, id, 12, None, None).unwrap();
    let strip = |v: &[crate::types::Charge]| amounts(v);
    assert_eq!(strip(&preview.lines), strip(&done.charges));
    let p = purchases::preview_purchase(&c, &order(2, BillingFrequency::Annual)).unwrap();
    assert_eq!(p.due_now, "241.92");
}

#[test]
fn b1_dates_are_the_tenants_days_in_its_time_zone() {
    // 2026-11-30T12:00Z is already 1 December in Auckland (UTC+13) and still 30 November in
    // Los Angeles (UTC-8): the purchase is dated, and invoiced, on the tenant's day.
    for (zone, day, month) in [
        (
            "Pacific/Auckland",
            date!(2026 - 12 - 01),
            date!(2026 - 12 - 01),
        ),
        (
            "America/Los_Angeles",
            date!(2026 - 11 - 30),
            date!(2026 - 11 - 01),
        ),
    ] {
        let store = tenant();
        store.tables.borrow_mut().tenant.as_mut().unwrap().time_zone = zone.into();
        let noon_utc = crate::calendar::start_of(date!(2026 - 11 - 30)) + 12 * 3600;
        let r =
            purchases::buy(&cx(&store, noon_utc), &order(1, BillingFrequency::Monthly)).unwrap();
        assert_eq!(
            crate::calendar::date_of(r.charges[0].days_from),
            day,
            "{zone}"
        );
        crate::lifecycle::process(&cx(&store, noon_utc + 62 * DAY)).unwrap();
        let first = store
            .snapshot()
            .invoices
            .values()
            .next()
            .unwrap()
            .period_start;
        assert_eq!(crate::calendar::date_of(first), month, "{zone}");
    }
    assert_eq!(
        crate::calendar::zone_name("Europe/Copenhagen").unwrap(),
        "Europe/Copenhagen"
    );
    assert_eq!(
        crate::calendar::zone_name("Mars/Olympus")
            .unwrap_err()
            .kind(),
        "invalid"
    );
}
