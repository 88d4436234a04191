//! Groups as the CLI and scripts print them (GL1-GL10).

use super::datetime;
use crate::service::model::groups::{GroupChange, GroupDetails, MemberError};
use crate::service::model::text::graph_code_text;
use crate::service::model::types::Group;
use serde::Serialize;

#[derive(Serialize)]
pub struct GroupRow {
    pub id: u64,
    pub group: String,
    /// static or dynamic
    pub kind: &'static str,
    pub rule: Option<String>,
    pub description: Option<String>,
    pub created: String,
}

impl From<Group> for GroupRow {
    fn from(g: Group) -> Self {
        GroupRow {
            id: g.id,
            group: g.name,
            kind: if g.rule.is_some() {
                "dynamic"
            } else {
                "static"
            },
            rule: g.rule,
            description: g.description,
            created: datetime(g.created_at),
        }
    }
}

#[derive(Serialize)]
pub struct GroupDetailsView {
    #[serde(flatten)]
    pub group: GroupRow,
    /// The products it gives, each with the plans it switches off: `SPE_E5 (off: MCOEV)`.
    pub licenses: Vec<String>,
    pub members: u32,
    pub members_in_error: u32,
}

impl From<GroupDetails> for GroupDetailsView {
    fn from(d: GroupDetails) -> Self {
        GroupDetailsView {
            group: GroupRow::from(d.group),
            licenses: d
                .licenses
                .into_iter()
                .map(|l| match l.disabled_plans.is_empty() {
                    true => l.product,
                    false => format!("{} (off: {})", l.product, l.disabled_plans.join(", ")),
                })
                .collect(),
            members: d.members,
            members_in_error: d.errors,
        }
    }
}

/// What a group change did to its members.
#[derive(Serialize)]
pub struct GroupChangeView {
    pub group: String,
    pub changed: u32,
    pub unchanged: u32,
    pub members_in_error: u32,
}

impl From<&GroupChange> for GroupChangeView {
    fn from(c: &GroupChange) -> Self {
        GroupChangeView {
            group: c.group.name.clone(),
            changed: c.changed,
            unchanged: c.unchanged,
            members_in_error: c.errors,
        }
    }
}

/// A member in error (GL3), with Graph's code.
#[derive(Serialize)]
pub struct MemberErrorRow {
    pub group: String,
    pub upn: String,
    pub code: &'static str,
    pub message: String,
    pub since: String,
}

impl From<MemberError> for MemberErrorRow {
    fn from(e: MemberError) -> Self {
        MemberErrorRow {
            group: e.group,
            upn: e.upn,
            code: graph_code_text(e.code),
            message: e.message,
            since: datetime(e.since),
        }
    }
}
