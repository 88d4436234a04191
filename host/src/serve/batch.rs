//! `$batch` (concepts/json-batching.md): up to 20 requests, each answered as it would be alone
//! (each its own change, as in Graph: a batch is not all or nothing), in an order that puts
//! every request after those it `dependsOn`; one whose dependency failed is answered 424.

use super::reply::Reply;
use super::request::{Caller, Request};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Graph's most requests in one batch.
pub const MAX: usize = crate::graph::BATCH;

struct Item {
    id: String,
    method: String,
    url: String,
    body: Option<Value>,
    consistency: Option<String>,
    depends_on: Vec<String>,
}

fn items(body: Option<&Value>) -> Result<Vec<Item>, String> {
    let requests = body
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
        .ok_or("a $batch body is {\"requests\": [...]}")?;
    if requests.is_empty() || requests.len() > MAX {
        return Err(format!(
            "A batch holds 1 to {MAX} requests; this one has {}.",
            requests.len()
        ));
    }
    let mut out = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(format!("request {} of the batch has no id", i + 1)),
        };
        let method = text("method").ok_or(format!("request {id} has no method"))?;
        let url = text("url").ok_or(format!("request {id} has no url"))?;
        if url.len() > 2048 {
            return Err(format!("request {id}'s url is longer than 2048 characters"));
        }
        let consistency = r
            .get("headers")
            .and_then(Value::as_object)
            .and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("ConsistencyLevel"))
                    .and_then(|(_, v)| v.as_str())
            })
            .map(str::to_ascii_lowercase);
        let depends_on = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|d| d.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or(format!("request {id}'s dependsOn must name request ids"))?,
            Some(_) => return Err(format!("request {id}'s dependsOn must be an array")),
        };
        let body = r.get("body").cloned().filter(|b| !b.is_null());
        out.push(Item {
            id,
            method,
            url,
            body,
            consistency,
            depends_on,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for i in &out {
        if !seen.insert(i.id.as_str()) {
            return Err(format!("two requests of the batch have the id '{}'", i.id));
        }
    }
    for i in &out {
        if let Some(d) = i.depends_on.iter().find(|d| !seen.contains(d.as_str())) {
            return Err(format!(
                "request {} depends on '{d}', which is not in the batch",
                i.id
            ));
        }
    }
    Ok(out)
}

/// The order to run them in: each after what it depends on; none when they form a cycle.
fn order(items: &[Item]) -> Option<Vec<usize>> {
    let mut done: Vec<bool> = vec![false; items.len()];
    let mut out = Vec::new();
    while out.len() < items.len() {
        let index: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.as_str(), i))
            .collect();
        let next = (0..items.len())
            .find(|&i| !done[i] && items[i].depends_on.iter().all(|d| done[index[d.as_str()]]))?;
        done[next] = true;
        out.push(next);
    }
    Some(out)
}

/// Answers the batch, each request by `dispatch` (the server's router, passed in so that the
/// router and the batch do not name each other).
pub fn run(
    s: &mut crate::service::Session,
    caller: &Caller,
    r: &Request,
    dispatch: fn(&mut crate::service::Session, &Caller, &Request) -> Reply,
) -> Reply {
    let items = match items(r.body.as_ref()) {
        Ok(i) => i,
        Err(m) => return Reply::bad_request(&m),
    };
    let Some(order) = order(&items) else {
        return Reply::bad_request("the batch's dependsOn form a cycle");
    };
    // One transaction for the batch, each request a savepoint in it: a refused request is
    // undone alone, as if sent alone, and the batch's writes share one commit (one sync of
    // the file instead of twenty).
    if let Err(e) = s.begin() {
        return super::reply::failure(&e);
    }
    let mut status: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for i in order {
        let item = &items[i];
        let failed = item
            .depends_on
            .iter()
            .any(|d| !(200..300).contains(&status[d]));
        let reply = if failed {
            Reply::error(
                424,
                "FailedDependency",
                "a request this one depends on failed",
            )
        } else {
            let (path, query) = Request::split(&item.url);
            let inner = Request {
                method: item.method.clone(),
                path,
                query,
                consistency: item.consistency.clone(),
                body: item.body.clone(),
                base: r.base.clone(),
            };
            if inner.segments().first() == Some(&"$batch") {
                Reply::bad_request("a batch cannot hold another $batch")
            } else {
                dispatch(s, caller, &inner)
            }
        };
        status.insert(item.id.clone(), reply.status);
        let mut headers = serde_json::Map::new();
        headers.insert("Content-Type".into(), json!("application/json"));
        for (k, v) in &reply.headers {
            headers.insert((*k).into(), json!(v));
        }
        responses.push(json!({
            "id": item.id, "status": reply.status, "headers": headers, "body": reply.body,
        }));
    }
    if let Err(e) = s.finish(true) {
        return super::reply::failure(&e);
    }
    Reply::ok(json!({ "responses": responses }))
}
