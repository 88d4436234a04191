//! Calls to any export of the domain by name, with WIT values as JSON: what
//! `seats component replay` runs, and what tests/embed-node/replay.mjs prints in Node, so the
//! two runtimes can be compared on one scenario.
//!
//! The JSON form of a WIT value: records as objects with the WIT (kebab-case) field names,
//! variants as `{"tag": case, "val": payload}` (no `val` without a payload), enums as their
//! names, options as `null` or the value, results as `{"ok": value}` or `{"err": value}`,
//! lists and tuples as arrays, flags as arrays of names, integers as numbers.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value as Json, json};
use wasmtime::component::{Type, Val};

/// A JSON value as a WIT value of type `ty`; `at` names where it is, for errors.
pub fn to_val(json: &Json, ty: &Type, at: &str) -> Result<Val> {
    let int = |min: i128, max: i128| -> Result<i128> {
        let n = json
            .as_i64()
            .map(i128::from)
            .or_else(|| json.as_u64().map(i128::from))
            .ok_or_else(|| anyhow!("{at}: expected an integer, got {json}"))?;
        if n < min || n > max {
            bail!("{at}: {n} is out of range");
        }
        Ok(n)
    };
    let text = || -> Result<&str> {
        json.as_str()
            .ok_or_else(|| anyhow!("{at}: expected a string, got {json}"))
    };
    let array = || -> Result<&Vec<Json>> {
        json.as_array()
            .ok_or_else(|| anyhow!("{at}: expected an array, got {json}"))
    };
    Ok(match ty {
        Type::Bool => Val::Bool(
            json.as_bool()
                .ok_or_else(|| anyhow!("{at}: expected true or false, got {json}"))?,
        ),
        Type::S8 => Val::S8(int(i8::MIN.into(), i8::MAX.into())? as i8),
        Type::U8 => Val::U8(int(0, u8::MAX.into())? as u8),
        Type::S16 => Val::S16(int(i16::MIN.into(), i16::MAX.into())? as i16),
        Type::U16 => Val::U16(int(0, u16::MAX.into())? as u16),
        Type::S32 => Val::S32(int(i32::MIN.into(), i32::MAX.into())? as i32),
        Type::U32 => Val::U32(int(0, u32::MAX.into())? as u32),
        Type::S64 => Val::S64(int(i64::MIN.into(), i64::MAX.into())? as i64),
        Type::U64 => Val::U64(int(0, u64::MAX.into())? as u64),
        Type::Float32 => Val::Float32(
            json.as_f64()
                .ok_or_else(|| anyhow!("{at}: expected a number"))? as f32,
        ),
        Type::Float64 => Val::Float64(
            json.as_f64()
                .ok_or_else(|| anyhow!("{at}: expected a number"))?,
        ),
        Type::Char => {
            let mut chars = text()?.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => bail!("{at}: expected one character"),
            }
        }
        Type::String => Val::String(text()?.to_string()),
        Type::List(list) => {
            let item = list.ty();
            Val::List(
                array()?
                    .iter()
                    .enumerate()
                    .map(|(i, v)| to_val(v, &item, &format!("{at}[{i}]")))
                    .collect::<Result<_>>()?,
            )
        }
        Type::Tuple(tuple) => {
            let items = array()?;
            if items.len() != tuple.types().len() {
                bail!("{at}: expected {} items", tuple.types().len());
            }
            Val::Tuple(
                items
                    .iter()
                    .zip(tuple.types())
                    .enumerate()
                    .map(|(i, (v, t))| to_val(v, &t, &format!("{at}[{i}]")))
                    .collect::<Result<_>>()?,
            )
        }
        Type::Record(record) => {
            let object = json
                .as_object()
                .ok_or_else(|| anyhow!("{at}: expected an object, got {json}"))?;
            for name in object.keys() {
                if !record.fields().any(|f| f.name == name) {
                    bail!("{at}: the record has no field '{name}'");
                }
            }
            Val::Record(
                record
                    .fields()
                    .map(|f| {
                        let v = object.get(f.name).unwrap_or(&Json::Null);
                        Ok((
                            f.name.to_string(),
                            to_val(v, &f.ty, &format!("{at}.{}", f.name))?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            )
        }
        Type::Variant(variant) => {
            let tag = json
                .get("tag")
                .and_then(Json::as_str)
                .ok_or_else(|| anyhow!("{at}: expected {{\"tag\": case, \"val\": payload}}"))?;
            let case = variant
                .cases()
                .find(|c| c.name == tag)
                .ok_or_else(|| anyhow!("{at}: no case '{tag}'"))?;
            let payload = match (case.ty, json.get("val")) {
                (Some(t), Some(v)) => Some(Box::new(to_val(v, &t, &format!("{at}.{tag}"))?)),
                (Some(_), None) => bail!("{at}: case '{tag}' needs a \"val\""),
                (None, _) => None,
            };
            Val::Variant(tag.to_string(), payload)
        }
        Type::Enum(e) => {
            let name = text()?;
            if !e.names().any(|n| n == name) {
                bail!(
                    "{at}: '{name}' is none of {:?}",
                    e.names().collect::<Vec<_>>()
                );
            }
            Val::Enum(name.to_string())
        }
        Type::Option(option) => match json {
            Json::Null => Val::Option(None),
            v => Val::Option(Some(Box::new(to_val(v, &option.ty(), at)?))),
        },
        Type::Result(result) => {
            let (ok, payload) = match (json.get("ok"), json.get("err")) {
                (Some(v), None) => (true, v),
                (None, Some(v)) => (false, v),
                _ => bail!("{at}: expected {{\"ok\": value}} or {{\"err\": value}}"),
            };
            let ty = if ok { result.ok() } else { result.err() };
            let val = ty
                .map(|t| to_val(payload, &t, at).map(Box::new))
                .transpose()?;
            Val::Result(if ok { Ok(val) } else { Err(val) })
        }
        Type::Flags(flags) => {
            let mut names = Vec::new();
            for (i, v) in array()?.iter().enumerate() {
                let name = v
                    .as_str()
                    .ok_or_else(|| anyhow!("{at}[{i}]: expected a flag's name"))?;
                if !flags.names().any(|n| n == name) {
                    bail!("{at}[{i}]: no flag '{name}'");
                }
                names.push(name.to_string());
            }
            Val::Flags(names)
        }
        other => bail!("{at}: values of type {other:?} cannot be given as JSON"),
    })
}

/// A WIT value as JSON (see the module's documentation).
pub fn to_json(val: &Val) -> Result<Json> {
    let all = |items: &[Val]| items.iter().map(to_json).collect::<Result<Vec<_>>>();
    Ok(match val {
        Val::Bool(b) => json!(b),
        Val::S8(n) => json!(n),
        Val::U8(n) => json!(n),
        Val::S16(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::S64(n) => json!(n),
        Val::U64(n) => json!(n),
        Val::Float32(n) => json!(n),
        Val::Float64(n) => json!(n),
        Val::Char(c) => json!(c.to_string()),
        Val::String(s) => json!(s),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Json::Array(all(items)?)
        }
        Val::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(name, v)| Ok((name.clone(), to_json(v)?)))
                .collect::<Result<Map<_, _>>>()?,
        ),
        Val::Variant(tag, None) => json!({ "tag": tag }),
        Val::Variant(tag, Some(v)) => json!({ "tag": tag, "val": to_json(v)? }),
        Val::Enum(name) => json!(name),
        Val::Option(None) => Json::Null,
        Val::Option(Some(v)) => to_json(v)?,
        Val::Result(Ok(v)) => json!({ "ok": v.as_deref().map(to_json).transpose()? }),
        Val::Result(Err(v)) => json!({ "err": v.as_deref().map(to_json).transpose()? }),
        Val::Flags(names) => json!(names),
        Val::Map(pairs) => Json::Array(
            pairs
                .iter()
                .map(|(k, v)| Ok(json!([to_json(k)?, to_json(v)?])))
                .collect::<Result<_>>()?,
        ),
        other => bail!("a {other:?} cannot be shown as JSON"),
    })
}

/// One call of a scenario: an export (interface and function, by their WIT names) and its
/// arguments as JSON.
#[derive(Debug, serde::Deserialize)]
pub struct ScenarioCall {
    pub interface: String,
    pub function: String,
    #[serde(default)]
    pub args: Vec<Json>,
}

#[derive(Debug, serde::Deserialize)]
pub struct Scenario {
    pub calls: Vec<ScenarioCall>,
}

impl Scenario {
    pub fn read(path: &std::path::Path) -> Result<Scenario> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a scenario: expected {{\"calls\": [{{\"interface\", \"function\", \"args\"}}]}}",
                path.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_in_the_form_the_node_side_prints() {
        let v = Val::Record(vec![
            ("sku-id".into(), Val::String("x".into())),
            ("price".into(), Val::Option(None)),
            ("id".into(), Val::U64(7)),
            (
                "error".into(),
                Val::Variant("not-found".into(), Some(Box::new(Val::String("m".into())))),
            ),
            ("status".into(), Val::Enum("active".into())),
            ("done".into(), Val::Result(Ok(None))),
        ]);
        assert_eq!(
            to_json(&v).unwrap(),
            json!({"sku-id": "x", "price": null, "id": 7, "error": {"tag": "not-found", "val": "m"},
                   "status": "active", "done": {"ok": null}})
        );
    }
}
