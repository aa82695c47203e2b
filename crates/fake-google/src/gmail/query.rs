//! A useful subset of Gmail's search syntax (`q`).
//!
//! Terms are ANDed; `-term` negates; `OR` between two terms joins them;
//! `"quoted phrases"` and `key:(several words)` are single terms. Supported:
//! `from: to: cc: bcc: subject: label: in: is: has:attachment filename:
//! category: newer_than: older_than: after: before: rfc822msgid:` and free words.

use chrono::{NaiveDate, TimeZone, Utc};

use super::store::{Mailbox, StoredMessage};

#[derive(Debug, Clone)]
enum Term {
    Field(String, String),
    Word(String),
    Not(Box<Term>),
    Or(Box<Term>, Box<Term>),
}

/// A parsed query.
#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: Vec<Term>,
}

fn tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote = false;
    let mut depth = 0usize;
    for c in q.chars() {
        match c {
            '"' => {
                quote = !quote;
                current.push(c);
            }
            '(' if !quote => {
                depth += 1;
                current.push(c);
            }
            ')' if !quote => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            c if c.is_whitespace() && !quote && depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn unquote(value: &str) -> String {
    value
        .trim_matches(|c| c == '"' || c == '(' || c == ')' || c == '{' || c == '}')
        .to_lowercase()
}

fn term(token: &str) -> Term {
    if let Some(rest) = token.strip_prefix('-').filter(|r| !r.is_empty()) {
        return Term::Not(Box::new(term(rest)));
    }
    if !token.starts_with('"')
        && let Some((key, value)) = token.split_once(':')
        && !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Term::Field(key.to_lowercase(), unquote(value));
    }
    Term::Word(unquote(token))
}

impl Query {
    pub fn parse(q: &str) -> Query {
        let mut terms: Vec<Term> = Vec::new();
        let mut pending_or = false;
        for token in tokens(q) {
            if token == "OR" || token == "|" {
                pending_or = !terms.is_empty();
                continue;
            }
            let t = term(&token);
            if pending_or && let Some(last) = terms.pop() {
                terms.push(Term::Or(Box::new(last), Box::new(t)));
            } else {
                terms.push(t);
            }
            pending_or = false;
        }
        Query { terms }
    }

    /// Whether the query itself names Trash or Spam (then they are searched).
    pub fn searches_spam_or_trash(&self) -> bool {
        fn names(t: &Term) -> bool {
            match t {
                Term::Field(k, v) => {
                    (k == "in" || k == "label")
                        && matches!(v.as_str(), "trash" | "spam" | "anywhere")
                }
                Term::Or(a, b) => names(a) || names(b),
                _ => false,
            }
        }
        self.terms.iter().any(names)
    }

    pub fn matches(&self, mailbox: &Mailbox, message: &StoredMessage, now_ms: i64) -> bool {
        self.terms
            .iter()
            .all(|t| term_matches(t, mailbox, message, now_ms))
    }
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

/// `newer_than:2d` style: `d`, `m` (months), `y`; `h` too.
fn relative_ms(value: &str) -> Option<i64> {
    let (number, unit) = value.split_at(value.len().checked_sub(1)?);
    let n: i64 = number.parse().ok()?;
    let hours = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        "m" => 24 * 30,
        "y" => 24 * 365,
        _ => return None,
    };
    Some(n * hours * 3_600_000)
}

/// `after:` / `before:` values: `YYYY/MM/DD`, `YYYY-MM-DD` (UTC midnight) or epoch seconds.
fn absolute_ms(value: &str) -> Option<i64> {
    if let Ok(secs) = value.parse::<i64>() {
        return Some(secs * 1000);
    }
    let normalized = value.replace('-', "/");
    let date = NaiveDate::parse_from_str(&normalized, "%Y/%m/%d").ok()?;
    let midnight = date.and_hms_opt(0, 0, 0)?;
    Some(Utc.from_utc_datetime(&midnight).timestamp_millis())
}

fn in_label(mailbox: &Mailbox, message: &StoredMessage, name: &str) -> bool {
    match name {
        "anywhere" => true,
        "inbox" | "sent" | "trash" | "spam" | "starred" | "important" | "unread" | "chats" => {
            message.has(&name.trim_end_matches('s').to_uppercase())
                || message.has(&name.to_uppercase())
        }
        "drafts" | "draft" => message.has("DRAFT"),
        "read" => !message.has("UNREAD"),
        _ => mailbox
            .label_by_name(name)
            .is_some_and(|l| message.has(&l.id)),
    }
}

fn term_matches(term: &Term, mailbox: &Mailbox, m: &StoredMessage, now_ms: i64) -> bool {
    let info = &m.info;
    match term {
        Term::Not(inner) => !term_matches(inner, mailbox, m, now_ms),
        Term::Or(a, b) => {
            term_matches(a, mailbox, m, now_ms) || term_matches(b, mailbox, m, now_ms)
        }
        Term::Word(word) => {
            contains(&info.subject, word)
                || contains(&info.from, word)
                || contains(&info.recipients, word)
                || info.text.contains(word.as_str())
                || info.attachments.iter().any(|a| contains(&a.filename, word))
        }
        Term::Field(key, value) => match key.as_str() {
            "from" => contains(&info.from, value),
            "to" => contains(&info.recipients, value),
            "cc" => contains(&info.cc, value),
            "bcc" => contains(&info.bcc, value),
            "subject" => value.split_whitespace().all(|w| contains(&info.subject, w)),
            "label" | "in" | "is" => match value.as_str() {
                "unread" => m.has("UNREAD"),
                "read" => !m.has("UNREAD"),
                "starred" => m.has("STARRED"),
                "important" => m.has("IMPORTANT"),
                other => in_label(mailbox, m, other),
            },
            "has" => match value.as_str() {
                "attachment" => !info.attachments.is_empty(),
                "userlabels" => m.labels.iter().any(|l| l.starts_with("Label_")),
                "nouserlabels" => !m.labels.iter().any(|l| l.starts_with("Label_")),
                _ => false,
            },
            "filename" => info.attachments.iter().any(|a| {
                contains(&a.filename, value) || a.mime_type.ends_with(&format!("/{value}"))
            }),
            "category" => m.has(&format!("CATEGORY_{}", value.to_uppercase())),
            "newer_than" => relative_ms(value).is_some_and(|d| m.internal_date > now_ms - d),
            "older_than" => relative_ms(value).is_some_and(|d| m.internal_date < now_ms - d),
            "after" | "newer" => absolute_ms(value).is_some_and(|t| m.internal_date >= t),
            "before" | "older" => absolute_ms(value).is_some_and(|t| m.internal_date < t),
            "rfc822msgid" => info
                .message_id
                .as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(value.trim_matches(['<', '>']))),
            _ => {
                let word = format!("{key}:{value}");
                contains(&info.subject, &word) || info.text.contains(&word)
            }
        },
    }
}
