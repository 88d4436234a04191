//! Answers in Graph's shapes: JSON bodies, and errors as `{"error": {"code", "message",
//! "innerError"}}` with Graph's codes and statuses.

use crate::service::CallError;
use crate::service::model::text;
use crate::service::model::types::Error;
use serde_json::{Value, json};

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply::with(200, body)
    }

    pub fn with(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// An error answer; `message` is bounded and printable (it may quote the request).
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        let now = crate::graph::render::instant(crate::service::clock::real_now());
        Reply::with(
            status,
            json!({"error": {
                "code": code,
                "message": crate::output::bounded(message, 1000),
                "innerError": {"date": now},
            }}),
        )
    }

    pub fn not_found(what: &str) -> Reply {
        Reply::error(
            404,
            "Request_ResourceNotFound",
            &format!(
                "Resource '{what}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }

    pub fn bad_request(message: &str) -> Reply {
        Reply::error(400, "Request_BadRequest", message)
    }

    /// Too many requests: wait this many seconds.
    pub fn throttled(seconds: u64) -> Reply {
        let mut r = Reply::error(
            429,
            "TooManyRequests",
            &format!("Too many requests: retry after {seconds} seconds (seats serve --throttle)."),
        );
        r.headers.push(("Retry-After", seconds.to_string()));
        r
    }
}

/// A refusal of the component, or a failure, as Graph answers it.
pub fn refusal(e: &CallError) -> Reply {
    match e {
        CallError::Domain(err) => {
            let message = err.text();
            match err {
                Error::NotFound(_) => Reply::error(404, "Request_ResourceNotFound", message),
                Error::Forbidden(_) => Reply::error(403, "Authorization_RequestDenied", message),
                Error::InsufficientLicenses(_) => Reply::error(400, "CountViolation", message),
                Error::Violation(v) => Reply::error(400, text::graph_code_name(v.code), message),
                Error::Invalid(_) | Error::Conflict(_) | Error::Blocked(_) => {
                    Reply::error(400, "Request_BadRequest", message)
                }
            }
        }
        CallError::Plugin { message, .. } => {
            Reply::error(403, "Authorization_RequestDenied", message)
        }
        CallError::Trap(_) => Reply::error(
            500,
            "generalException",
            "The domain component failed; the change was rolled back.",
        ),
        CallError::Host(e) => failure(e),
    }
}

/// A failure of the host (the database busy past its timeout, a disk error).
pub fn failure(e: &anyhow::Error) -> Reply {
    let busy = format!("{e:#}").contains("locked") || format!("{e:#}").contains("busy");
    if busy {
        let mut r = Reply::error(503, "serviceNotAvailable", "The database is busy; retry.");
        r.headers.push(("Retry-After", "1".into()));
        return r;
    }
    Reply::error(500, "generalException", &format!("{e:#}"))
}
