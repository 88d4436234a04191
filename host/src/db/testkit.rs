//! What the store's unit tests build again and again.

use crate::bindings::seats::licensing::store::UserQuery;
use crate::bindings::types::Assignment;

/// Every user not deleted.
pub(super) fn everyone() -> UserQuery {
    UserQuery {
        include_deleted: false,
        unlicensed_only: false,
        holding: None,
        department: None,
        usage_location: None,
        enabled: None,
        kind: None,
        member_of: None,
        not_member_of: None,
        in_error: false,
    }
}

/// A direct license of `sku_id` for user `user_id`, assigned by admin@t.com.
pub(super) fn assignment(user_id: u64, sku_id: &str) -> Assignment {
    Assignment {
        user_id,
        sku_id: sku_id.into(),
        disabled_plans: Vec::new(),
        assigned_at: 0,
        assigned_by: "admin@t.com".into(),
        subscription: None,
        direct: true,
        groups: Vec::new(),
        own_disabled_plans: None,
    }
}
