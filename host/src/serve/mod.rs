//! `seats serve`: a subset of Microsoft Graph v1.0 over HTTP, on the same component and
//! database, for scripts and apps written against Graph (docs/graph.md). Each request is
//! answered by a session on a worker thread (`pool`), as the token's user: what their roles
//! allow, the component decides, as for the CLI.

mod batch;
mod dispatch;
mod groups;
mod pool;
mod query;
pub(crate) mod reply;
mod request;
mod throttle;
mod users;

use crate::service::Options;
use anyhow::{Context as _, Result};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use clap::Args;
use reply::Reply;
use request::Request;
use std::io::Write;
use std::sync::Arc;
use throttle::Throttle;

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on; only this machine unless told otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// The port; 0 takes a free one (the first line printed says which).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Sessions answering at once (reads run side by side; SQLite serializes writes).
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Answer 429 with Retry-After past a rate of writes per token: `graph` (Graph's 3000 per
    /// 150 s) or N/SECONDS.
    #[arg(long, value_parser = Throttle::parse_arg)]
    pub throttle: Option<Arc<Throttle>>,
}

impl Throttle {
    fn parse_arg(text: &str) -> Result<Arc<Throttle>, String> {
        Throttle::parse(text).map(Arc::new)
    }
}

struct App {
    pool: pool::Pool,
    throttle: Option<Arc<Throttle>>,
    /// Writes wait their turn here, first come first served, rather than in SQLite's busy
    /// handler, which is not fair: under steady load a writer could wait out its timeout.
    writes: tokio::sync::Mutex<()>,
}

/// Largest request body read (Graph's own limit for a request is 4 MB).
const MAX_BODY: usize = 4 << 20;

pub fn run(o: &Options, args: &ServeArgs) -> Result<()> {
    // Fails here, not per request, when the database or the component cannot be opened.
    let pool = pool::Pool::start(o, args.workers)?;
    let app = Arc::new(App {
        pool,
        throttle: args.throttle.clone(),
        writes: tokio::sync::Mutex::new(()),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((args.bind, args.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.bind, args.port))?;
        let addr = listener.local_addr()?;
        let mut out = std::io::stdout();
        writeln!(
            out,
            "seats serve: Microsoft Graph v1.0 for {} at http://{addr}/v1.0 ({} workers{}); Ctrl-C stops",
            o.db.display(),
            args.workers,
            app.throttle
                .as_ref()
                .map(|t| format!(", throttled at {}", t.describe()))
                .unwrap_or_default()
        )?;
        out.flush()?;
        let router = axum::Router::new()
            .fallback(handle)
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
            .with_state(app);
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

async fn handle(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let client_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| crate::output::bounded(v, 100));
    let reply = answer(&app, method, uri, &headers, body).await;
    respond(reply, client_id)
}

async fn answer(
    app: &Arc<App>,
    method: Method,
    uri: Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Reply {
    let Some(rest) = uri.path().strip_prefix("/v1.0") else {
        return Reply::error(
            404,
            "Request_ResourceNotFound",
            "seats serves Microsoft Graph v1.0 under /v1.0",
        );
    };
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if token.is_empty() {
        return unauthorized(
            "Access token is empty: send Authorization: Bearer <token from `seats tokens create`>.",
        );
    }
    let body = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => Some(v),
            Err(e) => return Reply::bad_request(&format!("The request body is not JSON: {e}")),
        }
    };
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.len() < 256 && !h.contains(['/', ' ']))
        .unwrap_or("localhost");
    let (path, query) = Request::split(&format!("{rest}?{}", uri.query().unwrap_or("")));
    let request = Request {
        method: method.as_str().to_string(),
        path,
        query,
        consistency: headers
            .get("consistencylevel")
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase),
        body,
        base: format!("http://{host}"),
    };
    let throttle = app.throttle.clone();
    let _turn = if method == Method::POST {
        Some(app.writes.lock().await)
    } else {
        None
    };
    let answered = app
        .pool
        .run(move |s| {
            let actor = match s.token_actor(&token) {
                Ok(Some(upn)) => upn,
                Ok(None) => {
                    return unauthorized("The token is not one seats issued, or it was revoked.");
                }
                Err(e) => return reply::failure(&e),
            };
            s.actor = actor;
            let caller = request::Caller {
                throttle: throttle.as_deref(),
                token: &token,
            };
            // A GET only reads: it runs beside the other workers' calls.
            s.reading(request.method.eq_ignore_ascii_case("GET"));
            let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                dispatch::dispatch(s, &caller, &request)
            }));
            s.reading(false);
            reply.unwrap_or_else(|_| {
                Reply::error(
                    500,
                    "generalException",
                    "The request failed; nothing was changed.",
                )
            })
        })
        .await;
    answered.unwrap_or_else(|| Reply::error(503, "serviceNotAvailable", "The server is stopping."))
}

fn unauthorized(message: &str) -> Reply {
    let mut r = Reply::error(401, "InvalidAuthenticationToken", message);
    r.headers
        .push(("WWW-Authenticate", "Bearer realm=\"seats\"".into()));
    r
}

fn respond(reply: Reply, client_id: Option<String>) -> Response<Body> {
    let body = serde_json::to_vec(&reply.body).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/json; odata.metadata=minimal; charset=utf-8"),
    );
    if let Some(id) = client_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        h.insert("client-request-id", id);
    }
    for (k, v) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    response
}
