//! `sheets_add_chart` and `sheets_add_conditional_format`: an `addChart` or
//! `addConditionalFormatRule` request on a range checked against the
//! spreadsheet's sheets. A chart carries an id of our own, so a lost answer
//! is settled by looking for it.

use rmcp::schemars;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    a1,
    format::{Formatted, batch, color, grid_range, refused},
    metadata, sheets_url, spreadsheet_id,
};
use crate::{
    google::api::{ApiError, GoogleApi, Retry},
    tools::{ToolCtx, ToolError, ToolResult},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChartType {
    Column,
    Bar,
    Line,
    Pie,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddChartArgs {
    pub spreadsheet_id: String,
    /// The data with a header row: first column labels, each other column a series (pie: one).
    pub range: String,
    /// column, bar, line or pie.
    pub chart_type: ChartType,
    #[serde(default)]
    pub title: Option<String>,
    /// Top-left cell of the chart, e.g. `F2` (default beside the data).
    #[serde(default)]
    pub anchor_cell: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    NumberGreater,
    NumberGreaterOrEqual,
    NumberLess,
    NumberLessOrEqual,
    NumberEqual,
    NumberBetween,
    TextContains,
    TextNotContains,
    TextEqual,
    Blank,
    NotBlank,
    CustomFormula,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionalFormatArgs {
    pub spreadsheet_id: String,
    pub range: String,
    /// A rule: number_greater, number_greater_or_equal, number_less, number_less_or_equal, number_equal, number_between, text_contains, text_not_contains, text_equal, blank, not_blank, custom_formula. Or leave out for a color scale.
    #[serde(default)]
    pub condition: Option<Condition>,
    /// The rule's values (two for number_between, none for blank/not_blank; a formula like `=B2>C2`).
    #[serde(default)]
    pub values: Vec<String>,
    /// `#RRGGBB` of cells that match.
    #[serde(default)]
    pub background_color: Option<String>,
    #[serde(default)]
    pub text_color: Option<String>,
    #[serde(default)]
    pub bold: Option<bool>,
    /// Color scale (no condition): `#RRGGBB` of the lowest and highest values, optional midpoint.
    #[serde(default)]
    pub min_color: Option<String>,
    #[serde(default)]
    pub max_color: Option<String>,
    #[serde(default)]
    pub mid_color: Option<String>,
}

pub(crate) fn add_chart_request(
    args: &AddChartArgs,
    chart_id: i64,
    data: &Value,
    anchor: Value,
) -> ToolResult<Value> {
    let (Some(c0), Some(c1)) = (
        data["startColumnIndex"].as_u64(),
        data["endColumnIndex"].as_u64(),
    ) else {
        return Err(ToolError::invalid(
            "range",
            "give the data's columns, e.g. A1:C10 (labels in the first column)",
        ));
    };
    if c1 - c0 < 2 {
        return Err(ToolError::invalid(
            "range",
            "a chart needs two columns at least: labels, then values",
        ));
    }
    let column = |c: u64| {
        let mut r = data.clone();
        r["startColumnIndex"] = json!(c);
        r["endColumnIndex"] = json!(c + 1);
        json!({ "sourceRange": { "sources": [r] } })
    };
    let title = args.title.as_deref().map(str::trim).unwrap_or_default();
    if title.chars().count() > 200 {
        return Err(ToolError::invalid("title", "at most 200 characters"));
    }
    let spec = match args.chart_type {
        ChartType::Pie => json!({ "pieChart": {
            "legendPosition": "RIGHT_LEGEND",
            "domain": column(c0),
            "series": column(c0 + 1),
        }}),
        t => {
            let kind = match t {
                ChartType::Bar => "BAR",
                ChartType::Line => "LINE",
                _ => "COLUMN",
            };
            let series: Vec<Value> = (c0 + 1..c1)
                .map(|c| json!({ "series": column(c), "targetAxis": if kind == "BAR" { "BOTTOM_AXIS" } else { "LEFT_AXIS" } }))
                .collect();
            json!({ "basicChart": {
                "chartType": kind,
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 1,
                "domains": [{ "domain": column(c0) }],
                "series": series,
            }})
        }
    };
    let mut spec = spec;
    if !title.is_empty() {
        spec["title"] = json!(title);
    }
    Ok(json!({ "addChart": { "chart": {
        "chartId": chart_id,
        "spec": spec,
        "position": { "overlayPosition": { "anchorCell": anchor } },
    }}}))
}

/// The `addConditionalFormatRule` request for `args` on `range`.
pub(crate) fn conditional_rule(
    args: &ConditionalFormatArgs,
    range: Value,
) -> ToolResult<(Value, String)> {
    let rule = match args.condition {
        Some(c) => {
            let (kind, needed) = match c {
                Condition::NumberGreater => ("NUMBER_GREATER", 1),
                Condition::NumberGreaterOrEqual => ("NUMBER_GREATER_THAN_EQ", 1),
                Condition::NumberLess => ("NUMBER_LESS", 1),
                Condition::NumberLessOrEqual => ("NUMBER_LESS_THAN_EQ", 1),
                Condition::NumberEqual => ("NUMBER_EQ", 1),
                Condition::NumberBetween => ("NUMBER_BETWEEN", 2),
                Condition::TextContains => ("TEXT_CONTAINS", 1),
                Condition::TextNotContains => ("TEXT_NOT_CONTAINS", 1),
                Condition::TextEqual => ("TEXT_EQ", 1),
                Condition::Blank => ("BLANK", 0),
                Condition::NotBlank => ("NOT_BLANK", 0),
                Condition::CustomFormula => ("CUSTOM_FORMULA", 1),
            };
            if args.values.len() != needed {
                return Err(ToolError::invalid(
                    "values",
                    format!("{kind} needs {needed} value(s), got {}", args.values.len()),
                ));
            }
            if kind.starts_with("NUMBER")
                && let Some(v) = args
                    .values
                    .iter()
                    .find(|v| v.trim().parse::<f64>().is_err())
            {
                return Err(ToolError::invalid(
                    "values",
                    format!("{v:?} is not a number"),
                ));
            }
            if kind == "CUSTOM_FORMULA" && !args.values[0].trim_start().starts_with('=') {
                return Err(ToolError::invalid(
                    "values",
                    "a formula starts with =, e.g. =B2>C2",
                ));
            }
            let mut format = json!({});
            if let Some(bg) = &args.background_color {
                format["backgroundColor"] = color("background_color", bg)?;
            }
            if let Some(t) = &args.text_color {
                format["textFormat"]["foregroundColor"] = color("text_color", t)?;
            }
            if let Some(b) = args.bold {
                format["textFormat"]["bold"] = json!(b);
            }
            if format.as_object().is_none_or(|o| o.is_empty()) {
                return Err(ToolError::invalid(
                    "background_color",
                    "say how matching cells look: background_color, text_color or bold",
                ));
            }
            let values: Vec<Value> = args
                .values
                .iter()
                .map(|v| json!({ "userEnteredValue": v.trim() }))
                .collect();
            let mut condition = json!({ "type": kind });
            if !values.is_empty() {
                condition["values"] = json!(values);
            }
            let what = format!(
                "{} {}",
                kind.to_ascii_lowercase(),
                args.values.join(" and ")
            );
            (
                json!({ "booleanRule": { "condition": condition, "format": format } }),
                what,
            )
        }
        None => {
            let (Some(min), Some(max)) = (&args.min_color, &args.max_color) else {
                return Err(ToolError::invalid(
                    "condition",
                    "give a condition with a format, or min_color and max_color for a color scale",
                ));
            };
            let mut g = json!({
                "minpoint": { "color": color("min_color", min)?, "type": "MIN" },
                "maxpoint": { "color": color("max_color", max)?, "type": "MAX" },
            });
            if let Some(mid) = &args.mid_color {
                g["midpoint"] = json!({ "color": color("mid_color", mid)?, "type": "PERCENTILE", "value": "50" });
            }
            (
                json!({ "gradientRule": g }),
                format!("color scale {min} to {max}"),
            )
        }
    };
    let (mut rule, what) = rule;
    rule["ranges"] = json!([range]);
    Ok((
        json!({ "addConditionalFormatRule": { "rule": rule, "index": 0 } }),
        what,
    ))
}

/// Whether the spreadsheet holds a chart with `chart_id`.
async fn has_chart(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    chart_id: i64,
) -> Result<bool, ApiError> {
    let mut url = sheets_url(api, &[id]);
    url.query_pairs_mut()
        .append_pair("fields", "sheets(charts(chartId))");
    let book = api.get(&ctx.user, url).await?;
    Ok(book["sheets"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["charts"].as_array().cloned().unwrap_or_default())
        .any(|c| c["chartId"] == chart_id))
}

pub async fn add_chart(ctx: ToolCtx, args: AddChartArgs) -> ToolResult<Formatted> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    let range = a1::parse(&args.range)?;
    let api = &*ctx.api;
    let book = metadata(&ctx, api, &id).await?;
    let (sheet_id, data) = grid_range(&book, &range)?;
    let anchor = match args
        .anchor_cell
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(cell) => {
            let a = a1::parse(cell)?;
            let (sid, g) = grid_range(&book, &a).map_err(|_| {
                ToolError::invalid(
                    "anchor_cell",
                    format!("{cell:?} is not a cell of this spreadsheet"),
                )
            })?;
            json!({ "sheetId": sid, "rowIndex": g["startRowIndex"].as_u64().unwrap_or(0), "columnIndex": g["startColumnIndex"].as_u64().unwrap_or(0) })
        }
        None => json!({
            "sheetId": sheet_id,
            "rowIndex": data["startRowIndex"].as_u64().unwrap_or(0),
            "columnIndex": data["endColumnIndex"].as_u64().unwrap_or(0) + 1,
        }),
    };
    // Our own id: a lost answer is settled by looking for it.
    let chart_id = i64::from(rand::random::<u32>() >> 1).max(1);
    let request = add_chart_request(&args, chart_id, &data, anchor)?;
    let kind = format!("{:?}", args.chart_type).to_ascii_lowercase();
    let mut note = None;
    match batch(&ctx, api, &id, request, Retry::RejectedOnly).await {
        Ok(_) => {}
        Err(cause @ ApiError::Unavailable(_)) => match has_chart(&ctx, api, &id, chart_id).await {
            Ok(true) => {
                note = Some(
                    "Google's answer was lost, but the chart is there: it was added once."
                        .to_owned(),
                );
            }
            Ok(false) => {
                return Err(ToolError::Refused(format!(
                    "Google did not confirm the chart ({cause}); it is not in the spreadsheet, so it was not added. It is safe to add it again."
                )));
            }
            Err(_) => {
                return Err(ToolError::Refused(format!(
                    "Google did not confirm the chart ({cause}) and the spreadsheet could not be checked; look at it before adding the chart again."
                )));
            }
        },
        Err(e) => return Err(refused(e, &id)),
    }
    Ok(Formatted {
        spreadsheet_id: id,
        target: format!("Chart of {}", range.text),
        changes: vec![format!("{kind} chart added")],
        chart_id: Some(chart_id),
        note,
    })
}

pub async fn add_conditional_format(
    ctx: ToolCtx,
    args: ConditionalFormatArgs,
) -> ToolResult<Formatted> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    let range = a1::parse(&args.range)?;
    let api = &*ctx.api;
    let book = metadata(&ctx, api, &id).await?;
    let (_, grid) = grid_range(&book, &range)?;
    let (request, what) = conditional_rule(&args, grid)?;
    batch(&ctx, api, &id, request, Retry::RejectedOnly)
        .await
        .map_err(|e| match e {
            ApiError::Unavailable(cause) => ToolError::Refused(format!(
                "Google did not confirm the rule ({cause}); it may have been added. Check the sheet's conditional formatting before adding it again."
            )),
            e => refused(e, &id),
        })?;
    Ok(Formatted {
        spreadsheet_id: id,
        target: format!("Conditional format on {}", range.text),
        changes: vec![what],
        chart_id: None,
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_read_labels_then_series() {
        let data = json!({ "sheetId": 0, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 0, "endColumnIndex": 3 });
        let args = AddChartArgs {
            spreadsheet_id: "x".into(),
            range: "A1:C5".into(),
            chart_type: ChartType::Column,
            title: Some("Costs".into()),
            anchor_cell: None,
        };
        let r = add_chart_request(&args, 42, &data, json!({ "sheetId": 0 })).unwrap();
        let spec = &r["addChart"]["chart"]["spec"];
        assert_eq!(spec["title"], "Costs");
        let basic = &spec["basicChart"];
        assert_eq!(basic["chartType"], "COLUMN");
        assert_eq!(
            basic["domains"][0]["domain"]["sourceRange"]["sources"][0]["endColumnIndex"],
            1
        );
        assert_eq!(basic["series"].as_array().unwrap().len(), 2);
        assert_eq!(
            basic["series"][1]["series"]["sourceRange"]["sources"][0]["startColumnIndex"],
            2
        );
        let pie = AddChartArgs {
            chart_type: ChartType::Pie,
            ..args
        };
        let r = add_chart_request(&pie, 42, &data, json!({})).unwrap();
        assert_eq!(
            r["addChart"]["chart"]["spec"]["pieChart"]["series"]["sourceRange"]["sources"][0]["startColumnIndex"],
            1
        );
        let narrow = json!({ "sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1 });
        assert!(add_chart_request(&pie, 1, &narrow, json!({})).is_err());
    }

    #[test]
    fn conditional_rules_check_their_values() {
        let args = ConditionalFormatArgs {
            condition: Some(Condition::NumberGreater),
            values: vec!["1000".into()],
            background_color: Some("#F4CCCC".into()),
            ..ConditionalFormatArgs::default()
        };
        let (r, _) = conditional_rule(&args, json!({ "sheetId": 0 })).unwrap();
        let rule = &r["addConditionalFormatRule"]["rule"];
        assert_eq!(
            rule["booleanRule"]["condition"],
            json!({ "type": "NUMBER_GREATER", "values": [{ "userEnteredValue": "1000" }] })
        );
        assert_eq!(rule["ranges"], json!([{ "sheetId": 0 }]));
        let words = ConditionalFormatArgs {
            values: vec!["lots".into()],
            ..args
        };
        assert!(conditional_rule(&words, json!({})).is_err());
        let two = ConditionalFormatArgs {
            values: vec!["1".into(), "2".into()],
            ..words
        };
        assert!(conditional_rule(&two, json!({})).is_err());
        let scale = ConditionalFormatArgs {
            min_color: Some("#FFFFFF".into()),
            max_color: Some("#57BB8A".into()),
            ..ConditionalFormatArgs::default()
        };
        let (r, _) = conditional_rule(&scale, json!({})).unwrap();
        assert_eq!(
            r["addConditionalFormatRule"]["rule"]["gradientRule"]["maxpoint"]["type"],
            "MAX"
        );
        assert!(conditional_rule(&ConditionalFormatArgs::default(), json!({})).is_err());
    }
}
