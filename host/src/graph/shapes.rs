//! Microsoft Graph v1.0's JSON for licensing, as Graph returns it (and Graph PowerShell's
//! `ConvertTo-Json`): the resources seats reads and writes. Fields seats has no use for are
//! skipped when read; when written, Graph's names and nulls are kept so clients see Graph.

use serde::{Deserialize, Serialize};

/// A collection response: `{"@odata.context", "value", "@odata.nextLink"}`.
#[derive(Serialize, Deserialize, Debug)]
pub struct Collection<T> {
    #[serde(
        rename = "@odata.context",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<String>,
    #[serde(
        rename = "@odata.count",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    pub value: Vec<T>,
    #[serde(
        rename = "@odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
}

/// A product the organisation has licenses of (`GET /subscribedSkus`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSku {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub applies_to: Option<String>,
    #[serde(default)]
    pub capability_status: Option<String>,
    #[serde(default)]
    pub consumed_units: i64,
    #[serde(default)]
    pub prepaid_units: LicenseUnits,
    #[serde(default)]
    pub service_plans: Vec<ServicePlanInfo>,
    pub sku_id: String,
    pub sku_part_number: String,
    #[serde(default)]
    pub subscription_ids: Vec<String>,
}

/// A product's units per state (licenseUnitsDetail).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LicenseUnits {
    #[serde(default)]
    pub enabled: i64,
    #[serde(default)]
    pub locked_out: i64,
    #[serde(default)]
    pub suspended: i64,
    #[serde(default)]
    pub warning: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServicePlanInfo {
    pub service_plan_id: String,
    pub service_plan_name: String,
    #[serde(default)]
    pub provisioning_status: Option<String>,
    #[serde(default)]
    pub applies_to: Option<String>,
}

/// A subscription (`GET /directory/subscriptions`: companySubscription).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CompanySubscription {
    pub id: String,
    #[serde(default)]
    pub commerce_subscription_id: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub is_trial: bool,
    #[serde(default)]
    pub next_lifecycle_date_time: Option<String>,
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub owner_tenant_id: Option<String>,
    #[serde(default)]
    pub owner_type: Option<String>,
    #[serde(default)]
    pub service_status: Vec<serde_json::Value>,
    pub sku_id: String,
    #[serde(default)]
    pub sku_part_number: Option<String>,
    pub status: String,
    pub total_licenses: i64,
}

/// A user with their licenses (`GET /users?$select=...`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub user_principal_name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub usage_location: Option<String>,
    #[serde(default)]
    pub account_enabled: Option<bool>,
    #[serde(default)]
    pub assigned_licenses: Vec<AssignedLicense>,
    /// Where each license comes from (the user, or a group); absent from older exports.
    #[serde(default)]
    pub license_assignment_states: Option<Vec<LicenseAssignmentState>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssignedLicense {
    #[serde(default)]
    pub disabled_plans: Vec<String>,
    pub sku_id: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAssignmentState {
    #[serde(default)]
    pub assigned_by_group: Option<String>,
    #[serde(default)]
    pub disabled_plans: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub last_updated_date_time: Option<String>,
    pub sku_id: String,
    #[serde(default)]
    pub state: Option<String>,
}

/// A group with the licenses its members inherit (`GET /groups`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub group_types: Vec<String>,
    #[serde(default)]
    pub mail_enabled: Option<bool>,
    #[serde(default)]
    pub security_enabled: Option<bool>,
    #[serde(default)]
    pub membership_rule: Option<String>,
    #[serde(default)]
    pub membership_rule_processing_state: Option<String>,
    #[serde(default)]
    pub assigned_licenses: Vec<AssignedLicense>,
}

/// A member of a group (`GET /groups/{id}/members`): a user, or another kind of object.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    #[serde(rename = "@odata.type", default)]
    pub odata_type: Option<String>,
    pub id: String,
    #[serde(default)]
    pub user_principal_name: Option<String>,
}

impl Member {
    pub fn is_user(&self) -> bool {
        self.odata_type
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.user"))
    }
}

/// Graph's `dynamicMembership` group type.
pub const DYNAMIC: &str = "DynamicMembership";
/// The service root a real tenant's links start with.
pub const ROOT: &str = "https://graph.microsoft.com/v1.0";
