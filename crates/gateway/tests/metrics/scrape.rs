//! Reading `/metrics`, and the lock that runs these tests one at a time.

use std::{collections::HashMap, net::SocketAddr};

use crate::helpers::{TestApp, client};

/// Held by every test of this binary: the registry is process-wide.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One scrape: each series (name and labels, as written) and its value.
#[derive(Debug)]
pub struct Scrape(pub HashMap<String, f64>);

impl Scrape {
    /// A series' value; 0 when it is not there (nothing counted yet).
    pub fn get(&self, series: &str) -> f64 {
        self.0.get(series).copied().unwrap_or(0.0)
    }

    /// How much `series` moved from `before` to this scrape.
    pub fn delta(&self, before: &Scrape, series: &str) -> f64 {
        self.get(series) - before.get(series)
    }
}

pub async fn scrape_at(addr: SocketAddr) -> (Scrape, String) {
    let r = client()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = r.text().await.unwrap();
    let mut series = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample: {line:?}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line:?}"));
        assert!(
            series.insert(name.to_owned(), value).is_none(),
            "{name} twice"
        );
    }
    (Scrape(series), text)
}

pub async fn scrape(app: &TestApp) -> Scrape {
    scrape_at(app.metrics.expect("METRICS_PORT is set")).await.0
}
