//! The seeded mailbox: 25 messages in 16 threads, one draft, four user labels.
//!
//! Covers plain text, HTML-only, multipart/alternative, attachments (a text
//! file, a PNG, a ~300 KB PDF), RFC 2047 encoded subjects and senders,
//! unread/starred/important/category labels, Spam and Trash, and threads
//! with replies (In-Reply-To/References).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, DurationRound, Utc};

use super::mime_build::{Addr, Attachment, Body, Mail};
use super::{Colleague, bytes, colleagues, display_name, domain, hash};
use crate::data::Person;
use crate::gmail::store::Mailbox;

pub const SUBJECT_BUDGET: &str = "Q3 planning: budget review";
pub const SUBJECT_WELCOME_HTML: &str = "Welcome to the Atlas project";
pub const SUBJECT_METRICS_PNG: &str = "Weekly metrics report";
pub const SUBJECT_CONTRACT_PDF: &str = "Contract draft for review";
pub const SUBJECT_NOTES_TXT: &str = "Meeting notes – design sync";
pub const SUBJECT_MUNICH: &str = "Grüße aus München 🍺";
pub const SUBJECT_NEWSLETTER: &str = "Your weekly digest: 5 new articles";
pub const SUBJECT_EXPENSES: &str = "Expense report approved";
pub const SUBJECT_OFFSITE: &str = "Offsite logistics";
pub const SUBJECT_LUNCH: &str = "Lunch on Friday?";
pub const SUBJECT_ESCALATION: &str = "Customer escalation — ACME Corp";
pub const SUBJECT_SPAM: &str = "You have WON a prize!!!";
pub const SUBJECT_TRASH: &str = "Build #4711 failed";
pub const SUBJECT_JAPANESE: &str = "日本チームからの週次報告";
pub const SUBJECT_OKR: &str = "Quarterly OKR draft";
pub const SUBJECT_PTO: &str = "PTO request: Dec 22 – Jan 2";
pub const SUBJECT_DRAFT: &str = "Team update for Monday";

/// Sizes of the seeded attachments.
pub const PDF_SIZE: usize = 300 * 1024;
/// A 1×1 PNG.
pub const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

struct Seeder<'a> {
    person: &'a Person,
    me: Addr,
    now: DateTime<Utc>,
    mb: Mailbox,
    n: u32,
}

fn addr(c: &Colleague) -> Addr {
    Addr::new(&c.name, &c.email)
}

impl Seeder<'_> {
    fn message_id(&mut self, from: &Addr) -> String {
        self.n += 1;
        let host = from.email.split('@').nth(1).unwrap_or("example.com");
        let h = hash(&self.person.email, &format!("msgid{}", self.n));
        format!("CA{h:016x}.{}@mail.{host}", self.n)
    }

    /// Adds a message `hours_ago`; returns (thread id, Message-ID).
    #[expect(clippy::too_many_arguments, reason = "one seeded message's fields")]
    fn add(
        &mut self,
        thread: Option<&(String, Vec<String>)>,
        hours_ago: i64,
        from: Addr,
        to: Vec<Addr>,
        cc: Vec<Addr>,
        subject: &str,
        body: Body,
        attachments: Vec<Attachment>,
        labels: &[&str],
    ) -> (String, Vec<String>) {
        let date = self.now - Duration::minutes(hours_ago * 60 - (self.n as i64 % 7) * 3);
        let message_id = self.message_id(&from);
        let references = thread.map(|t| t.1.clone()).unwrap_or_default();
        let subject = match thread {
            Some(_) if !subject.starts_with("Re:") => format!("Re: {subject}"),
            _ => subject.to_string(),
        };
        let mail = Mail {
            from,
            to,
            cc,
            subject,
            date,
            message_id: message_id.clone(),
            references: references.clone(),
            body,
            attachments,
        };
        let thread_id = thread.map(|t| t.0.clone());
        let stored = self
            .mb
            .insert(
                mail.to_raw(),
                labels,
                thread_id,
                Some(date.timestamp_millis()),
            )
            .expect("seed message parses");
        let mut refs = references;
        refs.push(message_id);
        (stored.thread_id.clone(), refs)
    }
}

/// The seeded mailbox of `person`.
pub(crate) fn mailbox(person: &Person) -> Mailbox {
    let now = Utc::now()
        .duration_trunc(Duration::minutes(1))
        .unwrap_or_else(|_| Utc::now());
    let mut s = Seeder {
        person,
        me: Addr::new(&display_name(person), &person.email),
        now,
        mb: Mailbox::new(&person.email),
        n: 0,
    };
    let atlas =
        s.mb.add_user_label("Projects/Atlas", Some(("#ffffff".into(), "#4986e7".into())));
    let offsite = s.mb.add_user_label("Offsite", None);
    let follow_up =
        s.mb.add_user_label("Follow-up", Some(("#000000".into(), "#fad165".into())));
    s.mb.add_user_label("Receipts", None);
    let c = colleagues(&person.email);
    let me = s.me.clone();
    let first = display_name(person)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    let dom = domain(person);
    let joerg = Addr::new("Jörg Müller", &format!("joerg.mueller@{dom}"));
    let zoe = Addr::new("Zoë Faßbender", "zoe.fassbender@partner.example.de");
    let taro = Addr::new("田中 太郎", &format!("taro.tanaka@{dom}"));

    // 1. Budget review: three messages, the last one unread and flagged for follow-up.
    let t = s.add(None, 50, addr(&c[0]), vec![me.clone()], vec![addr(&c[1])], SUBJECT_BUDGET,
        Body::Plain(format!("Hi {first},\n\nattached numbers are in the shared sheet. Can you review the Q3 budget lines for the platform team before Thursday?\nWe are about 8% over on cloud spend.\n\nThanks,\n{}", c[0].name)),
        vec![], &["INBOX", "CATEGORY_PERSONAL"]);
    let t = s.add(Some(&t), 47, me.clone(), vec![addr(&c[0])], vec![addr(&c[1])], SUBJECT_BUDGET,
        Body::Plain(format!("Hi {},\n\nlooks reasonable. I'd cut the staging cluster by two nodes; that brings us back under plan.\n\n{first}", c[0].name)),
        vec![], &["SENT"]);
    s.add(Some(&t), 26, addr(&c[0]), vec![me.clone()], vec![addr(&c[1])], SUBJECT_BUDGET,
        Body::Plain("Great, I updated the sheet. Final review with finance is on Thursday at 14:00.\nPlease bring the savings estimate.".into()),
        vec![], &["INBOX", "UNREAD", "IMPORTANT", "CATEGORY_PERSONAL", &follow_up]);

    // 2. HTML-only welcome mail.
    s.add(None, 120, addr(&c[1]), vec![me.clone()], vec![], SUBJECT_WELCOME_HTML,
        Body::Html(format!("<html><body><h1>Welcome aboard, {first}!</h1><p>The <b>Atlas</b> project replaces our billing pipeline. Start with the <a href=\"https://wiki.{dom}/atlas\">design doc</a>.</p><ul><li>Kick-off: Monday</li><li>Repo: atlas-core</li></ul></body></html>")),
        vec![], &["INBOX", "CATEGORY_PERSONAL", &atlas]);

    // 3. multipart/alternative with a PNG chart.
    s.add(None, 20, Addr::new("Reports", &format!("reports@{dom}")), vec![me.clone()], vec![], SUBJECT_METRICS_PNG,
        Body::Alternative(
            "Weekly metrics: active users 12,480 (+3.2%), p95 latency 182 ms, error rate 0.12%.".into(),
            "<p>Weekly metrics: <b>active users 12,480</b> (+3.2%), p95 latency 182 ms, error rate 0.12%.</p><img src=\"cid:chart\">".into()),
        vec![Attachment { filename: "chart.png".into(), mime_type: "image/png".into(), data: STANDARD.decode(PNG_BASE64).expect("png") }],
        &["INBOX", "UNREAD", "CATEGORY_UPDATES"]);

    // 4. A ~300 KB PDF from outside the company, starred.
    let mut pdf =
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n".to_vec();
    pdf.extend(bytes(
        &person.email,
        "contract.pdf",
        PDF_SIZE - pdf.len() - 14,
    ));
    pdf.extend_from_slice(b"\nendstream\n%%EOF");
    pdf.truncate(PDF_SIZE);
    s.add(None, 70, Addr::new("Dana Whitfield", "dana.whitfield@lawfirm.example.net"), vec![me.clone()], vec![], SUBJECT_CONTRACT_PDF,
        Body::Plain(format!("Dear {first},\n\nplease find attached the revised master services agreement. Changes are in sections 4 and 9.\n\nKind regards,\nDana Whitfield")),
        vec![Attachment { filename: "contract-v3.pdf".into(), mime_type: "application/pdf".into(), data: pdf }],
        &["INBOX", "STARRED", "IMPORTANT", "CATEGORY_PERSONAL"]);

    // 5. Non-ASCII sender and subject, with a text attachment.
    s.add(None, 30, joerg.clone(), vec![me.clone()], vec![addr(&c[2])], SUBJECT_NOTES_TXT,
        Body::Plain("Hallo zusammen,\n\nanbei die Notizen vom Design-Sync. Nächste Schritte: API-Entwurf bis Freitag.\n\nGrüße, Jörg".into()),
        vec![Attachment { filename: "notes.txt".into(), mime_type: "text/plain".into(), data: b"Design sync notes\n- API draft by Friday\n- Decide on pagination\n- Review error format\n".to_vec() }],
        &["INBOX", "CATEGORY_PERSONAL"]);

    // 6. Encoded subject with an emoji.
    s.add(None, 5, zoe, vec![me.clone()], vec![], SUBJECT_MUNICH,
        Body::Plain("Servus! Wir freuen uns auf euren Besuch in München. Das Büro ist ab 9 Uhr geöffnet. Bis bald, Zoë".into()),
        vec![], &["INBOX", "UNREAD", "CATEGORY_PERSONAL"]);

    // 7. HTML newsletter.
    s.add(None, 10, Addr::new("Tech Digest", "news@digest.example.org"), vec![me.clone()], vec![], SUBJECT_NEWSLETTER,
        Body::Html("<html><body><h2>This week</h2><ol><li>Scaling Postgres</li><li>Rust 2024 in production</li><li>Zero-downtime deploys</li><li>Observability on a budget</li><li>OAuth pitfalls</li></ol><p><a href=\"https://digest.example.org/unsubscribe\">Unsubscribe</a></p></body></html>".into()),
        vec![], &["INBOX", "UNREAD", "CATEGORY_PROMOTIONS"]);

    // 8. Notification.
    s.add(None, 200, Addr::new("Finance", &format!("finance@{dom}")), vec![me.clone()], vec![], SUBJECT_EXPENSES,
        Body::Plain("Your expense report EXP-2291 (Travel to Berlin, EUR 642.10) was approved and will be paid with the next payroll.".into()),
        vec![], &["INBOX", "CATEGORY_UPDATES"]);

    // 9. Four-message thread the user is cc'd on.
    let t = s.add(None, 100, addr(&c[2]), vec![addr(&c[3])], vec![me.clone()], SUBJECT_OFFSITE,
        Body::Plain("Hi all, the offsite venue is confirmed: Lakeside Lodge. Bus leaves at 8:00 from the office.".into()),
        vec![], &["INBOX", "CATEGORY_PERSONAL", &offsite]);
    let t = s.add(
        Some(&t),
        98,
        addr(&c[3]),
        vec![addr(&c[2])],
        vec![me.clone()],
        SUBJECT_OFFSITE,
        Body::Plain("Thanks! Do we need to bring laptops for the workshop?".into()),
        vec![],
        &["INBOX", "CATEGORY_PERSONAL", &offsite],
    );
    let t = s.add(
        Some(&t),
        96,
        me.clone(),
        vec![addr(&c[2]), addr(&c[3])],
        vec![],
        SUBJECT_OFFSITE,
        Body::Plain("Yes, laptops please. I'll prepare the roadmap session.".into()),
        vec![],
        &["SENT", &offsite],
    );
    s.add(
        Some(&t),
        90,
        addr(&c[2]),
        vec![addr(&c[3])],
        vec![me.clone()],
        SUBJECT_OFFSITE,
        Body::Plain("Perfect. Dietary preferences by Wednesday, please.".into()),
        vec![],
        &["INBOX", "CATEGORY_PERSONAL", &offsite],
    );

    // 10. Lunch: three messages, starred, the last unread.
    let t = s.add(
        None,
        4,
        addr(&c[3]),
        vec![me.clone()],
        vec![addr(&c[4])],
        SUBJECT_LUNCH,
        Body::Plain("Anyone up for ramen on Friday at 12:30?".into()),
        vec![],
        &["INBOX", "STARRED", "CATEGORY_PERSONAL"],
    );
    let t = s.add(
        Some(&t),
        3,
        me.clone(),
        vec![addr(&c[3])],
        vec![addr(&c[4])],
        SUBJECT_LUNCH,
        Body::Plain("I'm in!".into()),
        vec![],
        &["SENT"],
    );
    s.add(
        Some(&t),
        2,
        addr(&c[4]),
        vec![addr(&c[3])],
        vec![me.clone()],
        SUBJECT_LUNCH,
        Body::Plain("Count me in too. I'll book a table for three.".into()),
        vec![],
        &["INBOX", "UNREAD", "CATEGORY_PERSONAL"],
    );

    // 11. Customer escalation with a sent reply.
    let t = s.add(None, 60, Addr::new("ACME Support", "support@acme.example.com"), vec![me.clone()], vec![], SUBJECT_ESCALATION,
        Body::Plain("Hello, since yesterday's release our invoices show the wrong tax rate. This blocks our month-end close. Please advise urgently.".into()),
        vec![], &["INBOX", "IMPORTANT", "CATEGORY_PERSONAL"]);
    s.add(
        Some(&t),
        58,
        me.clone(),
        vec![Addr::new("ACME Support", "support@acme.example.com")],
        vec![addr(&c[0])],
        SUBJECT_ESCALATION,
        Body::Plain(
            "Thanks for reporting. We identified the bug and a fix ships today at 16:00 UTC."
                .into(),
        ),
        vec![],
        &["SENT"],
    );

    // 12. Spam and 13. Trash.
    s.add(
        None,
        15,
        Addr::new("Prize Center", "winner@prizes.example.biz"),
        vec![me.clone()],
        vec![],
        SUBJECT_SPAM,
        Body::Html(
            "<p>Click <a href=\"http://prizes.example.biz\">here</a> to claim your prize!</p>"
                .into(),
        ),
        vec![],
        &["SPAM", "UNREAD"],
    );
    s.add(
        None,
        300,
        Addr::new("CI", &format!("ci@{dom}")),
        vec![me.clone()],
        vec![],
        SUBJECT_TRASH,
        Body::Plain("Build #4711 of atlas-core failed: 2 tests failed in billing::tax.".into()),
        vec![],
        &["TRASH", "CATEGORY_UPDATES"],
    );

    // 14. Japanese sender and subject.
    s.add(
        None,
        36,
        taro,
        vec![me.clone()],
        vec![],
        SUBJECT_JAPANESE,
        Body::Plain("お疲れ様です。今週の進捗を共有します。リリースは予定通り金曜日です。".into()),
        vec![],
        &["INBOX", "CATEGORY_PERSONAL"],
    );

    // 15. Sent only.
    s.add(None, 8, me.clone(), vec![addr(&c[0])], vec![], SUBJECT_OKR,
        Body::Plain("Here is my first OKR draft: 1) cut p95 latency to 150 ms, 2) ship Atlas billing to 20% of customers.".into()),
        vec![], &["SENT"]);

    // 16. PTO request and approval.
    let t = s.add(
        None,
        150,
        me.clone(),
        vec![addr(&c[5])],
        vec![],
        SUBJECT_PTO,
        Body::Plain(
            "Hi, I'd like to take PTO from Dec 22 to Jan 2. Coverage is arranged with the team."
                .into(),
        ),
        vec![],
        &["SENT"],
    );
    s.add(
        Some(&t),
        140,
        addr(&c[5]),
        vec![me.clone()],
        vec![],
        SUBJECT_PTO,
        Body::Plain("Approved, enjoy the holidays!".into()),
        vec![],
        &["INBOX", "CATEGORY_PERSONAL"],
    );

    // One draft.
    let draft = Mail {
        from: me.clone(),
        to: vec![addr(&c[0]), addr(&c[1])],
        cc: vec![],
        subject: SUBJECT_DRAFT.into(),
        date: now - Duration::hours(1),
        message_id: format!("draft.{:016x}@mail.{dom}", hash(&person.email, "draft")),
        references: vec![],
        body: Body::Plain("Team, quick update: Atlas billing is on track for the pilot.".into()),
        attachments: vec![],
    };
    let message_id =
        s.mb.insert(
            draft.to_raw(),
            &["DRAFT"],
            None,
            Some(draft.date.timestamp_millis()),
        )
        .map(|m| m.id.clone())
        .expect("draft parses");
    let draft_id = s.mb.new_draft_id();
    s.mb.drafts.push(crate::gmail::store::Draft {
        id: draft_id,
        message_id,
    });
    s.mb
}
