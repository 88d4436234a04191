//! `/groups`: the groups with the products their members inherit (GL1), members, assignLicense.

use super::reply::Reply;
use super::request::Request;
use super::users::{license_body, tryr};
use crate::graph::export::everyone;
use crate::graph::render::{self, Context};
use crate::service::Session;
use crate::service::graph_ids::{GraphKind, guid};
use crate::service::model::users::UserFilter;
use serde_json::{Value, json};

/// The group a path names: its Graph id (or seats' own id), as seats names it.
fn key_of(s: &mut Session, key: &str) -> anyhow::Result<Option<String>> {
    if guid(key).is_some() {
        return Ok(s
            .local_of_graph_id(GraphKind::Group, key)?
            .map(|id| id.to_string()));
    }
    Ok(key.parse::<u64>().ok().map(|id| id.to_string()))
}

pub fn list(s: &mut Session, r: &Request) -> Reply {
    let cx = tryr!(Context::new(s));
    let groups = tryr!(s.groups());
    let value: Vec<Value> = groups
        .iter()
        .map(|g| serde_json::to_value(render::group(&cx, g)).unwrap_or_default())
        .collect();
    Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#groups", r.base),
        "value": value,
    }))
}

pub fn get(s: &mut Session, r: &Request, key: &str) -> Reply {
    let Some(id) = tryr!(key_of(s, key)) else {
        return Reply::not_found(key);
    };
    let group = tryr!(s.get_group(&id)).group;
    let cx = tryr!(Context::new(s));
    let mut v = serde_json::to_value(render::group(&cx, &group)).unwrap_or_default();
    v["@odata.context"] = json!(format!("{}/v1.0/$metadata#groups/$entity", r.base));
    Reply::ok(v)
}

pub fn members(s: &mut Session, r: &Request, key: &str) -> Reply {
    let Some(id) = tryr!(key_of(s, key)) else {
        return Reply::not_found(key);
    };
    let top = match super::query::top(r.param("$top")) {
        Ok(t) => t,
        Err(m) => return Reply::bad_request(&m),
    };
    let after = r.param("$skiptoken").and_then(|t| t.parse::<u64>().ok());
    let filter = UserFilter {
        group: Some(id),
        ..everyone()
    };
    let (page, next) = tryr!(s.holding_page(&filter, after, top));
    let ids = tryr!(s.graph_ids(
        GraphKind::User,
        &page.iter().map(|h| h.user.id).collect::<Vec<_>>()
    ));
    let value: Vec<Value> = page
        .iter()
        .zip(ids)
        .map(|(h, id)| {
            json!({"@odata.type": "#microsoft.graph.user", "id": id,
                   "userPrincipalName": h.user.upn, "displayName": h.user.display_name})
        })
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#directoryObjects", r.base),
        "value": value,
    });
    if let Some(n) = next {
        body["@odata.nextLink"] = json!(format!(
            "{}/v1.0/groups/{key}/members?$top={top}&$skiptoken={n}",
            r.base
        ));
    }
    Reply::ok(body)
}

pub fn assign_license(s: &mut Session, r: &Request, key: &str) -> Reply {
    let (add, remove) = match license_body(r.body.as_ref()) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let Some(id) = tryr!(key_of(s, key)) else {
        return Reply::not_found(key);
    };
    // One change for the group: its members gain and lose the products (GL1, GL10).
    tryr!(s.set_group_licenses(&id, &add, &remove));
    let mut reply = get(s, r, key);
    if reply.status == 200 {
        reply.status = 202;
    }
    reply
}
