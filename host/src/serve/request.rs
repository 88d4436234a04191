//! A request as the dispatcher reads it, from HTTP or from a `$batch`: the method, the path
//! under /v1.0, the query's parameters, the headers that matter, the JSON body.

use serde_json::Value;

/// Who calls, besides the session's actor: their token (writes are throttled per token) and
/// the throttle, when the server has one.
pub struct Caller<'a> {
    pub throttle: Option<&'a super::throttle::Throttle>,
    pub token: &'a str,
}

pub struct Request {
    pub method: String,
    /// Under the version root, without the query: `/users/ana@contoso.com/assignLicense`.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// `ConsistencyLevel`, lower-cased (needed for $count, as Graph).
    pub consistency: Option<String>,
    pub body: Option<Value>,
    /// `http://host:port`, for the links answers carry (`@odata.nextLink`).
    pub base: String,
}

impl Request {
    /// A URL's path and query, relative to the version root (a `$batch` request's `url`, or
    /// the path the server was asked for without `/v1.0`).
    pub fn split(url: &str) -> (String, Vec<(String, String)>) {
        let url = url.trim();
        let url = url.strip_prefix("/v1.0").unwrap_or(url);
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        let path = percent_decode(&path);
        let query = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        (path, query)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path's segments: `/users/x/assignLicense` is `["users", "x", "assignLicense"]`.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// A path's `%40` (a UPN's `@`) and the like, decoded.
fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}
