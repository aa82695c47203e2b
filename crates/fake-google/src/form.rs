//! `application/x-www-form-urlencoded` pairs, as queries and form bodies
//! carry them.

/// Every `name=value` pair of `input`, decoded, in order (repeats kept).
pub(crate) fn parse_pairs(input: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(input).into_owned().collect()
}
