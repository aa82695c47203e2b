//! Reading the trail back: a user's events since a moment, newest first,
//! as a compact table or as JSON lines (`mcp-gateway audit`).

use std::{fmt::Write as _, time::Duration};

use super::event::AuditEvent;
use crate::store::{Kind, Store, StoreError, StoreResult};

/// Where a listing starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This long before now.
    Ago(Duration),
    /// This moment (Unix milliseconds).
    At(i64),
}

impl Since {
    /// Parses `90m`, `24h`, `7d`, `30s` or an RFC 3339 time.
    pub fn parse(v: &str) -> Result<Since, String> {
        let v = v.trim();
        if let Ok(t) =
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        {
            let ms = t.unix_timestamp_nanos() / 1_000_000;
            return i64::try_from(ms)
                .map(Since::At)
                .map_err(|_| format!("{v:?} is out of range"));
        }
        let unit_at = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
        let (number, unit) = v.split_at(unit_at);
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => 0,
        };
        match number.parse::<u64>() {
            Ok(n) if seconds > 0 && n <= 100 * 365 * 86_400 / seconds => {
                Ok(Since::Ago(Duration::from_secs(n * seconds)))
            }
            _ => Err(format!(
                "{v:?} is not a duration such as 90m, 24h or 7d, nor an RFC 3339 time such as 2026-01-31T09:00:00Z"
            )),
        }
    }

    /// The moment in Unix milliseconds, given now.
    pub fn as_ms(self, now_ms: i64) -> i64 {
        match self {
            Since::Ago(d) => {
                now_ms.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            }
            Since::At(ms) => ms,
        }
    }
}

/// The events of `group` (a user id) at or after `since_ms`, newest first,
/// at most `limit`.
pub async fn events(
    store: &dyn Store,
    group: &str,
    since_ms: i64,
    limit: usize,
) -> StoreResult<Vec<AuditEvent>> {
    let mut found = Vec::new();
    for (key, record) in store.list_group(Kind::Audit, group).await? {
        let event: AuditEvent = serde_json::from_slice(&record.value)
            .map_err(|e| StoreError::Corrupt(format!("audit record {key}: {e}")))?;
        if event.time_ms >= since_ms {
            found.push((key, event));
        }
    }
    // Keys sort by time, then by their random suffix.
    found.sort_by(|a, b| (b.1.time_ms, &b.0).cmp(&(a.1.time_ms, &a.0)));
    found.truncate(limit);
    Ok(found.into_iter().map(|(_, e)| e).collect())
}

fn time_of(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| "?".into())
}

/// One JSON object per line, with the time also in RFC 3339.
pub fn render_json(events: &[AuditEvent]) -> String {
    let mut out = String::new();
    for e in events {
        let mut value = serde_json::to_value(e).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            let time =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.time_ms) * 1_000_000)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    });
            map.insert("time".into(), time.into());
        }
        let _ = writeln!(out, "{value}");
    }
    out
}

/// A compact table, one event a line.
pub fn render_table(events: &[AuditEvent]) -> String {
    let mut out = String::new();
    if events.is_empty() {
        out.push_str("no audit events in that time\n");
        return out;
    }
    let rows: Vec<[String; 6]> = events
        .iter()
        .map(|e| {
            let what = e.tool.clone().unwrap_or_else(|| e.kind.as_str().to_owned());
            let outcome = match &e.reason {
                Some(r) => format!("{} ({r})", e.outcome),
                None => e.outcome.clone(),
            };
            let mut ids = e.ids.join(",");
            if e.ids_capped {
                ids.push_str(",…");
            }
            [
                time_of(e.time_ms),
                what,
                outcome,
                e.latency_ms.map(|l| l.to_string()).unwrap_or_default(),
                e.client_id.clone().unwrap_or_else(|| "-".into()),
                if ids.is_empty() { "-".into() } else { ids },
            ]
        })
        .collect();
    let header = ["TIME", "EVENT", "OUTCOME", "MS", "CLIENT", "OBJECTS"].map(str::to_owned);
    let mut widths = [0usize; 6];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:w$}  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}
