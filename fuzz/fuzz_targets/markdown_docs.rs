//! Markdown and Google Docs (crates/gateway/src/tools/docs/): Markdown into
//! batchUpdate requests (from_md.rs) whose UTF-16 ranges stay inside the
//! inserted text; any Docs document rendered as Markdown (markdown.rs);
//! and a paragraph of text that needs escaping (`\ * _ [ ] # > - + 1.`)
//! goes Docs → Markdown → Docs unchanged, with its style.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcp_gateway::tools::docs::{
    from_md::{insertion, parse, utf16},
    markdown::{body, escape, tabs},
};
use serde_json::{Value, json};

/// Text from the characters Markdown reads as formatting, which the
/// renderer escapes, and a few plain ones.
#[derive(Debug)]
struct Escapable(String);

impl<'a> Arbitrary<'a> for Escapable {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        const CHARS: &[char] = &[
            'a', 'b', 'Z', '1', '9', ' ', '.', ')', '(', '\\', '*', '`', '[', ']', '_', '#', '>',
            '-', '+', 'é', '😀',
        ];
        let n = u.arbitrary_len::<u8>()?;
        let mut s = String::new();
        for _ in 0..n {
            s.push(*u.choose(CHARS)?);
        }
        Ok(Escapable(s))
    }
}

#[derive(Debug, Arbitrary)]
struct Run {
    text: Escapable,
    bold: bool,
    italic: bool,
}

#[derive(Debug, Arbitrary)]
struct Input {
    markdown: String,
    index: u16,
    tab: Option<String>,
    lead: bool,
    trail: bool,
    /// A Docs document, as JSON text.
    document: String,
    run: Run,
}

fn ranges(v: &Value, out: &mut Vec<(u64, u64)>) {
    match v {
        Value::Object(m) => {
            if let (Some(s), Some(e)) = (m.get("startIndex"), m.get("endIndex")) {
                out.push((s.as_u64().expect("an index"), e.as_u64().expect("an index")));
            }
            m.values().for_each(|v| ranges(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| ranges(v, out)),
        _ => {}
    }
}

fuzz_target!(|input: Input| {
    // Markdown → paragraphs → requests.
    let paras = parse(&input.markdown);
    for p in &paras {
        let t = p.text();
        assert!(!t.contains(['\n', '\r']), "{t:?}");
        assert!(p.heading.is_none_or(|h| (1..=6).contains(&h)));
    }
    let index = usize::from(input.index) + 1;
    let ins = insertion(&paras, index, input.tab.as_deref(), input.lead, input.trail);
    if paras.is_empty() {
        assert!(ins.requests.is_empty() && ins.text.is_empty());
    } else {
        let first = &ins.requests[0]["insertText"];
        assert_eq!(first["text"], ins.text.as_str());
        assert_eq!(first["location"]["index"], index);
        let texts: Vec<String> = paras.iter().map(|p| p.text()).collect();
        let mut expected = if input.lead {
            "\n".to_owned()
        } else {
            String::new()
        };
        expected.push_str(&texts.join("\n"));
        if input.trail {
            expected.push('\n');
        }
        assert_eq!(ins.text, expected);
        // Every range lies in the inserted text and the paragraph end
        // after it; a text style covers at least one unit.
        let end = (index + utf16(&ins.text) + 1) as u64;
        let mut found = Vec::new();
        ranges(&Value::Array(ins.requests.clone()), &mut found);
        for (s, e) in found {
            assert!(
                index as u64 <= s && s <= e && e <= end,
                "{s}..{e} outside {index}..{end}"
            );
        }
        for r in &ins.requests {
            if let Some(style) = r.get("updateTextStyle") {
                let range = &style["range"];
                assert!(
                    range["startIndex"].as_u64() < range["endIndex"].as_u64(),
                    "{r}"
                );
            }
            if let Some(tab) = &input.tab {
                let mut with_tab = Vec::new();
                find_tab_ids(r, &mut with_tab);
                assert!(with_tab.iter().all(|t| t == tab));
            }
        }
    }

    // Any document renders.
    if let Ok(doc) = serde_json::from_str::<Value>(&input.document) {
        let _ = tabs(&doc);
    }

    // One styled paragraph: Docs → Markdown → Docs.
    let text = input.run.text.0.trim().to_owned();
    let doc_body = json!({"content": [{"paragraph": {
        "elements": [{"textRun": {"content": format!("{text}\n"), "textStyle": {
            "bold": input.run.bold, "italic": input.run.italic,
        }}}],
        "paragraphStyle": {"namedStyleType": "NORMAL_TEXT"},
    }}]});
    let md = body(&doc_body, &json!({}));
    let back = parse(&md);
    if text.is_empty() {
        assert!(back.is_empty(), "{md:?}");
    } else {
        assert_eq!(back.len(), 1, "{text:?} → {md:?} → {back:?}");
        let p = &back[0];
        assert_eq!(p.text(), text, "{text:?} → {md:?}");
        assert_eq!((p.heading, p.list), (None, None), "{text:?} → {md:?}");
        for s in &p.spans {
            assert_eq!(
                (s.bold, s.italic),
                (input.run.bold, input.run.italic),
                "{text:?} → {md:?}"
            );
        }
    }
    // Escaping only adds backslashes.
    let escaped = escape(&text);
    let mut unescaped = String::new();
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        unescaped.push(if c == '\\' {
            chars.next().expect("an escaped char")
        } else {
            c
        });
    }
    assert_eq!(unescaped, text);
});

fn find_tab_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(t)) = m.get("tabId") {
                out.push(t.clone());
            }
            m.values().for_each(|v| find_tab_ids(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| find_tab_ids(v, out)),
        _ => {}
    }
}
