//! Gmail search requests (crates/gateway/src/tools/gmail/search.rs,
//! labels.rs): the messages.list URL carries the query and page token
//! exactly as given, whatever they hold (quotes, `&`, `#`, non-ASCII), and
//! nothing else; label names resolve to ids of the mailbox or are refused.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcp_gateway::{
    fuzzing::{gmail_resolve_labels, gmail_search_url},
    tools::gmail::SearchArgs,
};
use url::Url;

#[derive(Debug, Arbitrary)]
struct Input {
    query: Option<String>,
    max_results: Option<u32>,
    page_token: Option<String>,
    prefixed: bool,
    labels: Vec<(String, String)>,
    wanted: Vec<String>,
}

fuzz_target!(|input: Input| {
    let base = Url::parse(if input.prefixed {
        "http://127.0.0.1:9000/gmail-prefix/"
    } else {
        "https://gmail.googleapis.com"
    })
    .expect("a base URL");
    let args = SearchArgs {
        query: input.query.clone(),
        label_ids: None,
        max_results: input.max_results,
        page_token: input.page_token.clone(),
    };
    let max = input.max_results.unwrap_or(20);
    let valid = (1..=50).contains(&max) && input.query.as_ref().is_none_or(|q| q.len() <= 2000);
    match gmail_search_url(&base, &args) {
        Err(e) => {
            assert!(!valid, "refused: {e}");
            let text = e.to_string();
            assert!(
                text.contains("`max_results`") || text.contains("`query`"),
                "{text}"
            );
        }
        Ok(url) => {
            assert!(valid);
            let prefix = base.path().trim_end_matches('/');
            assert_eq!(url.path(), format!("{prefix}/gmail/v1/users/me/messages"));
            assert_eq!(
                (url.scheme(), url.host_str(), url.port()),
                (base.scheme(), base.host_str(), base.port())
            );
            assert!(url.fragment().is_none());
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            let mut expected = vec![("maxResults".to_owned(), max.to_string())];
            if let Some(q) = input.query.as_ref().filter(|q| !q.trim().is_empty()) {
                expected.push(("q".into(), q.clone()));
            }
            if let Some(t) = input.page_token.as_ref().filter(|t| !t.is_empty()) {
                expected.push(("pageToken".into(), t.clone()));
            }
            assert_eq!(pairs, expected, "{url}");
            // The query string is fully escaped: one `&` per parameter.
            let raw = url.query().unwrap_or_default();
            assert_eq!(raw.matches('&').count(), expected.len() - 1, "{raw}");
            assert!(
                !raw.contains(['#', ' ', '"', '\'']) && raw.is_ascii(),
                "{raw}"
            );
        }
    }

    // Labels: each wanted label (id, name in any case) resolves to an id of
    // the mailbox, once; an unknown one is refused.
    match gmail_resolve_labels(&input.labels, &input.wanted) {
        Ok(ids) => {
            assert!(ids.len() <= input.wanted.len());
            for id in &ids {
                assert!(input.labels.iter().any(|(i, _)| i == id));
                assert_eq!(ids.iter().filter(|x| *x == id).count(), 1);
            }
            for w in &input.wanted {
                let w = w.trim();
                assert!(input.labels.iter().any(|(id, name)| {
                    ids.contains(id) && (id.eq_ignore_ascii_case(w) || name.eq_ignore_ascii_case(w))
                }));
            }
        }
        Err(e) => {
            assert!(e.to_string().contains("`label_ids`"), "{e}");
            assert!(input.wanted.iter().any(|w| {
                let w = w.trim();
                !input
                    .labels
                    .iter()
                    .any(|(id, name)| id.eq_ignore_ascii_case(w) || name.eq_ignore_ascii_case(w))
            }));
        }
    }
});
