//! How the `store` import writes enums in the database, and reads them back.

use crate::bindings::types::*;
use wasmtime::Result;

pub fn role_text(r: Role) -> &'static str {
    match r {
        Role::GlobalAdmin => "global-admin",
        Role::BillingAdmin => "billing-admin",
        Role::UserAdmin => "user-admin",
        Role::LicenseAdmin => "license-admin",
        Role::ServiceAdmin => "service-admin",
        Role::PasswordAdmin => "password-admin",
    }
}

pub(super) fn role_from(s: &str) -> Result<Role> {
    Ok(match s {
        "global-admin" => Role::GlobalAdmin,
        "billing-admin" => Role::BillingAdmin,
        "user-admin" => Role::UserAdmin,
        "license-admin" => Role::LicenseAdmin,
        "service-admin" => Role::ServiceAdmin,
        "password-admin" => Role::PasswordAdmin,
        other => wasmtime::bail!("unknown role '{other}' in the database"),
    })
}

pub fn kind_text(k: UserKind) -> &'static str {
    match k {
        UserKind::User => "user",
        UserKind::SharedMailbox => "shared-mailbox",
        UserKind::RoomMailbox => "room-mailbox",
        UserKind::ResourceMailbox => "resource-mailbox",
    }
}

pub(super) fn kind_from(s: &str) -> Result<UserKind> {
    Ok(match s {
        "user" => UserKind::User,
        "shared-mailbox" => UserKind::SharedMailbox,
        "room-mailbox" => UserKind::RoomMailbox,
        "resource-mailbox" => UserKind::ResourceMailbox,
        other => wasmtime::bail!("unknown user kind '{other}' in the database"),
    })
}

pub fn status_text(s: SubscriptionStatus) -> &'static str {
    match s {
        SubscriptionStatus::Trial => "trial",
        SubscriptionStatus::Active => "active",
        SubscriptionStatus::Expired => "expired",
        SubscriptionStatus::Disabled => "disabled",
        SubscriptionStatus::Deleted => "deleted",
        SubscriptionStatus::Cancelled => "cancelled",
    }
}

pub(super) fn status_from(s: &str) -> Result<SubscriptionStatus> {
    Ok(match s {
        "trial" => SubscriptionStatus::Trial,
        "active" => SubscriptionStatus::Active,
        "expired" => SubscriptionStatus::Expired,
        "disabled" => SubscriptionStatus::Disabled,
        "deleted" => SubscriptionStatus::Deleted,
        "cancelled" => SubscriptionStatus::Cancelled,
        other => wasmtime::bail!("unknown subscription status '{other}' in the database"),
    })
}

pub fn billing_text(b: BillingFrequency) -> &'static str {
    match b {
        BillingFrequency::Monthly => "monthly",
        BillingFrequency::Annual => "annual",
    }
}

pub(super) fn billing_from(s: &str) -> Result<BillingFrequency> {
    Ok(match s {
        "monthly" => BillingFrequency::Monthly,
        "annual" => BillingFrequency::Annual,
        other => wasmtime::bail!("unknown billing frequency '{other}' in the database"),
    })
}

pub fn channel_text(c: PurchaseChannel) -> &'static str {
    match c {
        PurchaseChannel::Direct => "direct",
        PurchaseChannel::ProductKey => "product-key",
        PurchaseChannel::Reseller => "reseller",
        PurchaseChannel::SelfService => "self-service",
    }
}

pub(super) fn channel_from(s: &str) -> Result<PurchaseChannel> {
    Ok(match s {
        "direct" => PurchaseChannel::Direct,
        "product-key" => PurchaseChannel::ProductKey,
        "reseller" => PurchaseChannel::Reseller,
        "self-service" => PurchaseChannel::SelfService,
        other => wasmtime::bail!("unknown purchase channel '{other}' in the database"),
    })
}

pub fn workload_text(w: Workload) -> &'static str {
    match w {
        Workload::Mailbox => "mailbox",
        Workload::Onedrive => "onedrive",
        Workload::TeamSite => "team-site",
        Workload::Teams => "teams",
        Workload::OfficeApps => "office-apps",
    }
}

pub fn state_text(s: DataState) -> &'static str {
    match s {
        DataState::Active => "active",
        DataState::Retained => "retained",
        DataState::Removed => "removed",
        DataState::Purged => "purged",
    }
}

pub fn cloud_text(c: Cloud) -> &'static str {
    match c {
        Cloud::Worldwide => "worldwide",
        Cloud::Vianet => "vianet",
    }
}
