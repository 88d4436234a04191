//! Constructors for the WIT `error` variant, so rules read as sentences.

use crate::types::{Error, ForbiddenError, InvalidInput, Role, Violation, ViolationCode};

pub type Result<T> = core::result::Result<T, Error>;

pub fn not_found(message: impl Into<String>) -> Error {
    Error::NotFound(message.into())
}

pub fn forbidden(needed_role: Option<Role>, message: impl Into<String>) -> Error {
    Error::Forbidden(ForbiddenError {
        needed_role,
        message: message.into(),
    })
}

pub fn insufficient(message: impl Into<String>) -> Error {
    Error::InsufficientLicenses(message.into())
}

pub fn blocked(message: impl Into<String>) -> Error {
    Error::Blocked(message.into())
}

pub fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::Invalid(InvalidInput {
        field: field.to_string(),
        message: message.into(),
    })
}

pub fn violation(code: ViolationCode, message: impl Into<String>) -> Error {
    Error::Violation(Violation {
        code,
        message: message.into(),
    })
}

pub fn conflict(message: impl Into<String>) -> Error {
    Error::Conflict(message.into())
}

impl Error {
    /// The case's name, for the unit tests' assertions. What users read of a refusal (the CLI,
    /// scripts, JSON) is the host's to present: `host/src/component/runtime.rs` names each
    /// WIT case there, once.
    #[cfg(test)]
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not-found",
            Error::Forbidden(_) => "forbidden",
            Error::InsufficientLicenses(_) => "insufficient-licenses",
            Error::Blocked(_) => "blocked",
            Error::Invalid(_) => "invalid",
            Error::Conflict(_) => "conflict",
            Error::Violation(v) => match v.code {
                ViolationCode::MutuallyExclusiveViolation => "mutually-exclusive-violation",
                ViolationCode::DependencyViolation => "dependency-violation",
            },
        }
    }

    /// The message for people, whatever the case.
    pub fn text(&self) -> &str {
        match self {
            Error::NotFound(m)
            | Error::InsufficientLicenses(m)
            | Error::Blocked(m)
            | Error::Conflict(m) => m,
            Error::Forbidden(f) => &f.message,
            Error::Invalid(i) => &i.message,
            Error::Violation(v) => &v.message,
        }
    }
}
