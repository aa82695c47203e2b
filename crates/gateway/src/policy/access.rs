//! Who gets which tools: the first `[[access]]` rule naming a person (by
//! address, `*`, or a `[groups]` list) narrows what the gateway offers
//! (`TOOLS`, `READ_ONLY`, `SERVICES`) for them. A person no rule names gets
//! the gateway's whole offer. Tools a person may not use are neither listed
//! nor callable; the gateway's own tools (`whoami`, `server_info`) always are.

use super::{AccessRule, Policy, Refusal, ToolSet};
use crate::catalog::{CATALOG, SEARCH_TOOLS, Selection, Service, ToolSpec, scopes_of, spec_of};

impl Policy {
    /// The access rule that applies to `email`, if any.
    pub fn rule_for(&self, email: &str) -> Option<&AccessRule> {
        if self.access.is_empty() {
            return None;
        }
        let email = email.trim().to_ascii_lowercase();
        self.access.iter().find(|rule| {
            rule.users.iter().any(|u| u == "*" || *u == email)
                || rule.groups.iter().any(|g| {
                    self.groups
                        .get(g)
                        .is_some_and(|members| members.contains(&email))
                })
        })
    }

    /// Why `email` may not use `spec`, if they may not.
    pub fn refuse_tool(&self, email: &str, spec: &ToolSpec) -> Option<Refusal> {
        let rule = self.rule_for(email)?;
        let why = rule.withholds(spec)?;
        Some(Refusal {
            rule: "access",
            message: format!(
                "Refused by the company policy (access rule \"{}\"): {} is not available to you ({why}). Use the tools your connection lists, or ask your administrator.",
                rule.name, spec.name
            ),
        })
    }

    /// Whether anyone may be outside every access rule (then the gateway's
    /// whole offer is in use).
    fn leaves_anyone_out(&self) -> bool {
        !self.access.iter().any(|r| r.users.iter().any(|u| u == "*"))
    }

    /// The Google scopes sign-in asks for: those of the tools anyone may use
    /// under this policy, within the gateway's offer. (Sign-in asks before it
    /// knows who signs in, so this is the union over the access rules.)
    pub fn google_scopes(&self, offer: &Selection) -> Vec<String> {
        if self.leaves_anyone_out() {
            return offer.google_scopes();
        }
        let mut scopes: Vec<String> = Vec::new();
        for rule in &self.access {
            let usable = CATALOG
                .iter()
                .filter(|spec| offer.offers(spec) && rule.withholds(spec).is_none());
            for scope in scopes_of(usable) {
                if !scopes.contains(&scope) {
                    scopes.push(scope);
                }
            }
        }
        scopes
    }
}

impl AccessRule {
    /// Why this rule withholds `spec` (`None`: it leaves it).
    pub fn withholds(&self, spec: &ToolSpec) -> Option<String> {
        if spec.service == Service::Gateway {
            return None;
        }
        if self.read_only && spec.writes {
            return Some("your access is read-only".to_owned());
        }
        if spec.service == Service::Workspace {
            let searchable = SEARCH_TOOLS
                .iter()
                .any(|(_, tool)| spec_of(tool).is_some_and(|s| self.withholds(s).is_none()));
            if !searchable {
                return Some("none of the services it searches is on for you".to_owned());
            }
        } else if let Some(services) = &self.services
            && !services.contains(&spec.service)
        {
            return Some(format!("{} is off for you", spec.service.as_str()));
        }
        match &self.tools {
            None => None,
            Some(ToolSet::Tier(tier)) if spec.tier <= *tier => None,
            Some(ToolSet::Tier(_)) => Some("it is not in your tool set".to_owned()),
            Some(ToolSet::Names(names)) if names.contains(&spec.name) => None,
            Some(ToolSet::Names(_)) => Some("it is not in your tool set".to_owned()),
        }
    }

    /// For `check-config`: who it names (counted) and what it leaves.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.users.iter().any(|u| u == "*") {
            parts.push("everyone".to_owned());
        } else if !self.users.is_empty() {
            parts.push(format!("{} addresses", self.users.len()));
        }
        if !self.groups.is_empty() {
            parts.push(format!("groups {}", self.groups.join(", ")));
        }
        match &self.tools {
            None => {}
            Some(ToolSet::Tier(t)) => parts.push(format!(
                "tools {}",
                match t {
                    crate::catalog::Tier::Core => "core",
                    crate::catalog::Tier::Extended => "extended",
                }
            )),
            Some(ToolSet::Names(n)) => parts.push(format!("tools {}", n.join(", "))),
        }
        if self.read_only {
            parts.push("read-only".to_owned());
        }
        if let Some(s) = &self.services {
            let names: Vec<&str> = s.iter().map(|s| s.as_str()).collect();
            parts.push(format!("services {}", names.join(", ")));
        }
        parts.join("; ")
    }
}
