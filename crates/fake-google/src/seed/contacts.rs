//! The seeded contacts: three colleagues from the user's domain and three
//! people outside it, as People API `Person` resources (`people/c…`; the
//! numbers differ for every user).

use serde_json::{Value, json};

use super::{colleagues, domain, hash};
use crate::data::Person;

pub const CONTACT_LENA: &str = "Lena Vogel";
pub const CONTACT_MARCO: &str = "Marco Bianchi";
pub const CONTACT_YUKI: &str = "Yuki Tanaka";

/// `(given, family, email, phone, organization, title, address, note)`.
type Row<'a> = (
    &'a str,
    &'a str,
    String,
    Option<&'a str>,
    Option<String>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

/// A `FieldMetadata` naming the contact as its source.
fn meta(id: &str, primary: bool) -> Value {
    let mut m = json!({ "source": { "type": "CONTACT", "id": id } });
    if primary {
        m["primary"] = json!(true);
        m["sourcePrimary"] = json!(true);
    }
    m
}

fn contact(number: u64, row: Row<'_>) -> Value {
    let (given, family, email, phone, org, title, address, note) = row;
    let id = format!("{number:x}");
    let name = format!("{given} {family}");
    let mut person = json!({
        "resourceName": format!("people/c{number}"),
        "etag": format!("%EgUBAgMuNxoEAQIFByIM{}", &id[..8.min(id.len())]),
        "metadata": {
            "sources": [{ "type": "CONTACT", "id": id, "etag": format!("#{id}"), "updateTime": "2026-01-12T09:30:00.000Z" }],
            "objectType": "PERSON",
        },
        "names": [{
            "metadata": meta(&id, true),
            "displayName": name,
            "familyName": family,
            "givenName": given,
            "displayNameLastFirst": format!("{family}, {given}"),
            "unstructuredName": name,
        }],
        "emailAddresses": [{ "metadata": meta(&id, true), "value": email, "type": "work", "formattedType": "Work" }],
    });
    if let Some(phone) = phone {
        let canonical: String = phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        person["phoneNumbers"] = json!([{ "metadata": meta(&id, true), "value": phone,
            "canonicalForm": canonical, "type": "mobile", "formattedType": "Mobile" }]);
    }
    if let Some(org) = org {
        let mut o = json!({ "metadata": meta(&id, true), "name": org, "type": "work", "formattedType": "Work" });
        if let Some(t) = title {
            o["title"] = json!(t);
        }
        person["organizations"] = json!([o]);
    }
    if let Some(a) = address {
        person["addresses"] = json!([{ "metadata": meta(&id, true), "formattedValue": a, "type": "work", "formattedType": "Work" }]);
    }
    if let Some(n) = note {
        person["biographies"] =
            json!([{ "metadata": meta(&id, true), "value": n, "contentType": "TEXT_PLAIN" }]);
    }
    person
}

pub(crate) fn contacts(person: &Person) -> Vec<Value> {
    let email = &person.email;
    let company = domain(person);
    let mates = colleagues(email);
    let split = |full: &str| -> (String, String) {
        let (g, f) = full.split_once(' ').unwrap_or((full, ""));
        (g.to_string(), f.to_string())
    };
    let mut rows: Vec<(String, String, Row<'static>)> = Vec::new();
    let titles = ["Product Manager", "Staff Engineer", "Finance Lead"];
    for (mate, title) in mates.iter().take(3).zip(titles) {
        let (g, f) = split(&mate.name);
        rows.push((
            g,
            f,
            (
                "",
                "",
                mate.email.clone(),
                None,
                Some(company.clone()),
                Some(title),
                None,
                None,
            ),
        ));
    }
    let outside: [Row<'static>; 3] = [
        (
            "Lena",
            "Vogel",
            "lena.vogel@acme-corp.example".into(),
            Some("+49 30 5550 1234"),
            Some("ACME Corp".into()),
            Some("Head of Procurement"),
            Some("Friedrichstraße 100, 10117 Berlin, Germany"),
            Some("Met at the Berlin trade fair; prefers calls before noon."),
        ),
        (
            "Marco",
            "Bianchi",
            "marco@bianchi-design.example".into(),
            Some("+39 02 5550 9876"),
            Some("Bianchi Design".into()),
            Some("Founder"),
            Some("Via Tortona 31, 20144 Milano, Italy"),
            None,
        ),
        (
            "Yuki",
            "Tanaka",
            "yuki.tanaka@tokyo-partners.example".into(),
            Some("+81 3 5550 4321"),
            Some("Tokyo Partners".into()),
            None,
            None,
            None,
        ),
    ];
    for row in outside {
        rows.push((row.0.to_string(), row.1.to_string(), row));
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, (g, f, row))| {
            let number = hash(email, &format!("contact/{i}")) % 9_000_000_000_000_000_000
                + 1_000_000_000_000_000_000;
            contact(number, (&g, &f, row.2, row.3, row.4, row.5, row.6, row.7))
        })
        .collect()
}
