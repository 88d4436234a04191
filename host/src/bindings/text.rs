//! The text form of the contract's enums (their WIT names): how the storage writes them and
//! the views print them, and how the storage reads them back.

use super::types::*;
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

pub fn role_from(s: &str) -> Result<Role> {
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

pub fn kind_from(s: &str) -> Result<UserKind> {
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

pub fn status_from(s: &str) -> Result<SubscriptionStatus> {
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

pub fn billing_from(s: &str) -> Result<BillingFrequency> {
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

pub fn channel_from(s: &str) -> Result<PurchaseChannel> {
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

pub fn reason_text(r: CancelReason) -> &'static str {
    match r {
        CancelReason::NoLongerNeeded => "no-longer-needed",
        CancelReason::TooExpensive => "too-expensive",
        CancelReason::SwitchingProduct => "switching-product",
        CancelReason::MissingFeatures => "missing-features",
        CancelReason::Other => "other",
    }
}

pub fn reason_from(s: &str) -> Result<CancelReason> {
    Ok(match s {
        "no-longer-needed" => CancelReason::NoLongerNeeded,
        "too-expensive" => CancelReason::TooExpensive,
        "switching-product" => CancelReason::SwitchingProduct,
        "missing-features" => CancelReason::MissingFeatures,
        "other" => CancelReason::Other,
        other => wasmtime::bail!("unknown cancellation reason '{other}' in the database"),
    })
}

pub fn charge_kind_text(k: ChargeKind) -> &'static str {
    match k {
        ChargeKind::Purchase => "purchase",
        ChargeKind::Renewal => "renewal",
        ChargeKind::Reversal => "reversal",
        ChargeKind::Prorated => "prorated",
        ChargeKind::Remainder => "remainder",
    }
}

pub fn charge_kind_from(s: &str) -> Result<ChargeKind> {
    Ok(match s {
        "purchase" => ChargeKind::Purchase,
        "renewal" => ChargeKind::Renewal,
        "reversal" => ChargeKind::Reversal,
        "prorated" => ChargeKind::Prorated,
        "remainder" => ChargeKind::Remainder,
        other => wasmtime::bail!("unknown charge kind '{other}' in the database"),
    })
}

/// Graph's own spelling of the code (licenseAssignmentState.error, an error response's code).
pub fn graph_code_name(c: GraphCode) -> &'static str {
    match c {
        GraphCode::CountViolation => "CountViolation",
        GraphCode::MutuallyExclusiveViolation => "MutuallyExclusiveViolation",
        GraphCode::DependencyViolation => "DependencyViolation",
        GraphCode::ProhibitedInUsageLocationViolation => "ProhibitedInUsageLocationViolation",
        GraphCode::UniquenessViolation => "UniquenessViolation",
        GraphCode::Other => "Other",
    }
}

pub fn graph_code_text(c: GraphCode) -> &'static str {
    match c {
        GraphCode::CountViolation => "count-violation",
        GraphCode::MutuallyExclusiveViolation => "mutually-exclusive-violation",
        GraphCode::DependencyViolation => "dependency-violation",
        GraphCode::ProhibitedInUsageLocationViolation => "prohibited-in-usage-location-violation",
        GraphCode::UniquenessViolation => "uniqueness-violation",
        GraphCode::Other => "other",
    }
}

pub fn graph_code_from(s: &str) -> Result<GraphCode> {
    Ok(match s {
        "count-violation" => GraphCode::CountViolation,
        "mutually-exclusive-violation" => GraphCode::MutuallyExclusiveViolation,
        "dependency-violation" => GraphCode::DependencyViolation,
        "prohibited-in-usage-location-violation" => GraphCode::ProhibitedInUsageLocationViolation,
        "uniqueness-violation" => GraphCode::UniquenessViolation,
        "other" => GraphCode::Other,
        other => wasmtime::bail!("unknown Graph code '{other}' in the database"),
    })
}
