//! Checks on outward actions: mail to, files shared with, and events with
//! people outside the company. An address is internal when its domain is one
//! of the company's (`ALLOWED_DOMAIN`) or in the rule's `allowed_domains`
//! (exact match: a subdomain is another domain).
//!
//! Structural guarantees no rule is needed for: no tool creates a public
//! ("anyone with the link") or domain-wide link and none transfers
//! ownership (`drive_share` offers users and groups as readers, commenters or
//! writers only; `tests` below hold the tool to it).

use super::{External, ExternalRule, Policy, Refusal};

/// What an outward check is about, for its messages.
struct Action {
    rule: &'static str,
    key: &'static str,
    what: &'static str,
}

const MAIL: Action = Action {
    rule: "mail.outbound",
    key: "mail.outbound",
    what: "mail to",
};
const SHARE: Action = Action {
    rule: "drive.external_sharing",
    key: "drive.external_sharing",
    what: "sharing with",
};
const GUESTS: Action = Action {
    rule: "calendar.external_guests",
    key: "calendar.external_guests",
    what: "inviting",
};

impl Policy {
    /// Mail to `recipients` with `attachment_bytes` of attachments.
    pub fn check_mail(
        &self,
        recipients: &[String],
        attachment_bytes: u64,
        confirmed: bool,
    ) -> Result<(), Refusal> {
        if let Some(max) = self.mail.max_attachment_bytes
            && attachment_bytes > max
        {
            return Err(Refusal {
                rule: "mail.max_attachment_mb",
                message: format!(
                    "Refused by the company policy (mail.max_attachment_mb = {}): the attachments total {:.1} MB. Share large files from Drive and send the link instead.",
                    max / (1024 * 1024),
                    attachment_bytes as f64 / (1024.0 * 1024.0)
                ),
            });
        }
        self.check_external(&MAIL, &self.mail.outbound, recipients, confirmed)
    }

    /// Sharing a file with `grantee` (a person's or a group's address).
    pub fn check_share(&self, grantee: &str, confirmed: bool) -> Result<(), Refusal> {
        self.check_external(
            &SHARE,
            &self.drive.external_sharing,
            &[grantee.to_owned()],
            confirmed,
        )
    }

    /// Whether `address` is in one of the company's domains.
    pub fn inside_company(&self, address: &str) -> bool {
        let address = address_of(address);
        domain_of(&address).is_some_and(|d| self.company_domains.iter().any(|c| c == d))
    }

    /// The company's domains, for questions and messages.
    pub fn company(&self) -> String {
        self.company_domains.join(", ")
    }

    /// Whether inviting `guests` needs the person's confirmation under
    /// `calendar.external_guests = confirm`.
    pub fn guests_need_confirmation(&self, guests: &[String]) -> bool {
        self.calendar.external_guests.external == External::Confirm
            && self.check_guests(guests, false).is_err()
    }

    /// An event with `guests`.
    pub fn check_guests(&self, guests: &[String], confirmed: bool) -> Result<(), Refusal> {
        self.check_external(&GUESTS, &self.calendar.external_guests, guests, confirmed)
    }

    fn check_external(
        &self,
        action: &Action,
        rule: &ExternalRule,
        addresses: &[String],
        confirmed: bool,
    ) -> Result<(), Refusal> {
        if rule.external == External::Allow {
            return Ok(());
        }
        let internal: Vec<&str> = self
            .company_domains
            .iter()
            .chain(&rule.allowed_domains)
            .map(String::as_str)
            .collect();
        let outside: Vec<String> = addresses
            .iter()
            .map(|a| address_of(a))
            .filter(|a| !domain_of(a).is_some_and(|d| internal.contains(&d)))
            .collect();
        if outside.is_empty() {
            return Ok(());
        }
        let (key, setting) = (action.key, rule.setting);
        let (list, domains) = (shown(&outside), internal.join(", "));
        match rule.external {
            External::Allow => Ok(()),
            External::Confirm if confirmed => Ok(()),
            External::Confirm => Err(Refusal {
                rule: action.rule,
                message: format!(
                    "Not done: the company policy ({key} = {setting}) asks the person to confirm {} people outside {domains}: {list}. Ask them; if they agree, make the same call again with confirm: true.",
                    action.what
                ),
            }),
            External::Deny => Err(Refusal {
                rule: action.rule,
                message: format!(
                    "Refused by the company policy ({key} = {setting}): {list} {} outside {domains}. Keep to addresses in those domains, or ask your administrator to allow the domain.",
                    if outside.len() == 1 { "is" } else { "are" }
                ),
            }),
        }
    }
}

/// The bare address of `Name <a@x.com>` or `a@x.com`, lowercase.
pub fn address_of(raw: &str) -> String {
    let raw = raw.trim();
    let inner = match (raw.rfind('<'), raw.rfind('>')) {
        (Some(open), Some(close)) if open < close => &raw[open + 1..close],
        _ => raw,
    };
    inner.trim().to_ascii_lowercase()
}

/// The domain of a bare address.
fn domain_of(address: &str) -> Option<&str> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

/// At most five addresses, then a count.
pub fn shown(addresses: &[String]) -> String {
    let mut out = addresses
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if addresses.len() > 5 {
        out.push_str(&format!(" and {} more", addresses.len() - 5));
    }
    out
}
