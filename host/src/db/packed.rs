//! The audit log's before/after states, packed: JSON as tagged bytes, with object keys and
//! short code-like strings (part numbers, states, departments) replaced by the id of a word
//! kept once in `audit_words`, an object's keys by the id of their list (its shape), and the
//! entry's subject (its target's key: the UPN of "user:UPN") by one byte (schema 13). The component writes and reads the JSON text;
//! only the store sees the packing. A user's created state packs to about a quarter of its
//! JSON, a license list to a few bytes.

use anyhow::{Result, bail};
use serde_json::{Number, Value};

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const UINT: u8 = 4;
const FLOAT: u8 = 5;
const TEXT: u8 = 6;
const WORD: u8 = 7;
const ARRAY: u8 = 8;
const OBJECT: u8 = 9;
/// The string that is the entry's subject (schema 13): a created user's UPN is its target's.
const SUBJECT: u8 = 10;
/// An object whose keys are one word, their list joined by `SHAPE_SEPARATOR` (schema 13): a
/// created user's eleven keys in one or two bytes.
const SHAPED: u8 = 11;
const SHAPE_SEPARATOR: char = '\n';

/// The key an entry's target names its object by ("ana@contoso.com" of
/// "user:ana@contoso.com"), which its states often repeat.
pub fn subject(target: &str) -> Option<&str> {
    target
        .split_once(':')
        .map(|(_, key)| key)
        .filter(|k| !k.is_empty())
}

/// Strings worth a word: identifiers and codes that repeat across entries, never text that is
/// unique per object (names with spaces, UPNs, GUIDs, dates, amounts).
fn is_word(s: &str) -> bool {
    (2..=24).contains(&s.len())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        && !s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Packs JSON text; `word` gives a word's id, adding it when new. Also says whether the bytes
/// name the subject (they then read back only with the same one).
pub fn pack(
    json: &str,
    subject: Option<&str>,
    word: &mut dyn FnMut(&str) -> Result<i64>,
) -> Result<(Vec<u8>, bool)> {
    let value: Value = serde_json::from_str(json)?;
    let mut p = Packer {
        out: Vec::with_capacity(json.len() / 2),
        subject,
        used: false,
        word,
    };
    p.value(&value)?;
    Ok((p.out, p.used))
}

struct Packer<'a, 'w> {
    out: Vec<u8>,
    subject: Option<&'a str>,
    used: bool,
    word: &'w mut dyn FnMut(&str) -> Result<i64>,
}

impl Packer<'_, '_> {
    fn value(&mut self, v: &Value) -> Result<()> {
        let out = &mut self.out;
        match v {
            Value::String(s) if Some(s.as_str()) == self.subject => {
                out.push(SUBJECT);
                self.used = true;
                return Ok(());
            }
            Value::Array(items) => {
                out.push(ARRAY);
                varint(out, items.len() as u64);
                for item in items {
                    self.value(item)?;
                }
                return Ok(());
            }
            Value::Object(map)
                if map.len() >= 2 && map.keys().all(|k| !k.contains(SHAPE_SEPARATOR)) =>
            {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                let shape = (self.word)(&keys.join(&SHAPE_SEPARATOR.to_string()))?;
                self.out.push(SHAPED);
                varint(&mut self.out, shape as u64);
                for item in map.values() {
                    self.value(item)?;
                }
                return Ok(());
            }
            Value::Object(map) => {
                out.push(OBJECT);
                varint(out, map.len() as u64);
                for (k, item) in map {
                    let id = (self.word)(k)?;
                    varint(&mut self.out, id as u64);
                    self.value(item)?;
                }
                return Ok(());
            }
            _ => {}
        }
        pack_scalar(v, &mut self.out, &mut *self.word)
    }
}

fn pack_scalar(
    v: &Value,
    out: &mut Vec<u8>,
    word: &mut dyn FnMut(&str) -> Result<i64>,
) -> Result<()> {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push(INT);
                varint(out, ((i << 1) ^ (i >> 63)) as u64);
            } else if let Some(u) = n.as_u64() {
                out.push(UINT);
                varint(out, u);
            } else {
                out.push(FLOAT);
                out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
            }
        }
        Value::String(s) if is_word(s) => {
            out.push(WORD);
            varint(out, word(s)? as u64);
        }
        Value::String(s) => {
            out.push(TEXT);
            varint(out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(_) | Value::Object(_) => unreachable!("packed by `Packer::value`"),
    }
    Ok(())
}

/// The JSON text of packed bytes of an entry about `subject`; `word` gives a word by its id.
pub fn unpack(
    bytes: &[u8],
    subject: Option<&str>,
    word: &mut dyn FnMut(i64) -> Result<String>,
) -> Result<String> {
    let mut r = Reader {
        bytes,
        at: 0,
        subject,
    };
    let mut out = Vec::with_capacity(bytes.len() * 2);
    r.write(&mut out, word, 0)?;
    if r.at != bytes.len() {
        bail!("packed audit state: {} bytes left over", bytes.len() - r.at);
    }
    Ok(String::from_utf8(out)?)
}

/// Reads packed bytes, writing their JSON text as it goes: building a `Value` first and
/// serializing it was a part of a 1M audit listing's time (the allocator, the maps).
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    subject: Option<&'a str>,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let Some(&b) = self.bytes.get(self.at) else {
            bail!("packed audit state ends early");
        };
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        bail!("packed audit state: a number longer than 64 bits")
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            bail!("packed audit state ends early");
        };
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// One value's JSON, escaped and formatted as serde_json writes it.
    fn write(
        &mut self,
        out: &mut Vec<u8>,
        word: &mut dyn FnMut(i64) -> Result<String>,
        depth: u32,
    ) -> Result<()> {
        if depth > 64 {
            bail!("packed audit state nested too deep");
        }
        match self.byte()? {
            NULL => out.extend_from_slice(b"null"),
            FALSE => out.extend_from_slice(b"false"),
            TRUE => out.extend_from_slice(b"true"),
            INT => {
                let z = self.varint()?;
                serde_json::to_writer(&mut *out, &(((z >> 1) as i64) ^ -((z & 1) as i64)))?;
            }
            UINT => serde_json::to_writer(&mut *out, &self.varint()?)?,
            FLOAT => {
                let b: [u8; 8] = self.take(8)?.try_into()?;
                match Number::from_f64(f64::from_le_bytes(b)) {
                    Some(n) => serde_json::to_writer(&mut *out, &n)?,
                    None => out.extend_from_slice(b"null"),
                }
            }
            WORD => serde_json::to_writer(&mut *out, &word(self.varint()? as i64)?)?,
            TEXT => {
                let n = self.varint()? as usize;
                let text = std::str::from_utf8(self.take(n)?)?;
                serde_json::to_writer(&mut *out, text)?;
            }
            SUBJECT => match self.subject {
                Some(subject) => serde_json::to_writer(&mut *out, subject)?,
                None => bail!("packed audit state names the subject of an entry that has none"),
            },
            ARRAY => {
                let n = self.varint()?;
                out.push(b'[');
                for i in 0..n {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write(out, word, depth + 1)?;
                }
                out.push(b']');
            }
            OBJECT => {
                let n = self.varint()?;
                out.push(b'{');
                for i in 0..n {
                    if i > 0 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut *out, &word(self.varint()? as i64)?)?;
                    out.push(b':');
                    self.write(out, word, depth + 1)?;
                }
                out.push(b'}');
            }
            SHAPED => {
                let shape = word(self.varint()? as i64)?;
                out.push(b'{');
                for (i, key) in shape.split(SHAPE_SEPARATOR).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut *out, key)?;
                    out.push(b':');
                    self.write(out, word, depth + 1)?;
                }
                out.push(b'}');
            }
            tag => bail!("packed audit state: unknown tag {tag}"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn round_trip(json: &str) -> (String, usize) {
        round_trip_about(json, None)
    }

    fn round_trip_about(json: &str, subject: Option<&str>) -> (String, usize) {
        let mut words: HashMap<String, i64> = HashMap::new();
        let (packed, _) = pack(json, subject, &mut |w| {
            let n = words.len() as i64 + 1;
            Ok(*words.entry(w.to_string()).or_insert(n))
        })
        .unwrap();
        let by_id: HashMap<i64, String> = words.into_iter().map(|(w, i)| (i, w)).collect();
        let text = unpack(&packed, subject, &mut |i| Ok(by_id[&i].clone())).unwrap();
        (text, packed.len())
    }

    #[test]
    fn states_come_back_as_the_same_json() {
        for json in [
            r#"{"licenses":["EMSPREMIUM","SPE_E3"]}"#,
            r#"{"user":{"id":55947,"upn":"ana.hansen55946@contoso.com","display_name":"Ana Hansen","department":"Engineering","usage_location":"JP","enabled":true,"kind":"user","mailbox_gb":17,"retention_hold":false,"created_at":1795435200,"deleted_at":null}}"#,
            r#"{"amount":"-13.27","n":-5,"big":18446744073709551615,"f":1.5,"g":1e300,"h":-0.25,"q":"say \"hi\"\n\u0001","k":"</x>","id":"05e9a617-0261-4cee-bb44-138d3ef5d965","e":[],"o":{},"s":"Ünïcode ✓"}"#,
            "null",
            "[1,[2,[3]]]",
            // Keys a shape cannot hold (the separator), and an empty one.
            r#"{"a\nb":1,"":2,"c":{"":[],"d":{"e":null}}}"#,
            r#"{"":1,"x":2}"#,
        ] {
            let (text, _) = round_trip(json);
            let a: Value = serde_json::from_str(json).unwrap();
            let b: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(a, b, "{json}");
            // The very text serde_json writes for the value (listings stay byte for byte).
            assert_eq!(text, a.to_string(), "{json}");
        }
    }

    #[test]
    fn a_created_user_packs_to_under_half_its_json() {
        let json = r#"{"user":{"id":55947,"upn":"ana.hansen55946@contoso.com","display_name":"Ana Hansen","department":"Engineering","usage_location":"JP","enabled":true,"kind":"user","mailbox_gb":17,"retention_hold":false,"created_at":1795435200,"deleted_at":null}}"#;
        let (_, n) = round_trip(json);
        assert!(n * 2 < json.len(), "{n} bytes of {}", json.len());
        let (_, n) = round_trip(r#"{"licenses":["EMSPREMIUM","SPE_E3"]}"#);
        assert!(n <= 10, "{n} bytes for 37 of JSON");
    }

    #[test]
    fn a_created_users_upn_is_its_entrys_subject() {
        let json = r#"{"user":{"id":55947,"upn":"ana.hansen55946@contoso.com","display_name":"Ana Hansen","department":"Engineering","usage_location":"JP","enabled":true,"kind":"user","mailbox_gb":17,"retention_hold":false,"created_at":1795435200,"deleted_at":null}}"#;
        let upn = subject("user:ana.hansen55946@contoso.com");
        assert_eq!(upn, Some("ana.hansen55946@contoso.com"));
        let (text, about) = round_trip_about(json, upn);
        assert_eq!(text, json);
        let (_, alone) = round_trip(json);
        assert_eq!(alone - about, 1 + 1 + upn.unwrap().len() - 1);
        // The user's eleven keys are one word: the state is under a fifth of its JSON.
        assert!(about * 5 < json.len(), "{about} bytes of {}", json.len());
        // Bytes that name the subject do not read without one.
        let (bytes, used) = pack(json, upn, &mut |_| Ok(1)).unwrap();
        assert!(used);
        assert!(unpack(&bytes, None, &mut |_| Ok("w".into())).is_err());
        assert_eq!(subject("catalog"), None);
        assert_eq!(subject("user:"), None);
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        for bytes in [
            &[][..],
            &[ARRAY, 5, NULL],
            &[TEXT, 200],
            &[99],
            &[INT, 0xff],
            &[NULL, NULL],
        ] {
            assert!(
                unpack(bytes, None, &mut |_| Ok("w".into())).is_err(),
                "{bytes:?}"
            );
        }
    }
}
