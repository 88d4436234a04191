//! Billing profiles and payment methods (B3, R2, P2). A card is kept as its brand, last four
//! digits, expiry, name and address: never its number or security code.

use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, blocked, forbidden, invalid, not_found};
use crate::exports::seats::licensing::billing::{CardUpdate, NewPaymentMethod};
use crate::roles::{self, Payer};
use crate::types::BlockedReason;
use crate::types::ObjectKind;
use crate::types::{
    BankAccount, BillingProfile, Card, Operation, PaymentDetails, PaymentMethod, Timestamp,
};
use crate::{Store, calendar};

fn owned_by(p: &BillingProfile, upn: &str) -> bool {
    p.owner
        .as_deref()
        .is_some_and(|o| o.eq_ignore_ascii_case(upn.trim()))
}

/// Whether the payer may use the profile: the organisation's profiles for billing admins, a
/// user's own for that user.
fn usable(payer: &Payer, p: &BillingProfile) -> bool {
    match payer {
        Payer::Organisation(_) => p.owner.is_none(),
        Payer::Member(me) => owned_by(p, &me.user.upn),
    }
}

/// The profiles the actor may see and use (R2, P2): the organisation's for Global and Billing
/// administrators, their own (self-service) for users without an admin role. An admin without
/// a billing role is refused, naming it.
pub fn visible<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<BillingProfile>> {
    let payer = roles::payer(cx.store, &cx.actor)?;
    Ok(cx
        .store
        .list_billing_profiles()
        .into_iter()
        .filter(|p| usable(&payer, p))
        .collect())
}

/// A profile by id, when the actor may use it; else why not.
pub fn profile<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<BillingProfile> {
    let payer = roles::payer(cx.store, &cx.actor)?;
    let all = cx.store.list_billing_profiles();
    let p = all.into_iter().find(|p| p.id == id).ok_or_else(|| {
        not_found(
            ObjectKind::BillingProfile,
            id.to_string(),
            format!("no billing profile {id}; `seats billing profiles` lists them"),
        )
    })?;
    if usable(&payer, &p) {
        return Ok(p);
    }
    Err(forbidden(
        None,
        if p.owner.is_some() {
            format!("billing profile {id} belongs to another user's self-service purchases")
        } else {
            format!("billing profile {id} is the organisation's: its billing is for administrators")
        },
    ))
}

/// The actor's default profile: the organisation's first for billing admins, else the
/// actor's own self-service profile. Created when missing if `create`.
pub fn default_profile<S: Store + ?Sized>(cx: &Cx<S>, create: bool) -> Result<BillingProfile> {
    let all = cx.store.list_billing_profiles();
    match roles::payer(cx.store, &cx.actor)? {
        Payer::Organisation(_) => {
            if let Some(p) = all.into_iter().find(|p| p.owner.is_none()) {
                return Ok(p);
            }
            let name = cx.store.get_tenant().map(|t| t.name).unwrap_or_default();
            Ok(insert_profile(cx, &name, None))
        }
        // A user of the organisation paying for their own purchases (P1, P2).
        Payer::Member(me) => {
            if let Some(p) = all.into_iter().find(|p| owned_by(p, &me.user.upn)) {
                return Ok(p);
            }
            if !create {
                return Err(not_found(
                    ObjectKind::BillingProfile,
                    me.user.upn.clone(),
                    format!(
                        "{} has no billing profile yet: add a payment method first (`seats billing add-card`)",
                        me.user.upn
                    ),
                ));
            }
            Ok(insert_profile(
                cx,
                &format!("{} (self-service)", me.user.display_name),
                Some(me.user.upn),
            ))
        }
    }
}

/// The profile named, or the actor's default.
pub fn resolve<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: Option<u64>,
    create: bool,
) -> Result<BillingProfile> {
    match id {
        Some(id) => profile(cx, id),
        None => default_profile(cx, create),
    }
}

fn insert_profile<S: Store + ?Sized>(
    cx: &Cx<S>,
    name: &str,
    owner: Option<String>,
) -> BillingProfile {
    let mut p = BillingProfile {
        id: 0,
        name: name.to_string(),
        owner,
        default_method: None,
        created_at: cx.now,
    };
    p.id = cx.store.insert_billing_profile(&p);
    cx.audit(
        "billing.profile.create",
        format!("billing-profile:{}", p.id),
        audited::NOTHING,
        Some(&p),
    );
    p
}

pub fn create_profile<S: Store + ?Sized>(cx: &Cx<S>, name: &str) -> Result<BillingProfile> {
    cx.require(Operation::ManageBilling)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "name",
            "a billing profile needs a name of 1 to 100 characters",
        ));
    }
    if cx
        .store
        .list_billing_profiles()
        .iter()
        .any(|p| p.owner.is_none() && p.name.eq_ignore_ascii_case(name))
    {
        return Err(crate::error::conflict(format!(
            "a billing profile named '{name}' exists already"
        )));
    }
    Ok(insert_profile(cx, name, None))
}

/// The Luhn check every card number passes.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn brand(digits: &str) -> &'static str {
    let two: u32 = digits[..2].parse().unwrap_or(0);
    let four: u32 = digits[..4].parse().unwrap_or(0);
    match () {
        _ if digits.starts_with('4') => "Visa",
        _ if (51..=55).contains(&two) || (2221..=2720).contains(&four) => "Mastercard",
        _ if two == 34 || two == 37 => "American Express",
        _ if four == 6011 || two == 65 => "Discover",
        _ => "Card",
    }
}

fn check_expiry(month: u8, year: u16, now: Timestamp) -> Result<()> {
    if !(1..=12).contains(&month) || !(2000..=2100).contains(&year) {
        return Err(invalid(
            "expiry",
            format!(
                "{month:02}/{year} is not an expiry date: use a month 1-12 and a four-digit year"
            ),
        ));
    }
    let today = calendar::date_of(now);
    if (year as i32, month) < (today.year(), today.month() as u8) {
        return Err(invalid(
            "expiry",
            format!("the card expired in {month:02}/{year}: use a card that is still valid"),
        ));
    }
    Ok(())
}

fn check_security_code(code: &str, brand: &str) -> Result<()> {
    let want = if brand == "American Express" { 4 } else { 3 };
    if code.len() != want || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "security-code",
            format!("the security code of a {brand} card is {want} digits"),
        ));
    }
    Ok(())
}

fn required(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 200 {
        return Err(invalid(
            field,
            format!("{field} is required (1 to 200 characters)"),
        ));
    }
    Ok(v.to_string())
}

/// Checks what was entered and keeps only what may be stored.
pub fn details(method: &NewPaymentMethod, now: Timestamp) -> Result<PaymentDetails> {
    Ok(match method {
        NewPaymentMethod::Card(c) => {
            let digits: String = c
                .number
                .chars()
                .filter(|c| !matches!(c, ' ' | '-'))
                .collect();
            if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid(
                    "number",
                    "a card number is 12 to 19 digits (spaces and dashes are ignored)",
                ));
            }
            if !luhn(&digits) {
                return Err(invalid(
                    "number",
                    "the card number is not valid (it fails the Luhn check): check it for typing errors",
                ));
            }
            let brand = brand(&digits);
            check_security_code(c.security_code.trim(), brand)?;
            check_expiry(c.exp_month, c.exp_year, now)?;
            PaymentDetails::Card(Card {
                brand: brand.to_string(),
                last4: digits[digits.len() - 4..].to_string(),
                exp_month: c.exp_month,
                exp_year: c.exp_year,
                name_on_card: required("name-on-card", &c.name_on_card)?,
                address: required("address", &c.address)?,
            })
        }
        NewPaymentMethod::BankAccount(b) => {
            let number: String = b
                .account_number
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if !(6..=34).contains(&number.len())
                || !number.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(invalid(
                    "account-number",
                    "an account number (or IBAN) is 6 to 34 letters and digits",
                ));
            }
            PaymentDetails::BankAccount(BankAccount {
                bank: required("bank", &b.bank)?,
                holder: required("holder", &b.holder)?,
                last4: number[number.len() - 4..].to_string(),
            })
        }
        NewPaymentMethod::Invoice(email) => {
            let email = email.trim();
            if !email.contains('@') || email.len() > 254 {
                return Err(invalid(
                    "email",
                    format!("'{email}' is not an e-mail address for invoices"),
                ));
            }
            PaymentDetails::Invoice(email.to_string())
        }
    })
}

pub fn list<S: Store + ?Sized>(cx: &Cx<S>, profile: Option<u64>) -> Result<Vec<PaymentMethod>> {
    let p = resolve(cx, profile, false)?;
    Ok(cx.store.payment_methods_of(p.id))
}

fn insert<S: Store + ?Sized>(
    cx: &Cx<S>,
    profile_id: u64,
    details: PaymentDetails,
) -> PaymentMethod {
    let mut m = PaymentMethod {
        id: 0,
        profile_id,
        details,
        added_at: cx.now,
        active: true,
    };
    m.id = cx.store.insert_payment_method(&m);
    cx.audit(
        "billing.payment-method.add",
        format!("payment-method:{}", m.id),
        audited::NOTHING,
        Some(&m),
    );
    m
}

pub fn add<S: Store + ?Sized>(
    cx: &Cx<S>,
    profile: Option<u64>,
    method: &NewPaymentMethod,
    make_default: bool,
) -> Result<PaymentMethod> {
    let details = details(method, cx.local)?;
    let mut p = resolve(cx, profile, true)?;
    let m = insert(cx, p.id, details);
    if make_default || p.default_method.is_none() {
        let before = p.clone();
        p.default_method = Some(m.id);
        cx.store.update_billing_profile(&p);
        cx.audit(
            "billing.profile.default",
            format!("billing-profile:{}", p.id),
            Some(&before),
            Some(&p),
        );
    }
    Ok(m)
}

/// A payment method the actor may change, by id.
pub fn get<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<(BillingProfile, PaymentMethod)> {
    let m = cx
        .store
        .get_payment_method(id)
        .filter(|m| m.active)
        .ok_or_else(|| {
            not_found(
                ObjectKind::PaymentMethod,
                id.to_string(),
                format!(
                    "no payment method {id} in use; `seats billing payment-methods` lists them"
                ),
            )
        })?;
    Ok((profile(cx, m.profile_id)?, m))
}

/// B3: updates a card's security code, expiry, name or address.
pub fn update_card<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    u: &CardUpdate,
) -> Result<PaymentMethod> {
    let (_, mut m) = get(cx, id)?;
    let before = m.clone();
    let PaymentDetails::Card(card) = &mut m.details else {
        return Err(invalid(
            "payment-method",
            format!("payment method {id} is not a card: replace it instead"),
        ));
    };
    if let Some(code) = &u.security_code {
        // Checked for form, then forgotten: a security code is never stored (B3).
        check_security_code(code.trim(), &card.brand)?;
    }
    let month = u.exp_month.unwrap_or(card.exp_month);
    let year = u.exp_year.unwrap_or(card.exp_year);
    check_expiry(month, year, cx.local)?;
    (card.exp_month, card.exp_year) = (month, year);
    if let Some(name) = &u.name_on_card {
        card.name_on_card = required("name-on-card", name)?;
    }
    if let Some(address) = &u.address {
        card.address = required("address", address)?;
    }
    cx.store.update_payment_method(&m);
    cx.audit(
        "billing.payment-method.update",
        format!("payment-method:{id}"),
        Some(&before),
        Some(&m),
    );
    Ok(m)
}

/// B3: a new method takes an old one's place: as the default, and on its subscriptions.
pub fn replace<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
    method: &NewPaymentMethod,
) -> Result<PaymentMethod> {
    let (mut p, mut old) = get(cx, id)?;
    let details = details(method, cx.local)?;
    let before = old.clone();
    old.active = false;
    cx.store.update_payment_method(&old);
    cx.audit(
        "billing.payment-method.remove",
        format!("payment-method:{id}"),
        Some(&before),
        Some(&old),
    );
    let m = insert(cx, p.id, details);
    if p.default_method == Some(id) {
        p.default_method = Some(m.id);
        cx.store.update_billing_profile(&p);
    }
    let mut after = None;
    loop {
        let batch = cx.store.list_subscriptions(after, 1000);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for mut s in batch.into_iter().filter(|s| s.payment_method == Some(id)) {
            s.payment_method = Some(m.id);
            cx.store.update_subscription(&s);
        }
    }
    Ok(m)
}

pub fn set_default<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<BillingProfile> {
    let (mut p, _) = get(cx, id)?;
    let before = p.clone();
    p.default_method = Some(id);
    cx.store.update_billing_profile(&p);
    cx.audit(
        "billing.profile.default",
        format!("billing-profile:{}", p.id),
        Some(&before),
        Some(&p),
    );
    Ok(p)
}

/// The method a charge goes to: the one named, or the profile's default; refused with the way
/// out when there is none or a card has expired since it was added.
pub fn payer<S: Store + ?Sized>(
    cx: &Cx<S>,
    profile: &BillingProfile,
    method: Option<u64>,
) -> Result<PaymentMethod> {
    let id = method.or(profile.default_method).ok_or_else(|| {
        let way_out = "add a card or bank account first (`seats billing add-card` or `seats \
                       billing add-bank-account`)";
        blocked(
            BlockedReason::NoPaymentMethod,
            way_out,
            format!(
                "billing profile '{}' has no payment method: {way_out}",
                profile.name
            ),
        )
    })?;
    let m = cx
        .store
        .get_payment_method(id)
        .filter(|m| m.active && m.profile_id == profile.id)
        .ok_or_else(|| {
            not_found(
                ObjectKind::PaymentMethod,
                id.to_string(),
                format!(
                    "payment method {id} is not in use on billing profile '{}'; `seats billing payment-methods` lists them",
                    profile.name
                ),
            )
        })?;
    if let PaymentDetails::Card(c) = &m.details {
        let today = calendar::date_of(cx.local);
        if (c.exp_year as i32, c.exp_month) < (today.year(), today.month() as u8) {
            let way_out = format!(
                "update its expiry (`seats billing update-card {}`) or add another card",
                m.id
            );
            return Err(blocked(
                BlockedReason::CardExpired,
                way_out.clone(),
                format!(
                    "the {} card ending {} expired in {:02}/{}: {way_out}",
                    c.brand, c.last4, c.exp_month, c.exp_year
                ),
            ));
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests;
