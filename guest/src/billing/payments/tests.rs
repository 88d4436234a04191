//! Tests of payment methods (B3): checked and kept without card numbers, updated and
//! replaced, and who may manage them (R2).

use super::*;
use crate::exports::seats::licensing::billing::NewBankAccount;
use crate::testkit::*;

#[test]
fn b3_a_card_is_checked_and_kept_without_its_number_or_code() {
    let (store, _) = tenant_with_catalog();
    let cx = admin(&store);
    let before = store.snapshot();
    for bad in ["4242 4242 4242 4241", "1234", "4242-4242-4242-424x"] {
        assert_eq!(
            add(&cx, None, &card(bad), false).unwrap_err().kind(),
            "invalid",
            "{bad}"
        );
    }
    let NewPaymentMethod::Card(mut expired) = card("4242424242424242") else {
        unreachable!()
    };
    (expired.exp_month, expired.exp_year) = (10, 2026);
    let err = add(&cx, None, &NewPaymentMethod::Card(expired), false).unwrap_err();
    assert!(err.text().contains("expired in 10/2026"), "{err:?}");
    assert_eq!(store.snapshot(), before);

    let m = add(&cx, None, &card("4242 4242 4242 4242"), false).unwrap();
    let PaymentDetails::Card(c) = &m.details else {
        panic!()
    };
    assert_eq!((c.brand.as_str(), c.last4.as_str()), ("Visa", "4242"));
    let stored = format!("{:?}", store.snapshot());
    assert!(!stored.contains("4242424242424242") && !stored.contains("4242 4242 4242 4242"));
    assert!(
        !stored.contains("\"123\""),
        "the security code is never stored"
    );
}

#[test]
fn b3_update_replace_and_add_payment_methods() {
    let (store, _) = tenant_with_catalog();
    let cx = admin(&store);
    let first = add(&cx, None, &card("5555555555554444"), true).unwrap();
    let updated = update_card(
        &cx,
        first.id,
        &CardUpdate {
            security_code: Some("987".into()),
            exp_month: Some(3),
            exp_year: Some(2030),
            name_on_card: Some("Ada B. Admin".into()),
            address: None,
        },
    )
    .unwrap();
    let PaymentDetails::Card(c) = &updated.details else {
        panic!()
    };
    assert_eq!(
        (c.exp_month, c.exp_year, c.name_on_card.as_str()),
        (3, 2030, "Ada B. Admin")
    );
    assert_eq!(
        update_card(
            &cx,
            first.id,
            &CardUpdate {
                security_code: Some("12".into()),
                exp_month: None,
                exp_year: None,
                name_on_card: None,
                address: None
            }
        )
        .unwrap_err()
        .kind(),
        "invalid"
    );
    // Replace: the new one becomes the default and the old one is never used again.
    let bank = NewPaymentMethod::BankAccount(NewBankAccount {
        bank: "Danske Bank".into(),
        holder: "Contoso A/S".into(),
        account_number: "DK5000400440116243".into(),
    });
    let new = replace(&cx, first.id, &bank).unwrap();
    let p = default_profile(&cx, false).unwrap();
    assert_eq!(p.default_method, Some(new.id));
    assert_eq!(get(&cx, first.id).unwrap_err().kind(), "not-found");
    // Add a second one, not the default.
    let other = add(&cx, None, &card("378282246310005"), false).unwrap_err();
    assert_eq!(
        other.kind(),
        "invalid",
        "an American Express code has 4 digits"
    );
    let NewPaymentMethod::Card(mut amex) = card("378282246310005") else {
        unreachable!()
    };
    amex.security_code = "1234".into();
    add(&cx, None, &NewPaymentMethod::Card(amex), false).unwrap();
    // The test kit's card, the bank account and the American Express card.
    assert_eq!(
        list(&cx, None).unwrap().iter().filter(|m| m.active).count(),
        3
    );
    assert_eq!(
        default_profile(&cx, false).unwrap().default_method,
        Some(new.id)
    );
}

#[test]
fn r2_payment_methods_are_for_billing_admins_and_a_purchaser_s_own_profile() {
    let (store, _) = tenant_with_catalog();
    add_admin(&store, "lic@contoso.com", crate::types::Role::LicenseAdmin);
    let lic = Cx::new(&store, "lic@contoso.com", NOW);
    // An admin without a billing role is refused, naming the role; no profile of its own
    // is made for it.
    let org = default_profile(&admin(&store), true).unwrap();
    let before = store.snapshot();
    for err in [
        profile(&lic, org.id).unwrap_err(),
        add(&lic, None, &card("4242424242424242"), false).unwrap_err(),
        visible(&lic).unwrap_err(),
    ] {
        let crate::types::Error::Forbidden(f) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            f.needed_role,
            Some(crate::types::Role::BillingAdmin),
            "{err:?}"
        );
    }
    assert_eq!(store.snapshot(), before);
    // A user without an admin role gets a profile of their own, never the organisation's.
    add_user(&store, "ana@contoso.com");
    let ana = Cx::new(&store, "ana@contoso.com", NOW);
    assert_eq!(profile(&ana, org.id).unwrap_err().kind(), "forbidden");
    let own = add(&ana, None, &card("4242424242424242"), false).unwrap();
    assert_ne!(own.profile_id, org.id);
    assert_eq!(
        profile(&admin(&store), own.profile_id).unwrap_err().kind(),
        "forbidden"
    );
}
