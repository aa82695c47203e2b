//! How records map to DynamoDB items, and where versions come from.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::TTL_ATTRIBUTE;
use crate::store::{Kind, Put, Record, StoreError, StoreResult};

pub(super) const PK: &str = "pk";
pub(super) const KIND: &str = "kind";
pub(super) const VALUE: &str = "v";
pub(super) const VERSION: &str = "ver";
pub(super) const GPK: &str = "gpk";
pub(super) const GSK: &str = "gsk";
/// A random id of the write that produced the item: a write whose answer
/// was lost and that the SDK sent again recognises itself by it.
pub(super) const WRITE_ID: &str = "wid";

/// Versions: microseconds since the epoch, strictly increasing within the
/// process even when the wall clock stalls or steps back.
#[derive(Debug, Default)]
pub(super) struct VersionClock {
    last: AtomicU64,
}

impl VersionClock {
    pub(super) fn next(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2));
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }
}

pub(super) fn pk(kind: Kind, key: &str) -> String {
    format!("{}#{key}", kind.as_str())
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Every attribute an expression may name.
const ATTRIBUTES: [&str; 8] = [PK, KIND, VALUE, VERSION, TTL_ATTRIBUTE, GPK, GSK, WRITE_ID];

/// Expression attribute names (`#pk` for `pk`, ...; `ttl` is a reserved
/// word) for exactly the attributes `expressions` use: DynamoDB refuses
/// unused names.
pub(super) fn names(expressions: &[&str]) -> HashMap<String, String> {
    let used = |name: &str| {
        let token = format!("#{name}");
        expressions.iter().any(|e| {
            e.match_indices(&token).any(|(at, _)| {
                e[at + token.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
            })
        })
    };
    ATTRIBUTES
        .into_iter()
        .filter(|name| used(name))
        .map(|name| (format!("#{name}"), name.to_owned()))
        .collect()
}

/// A live record has a value and no expiry or one after `now`.
pub(super) const LIVE: &str =
    "attribute_exists(#v) AND (attribute_not_exists(#ttl) OR #ttl > :now)";

/// A raw item as read from the table, before the expiry check.
pub(super) struct Stored {
    pub(super) kind: Kind,
    pub(super) key: String,
    /// `None` on a tombstone.
    pub(super) record: Option<Record>,
    pub(super) version: u64,
    pub(super) write_id: Option<String>,
}

impl Stored {
    pub(super) fn parse(item: &HashMap<String, AttributeValue>) -> StoreResult<Stored> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("DynamoDB item: {what}"));
        let pk = match item.get(PK) {
            Some(AttributeValue::S(pk)) => pk,
            _ => return Err(corrupt("missing or non-string pk")),
        };
        let (kind, key) = pk
            .split_once('#')
            .and_then(|(kind, key)| Some((Kind::parse(kind)?, key)))
            .ok_or_else(|| corrupt("pk does not start with a known kind"))?;
        let version = match item.get(VERSION) {
            Some(AttributeValue::N(v)) => v
                .parse::<u64>()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| corrupt(&format!("{pk}: invalid version {v:?}")))?,
            _ => return Err(corrupt(&format!("{pk}: missing version"))),
        };
        let expires_at = match item.get(TTL_ATTRIBUTE) {
            None => None,
            Some(AttributeValue::N(t)) => Some(
                t.parse::<i64>()
                    .map_err(|_| corrupt(&format!("{pk}: invalid ttl {t:?}")))?,
            ),
            Some(_) => return Err(corrupt(&format!("{pk}: non-numeric ttl"))),
        };
        let record = match item.get(VALUE) {
            None => None,
            Some(AttributeValue::B(value)) => {
                let group = match item.get(GPK) {
                    None => None,
                    Some(AttributeValue::S(gpk)) => Some(
                        gpk.strip_prefix(kind.as_str())
                            .and_then(|rest| rest.strip_prefix('#'))
                            .ok_or_else(|| corrupt(&format!("{pk}: gpk of another kind")))?
                            .to_owned(),
                    ),
                    Some(_) => return Err(corrupt(&format!("{pk}: non-string gpk"))),
                };
                Some(Record {
                    value: value.as_ref().to_vec(),
                    version,
                    group,
                    expires_at,
                })
            }
            Some(_) => return Err(corrupt(&format!("{pk}: non-binary value"))),
        };
        let write_id = match item.get(WRITE_ID) {
            Some(AttributeValue::S(id)) => Some(id.clone()),
            _ => None,
        };
        Ok(Stored {
            kind,
            key: key.to_owned(),
            record,
            version,
            write_id,
        })
    }

    /// The record if it is live at `now`.
    pub(super) fn live(self, now: i64) -> Option<(String, Record)> {
        let record = self.record?;
        match record.expires_at {
            Some(at) if at <= now => None,
            _ => Some((self.key, record)),
        }
    }
}

/// A new random write id.
pub(super) fn new_write_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

pub(super) fn to_item(
    put: &Put<'_>,
    version: u64,
    write_id: &str,
) -> HashMap<String, AttributeValue> {
    let pk = pk(put.kind, put.key);
    let mut item = HashMap::from([
        (KIND.to_owned(), s(put.kind.as_str())),
        (VALUE.to_owned(), AttributeValue::B(Blob::new(put.value))),
        (VERSION.to_owned(), n(version)),
        (WRITE_ID.to_owned(), s(write_id)),
    ]);
    if let Some(at) = put.expires_at {
        item.insert(TTL_ATTRIBUTE.to_owned(), n(at));
    }
    if let Some(group) = put.group {
        item.insert(GPK.to_owned(), s(format!("{}#{group}", put.kind.as_str())));
        item.insert(GSK.to_owned(), s(pk.clone()));
    }
    item.insert(PK.to_owned(), s(pk));
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Expect;

    fn item(pairs: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn items_round_trip() {
        let put = Put {
            kind: Kind::Grant,
            key: "a#b",
            value: b"\0bytes",
            group: Some("user#1"),
            expires_at: Some(1_900_000_000),
            expect: Expect::Any,
        };
        let raw = to_item(&put, 42, "w1");
        assert_eq!(raw[PK], s("grant#a#b"));
        assert_eq!(raw[GPK], s("grant#user#1"));
        assert_eq!(raw[GSK], s("grant#a#b"));
        assert_eq!(raw[TTL_ATTRIBUTE], n(1_900_000_000));
        let stored = Stored::parse(&raw).unwrap();
        assert_eq!((stored.kind, stored.key.as_str()), (Kind::Grant, "a#b"));
        let (key, record) = stored.live(1_800_000_000).unwrap();
        assert_eq!(key, "a#b");
        assert_eq!(
            record,
            Record {
                value: b"\0bytes".to_vec(),
                version: 42,
                group: Some("user#1".into()),
                expires_at: Some(1_900_000_000),
            }
        );
        assert!(Stored::parse(&raw).unwrap().live(1_900_000_000).is_none());

        let plain = to_item(
            &Put {
                group: None,
                expires_at: None,
                ..put
            },
            7,
            "w2",
        );
        assert!(!plain.contains_key(GPK) && !plain.contains_key(GSK));
        assert!(!plain.contains_key(TTL_ATTRIBUTE));
    }

    #[test]
    fn tombstones_and_bad_items() {
        let tombstone = item(&[(PK, s("lease#l")), (VERSION, n(9)), (TTL_ATTRIBUTE, n(100))]);
        let stored = Stored::parse(&tombstone).unwrap();
        assert_eq!(stored.version, 9);
        assert!(stored.live(0).is_none(), "a tombstone is never live");
        for bad in [
            item(&[(PK, s("nokind")), (VERSION, n(1))]),
            item(&[(PK, s("unknown#k")), (VERSION, n(1))]),
            item(&[(PK, s("lease#k")), (VERSION, n(0))]),
            item(&[(PK, s("lease#k")), (VERSION, s("1"))]),
            item(&[(PK, s("lease#k"))]),
            item(&[(PK, s("lease#k")), (VERSION, n(1)), (VALUE, s("text"))]),
            item(&[
                (PK, s("lease#k")),
                (VERSION, n(1)),
                (VALUE, AttributeValue::B(Blob::new(b"x"))),
                (GPK, s("grant#g")),
            ]),
        ] {
            assert!(
                matches!(Stored::parse(&bad), Err(StoreError::Corrupt(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_version_clock_is_strictly_increasing_and_near_wall_time() {
        let clock = VersionClock::default();
        let first = clock.next();
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64;
        assert!(first <= wall && wall - first < 10_000_000);
        let mut last = first;
        for _ in 0..10_000 {
            let next = clock.next();
            assert!(next > last);
            last = next;
        }
    }
}
