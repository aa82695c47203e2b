//! A1 ranges (crates/gateway/src/tools/sheets/a1.rs): any range argument
//! parses or is refused naming the field, never a panic; a range formatted
//! from a sheet name and cells parses back to them (format∘parse), and a
//! range Google resolved reads back from its own A1 text.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcp_gateway::tools::sheets::a1::{
    A1, Cell, Cells, MAX_COLUMN, MAX_ROW, Resolved, Target, column_letters, column_number, parse,
    quote_sheet,
};

#[derive(Debug, Arbitrary)]
struct End {
    col: Option<u32>,
    row: Option<u32>,
    dollar: bool,
}

#[derive(Debug, Arbitrary)]
struct Input {
    raw: String,
    sheet: Option<String>,
    start: End,
    end: Option<End>,
    lower: bool,
}

fn clamp(e: &End) -> Cell {
    Cell {
        col: e.col.map(|c| c % MAX_COLUMN + 1),
        row: e.row.map(|r| r % MAX_ROW + 1),
    }
}

fn text(c: Cell, dollar: bool, lower: bool) -> String {
    let d = if dollar { "$" } else { "" };
    let mut s = String::new();
    if let Some(col) = c.col {
        let letters = column_letters(col);
        s.push_str(d);
        s.push_str(&if lower {
            letters.to_ascii_lowercase()
        } else {
            letters
        });
    }
    if let Some(row) = c.row {
        s.push_str(d);
        s.push_str(&row.to_string());
    }
    s
}

fuzz_target!(|input: Input| {
    // Any text: a range or a refusal naming the field.
    match parse(&input.raw) {
        Ok(a1) => check(&a1, &input.raw),
        Err(e) => assert!(e.to_string().contains("`range`"), "{e}"),
    }
    if let Some(r) = Resolved::parse(&input.raw) {
        assert_eq!(
            Resolved::parse(&r.a1()),
            Some(r.clone()),
            "{:?} → {}",
            input.raw,
            r.a1()
        );
    }

    // format∘parse: cells on a named sheet (or none) read back.
    let start = clamp(&input.start);
    if start.col.is_none() && start.row.is_none() {
        return;
    }
    let end = input.end.as_ref().map(clamp);
    // A lone column or row needs its other end, and both ends name the same
    // kind (columns, rows or cells).
    let end = match end {
        None if start.col.is_none() || start.row.is_none() => Some(start),
        Some(e)
            if (start.col.is_none() && e.col.is_some())
                || (start.row.is_none() && e.row.is_some()) =>
        {
            return;
        }
        Some(e) if e.col.is_none() && e.row.is_none() => return,
        e => e,
    };
    let mut cells = text(start, input.start.dollar, input.lower);
    if let Some(e) = end {
        cells.push(':');
        cells.push_str(&text(
            e,
            input.end.as_ref().is_some_and(|e| e.dollar),
            input.lower,
        ));
    }
    let range = match &input.sheet {
        Some(s) => format!("{}!{cells}", quote_sheet(s)),
        None => cells,
    };
    let a1 = match parse(&range) {
        Ok(a1) => a1,
        // Over the length limit, or an empty sheet name.
        Err(_) if range.chars().count() > 500 || input.sheet.as_deref() == Some("") => return,
        Err(e) => panic!("{range:?} is refused: {e}"),
    };
    assert_eq!(
        a1.target,
        Target::Cells {
            sheet: input.sheet.clone(),
            cells: Cells { start, end },
        },
        "{range:?}"
    );
});

fn check(a1: &A1, raw: &str) {
    assert_eq!(a1.text, raw.trim());
    if let Target::Cells { sheet, cells } = &a1.target {
        assert!(sheet.as_ref().is_none_or(|s| !s.is_empty()));
        for c in [Some(cells.start), cells.end].into_iter().flatten() {
            assert!(c.col.is_none_or(|c| (1..=MAX_COLUMN).contains(&c)));
            assert!(c.row.is_none_or(|r| (1..=MAX_ROW).contains(&r)));
            if let Some(col) = c.col {
                assert_eq!(column_number(&column_letters(col)), Some(col));
            }
        }
        let (rows, cols) = cells.shape();
        assert!(rows.is_none_or(|r| r >= 1) && cols.is_none_or(|c| c >= 1));
        // The sheet name quoted again reads back.
        if let Some(s) = sheet {
            let again = format!("{}!A1", quote_sheet(s));
            if let Ok(b) = parse(&again) {
                assert_eq!(b.sheet(), Some(s.as_str()), "{again:?}");
            }
        }
    }
}
