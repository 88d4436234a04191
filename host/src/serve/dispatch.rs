//! Routes a request to what answers it. The same path serves HTTP and each request of a
//! `$batch`, so a batched request is answered exactly as it would be alone.

use super::reply::Reply;
use super::request::{Caller, Request};
use super::users::{self, tryr};
use super::{batch, groups};
use crate::graph::export::skus_and_subscriptions;
use crate::graph::render::Context;
use crate::service::Session;
use serde_json::json;

pub fn dispatch(s: &mut Session, caller: &Caller, r: &Request) -> Reply {
    let segments = r.segments();
    let method = r.method.to_ascii_uppercase();
    if method == "POST"
        && segments != ["$batch"]
        && let Some(t) = caller.throttle
        && let Err(wait) = t.admit(caller.token)
    {
        return Reply::throttled(wait);
    }
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["subscribedSkus"]) => skus(s, r),
        ("GET", ["directory", "subscriptions"]) => subscriptions(s, r),
        ("GET", ["users"]) => users::list(s, r),
        ("GET", ["users", key]) => users::get(s, r, key),
        ("GET", ["users", key, "licenseDetails"]) => users::license_details(s, r, key),
        ("POST", ["users", key, "assignLicense"]) => users::assign_license(s, r, key),
        ("GET", ["groups"]) => groups::list(s, r),
        ("GET", ["groups", key]) => groups::get(s, r, key),
        ("GET", ["groups", key, "members"]) => groups::members(s, r, key),
        ("POST", ["groups", key, "assignLicense"]) => groups::assign_license(s, r, key),
        ("POST", ["$batch"]) => batch::run(s, caller, r, dispatch),
        (
            _,
            ["subscribedSkus" | "users" | "groups" | "$batch", ..] | ["directory", "subscriptions"],
        ) => Reply::error(
            405,
            "Request_BadRequest",
            &format!("{method} is not served on {}", r.path),
        ),
        _ => Reply::error(
            400,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'. seats serves subscribedSkus, directory/subscriptions, users, groups and $batch.",
                segments.first().copied().unwrap_or("")
            ),
        ),
    }
}

fn skus(s: &mut Session, r: &Request) -> Reply {
    let cx = tryr!(Context::new(s));
    let (skus, _) = tryr!(skus_and_subscriptions(s, &cx));
    Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#subscribedSkus", r.base),
        "value": skus,
    }))
}

fn subscriptions(s: &mut Session, r: &Request) -> Reply {
    let cx = tryr!(Context::new(s));
    let (_, subs) = tryr!(skus_and_subscriptions(s, &cx));
    Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#directory/subscriptions", r.base),
        "value": subs,
    }))
}
