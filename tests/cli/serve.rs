//! `seats serve`: Graph v1.0 over HTTP on 127.0.0.1, on a free port, stopped by the test.
//! Spoken to with a plain HTTP/1.1 client here, and with Microsoft's own Graph client for
//! JavaScript (tests/graph-node) in `graph_client`.

use crate::support::Env;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

pub const ADMIN: &str = "admin@fabrikam.com";
pub const E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
pub const PBI: &str = "f8a1db68-be16-40ed-86d5-cb42ce701560";
pub const E3: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";

/// A running `seats serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:port`
    pub addr: String,
}

impl Server {
    pub fn start(env: &Env, extra: &[&str]) -> Server {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("seats"));
        env.configure(&mut cmd)
            .args(["serve", "--port", "0", "--workers", "3"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("seats serve said: {line:?}"))
            .to_string();
        Server { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// One request; (status, headers in lower case, JSON body).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, String, Value) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}ConsistencyLevel: eventual\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        // The server answers with a length, not chunks: the body is JSON as it stands.
        let json = serde_json::from_str(body).unwrap_or(Value::Null);
        (status, head.to_ascii_lowercase(), json)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example tenant (tests/graph-export), imported, with tokens for its admin and for a
/// user without an admin role.
pub fn fabrikam() -> (Env, String, String) {
    let env = Env::new();
    crate::graph::import(&env, &crate::graph::example());
    let admin = env.ok(&["tokens", "create"]).trim().to_string();
    let reader = unlicensed(&env)[0].clone();
    let reader = env
        .ok(&["--as", &reader, "tokens", "create", "--name", "reader"])
        .trim()
        .to_string();
    (env, admin, reader)
}

/// UPNs of users with a usage location and no POWER_BI_PRO, E3 or E5: free to be given them.
pub fn unlicensed(env: &Env) -> Vec<String> {
    without(env, &[PBI, E3, E5])
}

/// UPNs of users other than the admin with a usage location who hold none of `skus`.
pub fn without(env: &Env, skus: &[&str]) -> Vec<String> {
    let users = env.json(&["users"]);
    let holders = |p: &str| -> Vec<String> {
        env.json(&["users", "--product", p])
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["upn"].as_str().unwrap().to_string())
            .collect()
    };
    let taken: Vec<String> = skus.iter().flat_map(|p| holders(p)).collect();
    users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !u["usage_location"].is_null())
        .map(|u| u["upn"].as_str().unwrap().to_string())
        .filter(|u| !taken.contains(u) && u != ADMIN)
        .collect()
}

fn assign(sku: &str) -> Value {
    json!({"addLicenses": [{"skuId": sku, "disabledPlans": []}], "removeLicenses": []})
}

#[test]
fn graph_serve_answers_in_graphs_shapes_and_as_the_tokens_user() {
    let (env, admin, reader) = fabrikam();
    let server = Server::start(&env, &[]);
    let t = Some(admin.as_str());

    // Who calls: no token, a made-up one, a revoked one are 401.
    let (status, head, body) = server.call("GET", "/v1.0/subscribedSkus", None, None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert!(head.contains("www-authenticate"), "{head}");
    assert_eq!(
        server.call("GET", "/v1.0/users", Some("seats_00"), None).0,
        401
    );

    let (status, _, skus) = server.call("GET", "/v1.0/subscribedSkus", t, None);
    assert_eq!(status, 200);
    let e5 = skus["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["skuId"] == E5)
        .unwrap();
    assert_eq!(
        (
            e5["consumedUnits"].as_i64(),
            e5["prepaidUnits"]["enabled"].as_i64()
        ),
        (Some(7), Some(8))
    );
    let (_, _, subs) = server.call("GET", "/v1.0/directory/subscriptions", t, None);
    assert_eq!(subs["value"].as_array().unwrap().len(), 8);

    // Users holding E3, seven a page, followed by nextLink; $count with ConsistencyLevel.
    let mut path = format!(
        "/v1.0/users?$filter=assignedLicenses/any(x:x/skuId%20eq%20{E3})&$top=7&$count=true&$select=id,userPrincipalName,assignedLicenses"
    );
    let (mut seen, mut pages) = (0, 0);
    loop {
        let (status, _, page) = server.call("GET", &path, t, None);
        assert_eq!(status, 200, "{page}");
        if pages == 0 {
            assert_eq!(page["@odata.count"], 30);
        }
        for u in page["value"].as_array().unwrap() {
            assert!(u.get("displayName").is_none(), "$select: {u}");
            assert!(
                u["assignedLicenses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l["skuId"] == E3)
            );
            seen += 1;
        }
        pages += 1;
        match page["@odata.nextLink"].as_str() {
            Some(next) => path = next.split(&server.addr).nth(1).unwrap().to_string(),
            None => break,
        }
    }
    assert_eq!((seen, pages), (30, 5));
    let (status, _, body) = server.call(
        "GET",
        "/v1.0/users?$filter=startswith(displayName,'a')",
        t,
        None,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("Request_UnsupportedQuery"))
    );

    // assignLicense: atomic per user; the answer is the user; licenseDetails lists it.
    let free = unlicensed(&env);
    let (status, _, user) = server.call(
        "POST",
        &format!("/v1.0/users/{}/assignLicense", free[0]),
        t,
        Some(&assign(E5)),
    );
    assert_eq!(status, 200, "{user}");
    assert!(
        user["assignedLicenses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["skuId"] == E5)
    );
    let id = user["id"].as_str().unwrap().to_string();
    let (_, _, details) = server.call("GET", &format!("/v1.0/users/{id}/licenseDetails"), t, None);
    assert_eq!(details["value"][0]["skuPartNumber"], "SPE_E5");
    // The last E5 is gone: the next is refused as Graph's CountViolation, and nothing changed.
    let (status, _, body) = server.call(
        "POST",
        &format!("/v1.0/users/{}/assignLicense", free[1]),
        t,
        Some(&assign(E5)),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("CountViolation")),
        "{body}"
    );
    assert!(body["error"]["innerError"]["date"].is_string());
    let (_, _, other) = server.call("GET", &format!("/v1.0/users/{}", free[1]), t, None);
    assert_eq!(other["assignedLicenses"], json!([]));
    // Graph wants both lists.
    let (status, _, body) = server.call(
        "POST",
        &format!("/v1.0/users/{id}/assignLicense"),
        t,
        Some(&json!({"addLicenses": []})),
    );
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("removeLicenses"),
        "{body}"
    );

    // A user without an admin role is refused as the CLI refuses them: 403.
    let (status, _, body) = server.call(
        "POST",
        &format!("/v1.0/users/{}/assignLicense", free[0]),
        Some(&reader),
        Some(&assign(PBI)),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied")),
        "{body}"
    );

    // $batch: the second depends on the first, which fails; the third stands alone.
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/users/{}/assignLicense", free[1]), "body": assign(E5), "headers": {"Content-Type": "application/json"}},
        {"id": "2", "method": "GET", "url": format!("/users/{}", free[1]), "dependsOn": ["1"]},
        {"id": "3", "method": "POST", "url": format!("/users/{}/assignLicense", free[1]), "body": assign(PBI), "headers": {"Content-Type": "application/json"}},
    ]});
    let (status, _, body) = server.call("POST", "/v1.0/$batch", t, Some(&batch));
    assert_eq!(status, 200, "{body}");
    let by_id = |id: &str| {
        body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 400);
    assert_eq!(by_id("1")["body"]["error"]["code"], "CountViolation");
    assert_eq!(by_id("2")["status"], 424);
    assert_eq!(by_id("3")["status"], 200);
    let too_many = json!({"requests": (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/subscribedSkus"})).collect::<Vec<_>>()});
    assert_eq!(
        server.call("POST", "/v1.0/$batch", t, Some(&too_many)).0,
        400
    );

    // Groups: the products members inherit, and the members.
    let (_, _, groups) = server.call("GET", "/v1.0/groups", t, None);
    let sales = groups["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == "All Sales")
        .unwrap()
        .clone();
    let (_, _, members) = server.call(
        "GET",
        &format!("/v1.0/groups/{}/members", sales["id"].as_str().unwrap()),
        t,
        None,
    );
    assert_eq!(members["value"].as_array().unwrap().len(), 9);

    // A revoked token stops working at once.
    env.ok(&["tokens", "revoke", "2"]);
    assert_eq!(
        server
            .call("GET", "/v1.0/subscribedSkus", Some(&reader), None)
            .0,
        401
    );
}

#[test]
fn graph_serve_throttles_writes_with_retry_after() {
    let (env, admin, _) = fabrikam();
    let server = Server::start(&env, &["--throttle", "2/60"]);
    let user = &unlicensed(&env)[0];
    let path = format!("/v1.0/users/{user}/assignLicense");
    let flip = [
        assign(PBI),
        json!({"addLicenses": [], "removeLicenses": [PBI]}),
    ];
    for body in &flip {
        assert_eq!(server.call("POST", &path, Some(&admin), Some(body)).0, 200);
    }
    let (status, head, body) = server.call("POST", &path, Some(&admin), Some(&flip[0]));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("TooManyRequests"))
    );
    assert!(head.contains("retry-after: "), "{head}");
    // Reads are not throttled.
    assert_eq!(
        server
            .call("GET", "/v1.0/subscribedSkus", Some(&admin), None)
            .0,
        200
    );
}

/// Concurrent assignLicense calls on one pool: never more licenses than it has (L2), however
/// the requests interleave. POWER_BI_PRO has 4 of 10 left; 16 users ask at once.
#[test]
fn graph_serve_never_over_assigns_a_pool_under_concurrent_requests() {
    let (env, admin, _) = fabrikam();
    let server = std::sync::Arc::new(Server::start(&env, &[]));
    let users = without(&env, &[PBI]);
    assert!(users.len() >= 16, "{users:?}");
    let started = std::time::Instant::now();
    let handles: Vec<_> = users[..16]
        .iter()
        .map(|u| {
            let (server, admin, u) = (server.clone(), admin.clone(), u.clone());
            std::thread::spawn(move || {
                let (status, _, body) = server.call(
                    "POST",
                    &format!("/v1.0/users/{u}/assignLicense"),
                    Some(&admin),
                    Some(&assign(PBI)),
                );
                (status, body["error"]["code"].as_str().map(str::to_string))
            })
        })
        .collect();
    let outcomes: Vec<(u16, Option<String>)> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = outcomes.iter().filter(|o| o.0 == 200).count();
    let refused = outcomes
        .iter()
        .filter(|o| o.1.as_deref() == Some("CountViolation"))
        .count();
    assert_eq!((ok, refused), (4, 12), "{outcomes:?}");
    let (_, _, skus) = server.call("GET", "/v1.0/subscribedSkus", Some(&admin), None);
    let pbi = skus["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["skuId"] == PBI)
        .unwrap()
        .clone();
    assert_eq!(pbi["consumedUnits"], 10);
    println!(
        "16 concurrent assignLicense calls on one pool: 4 assigned, 12 CountViolation, in {:.2} s",
        started.elapsed().as_secs_f64()
    );
}
