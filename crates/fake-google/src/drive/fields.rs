//! The `fields` parameter: a partial response such as
//! `nextPageToken,files(id,name,parents)`; `*` keeps everything.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Fields(Vec<(String, Option<Fields>)>);

impl Fields {
    pub fn parse(spec: &str) -> Fields {
        let chars: Vec<char> = spec.chars().collect();
        let mut pos = 0;
        parse_list(&chars, &mut pos)
    }

    /// Keeps the selected fields of `value` (objects and arrays of objects).
    pub fn apply(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.apply(v)).collect()),
            Value::Object(object) => {
                if self.0.iter().any(|(name, _)| name == "*") {
                    return value.clone();
                }
                let mut out = Map::new();
                for (name, sub) in &self.0 {
                    let (head, rest) = match name.split_once('/') {
                        Some((h, r)) => (h, Some(r)),
                        None => (name.as_str(), None),
                    };
                    let Some(field) = object.get(head) else {
                        continue;
                    };
                    let kept = match (rest, sub) {
                        (Some(rest), _) => {
                            Fields(vec![(rest.to_string(), sub.clone())]).apply(field)
                        }
                        (None, Some(sub)) => sub.apply(field),
                        (None, None) => field.clone(),
                    };
                    match (out.get_mut(head), kept) {
                        (Some(Value::Object(existing)), Value::Object(more)) => {
                            existing.extend(more);
                        }
                        (_, kept) => {
                            out.insert(head.to_string(), kept);
                        }
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

fn parse_list(chars: &[char], pos: &mut usize) -> Fields {
    let mut out = Vec::new();
    let mut name = String::new();
    while *pos < chars.len() {
        let c = chars[*pos];
        *pos += 1;
        match c {
            ',' => {
                if !name.trim().is_empty() {
                    out.push((name.trim().to_string(), None));
                }
                name.clear();
            }
            '(' => {
                let sub = parse_list(chars, pos);
                out.push((name.trim().to_string(), Some(sub)));
                name.clear();
            }
            ')' => break,
            c => name.push(c),
        }
    }
    if !name.trim().is_empty() {
        out.push((name.trim().to_string(), None));
    }
    Fields(out)
}
