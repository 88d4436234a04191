//! `/users`: the list with its query options, one user, their licenseDetails, assignLicense.

use super::query;
use super::reply::Reply;
use super::request::Request;
use crate::graph::export::everyone;
use crate::graph::render::{self, Context};
use crate::service::Session;
use crate::service::graph_ids::{GraphKind, guid};
use crate::service::model::licenses::LicenseChoice;
use crate::service::model::users::{HoldingUser, UserFilter};
use serde_json::{Value, json};

macro_rules! tryr {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return $crate::serve::reply::refusal(&e.into()),
        }
    };
}
pub(super) use tryr;

pub fn list(s: &mut Session, r: &Request) -> Reply {
    let filter = match query::filter(r.param("$filter")) {
        Ok(f) => f,
        Err(m) => return Reply::error(400, "Request_UnsupportedQuery", &m),
    };
    let top = match query::top(r.param("$top")) {
        Ok(t) => t,
        Err(m) => return Reply::bad_request(&m),
    };
    let after = match r.param("$skiptoken").map(str::parse::<u64>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return Reply::bad_request("$skiptoken is not one this server gave"),
    };
    let count = match r.param("$count") {
        Some(c) if c.eq_ignore_ascii_case("true") => {
            if r.consistency.as_deref() != Some("eventual") {
                return Reply::bad_request(
                    "$count on users needs the header ConsistencyLevel: eventual, as in Graph",
                );
            }
            Some(tryr!(count_users(s, &filter)))
        }
        _ => None,
    };
    let cx = tryr!(Context::new(s));
    let (page, next) = tryr!(s.holding_page(&filter, after, top));
    let users = tryr!(rendered(s, &cx, &page));
    let select = r.param("$select");
    let value: Vec<Value> = users
        .into_iter()
        .map(|u| query::select(u, select))
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users", r.base),
        "value": value,
    });
    if let Some(n) = count {
        body["@odata.count"] = json!(n);
    }
    if let Some(n) = next {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &r.query {
            if !k.eq_ignore_ascii_case("$skiptoken") {
                q.append_pair(k, v);
            }
        }
        q.append_pair("$skiptoken", &n.to_string());
        body["@odata.nextLink"] = json!(format!("{}/v1.0/users?{}", r.base, q.finish()));
    }
    Reply::ok(body)
}

fn count_users(s: &mut Session, filter: &UserFilter) -> Result<u64, crate::service::CallError> {
    let mut n = 0u64;
    s.user_pages(filter, |page| {
        n += page.len() as u64;
        Ok(true)
    })?;
    Ok(n)
}

/// The users of a page in Graph's shape, with their Graph ids.
fn rendered(s: &mut Session, cx: &Context, page: &[HoldingUser]) -> anyhow::Result<Vec<Value>> {
    let ids = s.graph_ids(
        GraphKind::User,
        &page.iter().map(|h| h.user.id).collect::<Vec<_>>(),
    )?;
    Ok(page
        .iter()
        .zip(ids)
        .map(|(h, id)| serde_json::to_value(render::user(cx, h, id)).unwrap_or_default())
        .collect())
}

/// The active user a path names (a Graph id or a UPN), with what they hold.
pub fn find(s: &mut Session, key: &str) -> Result<Option<HoldingUser>, crate::service::CallError> {
    let id = if guid(key).is_some() {
        match s.local_of_graph_id(GraphKind::User, key)? {
            Some(id) => id,
            None => return Ok(None),
        }
    } else if key.contains('@') {
        match s.get_user(key) {
            Ok(d) if d.user.deleted_at.is_none() => d.user.id,
            Ok(_) => return Ok(None),
            Err(crate::service::CallError::Domain(
                crate::service::model::types::Error::NotFound(_),
            )) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
    } else {
        return Ok(None);
    };
    // The page that starts at the user: them, when they are active.
    let (page, _) = s.holding_page(&everyone(), id.checked_sub(1), 1)?;
    Ok(page.into_iter().next().filter(|h| h.user.id == id))
}

pub fn get(s: &mut Session, r: &Request, key: &str) -> Reply {
    let Some(h) = tryr!(find(s, key)) else {
        return Reply::not_found(key);
    };
    let cx = tryr!(Context::new(s));
    let mut user = tryr!(rendered(s, &cx, std::slice::from_ref(&h))).remove(0);
    user = query::select(user, r.param("$select"));
    user["@odata.context"] = json!(format!("{}/v1.0/$metadata#users/$entity", r.base));
    Reply::ok(user)
}

pub fn license_details(s: &mut Session, r: &Request, key: &str) -> Reply {
    let Some(h) = tryr!(find(s, key)) else {
        return Reply::not_found(key);
    };
    let uid = tryr!(s.graph_ids(GraphKind::User, &[h.user.id])).remove(0);
    let mut value = Vec::new();
    for a in &h.licenses {
        let product = tryr!(s.get_product(&a.sku_id));
        let plans: Vec<Value> = product
            .service_plans
            .iter()
            .map(|p| {
                let off = a.disabled_plans.iter().any(|d| d == &p.id);
                json!({
                    "servicePlanId": p.id, "servicePlanName": p.name,
                    "provisioningStatus": if off { "Disabled" } else { "Success" },
                    "appliesTo": "User",
                })
            })
            .collect();
        value.push(json!({
            "id": format!("{uid}_{}", a.sku_id),
            "skuId": a.sku_id,
            "skuPartNumber": product.product.part_number,
            "servicePlans": plans,
        }));
    }
    Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#users('{}')/licenseDetails", r.base, uid),
        "value": value,
    }))
}

/// assignLicense's body: both lists, as Graph requires them.
pub fn license_body(body: Option<&Value>) -> Result<(Vec<LicenseChoice>, Vec<String>), Reply> {
    let body = body.ok_or_else(|| Reply::bad_request("assignLicense needs a JSON body"))?;
    let missing: Vec<&str> = ["addLicenses", "removeLicenses"]
        .into_iter()
        .filter(|k| body.get(*k).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(Reply::bad_request(&format!(
            "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: {}.",
            missing.join(", ")
        )));
    }
    let bad = |what: &str| Reply::bad_request(&format!("assignLicense: {what}"));
    let mut add = Vec::new();
    for l in body["addLicenses"]
        .as_array()
        .ok_or_else(|| bad("addLicenses must be an array"))?
    {
        let sku = l["skuId"]
            .as_str()
            .and_then(guid)
            .ok_or_else(|| bad("each of addLicenses needs a skuId GUID"))?;
        let off = match &l["disabledPlans"] {
            Value::Null => Vec::new(),
            Value::Array(a) => a
                .iter()
                .map(|p| p.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("disabledPlans must be servicePlanId GUIDs"))?,
            _ => return Err(bad("disabledPlans must be an array")),
        };
        add.push(LicenseChoice {
            product: sku,
            disabled_plans: off,
        });
    }
    let remove = body["removeLicenses"]
        .as_array()
        .ok_or_else(|| bad("removeLicenses must be an array"))?
        .iter()
        .map(|v| v.as_str().and_then(guid))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("removeLicenses must be skuId GUIDs"))?;
    Ok((add, remove))
}

pub fn assign_license(s: &mut Session, r: &Request, key: &str) -> Reply {
    let (add, remove) = match license_body(r.body.as_ref()) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let Some(h) = tryr!(find(s, key)) else {
        return Reply::not_found(key);
    };
    // Atomic per user, as Graph's: all of the additions and removals, or none.
    tryr!(s.set_user_licenses(&h.user.upn, &add, &remove));
    let mut reply = get(s, r, &h.user.upn);
    if reply.status == 200 {
        reply.body["@odata.context"] = json!(format!("{}/v1.0/$metadata#users/$entity", r.base));
    }
    reply
}
