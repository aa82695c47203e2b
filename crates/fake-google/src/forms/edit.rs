//! `forms.batchUpdate` requests on a form: `createItem` (question and text
//! items), `updateFormInfo`, `deleteItem`. Errors name the request, as
//! Google's do (`Invalid requests[1].createItem: …`).

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::api::ApiError;

/// Applies `requests` to `form` in order; their replies.
pub(super) fn apply(form: &mut Value, requests: &[Value]) -> Result<Vec<Value>, ApiError> {
    let mut replies = Vec::with_capacity(requests.len());
    for (i, request) in requests.iter().enumerate() {
        let Some((kind, body)) = request.as_object().and_then(|o| o.iter().next()) else {
            return Err(ApiError::invalid_argument(format!(
                "Invalid requests[{i}]: empty request"
            )));
        };
        let fail =
            |m: &str| ApiError::invalid_argument(format!("Invalid requests[{i}].{kind}: {m}"));
        let reply = match kind.as_str() {
            "createItem" => create_item(form, body, i).map_err(|m| fail(&m))?,
            "updateFormInfo" => {
                update_info(form, body).map_err(|m| fail(&m))?;
                json!({})
            }
            "deleteItem" => {
                let index = body["location"]["index"].as_u64().unwrap_or(0) as usize;
                let items = form["items"].as_array_mut();
                match items {
                    Some(items) if index < items.len() => {
                        items.remove(index);
                    }
                    _ => return Err(fail("location.index is past the last item")),
                }
                json!({})
            }
            _ => return Err(fail("this request is not supported by the fake")),
        };
        replies.push(reply);
    }
    Ok(replies)
}

fn new_id(form: &Value, n: usize, what: &str) -> String {
    let seed = format!("{}#{}#{n}#{what}", form["formId"], form["revisionId"]);
    Sha256::digest(seed.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_question(q: &Value) -> Result<(), String> {
    let kinds: Vec<&String> = q
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .filter(|k| k.ends_with("Question"))
        .collect();
    let [kind] = kinds[..] else {
        return Err("a question needs exactly one kind".into());
    };
    match kind.as_str() {
        "textQuestion" => Ok(()),
        "choiceQuestion" => {
            let c = &q["choiceQuestion"];
            if !["RADIO", "CHECKBOX", "DROP_DOWN"].contains(&c["type"].as_str().unwrap_or("")) {
                return Err("choiceQuestion.type must be RADIO, CHECKBOX or DROP_DOWN".into());
            }
            let values: Vec<&str> = c["options"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| o["value"].as_str().unwrap_or(""))
                .collect();
            if values.is_empty() || values.iter().any(|v| v.trim().is_empty()) {
                return Err("choiceQuestion.options must hold non-empty values".into());
            }
            if (1..values.len()).any(|i| values[..i].contains(&values[i])) {
                return Err("choiceQuestion.options must not repeat a value".into());
            }
            Ok(())
        }
        "scaleQuestion" => {
            let s = &q["scaleQuestion"];
            let low = s["low"].as_i64().unwrap_or(0);
            let high = s["high"].as_i64().unwrap_or(0);
            if !(0..=1).contains(&low) || !(2..=10).contains(&high) {
                return Err("scaleQuestion.low must be 0 or 1 and high 2 to 10".into());
            }
            Ok(())
        }
        other => Err(format!("{other} is not supported by the fake")),
    }
}

fn create_item(form: &mut Value, body: &Value, n: usize) -> Result<Value, String> {
    let mut item = body["item"].as_object().cloned().unwrap_or_default();
    let count = form["items"].as_array().map_or(0, Vec::len);
    let index = body["location"]["index"]
        .as_u64()
        .ok_or("location.index is required")? as usize;
    if index > count {
        return Err(format!(
            "location.index {index} is past the end ({count} items)"
        ));
    }
    let item_id = new_id(form, n, "item");
    let mut reply: Map<String, Value> = Map::new();
    if let Some(q) = item
        .get_mut("questionItem")
        .and_then(|q| q.get_mut("question"))
    {
        check_question(q)?;
        let qid = new_id(form, n, "question");
        q["questionId"] = json!(qid);
        reply.insert("questionId".into(), json!([qid]));
    } else if !item.contains_key("textItem") && !item.contains_key("pageBreakItem") {
        return Err("the item needs a questionItem, textItem or pageBreakItem".into());
    }
    item.insert("itemId".into(), json!(item_id));
    reply.insert("itemId".into(), json!(item_id));
    if !form["items"].is_array() {
        form["items"] = json!([]);
    }
    form["items"]
        .as_array_mut()
        .expect("items")
        .insert(index, Value::Object(item));
    Ok(json!({ "createItem": reply }))
}

fn update_info(form: &mut Value, body: &Value) -> Result<(), String> {
    let mask = body["updateMask"]
        .as_str()
        .ok_or("updateMask is required")?;
    for field in mask.split(',').map(str::trim) {
        match field {
            "title" | "description" => {
                let value = &body["info"][field];
                if field == "title" && value.as_str().is_none_or(|t| t.trim().is_empty()) {
                    return Err("info.title must not be empty".into());
                }
                if value.is_null() {
                    form["info"].as_object_mut().map(|o| o.remove(field));
                } else {
                    form["info"][field] = value.clone();
                }
            }
            "*" => return Err("updateMask * is not supported by the fake".into()),
            other => return Err(format!("updateMask names an unknown field {other}")),
        }
    }
    Ok(())
}
