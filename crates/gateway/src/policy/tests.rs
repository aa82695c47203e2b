use super::{file::compile, *};
use crate::catalog::{Selection, spec_of};

const COMPANY: &[&str] = &["example.com"];

fn policy(text: &str) -> Policy {
    compile(text, &company()).unwrap_or_else(|e| panic!("{e}"))
}

fn company() -> Vec<String> {
    COMPANY.iter().map(|s| (*s).to_owned()).collect()
}

fn error(text: &str) -> String {
    compile(text, &company()).unwrap_err().0
}

const FULL: &str = r#"
[mail]
outbound = "internal_only"
allowed_domains = ["partner.example"]
max_attachment_mb = 1
daily_send_limit = 20

[drive]
external_sharing = "confirm"
daily_share_limit = 5

[calendar]
external_guests = "allow_domains"
allowed_domains = ["partner.example"]

[groups]
contractors = ["Bob@Example.com", "carol@example.com"]

[[access]]
name = "contractors"
groups = ["contractors"]
tools = "core"
read_only = true
services = ["gmail", "calendar"]

[[access]]
name = "everyone"
users = ["*"]
tools = "extended"
"#;

#[test]
fn an_empty_file_is_no_policy_and_allows_everything() {
    let p = policy("# nothing yet\n");
    assert!(p.is_empty());
    let outside = vec!["x@other.example".to_owned()];
    assert!(p.check_mail(&outside, 50 << 20, false).is_ok());
    assert!(p.check_share("x@other.example", false).is_ok());
    assert!(p.check_guests(&outside, false).is_ok());
    assert!(p.rule_for("bob@example.com").is_none());
}

#[test]
fn outbound_mail_internal_only_names_the_rule_and_who_is_outside() {
    let p = policy(FULL);
    let ok = vec![
        "a@example.com".to_owned(),
        "Pat <p@partner.example>".to_owned(),
    ];
    assert!(p.check_mail(&ok, 0, false).is_ok());
    let r = p
        .check_mail(&["a@example.com".into(), "x@other.example".into()], 0, true)
        .unwrap_err();
    assert_eq!(r.rule, "mail.outbound");
    assert!(
        r.message.contains("mail.outbound = internal_only"),
        "{}",
        r.message
    );
    assert!(
        r.message.contains("x@other.example is outside"),
        "{}",
        r.message
    );
    // A subdomain is another domain.
    assert!(
        p.check_mail(&["a@evil.example.com".into()], 0, false)
            .is_err()
    );
}

#[test]
fn confirmations_and_attachment_caps() {
    let p = policy(
        "[mail]\noutbound = \"confirm_external\"\nmax_attachment_mb = 2\n[calendar]\nexternal_guests = \"confirm\"\n",
    );
    let outside = vec!["x@other.example".to_owned()];
    let r = p.check_mail(&outside, 0, false).unwrap_err();
    assert!(r.message.contains("confirm: true"), "{}", r.message);
    assert!(p.check_mail(&outside, 0, true).is_ok());
    let r = p.check_mail(&[], 3 << 20, true).unwrap_err();
    assert_eq!(r.rule, "mail.max_attachment_mb");
    assert!(r.message.contains("3.0 MB"), "{}", r.message);
    assert!(p.check_mail(&[], 2 << 20, true).is_ok());
    assert_eq!(
        p.check_guests(&outside, false).unwrap_err().rule,
        "calendar.external_guests"
    );
    assert!(p.check_guests(&outside, true).is_ok());
}

#[test]
fn sharing_and_guests_follow_their_sections() {
    let p = policy(FULL);
    let r = p.check_share("x@other.example", false).unwrap_err();
    assert_eq!(r.rule, "drive.external_sharing");
    assert!(p.check_share("x@other.example", true).is_ok());
    assert!(p.check_share("colleague@example.com", false).is_ok());
    assert!(p.check_guests(&["p@partner.example".into()], false).is_ok());
    let r = p
        .check_guests(&["x@other.example".into()], true)
        .unwrap_err();
    assert!(
        r.message
            .contains("calendar.external_guests = allow_domains")
    );
    let deny = policy("[drive]\nexternal_sharing = \"deny\"\n");
    assert!(deny.check_share("x@other.example", true).is_err());
}

#[test]
fn the_first_access_rule_naming_a_person_applies() {
    let p = policy(FULL);
    let bob = p.rule_for("bob@example.com").unwrap();
    assert_eq!(bob.name, "contractors");
    assert_eq!(p.rule_for("dana@example.com").unwrap().name, "everyone");
    let spec = |n| spec_of(n).unwrap();
    // Read-only, core, Gmail and Calendar only.
    assert!(bob.withholds(spec("gmail_search")).is_none());
    assert!(
        bob.withholds(spec("gmail_send"))
            .unwrap()
            .contains("read-only")
    );
    assert!(
        bob.withholds(spec("drive_search"))
            .unwrap()
            .contains("drive is off")
    );
    assert!(bob.withholds(spec("gmail_list_labels")).is_some());
    assert!(bob.withholds(spec("whoami")).is_none());
    let r = p
        .refuse_tool("BOB@example.com", spec("gmail_send"))
        .unwrap();
    assert_eq!(r.rule, "access");
    assert!(
        r.message.contains("access rule \"contractors\""),
        "{}",
        r.message
    );
    assert!(
        p.refuse_tool("dana@example.com", spec("gmail_send"))
            .is_none()
    );
}

#[test]
fn sign_in_asks_only_for_scopes_someone_may_use() {
    let offer = Selection::parse(Some("all"), None, None).unwrap();
    let none = policy("");
    assert_eq!(none.google_scopes(&offer), offer.google_scopes());
    let everyone_reads = policy(
        "[[access]]\nname = \"all\"\nusers = [\"*\"]\nread_only = true\nservices = [\"gmail\"]\n",
    );
    let scopes = everyone_reads.google_scopes(&offer);
    assert_eq!(scopes, vec![crate::catalog::GMAIL_READONLY.to_owned()]);
    // A rule for some leaves the others the whole offer.
    let some = policy("[[access]]\nname = \"r\"\nusers = [\"a@example.com\"]\nread_only = true\n");
    assert_eq!(some.google_scopes(&offer), offer.google_scopes());
}

#[test]
fn mistakes_name_their_line() {
    let cases = [
        ("[mail]\noutbound = \"sometimes\"\n", "line 2", "sometimes"),
        ("[mail]\n\nmax_attachment_mb = 0\n", "line 3", "at least 1"),
        (
            "[drive]\nexternal_sharing = \"allow_domains\"\n",
            "line 2",
            "allowed_domains",
        ),
        (
            "[calendar]\nallowed_domains = [\"not a domain\"]\n",
            "line 2",
            "not a domain",
        ),
        ("[mail]\noutbond = \"allow\"\n", "line 2", "outbond"),
        (
            "[groups]\nx = [\"nobody\"]\n",
            "line 2",
            "not an email address",
        ),
        (
            "[[access]]\nname = \"a\"\ngroups = [\"ghosts\"]\n",
            "line 3",
            "group \"ghosts\" is not defined",
        ),
        (
            "[[access]]\nname = \"a\"\nusers = [\"*\"]\ntools = [\"gmail_search\", \"gmail_nope\"]\n",
            "line 4",
            "gmail_nope",
        ),
        (
            "[[access]]\nname = \"a\"\nusers = [\"*\"]\nservices = [\"fax\"]\n",
            "line 4",
            "\"fax\" is not a service",
        ),
        ("[[access]]\nname = \"a\"\n", "line 2", "applies to nobody"),
        (
            "[[access]]\nname = \"a\"\nusers = [\"*\"]\n[[access]]\nname = \"a\"\nusers = [\"*\"]\n",
            "line 5",
            "two access rules",
        ),
        ("[mail\n", "line 1", ""),
    ];
    for (text, line, words) in cases {
        let e = error(text);
        assert!(e.starts_with(line), "{text:?}: {e}");
        assert!(e.contains(words), "{text:?}: {e}");
    }
}

#[test]
fn check_config_counts_group_members_without_listing_them() {
    let described = policy(FULL).describe();
    let text = format!("{described:?}");
    assert!(!text.contains("bob@example.com"), "{text}");
    assert!(text.contains("2 members"), "{text}");
    assert!(text.contains("read-only"), "{text}");
}

#[test]
fn a_reload_keeps_the_last_good_policy_when_the_file_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "[mail]\noutbound = \"internal_only\"\n").unwrap();
    let (first, text) = reload::load(&path, &company()).unwrap();
    let handle = PolicyHandle::new(first);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let stop = tokio_util::sync::CancellationToken::new();
        let task = reload::spawn(
            reload::Watch {
                handle: handle.clone(),
                path: path.clone(),
                company_domains: company(),
                text,
                every: std::time::Duration::from_millis(50),
            },
            stop.clone(),
        );
        let settle = || tokio::time::sleep(std::time::Duration::from_millis(400));
        std::fs::write(&path, "[mail]\noutbound = \"not a setting\"\n").unwrap();
        settle().await;
        assert_eq!(handle.current().mail.outbound.setting, "internal_only");
        std::fs::write(&path, "[mail]\noutbound = \"confirm_external\"\n").unwrap();
        settle().await;
        assert_eq!(handle.current().mail.outbound.setting, "confirm_external");
        std::fs::remove_file(&path).unwrap();
        settle().await;
        assert_eq!(handle.current().mail.outbound.setting, "confirm_external");
        stop.cancel();
        task.await.unwrap();
    });
}
