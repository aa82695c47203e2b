//! The policy file as written (TOML), and its translation into a
//! [`Policy`](super::Policy). Every mistake is reported with the line it is
//! on: TOML syntax and unknown keys by the parser, meaning (an unknown tool,
//! service or group, a malformed address or domain) by [`compile`].

use std::{collections::BTreeMap, ops::Range};

use serde::Deserialize;
use toml::Spanned;

use super::{
    AccessRule, CalendarRules, DriveRules, External, ExternalRule, MailRules, Policy, ToolSet,
};
use crate::catalog::{Service, Tier, spec_of};

/// Most bytes a policy file may have (it is read at start and on every change).
pub const MAX_FILE_BYTES: usize = 256 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    mail: MailSection,
    #[serde(default)]
    drive: DriveSection,
    #[serde(default)]
    calendar: CalendarSection,
    #[serde(default)]
    groups: BTreeMap<String, Vec<Spanned<String>>>,
    #[serde(default)]
    access: Vec<AccessSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailSection {
    #[serde(default)]
    outbound: Option<Spanned<Outbound>>,
    #[serde(default)]
    allowed_domains: Vec<Spanned<String>>,
    #[serde(default)]
    max_attachment_mb: Option<Spanned<u32>>,
    #[serde(default)]
    daily_send_limit: Option<Spanned<u32>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Outbound {
    Allow,
    InternalOnly,
    ConfirmExternal,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Sharing {
    Allow,
    Deny,
    AllowDomains,
    Confirm,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DriveSection {
    #[serde(default)]
    external_sharing: Option<Spanned<Sharing>>,
    #[serde(default)]
    allowed_domains: Vec<Spanned<String>>,
    #[serde(default)]
    daily_share_limit: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarSection {
    #[serde(default)]
    external_guests: Option<Spanned<Sharing>>,
    #[serde(default)]
    allowed_domains: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessSection {
    name: Spanned<String>,
    #[serde(default)]
    users: Vec<Spanned<String>>,
    #[serde(default)]
    groups: Vec<Spanned<String>>,
    #[serde(default)]
    tools: Option<Spanned<ToolsValue>>,
    #[serde(default)]
    read_only: bool,
    #[serde(default)]
    services: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ToolsValue {
    Tier(String),
    Names(Vec<String>),
}

/// A policy file that cannot be used: what is wrong and on which line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn at(&self, span: Range<usize>, message: impl std::fmt::Display) -> PolicyError {
        let line = self.0[..span.start.min(self.0.len())].matches('\n').count() + 1;
        PolicyError(format!("line {line}: {message}"))
    }
}

/// Parses and checks a policy file; `company_domains` are the Workspace
/// domains allowed to sign in (always internal).
pub fn compile(text: &str, company_domains: &[String]) -> Result<Policy, PolicyError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(PolicyError(format!(
            "the file has {} bytes; a policy file may have at most {MAX_FILE_BYTES}",
            text.len()
        )));
    }
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim_end().to_owned();
        PolicyError(match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        })
    })?;
    let lines = Lines(text);
    let company: Vec<String> = company_domains
        .iter()
        .map(|d| d.to_ascii_lowercase())
        .collect();

    let mail = MailRules {
        outbound: ExternalRule {
            external: match file.mail.outbound.as_ref().map(|o| *o.get_ref()) {
                None | Some(Outbound::Allow) => External::Allow,
                Some(Outbound::InternalOnly) => External::Deny,
                Some(Outbound::ConfirmExternal) => External::Confirm,
            },
            setting: file
                .mail
                .outbound
                .as_ref()
                .map(|o| outbound_name(*o.get_ref()))
                .unwrap_or("allow"),
            allowed_domains: domains(&lines, &file.mail.allowed_domains)?,
        },
        max_attachment_bytes: positive(&lines, file.mail.max_attachment_mb.as_ref())?
            .map(|mb| u64::from(mb) * 1024 * 1024),
        daily_send_limit: positive(&lines, file.mail.daily_send_limit.as_ref())?,
    };
    let drive = DriveRules {
        external_sharing: sharing(
            &lines,
            file.drive.external_sharing.as_ref(),
            &file.drive.allowed_domains,
        )?,
        daily_share_limit: positive(&lines, file.drive.daily_share_limit.as_ref())?,
    };
    let calendar = CalendarRules {
        external_guests: sharing(
            &lines,
            file.calendar.external_guests.as_ref(),
            &file.calendar.allowed_domains,
        )?,
    };

    let mut groups = BTreeMap::new();
    for (name, members) in &file.groups {
        let mut out = Vec::new();
        for m in members {
            out.push(address(&lines, m)?);
        }
        groups.insert(name.clone(), out);
    }

    let mut access: Vec<AccessRule> = Vec::new();
    for a in &file.access {
        let name = a.name.get_ref().trim().to_owned();
        if name.is_empty() {
            return Err(lines.at(a.name.span(), "an access rule's `name` must not be empty"));
        }
        if access.iter().any(|r| r.name == name) {
            return Err(lines.at(
                a.name.span(),
                format!("two access rules are named {name:?}; names must differ"),
            ));
        }
        if a.users.is_empty() && a.groups.is_empty() {
            return Err(lines.at(
                a.name.span(),
                format!(
                    "access rule {name:?} names no `users` and no `groups`, so it applies to nobody (use users = [\"*\"] for everyone)"
                ),
            ));
        }
        let mut users = Vec::new();
        for u in &a.users {
            if u.get_ref().trim() == "*" {
                users.push("*".to_owned());
            } else {
                users.push(address(&lines, u)?);
            }
        }
        let mut rule_groups = Vec::new();
        for g in &a.groups {
            if !groups.contains_key(g.get_ref()) {
                return Err(lines.at(
                    g.span(),
                    format!(
                        "group {:?} is not defined under [groups] (defined: {})",
                        g.get_ref(),
                        listing(groups.keys())
                    ),
                ));
            }
            rule_groups.push(g.get_ref().clone());
        }
        let tools = match &a.tools {
            None => None,
            Some(t) => Some(tool_set(&lines, t)?),
        };
        let services = match &a.services {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for s in list {
                    let value = s.get_ref().trim().to_ascii_lowercase();
                    match Service::parse(&value) {
                        Some(x) => out.push(x),
                        None => {
                            return Err(lines.at(
                                s.span(),
                                format!(
                                    "{value:?} is not a service ({})",
                                    listing(Service::GOOGLE.iter().map(|s| s.as_str()))
                                ),
                            ));
                        }
                    }
                }
                Some(out)
            }
        };
        access.push(AccessRule {
            name,
            users,
            groups: rule_groups,
            tools,
            read_only: a.read_only,
            services,
        });
    }

    Ok(Policy {
        company_domains: company,
        mail,
        drive,
        calendar,
        groups,
        access,
    })
}

fn outbound_name(o: Outbound) -> &'static str {
    match o {
        Outbound::Allow => "allow",
        Outbound::InternalOnly => "internal_only",
        Outbound::ConfirmExternal => "confirm_external",
    }
}

fn sharing(
    lines: &Lines<'_>,
    setting: Option<&Spanned<Sharing>>,
    allowed: &[Spanned<String>],
) -> Result<ExternalRule, PolicyError> {
    let value = setting.map(|s| *s.get_ref()).unwrap_or(Sharing::Allow);
    let allowed_domains = domains(lines, allowed)?;
    if let (Sharing::AllowDomains, Some(s)) = (value, setting)
        && allowed_domains.is_empty()
    {
        return Err(lines.at(
            s.span(),
            "`allow_domains` needs a non-empty `allowed_domains` list in the same section",
        ));
    }
    Ok(ExternalRule {
        external: match value {
            Sharing::Allow => External::Allow,
            Sharing::Deny | Sharing::AllowDomains => External::Deny,
            Sharing::Confirm => External::Confirm,
        },
        setting: match value {
            Sharing::Allow => "allow",
            Sharing::Deny => "deny",
            Sharing::AllowDomains => "allow_domains",
            Sharing::Confirm => "confirm",
        },
        allowed_domains,
    })
}

fn positive(lines: &Lines<'_>, v: Option<&Spanned<u32>>) -> Result<Option<u32>, PolicyError> {
    match v {
        Some(n) if *n.get_ref() == 0 => Err(lines.at(
            n.span(),
            "must be at least 1 (leave the key out for no limit)",
        )),
        Some(n) => Ok(Some(*n.get_ref())),
        None => Ok(None),
    }
}

fn domains(lines: &Lines<'_>, list: &[Spanned<String>]) -> Result<Vec<String>, PolicyError> {
    let mut out = Vec::new();
    for d in list {
        let value = d.get_ref().trim().to_ascii_lowercase();
        if !is_domain(&value) {
            return Err(lines.at(
                d.span(),
                format!("{value:?} is not a domain name such as partner.example"),
            ));
        }
        out.push(value);
    }
    Ok(out)
}

fn address(lines: &Lines<'_>, s: &Spanned<String>) -> Result<String, PolicyError> {
    let value = s.get_ref().trim().to_ascii_lowercase();
    match value.split_once('@') {
        Some((local, domain)) if !local.is_empty() && is_domain(domain) => Ok(value),
        _ => Err(lines.at(
            s.span(),
            format!("{value:?} is not an email address such as someone@example.com"),
        )),
    }
}

fn is_domain(s: &str) -> bool {
    s.contains('.')
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn tool_set(lines: &Lines<'_>, t: &Spanned<ToolsValue>) -> Result<ToolSet, PolicyError> {
    match t.get_ref() {
        ToolsValue::Tier(tier) => match tier.trim() {
            "core" => Ok(ToolSet::Tier(Tier::Core)),
            "extended" | "all" => Ok(ToolSet::Tier(Tier::Extended)),
            other => Err(lines.at(
                t.span(),
                format!(
                    "tools = {other:?}: use \"core\", \"extended\", \"all\" or a list of tool names"
                ),
            )),
        },
        ToolsValue::Names(names) => {
            let mut out = Vec::new();
            for n in names {
                match spec_of(n.trim()) {
                    Some(spec) => out.push(spec.name),
                    None => {
                        return Err(lines.at(
                            t.span(),
                            format!("{n:?} is not a tool (the README lists every tool)"),
                        ));
                    }
                }
            }
            Ok(ToolSet::Names(out))
        }
    }
}

fn listing<'a>(items: impl Iterator<Item = impl AsRef<str> + 'a>) -> String {
    let all: Vec<String> = items.map(|s| s.as_ref().to_owned()).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}
