//! What a written value becomes: `RAW` keeps it as given; `USER_ENTERED`
//! parses numbers, booleans and formulas (`=SUM(B2:B4)`, `AVERAGE`, `MIN`,
//! `MAX`, `COUNT`, a cell reference, or `+ - * /` of numbers and cells).

use serde_json::{Value, json};

use super::model::{Cell, Sheet, parse_literal};

/// How a request wants values interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Raw,
    UserEntered,
}

pub fn to_cell(value: &Value, input: Input, sheet: &Sheet) -> Cell {
    match (value, input) {
        (Value::String(s), Input::UserEntered) if s.starts_with('=') => Cell {
            value: evaluate(&s[1..], sheet),
            formula: Some(s.clone()),
        },
        (Value::String(s), Input::UserEntered) => match s.strip_prefix('\'') {
            Some(text) => Cell::text(text),
            None => parse_literal(s),
        },
        (Value::String(s), Input::Raw) => Cell::text(s),
        (Value::Number(_) | Value::Bool(_), _) => Cell {
            value: value.clone(),
            formula: None,
        },
        _ => Cell::default(),
    }
}

fn number(cell: Option<&Cell>) -> Option<f64> {
    cell.and_then(|c| c.value.as_f64())
}

fn range_numbers(range: &str, sheet: &Sheet) -> Option<Vec<f64>> {
    let (from, to) = range.split_once(':')?;
    let (c0, r0) = reference(from)?;
    let (c1, r1) = reference(to)?;
    let mut out = Vec::new();
    for r in r0.min(r1)..=r0.max(r1) {
        for c in c0.min(c1)..=c0.max(c1) {
            if let Some(n) = number(sheet.rows.get(r).and_then(|row| row.get(c))) {
                out.push(n);
            }
        }
    }
    Some(out)
}

fn reference(s: &str) -> Option<(usize, usize)> {
    let s = s.trim().replace('$', "");
    let letters = s.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters == 0 || letters == s.len() {
        return None;
    }
    let mut col = 0usize;
    for c in s[..letters].to_ascii_uppercase().bytes() {
        col = col * 26 + (c - b'A' + 1) as usize;
    }
    let row: usize = s[letters..].parse().ok()?;
    (row > 0).then(|| (col - 1, row - 1))
}

fn term(s: &str, sheet: &Sheet) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(n);
    }
    let (c, r) = reference(s)?;
    Some(number(sheet.rows.get(r).and_then(|row| row.get(c))).unwrap_or(0.0))
}

/// Left-to-right `+ -` over `* /` of numbers and cell references.
fn arithmetic(expr: &str, sheet: &Sheet) -> Option<f64> {
    let mut total = 0.0;
    for (i, sum_part) in split_keep(expr, &['+', '-']).into_iter().enumerate() {
        let (sign, part) = match sum_part.chars().next() {
            Some('-') if i > 0 || sum_part.len() > 1 => (-1.0, &sum_part[1..]),
            Some('+') => (1.0, &sum_part[1..]),
            _ => (1.0, sum_part.as_str()),
        };
        let mut product = None;
        for factor in split_keep(part, &['*', '/']) {
            let (op, f) = match factor.chars().next() {
                Some(c @ ('*' | '/')) => (c, &factor[1..]),
                _ => ('*', factor.as_str()),
            };
            let value = term(f, sheet)?;
            product = Some(match (product, op) {
                (None, _) => value,
                (Some(p), '*') => p * value,
                (Some(p), _) => p / value,
            });
        }
        total += sign * product?;
    }
    Some(total)
}

fn split_keep(s: &str, ops: &[char]) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in s.chars() {
        if ops.contains(&c) && !out.last().is_some_and(|p| p.trim().is_empty()) {
            out.push(String::new());
        }
        out.last_mut().expect("non-empty").push(c);
    }
    out
}

fn evaluate(formula: &str, sheet: &Sheet) -> Value {
    let f = formula.trim();
    if let Some(open) = f.find('(')
        && f.ends_with(')')
    {
        let name = f[..open].trim().to_ascii_uppercase();
        let Some(numbers) = range_numbers(&f[open + 1..f.len() - 1], sheet) else {
            return json!("#ERROR!");
        };
        let result = match name.as_str() {
            "SUM" => numbers.iter().sum(),
            "AVERAGE" if numbers.is_empty() => return json!("#DIV/0!"),
            "AVERAGE" => numbers.iter().sum::<f64>() / numbers.len() as f64,
            "MIN" => numbers.iter().copied().reduce(f64::min).unwrap_or(0.0),
            "MAX" => numbers.iter().copied().reduce(f64::max).unwrap_or(0.0),
            "COUNT" => numbers.len() as f64,
            _ => return json!("#NAME?"),
        };
        return num(result);
    }
    match arithmetic(f, sheet) {
        Some(n) if n.is_finite() => num(n),
        Some(_) => json!("#DIV/0!"),
        None => json!("#NAME?"),
    }
}

fn num(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// The cell as `valueRenderOption` wants it.
pub fn render(cell: &Cell, option: &str) -> Value {
    match option {
        "FORMULA" if cell.formula.is_some() => json!(cell.formula),
        "UNFORMATTED_VALUE" | "FORMULA" => match &cell.value {
            Value::Null => json!(""),
            Value::Number(n)
                if n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
            {
                json!(n.as_f64().unwrap_or_default() as i64)
            }
            v => v.clone(),
        },
        _ => json!(cell.formatted()),
    }
}
