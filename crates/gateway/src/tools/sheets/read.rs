//! `sheets_read_range`: values as a table, bounded in cells and characters,
//! with the range that reads on when cut.

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{a1::Resolved, a1::column_letters, checked, range_call, values_url};
use crate::{
    google::api::{GoogleApi, Retry},
    tools::{ToolCtx, ToolResult, adapter::Rendered},
};

/// Most cells one read returns.
pub const MAX_CELLS: usize = 10_000;
/// Longest cell text shown in the table (the structured values stay whole).
const MAX_CELL_TEXT: usize = 300;

/// How cells are rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ValueRender {
    #[default]
    Formatted,
    Unformatted,
    Formula,
}

impl ValueRender {
    fn google(self) -> &'static str {
        match self {
            ValueRender::Formatted => "FORMATTED_VALUE",
            ValueRender::Unformatted => "UNFORMATTED_VALUE",
            ValueRender::Formula => "FORMULA",
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRangeArgs {
    /// Id (docs.google.com/spreadsheets/d/<id>) or link.
    pub spreadsheet_id: String,
    /// A1: Sheet1!A1:C10, 'Q4 data'!B2:D, 'It''s'!A:C (quoted, ' doubled), A:C, 2:5, a sheet name, or a named range. No sheet: the first.
    pub range: String,
    /// formatted (default, as shown), unformatted (raw values) or formula.
    #[serde(default)]
    pub value_render: ValueRender,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RangeValues {
    pub spreadsheet_id: String,
    /// The range as Google resolved it (`Summary!A1:C1000`).
    pub range: String,
    /// Rows of cells from the range's top-left cell; trailing empty cells and rows are left out.
    pub values: Vec<Vec<Value>>,
    /// Rows in `values`.
    pub rows: usize,
    /// Columns of the widest row in `values`.
    pub columns: usize,
    /// Rows holding data in the whole range (more than `rows` when cut).
    pub total_rows: usize,
    /// Whether rows were left out to stay within the limits.
    pub truncated: bool,
    /// When cut: the range holding the rest, to read next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_range: Option<String>,
}

/// A cell as the table shows it, on one line.
fn cell_text(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "TRUE".into(),
        Value::Bool(false) => "FALSE".into(),
        other => other.to_string(),
    };
    let mut s = s
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n");
    if s.chars().count() > MAX_CELL_TEXT {
        s = s.chars().take(MAX_CELL_TEXT).collect::<String>() + "…";
    }
    s
}

fn table_row(label: &str, cells: impl Iterator<Item = String>, columns: usize) -> String {
    let mut cells: Vec<String> = cells.collect();
    cells.resize(columns, String::new());
    format!("| {label} | {} |\n", cells.join(" | "))
}

/// The answer to a read, cut to at most `MAX_CELLS` cells and to what fits in
/// `limit` characters of text.
fn shape(id: String, answer: &Value, limit: usize) -> (RangeValues, String) {
    let range = answer["range"].as_str().unwrap_or_default().to_owned();
    let all: Vec<Vec<Value>> = answer["values"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r.as_array().cloned().unwrap_or_default())
        .collect();
    let at = Resolved::parse(&range);
    let (row0, col0) = at.as_ref().map_or((1, 1), |r| (r.first_row, r.first_col));
    let width = all.iter().map(Vec::len).max().unwrap_or(0);
    let mut text = String::new();
    let header = table_row(
        "row",
        (0..width).map(|c| column_letters(col0 + c as u32)),
        width,
    );
    let rule = table_row("---", (0..width).map(|_| "---".to_owned()), width);
    // Room for the title line and the note on a cut answer.
    let budget = limit.saturating_sub(header.len() + rule.len() + 200 + range.len() * 2);
    let mut body = String::new();
    let mut chars = 0;
    let mut cells = 0;
    let mut shown = 0;
    for (i, row) in all.iter().enumerate() {
        let line = table_row(
            &(row0 as usize + i).to_string(),
            row.iter().map(cell_text),
            width,
        );
        let line_chars = line.chars().count();
        let fits = chars + line_chars <= budget && cells + row.len().max(1) <= MAX_CELLS;
        if !fits && shown > 0 {
            break;
        }
        body.push_str(&line);
        chars += line_chars;
        cells += row.len().max(1);
        shown += 1;
    }
    let values: Vec<Vec<Value>> = all[..shown].to_vec();
    let columns = values.iter().map(Vec::len).max().unwrap_or(0);
    let truncated = shown < all.len();
    let next_range = match (&at, truncated) {
        (Some(r), true) => Some(
            Resolved {
                first_row: r.first_row + shown as u32,
                ..r.clone()
            }
            .a1(),
        ),
        _ => None,
    };
    if all.is_empty() {
        text.push_str(&format!("{range}: no values (the range is empty).\n"));
    } else {
        text.push_str(&format!(
            "{range}: {shown} rows × {columns} columns{}\n",
            if truncated {
                format!(" (of {} rows)", all.len())
            } else {
                String::new()
            }
        ));
        text.push_str(&header);
        text.push_str(&rule);
        text.push_str(&body);
    }
    if let Some(next) = &next_range {
        text.push_str(&format!(
            "[cut after {shown} of {} rows to stay within the output limit; read the rest with range={next}]\n",
            all.len()
        ));
    }
    let out = RangeValues {
        spreadsheet_id: id,
        range,
        rows: shown,
        columns,
        total_rows: all.len(),
        truncated,
        next_range,
        values,
    };
    (out, text)
}

async fn fetch(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ReadRangeArgs,
) -> ToolResult<(RangeValues, String)> {
    let (id, range) = checked(&args.spreadsheet_id, &args.range)?;
    let mut url = values_url(api, &id, &range, "");
    url.query_pairs_mut()
        .append_pair("majorDimension", "ROWS")
        .append_pair("valueRenderOption", args.value_render.google())
        .append_pair("dateTimeRenderOption", "FORMATTED_STRING");
    let answer = range_call(ctx, api, &id, &range, (Method::GET, url, None, Retry::Safe)).await?;
    Ok(shape(id, &answer, ctx.output_limit))
}

pub async fn read(ctx: ToolCtx, args: ReadRangeArgs) -> ToolResult<Rendered<RangeValues>> {
    let (values, text) = fetch(&ctx, &ctx.api, &args).await?;
    Ok(Rendered::new(values, text))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tables_show_row_numbers_and_column_letters() {
        let answer = json!({
            "range": "'It''s Q4'!B3:D5",
            "values": [["a|b", 1, true], [], ["multi\nline"]],
        });
        let (v, text) = shape("x".into(), &answer, 20_000);
        assert_eq!(v.rows, 3);
        assert_eq!(v.columns, 3);
        assert!(!v.truncated);
        assert_eq!(
            text,
            "'It''s Q4'!B3:D5: 3 rows × 3 columns\n| row | B | C | D |\n| --- | --- | --- | --- |\n| 3 | a\\|b | 1 | TRUE |\n| 4 |  |  |  |\n| 5 | multi\\nline |  |  |\n"
        );
    }

    #[test]
    fn big_answers_are_cut_with_the_next_range() {
        let rows: Vec<Value> = (0..5000).map(|i| json!([i, "x", "y"])).collect();
        let answer = json!({"range": "Data!A1:C5000", "values": rows});
        let (v, text) = shape("x".into(), &answer, 1000);
        assert!(v.truncated);
        assert!(text.chars().count() <= 1000, "{}", text.len());
        assert_eq!(v.values.len(), v.rows);
        assert_eq!(
            v.next_range.as_deref(),
            Some(format!("Data!A{}:C5000", v.rows + 1).as_str())
        );
        assert!(text.contains(&format!("range=Data!A{}:C5000", v.rows + 1)));

        let (v, _) = shape("x".into(), &answer, 1_000_000);
        assert_eq!(v.rows * 3, MAX_CELLS - 1);
        assert!(v.truncated);
        assert_eq!(v.total_rows, 5000);

        let (v, text) = shape("x".into(), &json!({"range": "Data!A1:C3"}), 1000);
        assert_eq!((v.rows, v.columns, v.truncated), (0, 0, false));
        assert!(text.contains("empty"), "{text}");
    }
}
