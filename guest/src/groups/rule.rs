//! Dynamic groups' membership rules (GL1), in Microsoft Entra's syntax:
//!
//! ```text
//! user.department -eq "Sales" -and (user.usageLocation -in ["DK", "SE"] -or -not (user.accountEnabled -eq true))
//! ```
//!
//! Properties: `user.department`, `user.usageLocation`, `user.accountEnabled`, `user.kind`
//! (seats' user kinds: "user", "shared-mailbox", "room-mailbox", "resource-mailbox").
//! Operators: `-eq`, `-ne`, `-in`, `-notIn`, `-not`, `-and`, `-or`, parentheses; as in Entra,
//! `-and` binds tighter than `-or`, and names, operators and text values are compared without
//! regard to case. Values: "text" (a backtick escapes a quote, as in Entra), `true`, `false`,
//! `null`, and `[...]` lists for `-in`. A rule that does not parse is refused with the column
//! where it went wrong. The grammar is small enough that a hand-written parser gives better
//! messages than a generated one.

use crate::types::{User, UserKind};

/// Longest rule accepted, in characters (Entra's limit).
pub const MAX_LEN: usize = 3072;
/// Deepest nesting of parentheses and `-not`: a rule is read recursively.
const MAX_DEPTH: usize = 32;

/// A user attribute a rule can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Property {
    Department,
    UsageLocation,
    AccountEnabled,
    Kind,
}

/// A value a rule compares with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Null,
}

/// A parsed membership rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `-eq` (or `-ne` when `negated`).
    Equals {
        property: Property,
        value: Value,
        negated: bool,
    },
    /// `-in` (or `-notIn` when `negated`).
    In {
        property: Property,
        values: Vec<Value>,
        negated: bool,
    },
    Not(Box<Rule>),
    And(Vec<Rule>),
    Or(Vec<Rule>),
}

/// Why a rule does not parse: where (1-based column, in characters) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Operator(String),
    Text(String),
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
    End,
}

/// Splits the rule into tokens, each with its column.
fn tokens(text: &str) -> Result<Vec<(Token, usize)>, RuleError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |column: usize, message: &str| RuleError {
        column,
        message: message.to_string(),
    };
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | '[' | ']' | ',' => {
                out.push((
                    match c {
                        '(' => Token::Open,
                        ')' => Token::Close,
                        '[' => Token::OpenList,
                        ']' => Token::CloseList,
                        _ => Token::Comma,
                    },
                    column,
                ));
                i += 1;
            }
            '"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(column, "this text has no closing quote (\")")),
                        Some('`') if chars.get(i + 1) == Some(&'"') => {
                            value.push('"');
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            value.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push((Token::Text(value), column));
            }
            '-' => {
                let start = i + 1;
                i = start;
                while i < chars.len() && chars[i].is_ascii_alphabetic() {
                    i += 1;
                }
                if i == start {
                    return Err(err(column, "expected an operator such as -eq after '-'"));
                }
                let word: String = chars[start..i].iter().collect();
                out.push((Token::Operator(word.to_ascii_lowercase()), column));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                out.push((Token::Word(chars[start..i].iter().collect()), column));
            }
            other => {
                return Err(RuleError {
                    column,
                    message: format!("'{other}' has no meaning here"),
                });
            }
        }
    }
    out.push((Token::End, chars.len() + 1));
    Ok(out)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &(Token, usize) {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> (Token, usize) {
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn fail<T>(&self, column: usize, message: impl Into<String>) -> Result<T, RuleError> {
        Err(RuleError {
            column,
            message: message.into(),
        })
    }

    fn operator_is(&self, name: &str) -> bool {
        matches!(&self.peek().0, Token::Operator(o) if o == name)
    }

    fn or(&mut self) -> Result<Rule, RuleError> {
        let mut parts = vec![self.and()?];
        while self.operator_is("or") {
            self.next();
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rule::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Rule, RuleError> {
        let mut parts = vec![self.unary()?];
        while self.operator_is("and") {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rule::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Rule, RuleError> {
        let column = self.peek().1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail(column, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let rule = if self.operator_is("not") {
            self.next();
            Rule::Not(Box::new(self.unary()?))
        } else if self.peek().0 == Token::Open {
            self.next();
            let inner = self.or()?;
            match self.next() {
                (Token::Close, _) => inner,
                (_, c) => {
                    return self.fail(
                        c,
                        format!("expected ')' to close the '(' at column {column}"),
                    );
                }
            }
        } else {
            self.compare()?
        };
        self.depth -= 1;
        Ok(rule)
    }

    fn compare(&mut self) -> Result<Rule, RuleError> {
        let (token, column) = self.next();
        let Token::Word(name) = token else {
            return self.fail(
                column,
                "expected a property such as user.department, or '(' or -not",
            );
        };
        let property = property(&name).ok_or_else(|| RuleError {
            column,
            message: format!(
                "'{name}' is not a property a rule can test: use user.department, \
                 user.usageLocation, user.accountEnabled or user.kind"
            ),
        })?;
        let (token, op_column) = self.next();
        let Token::Operator(op) = token else {
            return self.fail(op_column, "expected -eq, -ne, -in or -notIn");
        };
        match op.as_str() {
            "eq" | "ne" => {
                let value = self.value(property)?;
                Ok(Rule::Equals {
                    property,
                    value,
                    negated: op == "ne",
                })
            }
            "in" | "notin" => {
                let (open, c) = self.next();
                if open != Token::OpenList {
                    return self.fail(c, "expected a list such as [\"DK\", \"SE\"] after -in");
                }
                let mut values = Vec::new();
                loop {
                    values.push(self.value(property)?);
                    match self.next() {
                        (Token::Comma, _) => continue,
                        (Token::CloseList, _) => break,
                        (_, c) => return self.fail(c, "expected ',' or ']' in the list"),
                    }
                }
                Ok(Rule::In {
                    property,
                    values,
                    negated: op == "notin",
                })
            }
            other => self.fail(
                op_column,
                format!("-{other} is not supported: use -eq, -ne, -in or -notIn"),
            ),
        }
    }

    /// A value, checked against the property's type.
    fn value(&mut self, property: Property) -> Result<Value, RuleError> {
        let (token, column) = self.next();
        let value = match token {
            Token::Text(t) => Value::Text(t),
            Token::Word(w) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Token::Word(w) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
            Token::Word(w) if w.eq_ignore_ascii_case("null") => Value::Null,
            _ => return self.fail(column, "expected a value: \"text\", true, false or null"),
        };
        let fits = match (property, &value) {
            (Property::AccountEnabled, Value::Bool(_)) => true,
            (Property::AccountEnabled, _) => {
                return self.fail(column, "user.accountEnabled is true or false");
            }
            (Property::Kind, Value::Text(t)) => kind(t).is_some(),
            (Property::Department | Property::UsageLocation, Value::Text(_) | Value::Null) => true,
            _ => false,
        };
        if !fits {
            return self.fail(
                column,
                match property {
                    Property::Kind => {
                        "user.kind is one of \"user\", \"shared-mailbox\", \"room-mailbox\", \
                         \"resource-mailbox\""
                    }
                    _ => "this property is compared with \"text\" or null",
                },
            );
        }
        Ok(value)
    }
}

fn property(name: &str) -> Option<Property> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.strip_prefix("user.")? {
        "department" => Property::Department,
        "usagelocation" => Property::UsageLocation,
        "accountenabled" => Property::AccountEnabled,
        "kind" => Property::Kind,
        _ => return None,
    })
}

fn kind(text: &str) -> Option<UserKind> {
    Some(match text.to_ascii_lowercase().as_str() {
        "user" => UserKind::User,
        "shared-mailbox" => UserKind::SharedMailbox,
        "room-mailbox" => UserKind::RoomMailbox,
        "resource-mailbox" => UserKind::ResourceMailbox,
        _ => return None,
    })
}

/// Parses a membership rule; an error says at which column and what was expected.
pub fn parse(text: &str) -> Result<Rule, RuleError> {
    let length = text.chars().count();
    if length > MAX_LEN {
        return Err(RuleError {
            column: MAX_LEN + 1,
            message: format!("a rule is at most {MAX_LEN} characters; this one has {length}"),
        });
    }
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
        depth: 0,
    };
    if p.peek().0 == Token::End {
        return p.fail(
            1,
            "the rule is empty: write a condition such as user.department -eq \"Sales\"",
        );
    }
    let rule = p.or()?;
    match p.next() {
        (Token::End, _) => Ok(rule),
        (_, c) => p.fail(c, "expected -and, -or or the end of the rule"),
    }
}

/// Values of one attribute that every user a rule selects has one of: what the store can
/// look up through its indexes, so that a rule is not evaluated over the whole tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narrowing {
    pub property: Property,
    pub values: Vec<String>,
}

impl Rule {
    /// A department or usage location the rule requires, when it has one (`-eq` or `-in` on
    /// it, alone, within an `-and`, or in every branch of an `-or`).
    pub fn narrowing(&self) -> Option<Narrowing> {
        let text = |v: &Value| match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        };
        let indexed = |p: &Property| matches!(p, Property::Department | Property::UsageLocation);
        match self {
            Rule::Equals {
                property,
                value,
                negated: false,
            } if indexed(property) => Some(Narrowing {
                property: *property,
                values: vec![text(value)?],
            }),
            Rule::In {
                property,
                values,
                negated: false,
            } if indexed(property) => Some(Narrowing {
                property: *property,
                values: values.iter().map(text).collect::<Option<_>>()?,
            }),
            Rule::And(rs) => rs.iter().find_map(Rule::narrowing),
            Rule::Or(rs) => {
                let mut all = rs.iter().map(Rule::narrowing);
                let mut union = all.next()??;
                for n in all {
                    let n = n?;
                    if n.property != union.property {
                        return None;
                    }
                    union.values.extend(n.values);
                }
                union.values.sort();
                union.values.dedup();
                Some(union)
            }
            _ => None,
        }
    }

    /// Whether the user is a member under this rule. Deleted users are members of nothing.
    pub fn matches(&self, user: &User) -> bool {
        if user.deleted_at.is_some() {
            return false;
        }
        self.test(user)
    }

    fn test(&self, user: &User) -> bool {
        match self {
            Rule::Equals {
                property,
                value,
                negated,
            } => equals(user, *property, value) != *negated,
            Rule::In {
                property,
                values,
                negated,
            } => values.iter().any(|v| equals(user, *property, v)) != *negated,
            Rule::Not(r) => !r.test(user),
            Rule::And(rs) => rs.iter().all(|r| r.test(user)),
            Rule::Or(rs) => rs.iter().any(|r| r.test(user)),
        }
    }
}

fn equals(user: &User, property: Property, value: &Value) -> bool {
    let text = |field: &Option<String>| match (field, value) {
        (None, Value::Null) => true,
        (Some(f), Value::Text(t)) => f.eq_ignore_ascii_case(t),
        _ => false,
    };
    match property {
        Property::Department => text(&user.department),
        Property::UsageLocation => text(&user.usage_location),
        Property::AccountEnabled => *value == Value::Bool(user.enabled),
        Property::Kind => matches!(value, Value::Text(t) if kind(t) == Some(user.kind)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(department: Option<&str>, location: Option<&str>, enabled: bool) -> User {
        User {
            id: 1,
            upn: "ana@contoso.com".into(),
            display_name: "Ana".into(),
            department: department.map(String::from),
            usage_location: location.map(String::from),
            enabled,
            kind: UserKind::User,
            mailbox_gb: 1,
            retention_hold: false,
            created_at: 0,
            deleted_at: None,
        }
    }

    fn err(rule: &str) -> RuleError {
        parse(rule).expect_err(rule)
    }

    #[test]
    fn gl1_a_rule_selects_users_by_their_attributes_in_entras_syntax() {
        let sales_dk = user(Some("Sales"), Some("DK"), true);
        let hr_us = user(Some("HR"), Some("US"), false);
        let nobody = user(None, None, true);
        let cases = [
            (r#"user.department -eq "Sales""#, [true, false, false]),
            (r#"user.department -eq "sales""#, [true, false, false]),
            (r#"USER.Department -EQ "SALES""#, [true, false, false]),
            (r#"user.department -ne "Sales""#, [false, true, true]),
            (r#"user.department -eq null"#, [false, false, true]),
            (
                r#"user.usageLocation -in ["DK", "SE"]"#,
                [true, false, false],
            ),
            (
                r#"user.usageLocation -notIn ["DK","SE"]"#,
                [false, true, true],
            ),
            (r#"user.accountEnabled -eq false"#, [false, true, false]),
            (r#"user.kind -eq "user""#, [true, true, true]),
            (
                r#"user.department -eq "HR" -or user.department -eq "Sales" -and user.accountEnabled -eq false"#,
                [false, true, false],
            ),
            (
                r#"(user.department -eq "HR" -or user.department -eq "Sales") -and user.accountEnabled -eq true"#,
                [true, false, false],
            ),
            (r#"-not (user.department -eq "Sales")"#, [false, true, true]),
        ];
        for (text, want) in cases {
            let rule = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let got = [&sales_dk, &hr_us, &nobody].map(|u| rule.matches(u));
            assert_eq!(got, want, "{text}");
        }
        let mut gone = user(Some("Sales"), None, true);
        gone.deleted_at = Some(5);
        assert!(
            !parse(r#"user.department -eq "Sales""#)
                .unwrap()
                .matches(&gone)
        );
    }

    #[test]
    fn gl1_a_rule_that_does_not_parse_points_at_the_column() {
        let e = err(r#"user.department -eq "Sales" -and user.shoeSize -eq "42""#);
        assert_eq!(e.column, 34, "{e}");
        assert!(e.message.contains("user.shoeSize"), "{e}");
        assert_eq!(err(r#"user.department -like "S*""#).column, 17);
        assert_eq!(err(r#"user.department -eq "Sales"#).column, 21);
        assert_eq!(err(r#"(user.department -eq "Sales""#).column, 29);
        assert!(
            err(r#"(user.department -eq "Sales""#)
                .message
                .contains("column 1")
        );
        assert_eq!(err(r#"user.accountEnabled -eq "yes""#).column, 25);
        assert_eq!(err(r#"user.kind -eq "robot""#).column, 15);
        assert_eq!(err(r#"user.department -eq "A" user.kind"#).column, 25);
        assert_eq!(err(r#"user.department -in ["A" "B"]"#).column, 26);
        assert_eq!(err("").column, 1);
        assert_eq!(err("user.department -eq \"A\" ; drop").column, 25);
        let deep = format!("{}user.kind -eq \"user\"{}", "(".repeat(40), ")".repeat(40));
        assert!(err(&deep).message.contains("nested"));
        let long = format!("user.department -eq \"{}\"", "x".repeat(MAX_LEN));
        assert!(err(&long).message.contains("at most"));
    }

    #[test]
    fn gl1_a_rule_names_the_departments_or_locations_it_requires() {
        let n = |r: &str| parse(r).unwrap().narrowing();
        assert_eq!(
            n(r#"user.department -in ["Sales", "HR"] -and user.kind -eq "user""#),
            Some(Narrowing {
                property: Property::Department,
                values: vec!["Sales".into(), "HR".into()],
            })
        );
        assert_eq!(
            n(r#"user.usageLocation -eq "DK" -or user.usageLocation -eq "SE""#).map(|x| x.values),
            Some(vec!["DK".into(), "SE".into()])
        );
        assert_eq!(n(r#"user.department -ne "Sales""#), None);
        assert_eq!(n(r#"user.department -eq null"#), None);
        assert_eq!(
            n(r#"user.department -eq "A" -or user.usageLocation -eq "DK""#),
            None
        );
        assert_eq!(n(r#"-not (user.department -eq "A")"#), None);
    }

    #[test]
    fn gl1_a_backtick_escapes_a_quote_in_a_value() {
        let rule = parse(r#"user.department -eq "R`"D""#).unwrap();
        assert!(rule.matches(&user(Some("R\"D"), None, true)));
    }
}
