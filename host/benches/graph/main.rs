//! The Graph paths at scale: `export graph` and `import graph` of a generated tenant (time and
//! peak memory), and `seats serve` under load: assignLicense requests per second, `$batch`
//! bodies of 20, and paging every user with $top=999, with the server's peak memory.
//!
//!   cargo bench -p seats --bench graph -- --users 100000 [--reuse]
//!
//! Under `cargo test` a smoke run (300 users) that fails when a request fails.

// Shared with benches/bulk, which uses all of it.
#[path = "../bulk/measure.rs"]
#[allow(dead_code)]
mod measure;

use anyhow::{Context, Result, ensure};
use measure::{measure, remove_db};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const NOW: &str = "2026-11-23T12:00:00Z";
/// Client threads sending at once (the server has 4 workers; this machine 2 cores).
const CLIENTS: usize = 4;

struct Args {
    users: u32,
    dir: PathBuf,
    reuse: bool,
    requests: usize,
}

fn args() -> Result<Args> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = Args {
        users: if smoke { 300 } else { 100_000 },
        dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(if smoke {
            format!("graph-smoke-{}", std::process::id())
        } else {
            "bench".into()
        }),
        reuse: false,
        requests: if smoke { 40 } else { 2000 },
    };
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--users" => a.users = value()?.parse()?,
            "--dir" => a.dir = PathBuf::from(value()?),
            "--requests" => a.requests = value()?.parse()?,
            "--reuse" => a.reuse = true,
            _ => {}
        }
    }
    Ok(a)
}

fn seats(db: &Path, cache: &Path) -> Command {
    measure::seats(db, cache, NOW)
}

/// One HTTP/1.1 request on a new connection: (status, JSON body).
fn call(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8(raw)?;
    let (head, body) = text.split_once("\r\n\r\n").context("no HTTP head")?;
    let status = head.split(' ').nth(1).context("no status")?.parse()?;
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// The server's peak resident memory so far (VmHWM), in MB.
fn peak_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() -> Result<()> {
    let a = args()?;
    std::fs::create_dir_all(&a.dir)?;
    let cache = a.dir.join("cache");
    std::fs::create_dir_all(&cache)?;
    let template = a.dir.join(format!("tenant-{}.db", a.users));
    if !(a.reuse && template.exists()) {
        remove_db(&template);
        let s = measure(
            seats(&template, &cache)
                .args(["init", "--generate"])
                .arg(a.users.to_string()),
        )?;
        eprintln!("generated {} users in {:.1} s", a.users, s.secs);
    }
    let mut rows: Vec<(String, String)> = Vec::new();

    // Export, then import what it wrote.
    let out = a.dir.join(format!("graph-export-{}", a.users));
    let _ = std::fs::remove_dir_all(&out);
    let s = measure(seats(&template, &cache).args(["export", "graph"]).arg(&out))?;
    rows.push((
        "export graph".into(),
        format!("{:.2} s, {:.0} MB", s.secs, s.rss_mb),
    ));
    let imported = a.dir.join("imported.db");
    remove_db(&imported);
    let s = measure(
        seats(&imported, &cache)
            .args(["import", "graph"])
            .arg(&out)
            .args(["--admin", "admin@contoso.com"]),
    )?;
    rows.push((
        "import graph (of that export)".into(),
        format!("{:.2} s, {:.0} MB", s.secs, s.rss_mb),
    ));
    remove_db(&imported);

    // The server on a copy.
    let work = a.dir.join("serve.db");
    remove_db(&work);
    std::fs::copy(&template, &work)?;
    let token = String::from_utf8(
        seats(&work, &cache)
            .args(["tokens", "create"])
            .output()?
            .stdout,
    )?
    .trim()
    .to_string();
    ensure!(token.starts_with("seats_"), "no token");
    let mut server = seats(&work, &cache)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().context("stdout")?).read_line(&mut line)?;
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .context("no address")?
        .to_string();
    let result = load(&a, &addr, &token, &mut rows);
    let peak = peak_mb(server.id());
    let _ = server.kill();
    let _ = server.wait();
    result?;
    rows.push(("seats serve: peak memory".into(), format!("{peak:.0} MB")));

    println!(
        "\nGraph paths, {} users (one run; {CLIENTS} clients at once):",
        a.users
    );
    for (what, figure) in rows {
        println!("  {what:<58} {figure}");
    }
    let _ = std::fs::remove_dir_all(&out);
    Ok(())
}

/// Users to give AAD_PREMIUM_P2 to and take it from: US users who hold none.
fn targets(addr: &str, token: &str, n: usize) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut path =
        "/v1.0/users?$filter=usageLocation%20eq%20%27US%27&$top=999&$select=id,assignedLicenses"
            .to_string();
    while out.len() < n {
        let (status, page) = call(addr, "GET", &path, token, None)?;
        ensure!(status == 200, "listing users: {page}");
        for u in page["value"].as_array().context("value")? {
            let has_pbi = u["assignedLicenses"]
                .as_array()
                .is_some_and(|l| l.iter().any(|l| l["skuId"] == PBI));
            if !has_pbi {
                out.push(u["id"].as_str().unwrap_or_default().to_string());
            }
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => path = next.split(addr).nth(1).unwrap_or_default().to_string(),
            None => break,
        }
    }
    out.truncate(n);
    Ok(out)
}

/// Entra ID P2 (AAD_PREMIUM_P2): the generator leaves room for every user to get it.
const PBI: &str = "84a661c4-e949-4bd2-a560-ed7766fcaf2b";

fn body(add: bool) -> Value {
    if add {
        json!({"addLicenses": [{"skuId": PBI, "disabledPlans": []}], "removeLicenses": []})
    } else {
        json!({"addLicenses": [], "removeLicenses": [PBI]})
    }
}

/// Sends `work` (user ids) split over the clients; each request made by `send`; requests/s.
fn concurrently(
    work: &[String],
    send: impl Fn(&[String]) -> Result<usize> + Sync,
) -> Result<(usize, f64)> {
    let started = Instant::now();
    let chunk = work.len().div_ceil(CLIENTS).max(1);
    let done: Vec<Result<usize>> = std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(chunk)
            .map(|c| scope.spawn(|| send(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    let mut n = 0;
    for d in done {
        n += d?;
    }
    Ok((n, n as f64 / started.elapsed().as_secs_f64()))
}

fn load(a: &Args, addr: &str, token: &str, rows: &mut Vec<(String, String)>) -> Result<()> {
    // Paging every user, 999 at a time: the listing path.
    let started = Instant::now();
    let (mut pages, mut users) = (0, 0);
    let mut path = "/v1.0/users?$top=999".to_string();
    loop {
        let (status, page) = call(addr, "GET", &path, token, None)?;
        ensure!(status == 200, "GET users: {page}");
        pages += 1;
        users += page["value"].as_array().map_or(0, Vec::len);
        match page["@odata.nextLink"].as_str() {
            Some(next) => path = next.split(addr).nth(1).unwrap_or_default().to_string(),
            None => break,
        }
    }
    rows.push((
        format!("GET /users?$top=999, every page ({users} users, {pages} pages)"),
        format!("{:.2} s", started.elapsed().as_secs_f64()),
    ));

    let n = a.requests.min(users / 2);
    let ids = targets(addr, token, n)?;
    for (label, add) in [
        ("assignLicense (add AAD_PREMIUM_P2)", true),
        ("assignLicense (remove it again)", false),
    ] {
        let (done, rate) = concurrently(&ids, |chunk| {
            for id in chunk {
                let (status, body) = call(
                    addr,
                    "POST",
                    &format!("/v1.0/users/{id}/assignLicense"),
                    token,
                    Some(&body(add)),
                )?;
                ensure!(status == 200, "assignLicense: {status} {body}");
            }
            Ok(chunk.len())
        })?;
        rows.push((
            format!("{label}, {done} requests"),
            format!("{rate:.0} requests/s"),
        ));
    }
    for (label, add) in [
        ("$batch of 20 assignLicense (add)", true),
        ("$batch of 20 assignLicense (remove)", false),
    ] {
        let (done, rate) = concurrently(&ids, |chunk| {
            for batch in chunk.chunks(20) {
                let requests: Vec<Value> = batch
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        json!({"id": (i + 1).to_string(), "method": "POST",
                        "url": format!("/users/{id}/assignLicense"),
                        "headers": {"Content-Type": "application/json"}, "body": body(add)})
                    })
                    .collect();
                let (status, answer) = call(
                    addr,
                    "POST",
                    "/v1.0/$batch",
                    token,
                    Some(&json!({"requests": requests})),
                )?;
                ensure!(status == 200, "$batch: {answer}");
                for r in answer["responses"].as_array().context("responses")? {
                    ensure!(r["status"] == 200, "in a batch: {r}");
                }
            }
            Ok(chunk.len())
        })?;
        rows.push((
            format!("{label}, {done} requests"),
            format!("{rate:.0} requests/s"),
        ));
    }
    Ok(())
}
