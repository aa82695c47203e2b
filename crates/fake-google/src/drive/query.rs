//! The subset of Drive's search syntax (`q`) the fake understands:
//! `name contains|=|!= '…'`, `fullText contains '…'`, `mimeType =|!= '…'`,
//! `'<id>' in parents`, `'<email>'|'me' in owners`, `trashed = …`,
//! `starred = …`, `sharedWithMe`, `modifiedTime|createdTime <op> '<RFC 3339>'`,
//! joined with `and`, `or`, `not` and parentheses.

use chrono::DateTime;

use super::store::DriveFile;
use crate::api::ApiError;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Word(String),
    Op(String),
    Open,
    Close,
}

/// What a term needs to know beyond the file.
pub struct Context<'a> {
    pub me: &'a str,
    pub root: &'a str,
    pub text: &'a dyn Fn(&DriveFile) -> String,
}

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Term {
        field: String,
        op: String,
        value: String,
    },
    SharedWithMe,
}

fn invalid() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "invalid",
        "Invalid Value",
    )
}

fn tokenize(q: &str) -> Result<Vec<Token>, ApiError> {
    let mut out = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(invalid()),
                    Some('\\') => {
                        s.push(*chars.get(i + 1).ok_or_else(invalid)?);
                        i += 2;
                    }
                    Some(ch) if *ch == c => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Token::Str(s));
        } else if c == '(' {
            out.push(Token::Open);
            i += 1;
        } else if c == ')' {
            out.push(Token::Close);
            i += 1;
        } else if "=<>!".contains(c) {
            let mut op = c.to_string();
            if chars.get(i + 1) == Some(&'=') {
                op.push('=');
                i += 1;
            }
            out.push(Token::Op(op));
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()=<>!'\"".contains(chars[i]) {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, ApiError> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ApiError> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ApiError> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        match self.next().ok_or_else(invalid)? {
            Token::Open => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(invalid()),
                }
            }
            Token::Word(w) if w == "sharedWithMe" => Ok(Expr::SharedWithMe),
            Token::Str(value) => {
                // `'x' in parents` / `'x' in owners`
                match (self.next(), self.next()) {
                    (Some(Token::Word(op)), Some(Token::Word(field))) if op == "in" => {
                        Ok(Expr::Term {
                            field,
                            op: "in".into(),
                            value,
                        })
                    }
                    _ => Err(invalid()),
                }
            }
            Token::Word(field) => {
                let op = match self.next() {
                    Some(Token::Op(op)) => op,
                    Some(Token::Word(w)) if w == "contains" => w,
                    _ => return Err(invalid()),
                };
                let value = match self.next() {
                    Some(Token::Str(s)) | Some(Token::Word(s)) => s,
                    _ => return Err(invalid()),
                };
                Ok(Expr::Term { field, op, value })
            }
            _ => Err(invalid()),
        }
    }
}

pub fn parse(q: &str) -> Result<Expr, ApiError> {
    let mut parser = Parser {
        tokens: tokenize(q)?,
        pos: 0,
    };
    let expr = parser.or()?;
    if parser.pos != parser.tokens.len() {
        return Err(invalid());
    }
    check(&expr)?;
    Ok(expr)
}

fn check(expr: &Expr) -> Result<(), ApiError> {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => check(a).and(check(b)),
        Expr::Not(a) => check(a),
        Expr::SharedWithMe => Ok(()),
        Expr::Term { field, op, value } => {
            let ok = match (field.as_str(), op.as_str()) {
                ("name" | "mimeType", "=" | "!=" | "contains") => true,
                ("fullText", "contains") => true,
                ("parents" | "owners", "in") => true,
                ("trashed" | "starred", "=" | "!=") => value == "true" || value == "false",
                ("modifiedTime" | "createdTime", "=" | "!=" | "<" | "<=" | ">" | ">=") => {
                    timestamp(value).is_some()
                }
                _ => false,
            };
            if ok { Ok(()) } else { Err(invalid()) }
        }
    }
}

/// Milliseconds of an RFC 3339 time; without an offset it is UTC, as at Google.
fn timestamp(value: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.timestamp_millis());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]
        .iter()
        .find_map(|f| {
            chrono::NaiveDateTime::parse_from_str(value, f)
                .ok()
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(value, f)
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                })
        })
        .map(|t| t.and_utc().timestamp_millis())
}

fn compare(op: &str, left: i64, right: i64) -> bool {
    match op {
        "=" => left == right,
        "!=" => left != right,
        "<" => left < right,
        "<=" => left <= right,
        ">" => left > right,
        _ => left >= right,
    }
}

impl Expr {
    pub fn matches(&self, file: &DriveFile, ctx: &Context) -> bool {
        match self {
            Expr::And(a, b) => a.matches(file, ctx) && b.matches(file, ctx),
            Expr::Or(a, b) => a.matches(file, ctx) || b.matches(file, ctx),
            Expr::Not(a) => !a.matches(file, ctx),
            Expr::SharedWithMe => file.shared_with_me,
            Expr::Term { field, op, value } => {
                let text = |s: &str| match op.as_str() {
                    "=" => s == value,
                    "!=" => s != value,
                    _ => s.to_lowercase().contains(&value.to_lowercase()),
                };
                match field.as_str() {
                    "name" if op == "contains" => {
                        file.name
                            .to_lowercase()
                            .split(|c: char| !c.is_alphanumeric())
                            .any(|w| w.starts_with(&value.to_lowercase()))
                            || file.name.to_lowercase().contains(&value.to_lowercase())
                    }
                    "name" => text(&file.name),
                    "mimeType" => text(&file.mime_type),
                    "fullText" => {
                        text(&file.name)
                            || file.description.as_deref().is_some_and(text)
                            || text(&(ctx.text)(file))
                    }
                    "parents" => file
                        .parents
                        .iter()
                        .any(|p| p == value || (value == "root" && p == ctx.root)),
                    "owners" => file.owner.as_ref().is_some_and(|(_, email)| {
                        email.eq_ignore_ascii_case(value)
                            || (value == "me" && email.eq_ignore_ascii_case(ctx.me))
                    }),
                    "trashed" => (file.trashed == (value == "true")) == (op == "="),
                    "starred" => (file.starred == (value == "true")) == (op == "="),
                    _ => {
                        let at = timestamp(value).unwrap_or_default();
                        let own = if field == "modifiedTime" {
                            file.modified
                        } else {
                            file.created
                        };
                        compare(op, own, at)
                    }
                }
            }
        }
    }
}
