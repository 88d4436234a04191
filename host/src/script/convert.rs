//! Between Rhai values and the component's arguments and results.

use crate::service::CallError;
use crate::service::model::licenses::LicenseChoice;
use rhai::{Array, Dynamic, EvalAltResult, Map, Position};
use serde::Serialize;

pub type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// A script-visible error: a map `#{kind, message}` that `try`/`catch` can branch on.
pub fn thrown(kind: &str, message: impl Into<String>) -> Box<EvalAltResult> {
    let mut m = Map::new();
    m.insert("kind".into(), kind.into());
    m.insert("message".into(), message.into().into());
    Box::new(EvalAltResult::ErrorRuntime(m.into(), Position::NONE))
}

pub fn from_call(e: CallError) -> Box<EvalAltResult> {
    match e {
        // The refusal's data too: `e.available`, `e.reason`, `e.way_out`, `e.needed_role`.
        CallError::Domain(refusal) => match rhai::serde::to_dynamic(refusal.fields()) {
            Ok(map) => Box::new(EvalAltResult::ErrorRuntime(map, Position::NONE)),
            Err(_) => thrown(refusal.kind(), refusal.text()),
        },
        CallError::Trap(m) => thrown("trap", m),
        CallError::Plugin { kind, message } => thrown(kind, message),
        CallError::Host(e) => thrown("failure", format!("{e:#}")),
    }
}

pub fn to_dynamic<T: Serialize>(value: &T) -> Fallible<Dynamic> {
    rhai::serde::to_dynamic(value)
}

pub fn rows<T: Serialize>(values: &[T]) -> Fallible<Dynamic> {
    let mut out = Array::with_capacity(values.len());
    for v in values {
        out.push(to_dynamic(v)?);
    }
    Ok(out.into())
}

/// UPNs from a string, a user object (its `upn`), or an array of either.
pub fn upns(value: Dynamic) -> Fallible<Vec<String>> {
    fn one(v: Dynamic) -> Fallible<String> {
        if v.is_string() {
            return Ok(v.into_string().unwrap_or_default());
        }
        if let Some(m) = v.clone().try_cast::<Map>()
            && let Some(upn) = m.get("upn").or_else(|| m.get("UserPrincipalName"))
        {
            return Ok(upn.to_string());
        }
        Err(thrown(
            "invalid",
            format!(
                "expected a UPN or a user object with `upn`, not {}",
                v.type_name()
            ),
        ))
    }
    if value.is_array() {
        value
            .into_array()
            .unwrap_or_default()
            .into_iter()
            .map(one)
            .collect()
    } else {
        Ok(vec![one(value)?])
    }
}

/// Products from a part number, `#{product, disabled_plans}`, or an array of either.
pub fn choices(value: Dynamic) -> Fallible<Vec<LicenseChoice>> {
    fn one(v: Dynamic) -> Fallible<LicenseChoice> {
        if v.is_string() {
            return Ok(LicenseChoice {
                product: v.into_string().unwrap_or_default(),
                disabled_plans: vec![],
            });
        }
        if let Some(m) = v.clone().try_cast::<Map>() {
            let product = m
                .get("product")
                .or_else(|| m.get("sku_id"))
                .map(|p| p.to_string())
                .unwrap_or_default();
            let disabled_plans = m
                .get("disabled_plans")
                .map(|d| strings(d.clone()))
                .transpose()?
                .unwrap_or_default();
            return Ok(LicenseChoice {
                product,
                disabled_plans,
            });
        }
        Err(thrown(
            "invalid",
            format!(
                "expected a product or #{{product, disabled_plans}}, not {}",
                v.type_name()
            ),
        ))
    }
    if value.is_array() {
        value
            .into_array()
            .unwrap_or_default()
            .into_iter()
            .map(one)
            .collect()
    } else {
        Ok(vec![one(value)?])
    }
}

/// Strings from a string or an array of strings.
pub fn strings(value: Dynamic) -> Fallible<Vec<String>> {
    if value.is_array() {
        Ok(value
            .into_array()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_string())
            .collect())
    } else if value.is_unit() {
        Ok(vec![])
    } else {
        Ok(vec![value.to_string()])
    }
}

/// An optional field of an options map.
pub fn opt<T: Clone + 'static>(m: &Map, key: &str) -> Option<T> {
    m.get(key).and_then(|v| v.clone().try_cast::<T>())
}

pub fn opt_string(m: &Map, key: &str) -> Option<String> {
    m.get(key).filter(|v| !v.is_unit()).map(|v| v.to_string())
}

/// A map's `add` (products, with plans off) and `remove` (products), each empty when absent:
/// what the Set-Mg*License cmdlets take.
pub fn add_remove(m: &Map) -> Fallible<(Vec<LicenseChoice>, Vec<String>)> {
    let add = m.get("add").cloned().map(choices).transpose()?;
    let remove = m.get("remove").cloned().map(strings).transpose()?;
    Ok((add.unwrap_or_default(), remove.unwrap_or_default()))
}
