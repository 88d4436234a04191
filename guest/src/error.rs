//! Constructors for the WIT `error` variant, so rules read as sentences: each refusal carries
//! its data (what was not found, which pool is short, why an operation is blocked and the way
//! out) and a message for people.

use crate::types::{
    BlockedReason, Blocker, Error, ForbiddenError, GraphCode, InvalidInput, NotFoundError,
    ObjectKind, Role, Shortage, Violation,
};

pub type Result<T> = core::result::Result<T, Error>;

pub fn not_found(what: ObjectKind, key: impl Into<String>, message: impl Into<String>) -> Error {
    Error::NotFound(NotFoundError {
        what,
        key: key.into(),
        message: message.into(),
    })
}

pub fn forbidden(needed_role: Option<Role>, message: impl Into<String>) -> Error {
    Error::Forbidden(ForbiddenError {
        needed_role,
        message: message.into(),
    })
}

pub fn insufficient(shortage: Shortage) -> Error {
    Error::InsufficientLicenses(shortage)
}

pub fn blocked(
    reason: BlockedReason,
    way_out: impl Into<String>,
    message: impl Into<String>,
) -> Error {
    Error::Blocked(Blocker {
        reason,
        way_out: way_out.into(),
        message: message.into(),
    })
}

pub fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::Invalid(InvalidInput {
        field: field.to_string(),
        message: message.into(),
    })
}

pub fn violation(code: GraphCode, message: impl Into<String>) -> Error {
    Error::Violation(Violation {
        code,
        message: message.into(),
    })
}

pub fn conflict(message: impl Into<String>) -> Error {
    Error::Conflict(message.into())
}

impl Error {
    /// The case's name, for the unit tests' assertions: the contract's own spelling (serde
    /// names the cases as WIT does), a violation by its Graph code. What users read of a
    /// refusal is the host's to present from the refusal's data.
    #[cfg(test)]
    pub fn kind(&self) -> String {
        let name = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
            other => other.to_string(),
        };
        match self {
            Error::Violation(v) => name(serde_json::to_value(v.code).unwrap_or_default()),
            e => name(serde_json::to_value(e).unwrap_or_default()),
        }
    }

    /// The same refusal with its message after `prefix` (which item of a list it is about).
    pub fn prefixed(mut self, prefix: &str) -> Error {
        let m = match &mut self {
            Error::NotFound(e) => &mut e.message,
            Error::InsufficientLicenses(s) => &mut s.message,
            Error::Blocked(b) => &mut b.message,
            Error::Conflict(m) => m,
            Error::Forbidden(f) => &mut f.message,
            Error::Invalid(i) => &mut i.message,
            Error::Violation(v) => &mut v.message,
        };
        m.insert_str(0, prefix);
        self
    }

    /// The message for people, whatever the case.
    pub fn text(&self) -> &str {
        match self {
            Error::NotFound(e) => &e.message,
            Error::InsufficientLicenses(s) => &s.message,
            Error::Blocked(b) => &b.message,
            Error::Conflict(m) => m,
            Error::Forbidden(f) => &f.message,
            Error::Invalid(i) => &i.message,
            Error::Violation(v) => &v.message,
        }
    }
}
