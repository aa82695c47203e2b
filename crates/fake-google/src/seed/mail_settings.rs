//! Each user's seeded mail settings: two filters on their own labels, a
//! vacation responder that is off (its last text kept, as Gmail keeps it),
//! and send-as addresses: the primary one, a verified alias and one still
//! pending verification.

use serde_json::json;

use super::{display_name, domain};
use crate::data::Person;
use crate::gmail::settings::MailSettings;

/// Subject of the seeded (disabled) vacation responder.
pub const VACATION_SUBJECT: &str = "Out of office";
/// Sender the seeded archiving filter matches.
pub const FILTER_FROM: &str = "receipts@shop.example";
/// Subject the seeded labelling filter matches.
pub const FILTER_SUBJECT: &str = "[Atlas]";

/// The verified send-as alias of `email` (`team.<local>@<domain>`).
pub fn send_as_alias(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, "example.com"));
    format!("team.{local}@{domain}")
}

/// A send-as address of `email` still pending verification.
pub fn pending_alias(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    format!("{local}@old-domain.example")
}

pub(crate) fn settings(person: &Person) -> MailSettings {
    let name = display_name(person);
    let mut s = MailSettings {
        vacation: json!({
            "enableAutoReply": false,
            "responseSubject": VACATION_SUBJECT,
            "responseBodyPlainText": format!("I am away and will answer when I am back.\n\n{name}"),
            "restrictToContacts": false,
            "restrictToDomain": false,
        }),
        send_as: vec![
            json!({
                "sendAsEmail": person.email,
                "displayName": name,
                "replyToAddress": "",
                "signature": "",
                "isPrimary": true,
                "isDefault": true,
            }),
            json!({
                "sendAsEmail": send_as_alias(&person.email),
                "displayName": format!("{name} ({} team)", domain(person)),
                "replyToAddress": "",
                "signature": "",
                "isDefault": false,
                "treatAsAlias": true,
                "verificationStatus": "accepted",
            }),
            json!({
                "sendAsEmail": pending_alias(&person.email),
                "displayName": name,
                "replyToAddress": "",
                "signature": "",
                "isDefault": false,
                "treatAsAlias": false,
                "verificationStatus": "pending",
            }),
        ],
        ..MailSettings::default()
    };
    // The labels `seed/mail.rs` creates: Label_1 Projects/Atlas, Label_4 Receipts.
    for (criteria, action) in [
        (
            json!({ "from": FILTER_FROM }),
            json!({ "addLabelIds": ["Label_4"], "removeLabelIds": ["INBOX"] }),
        ),
        (
            json!({ "subject": FILTER_SUBJECT, "hasAttachment": true }),
            json!({ "addLabelIds": ["Label_1", "STARRED"] }),
        ),
    ] {
        let id = s.new_filter_id(&person.email);
        s.filters
            .push(json!({ "id": id, "criteria": criteria, "action": action }));
    }
    s
}
