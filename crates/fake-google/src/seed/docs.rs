//! The content of the seeded Google Docs and Sheets.

use crate::docs::model::{Block, Document, Paragraph, Run, Tab};
use crate::sheets::model::{Cell, NamedRange, Sheet, Spreadsheet};

use super::Colleague;

fn p(style: &str, text: &str) -> Block {
    Block::Paragraph(Paragraph::new(style, vec![Run::plain(text)]))
}

fn bullet(list: &str, text: &str) -> Block {
    let mut paragraph = Paragraph::new("NORMAL_TEXT", vec![Run::plain(text)]);
    paragraph.bullet = Some(list.to_string());
    Block::Paragraph(paragraph)
}

fn cell(text: &str) -> Paragraph {
    Paragraph::new("NORMAL_TEXT", vec![Run::plain(text)])
}

/// The multi-tab roadmap: headings, lists, a table, links, bold and italic
/// runs, emoji and non-Latin text.
pub(crate) fn roadmap(id: &str, title: &str, people: &[Colleague]) -> Document {
    let overview = vec![
        p("TITLE", title),
        p("HEADING_1", "Goals"),
        bullet("kix.goals", "Ship the Drive tools 🚀"),
        bullet("kix.goals", "Grow to 10k weekly users"),
        bullet("kix.goals", "Cut p95 latency below 200 ms"),
        Block::Paragraph(Paragraph::new(
            "NORMAL_TEXT",
            vec![
                Run::plain("See the "),
                Run {
                    text: "design doc".into(),
                    link: Some("https://example.com/design".into()),
                    ..Run::default()
                },
                Run::plain(" for details. "),
                Run {
                    text: "Deadlines are firm.".into(),
                    bold: true,
                    ..Run::default()
                },
                Run::plain(" "),
                Run {
                    text: "Scope may change.".into(),
                    italic: true,
                    ..Run::default()
                },
            ],
        )),
        p("HEADING_2", "Milestones"),
        Block::Table(vec![
            vec![cell("Milestone"), cell("Owner"), cell("Date")],
            vec![cell("Beta"), cell(&people[0].name), cell("2026-10-15")],
            vec![cell("GA"), cell(&people[1].name), cell("2026-12-01")],
        ]),
        p(
            "NORMAL_TEXT",
            "Multilingual: 日本語のテキスト, Привет, مرحبا 👋🏽",
        ),
    ];
    let notes = vec![
        p("HEADING_1", "Open questions"),
        bullet("kix.questions", "Which regions launch first? 🌍"),
        bullet("kix.questions", "Do we need SSO for the beta?"),
        p("NORMAL_TEXT", "Emoji test: 😀 family 👨‍👩‍👧 end."),
    ];
    Document {
        numbered: Default::default(),
        id: id.to_string(),
        title: title.to_string(),
        tabs: vec![
            Tab {
                id: "t.0".into(),
                title: "Overview".into(),
                blocks: overview,
            },
            Tab {
                id: "t.notes".into(),
                title: "Notes".into(),
                blocks: notes,
            },
            Tab {
                id: "t.summary".into(),
                title: "Summary 概要".into(),
                blocks: vec![
                    p("HEADING_1", "Zusammenfassung – 概要"),
                    p("NORMAL_TEXT", "Ελληνικά, עברית και 한국어 🇩🇪🇯🇵"),
                ],
            },
        ],
        revision: 1,
    }
}

/// A one-tab document from Markdown-like lines.
pub(crate) fn simple(id: &str, title: &str, text: &str) -> Document {
    Document::from_text(id, title, text, true)
}

fn num(n: f64) -> Cell {
    Cell {
        value: serde_json::json!(n),
        formula: None,
    }
}

/// The budget: `Summary` (with a formula), `It's Q4` and `Raw data`, plus a named range.
pub(crate) fn budget(id: &str, title: &str, quoted_sheet: &str) -> Spreadsheet {
    let mut summary = Sheet::new(0, "Summary").with_rows(&[
        &["Category", "Budget", "Actual"],
        &["Engineering", "120000", "98000"],
        &["Marketing", "45000", "51000"],
        &["Travel", "12000", "8000"],
    ]);
    summary.set(4, 0, Cell::text("Total"));
    summary.set(
        4,
        1,
        Cell {
            value: serde_json::json!(177000),
            formula: Some("=SUM(B2:B4)".into()),
        },
    );
    summary.set(4, 2, num(157000.0));
    let weekly = Sheet::new(1_187_020_391, quoted_sheet).with_rows(&[
        &["Week", "Signups", "Churn", "Notes"],
        &["W40", "120", "3", "launch week"],
        &["W41", "135", "4", ""],
        &["W42", "150", "2", "press, \"quoted\""],
        &["W43", "149", "5", ""],
    ]);
    let mut raw = Sheet::new(2_034_591_877, "Raw data");
    raw.set(0, 0, Cell::text("Day"));
    raw.set(0, 1, Cell::text("Events"));
    for day in 1..=30 {
        raw.set(day, 0, num(day as f64));
        raw.set(day, 1, num(((day * 37) % 101) as f64));
    }
    let mut sheet = Spreadsheet::new(id, title, vec![summary, weekly, raw]);
    sheet.named_ranges.push(NamedRange {
        id: "nr.budget".into(),
        name: "BudgetTable".into(),
        sheet_id: 0,
        grid: (0, 4, 0, 3),
    });
    sheet
}

/// The roster of colleagues.
pub(crate) fn roster(id: &str, title: &str, people: &[Colleague]) -> Spreadsheet {
    let mut sheet = Sheet::new(0, "People");
    sheet.set(0, 0, Cell::text("Name"));
    sheet.set(0, 1, Cell::text("Email"));
    sheet.set(0, 2, Cell::text("Team"));
    for (i, person) in people.iter().enumerate() {
        sheet.set(i + 1, 0, Cell::text(&person.name));
        sheet.set(i + 1, 1, Cell::text(&person.email));
        sheet.set(i + 1, 2, Cell::text(["Platform", "Design", "Sales"][i % 3]));
    }
    let teams =
        Sheet::new(1, "Teams").with_rows(&[&["Team", "Lead"], &["Platform", &people[0].name]]);
    Spreadsheet::new(id, title, vec![sheet, teams])
}
