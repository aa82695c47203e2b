//! How `workspace_search` orders hits from different services: a match score
//! (the query's words in the title count twice what they count in the
//! snippet) and a recency score (halving every 30 days from now, in either
//! direction, so an event next week ranks like mail from last week), 60/40.

use chrono::{DateTime, NaiveDate, Utc};

/// Days over which recency halves.
const HALF_LIFE_DAYS: f64 = 30.0;
const MATCH_WEIGHT: f64 = 0.6;

/// The query's plain words, lowercase: Gmail operators (`from:x`),
/// exclusions (`-word`) and `OR` are not words to look for.
pub fn words(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .filter(|w| !w.contains(':') && !w.starts_with('-') && *w != "OR")
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| w.chars().count() >= 2)
        .collect()
}

/// A hit's score in [0, 1].
pub fn score(
    words: &[String],
    title: &str,
    snippet: &str,
    when: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> f64 {
    let matched = if words.is_empty() {
        0.5
    } else {
        let (title, snippet) = (title.to_lowercase(), snippet.to_lowercase());
        let hits: usize = words
            .iter()
            .map(|w| {
                2 * usize::from(title.contains(w.as_str()))
                    + usize::from(snippet.contains(w.as_str()))
            })
            .sum();
        hits as f64 / (3 * words.len()) as f64
    };
    let recent = when.map_or(0.0, |t| {
        let days = (now - t).num_seconds().unsigned_abs() as f64 / 86_400.0;
        0.5_f64.powf(days / HALF_LIFE_DAYS)
    });
    MATCH_WEIGHT * matched + (1.0 - MATCH_WEIGHT) * recent
}

/// An RFC 3339 time or a date (midnight UTC).
pub fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn words_leave_out_operators_and_exclusions() {
        assert_eq!(
            words("from:dana Budget -draft \"Q3 plan\" OR x"),
            vec!["budget", "q3", "plan"]
        );
    }

    #[test]
    fn a_title_match_beats_a_snippet_match_and_recent_beats_old() {
        let now = Utc::now();
        let w = words("budget review");
        let title = score(&w, "Budget review", "", Some(now), now);
        let snippet = score(&w, "Notes", "the budget review", Some(now), now);
        assert!(title > snippet, "{title} {snippet}");
        let old = score(
            &w,
            "Budget review",
            "budget review",
            Some(now - Duration::days(365)),
            now,
        );
        assert!(
            title
                > score(
                    &w,
                    "Budget review",
                    "",
                    Some(now - Duration::days(365)),
                    now
                )
        );
        // Nearness counts both ways: next week like last week.
        let next = score(&w, "x", "", Some(now + Duration::days(7)), now);
        let last = score(&w, "x", "", Some(now - Duration::days(7)), now);
        assert!((next - last).abs() < 1e-9);
        // A full match a year old outranks a recent hit without the words.
        let weak_recent = score(&w, "Lunch", "", Some(now), now);
        assert!(old > weak_recent, "{old} {weak_recent}");
    }

    #[test]
    fn instants_from_times_and_dates() {
        assert!(instant("2026-12-05T10:00:00+01:00").is_some());
        assert_eq!(
            instant("2026-12-05").unwrap().to_rfc3339(),
            "2026-12-05T00:00:00+00:00"
        );
        assert!(instant("soon").is_none());
    }
}
