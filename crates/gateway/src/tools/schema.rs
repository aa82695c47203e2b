//! Input schemas as `tools/list` sends them. Every client puts each offered
//! tool's input schema into every conversation, so [`compact`] keeps what
//! tells the model how to call the tool and drops what schemars adds that
//! says nothing to it:
//!
//! - `$schema` (MCP's default dialect is 2020-12) and `title`;
//! - `$ref`/`$defs`: each shared shape (an enum, an attachment, a cell) is
//!   small, and several clients resolve references badly, so it is inlined;
//! - `"type": ["string", "null"]` and `anyOf: [X, {"type": "null"}]` on an
//!   optional property: leaving it out means the same;
//! - annotations that repeat the empty value (`"default": null`, `false`,
//!   `[]`, `""`);
//! - Rust's integer and float formats (`uint32`, `int64`, `double`), and the
//!   `"minimum": 0` of unsigned types;
//! - a `oneOf` of documented constants becomes a plain `enum`: the values'
//!   meanings belong in the property's description (variant doc comments are
//!   not sent).
//!
//! Descriptions keep their words; line breaks of doc comments become spaces.

use rmcp::model::JsonObject;
use serde_json::{Map, Value};

/// The compact form of a schemars input schema (see the module docs).
pub fn compact(schema: &JsonObject) -> JsonObject {
    let mut root = schema.clone();
    let defs = match root.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    root.remove("$schema");
    let mut root = Value::Object(root);
    clean(&mut root, &defs, 0);
    let Value::Object(map) = root else {
        unreachable!("an object stays an object")
    };
    map
}

/// Cleans one schema node and everything under it.
fn clean(node: &mut Value, defs: &Map<String, Value>, depth: usize) {
    assert!(
        depth < 32,
        "input schemas are inlined: a recursive type cannot be"
    );
    let Value::Object(map) = node else { return };
    inline(map, defs);
    map.remove("title");
    if map.get("default").is_some_and(is_empty_value) {
        map.remove("default");
    }
    if let Some(Value::String(d)) = map.get_mut("description") {
        *d = d.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    drop_number_format(map);

    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for prop in props.values_mut() {
            clean(prop, defs, depth + 1);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child @ Value::Object(_)) = map.get_mut(key) {
            clean(child, defs, depth + 1);
        }
    }
    for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(children)) = map.get_mut(key) {
            for child in children {
                clean(child, defs, depth + 1);
            }
        }
    }

    constants_as_enum(map);
    types_as_list(map);
    optional_properties_not_null(map);
}

/// Replaces `$ref` with the definition it names; the node's own keywords
/// (its description) win over the definition's, and the definition's own
/// description (the Rust type's doc comment) is not carried over.
fn inline(map: &mut Map<String, Value>, defs: &Map<String, Value>) {
    let Some(Value::String(reference)) = map.remove("$ref") else {
        return;
    };
    let name = reference
        .strip_prefix("#/$defs/")
        .unwrap_or_else(|| panic!("unsupported schema reference {reference}"));
    let Some(Value::Object(def)) = defs.get(name) else {
        panic!("schema reference {reference} has no definition")
    };
    for (key, value) in def {
        if key != "description" {
            map.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    // A definition may itself be a reference.
    inline(map, defs);
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Drops Rust's number formats (`uint32`, `int64`, `double`…), which no
/// validator checks, and the `minimum: 0` an unsigned type adds.
fn drop_number_format(map: &mut Map<String, Value>) {
    let Some(Value::String(format)) = map.get("format") else {
        return;
    };
    let unsigned = format.starts_with("uint");
    let numeric =
        unsigned || format.starts_with("int") || matches!(format.as_str(), "float" | "double");
    if !numeric {
        return;
    }
    map.remove("format");
    if unsigned && map.get("minimum").and_then(Value::as_u64) == Some(0) {
        map.remove("minimum");
    }
}

/// `oneOf: [{"const": "a", "type": "string", "description": …}, …]` as
/// `"type": "string", "enum": ["a", …]` (schemars groups the variants
/// without a doc comment in one `enum` branch).
fn constants_as_enum(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get("oneOf") else {
        return;
    };
    let mut constants: Vec<Value> = Vec::new();
    for b in branches {
        let Some(b) = b.as_object() else { return };
        let only_constants = b
            .keys()
            .all(|k| matches!(k.as_str(), "const" | "enum" | "type" | "description"));
        if !only_constants || b.get("type").is_some_and(|t| t != "string") {
            return;
        }
        match (b.get("const"), b.get("enum")) {
            (Some(c), None) => constants.push(c.clone()),
            (None, Some(Value::Array(values))) => constants.extend(values.iter().cloned()),
            _ => return,
        }
    }
    map.remove("oneOf");
    map.insert("type".into(), Value::String("string".into()));
    map.insert("enum".into(), Value::Array(constants));
}

/// `anyOf` of bare types (`[{"type": "string"}, {"type": "number"}]`) as one
/// list of types.
fn types_as_list(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get("anyOf") else {
        return;
    };
    let mut types: Vec<Value> = Vec::new();
    for b in branches {
        let Some(b) = b.as_object().filter(|b| b.len() == 1) else {
            return;
        };
        match b.get("type") {
            Some(Value::String(t)) => types.push(Value::String(t.clone())),
            Some(Value::Array(ts)) => types.extend(ts.iter().cloned()),
            _ => return,
        }
    }
    map.remove("anyOf");
    map.insert("type".into(), Value::Array(types));
}

/// An optional property accepts null only as "not given": say just its type.
fn optional_properties_not_null(map: &mut Map<String, Value>) {
    let required: Vec<String> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(Value::Object(props)) = map.get_mut("properties") else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        if required.contains(name) {
            continue;
        }
        let Value::Object(p) = prop else { continue };
        not_null(p);
    }
}

fn not_null(p: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = p.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            p.insert("type".into(), only);
        }
        return;
    }
    let Some(Value::Array(branches)) = p.get("anyOf") else {
        return;
    };
    let rest: Vec<&Value> = branches
        .iter()
        .filter(|b| b.get("type").is_none_or(|t| t != "null"))
        .collect();
    if let [Value::Object(only)] = rest.as_slice() {
        let only = only.clone();
        p.remove("anyOf");
        for (key, value) in only {
            p.entry(key).or_insert(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn compacted(schema: Value) -> Value {
        Value::Object(compact(schema.as_object().unwrap()))
    }

    #[test]
    fn references_are_inlined_and_optional_fields_are_not_nullable() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Args",
            "type": "object",
            "$defs": {
                "Mode": {
                    "description": "The Rust type's doc.",
                    "oneOf": [
                        {"const": "a", "type": "string", "description": "The first."},
                        {"enum": ["b", "c"], "type": "string"}
                    ]
                },
                "Cell": {"anyOf": [{"type": "string"}, {"type": "number", "format": "double"}]}
            },
            "properties": {
                "title": {"type": "string", "description": "A property\nnamed title."},
                "mode": {"anyOf": [{"$ref": "#/$defs/Mode"}, {"type": "null"}], "description": "a, b or c."},
                "count": {"type": ["integer", "null"], "format": "uint32", "minimum": 0},
                "page": {"type": ["integer", "null"], "format": "uint32", "minimum": 1, "maximum": 9},
                "flag": {"type": "boolean", "default": false},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                "note": {"type": ["string", "null"], "default": null},
                "cells": {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/Cell"}, {"type": "null"}]}},
                "needed": {"type": ["string", "null"]}
            },
            "required": ["title", "needed"]
        });
        assert_eq!(
            compacted(schema),
            json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "A property named title."},
                    "mode": {"type": "string", "enum": ["a", "b", "c"], "description": "a, b or c."},
                    "count": {"type": "integer"},
                    "page": {"type": "integer", "minimum": 1, "maximum": 9},
                    "flag": {"type": "boolean"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "note": {"type": "string"},
                    "cells": {"type": "array", "items": {"type": ["string", "number", "null"]}},
                    "needed": {"type": ["string", "null"]}
                },
                "required": ["title", "needed"]
            })
        );
    }

    #[test]
    fn objects_in_lists_keep_their_shape() {
        let schema = json!({
            "type": "object",
            "$defs": {"Item": {
                "type": "object",
                "additionalProperties": false,
                "properties": {"find": {"type": "string"}, "replace": {"type": "string", "default": ""}},
                "required": ["find"]
            }},
            "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "maxItems": 5}}
        });
        assert_eq!(
            compacted(schema),
            json!({
                "type": "object",
                "properties": {"items": {"type": "array", "maxItems": 5, "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"find": {"type": "string"}, "replace": {"type": "string"}},
                    "required": ["find"]
                }}}
            })
        );
    }
}
