//! Confirmation before irreversible or outward actions: sending mail,
//! sharing a file outside the company, deleting an event with guests,
//! trashing more than ten messages, and whatever the company policy says to
//! confirm.
//!
//! - A client that can ask the person (it declares elicitation and speaks
//!   2026-07-28, where a tool call may answer "input required") is asked:
//!   the call returns an elicitation with the question, the client shows it
//!   and calls again with the answer. Accepted: the action goes on; declined
//!   or cancelled: nothing is done. The model's `confirm` does not count
//!   then: only the person's answer does.
//! - Any other client cannot be asked. The call's `confirm: true` is the
//!   model's word that the person agreed; `REQUIRE_CONFIRMATION=true` refuses
//!   such actions without it, and the result of an action done without any
//!   confirmation says so.
//!
//! The question's text is part of the answer's key, so an answer confirms
//! only the question it was given for: change the recipients and the person
//! is asked again.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::tools::{ToolCtx, ToolError, ToolResult};

/// What a call knows about asking its person.
#[derive(Debug, Clone, Default)]
pub struct Asking {
    /// The client can be sent an elicitation (input required).
    pub can_ask: bool,
    /// Answers of the previous round, by key.
    pub answers: BTreeMap<String, Value>,
    /// `REQUIRE_CONFIRMATION`.
    pub required: bool,
}

/// How an action was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// The person answered yes to the gateway's question.
    ByPerson,
    /// The call carried `confirm: true` (the client cannot ask).
    ByModel,
    /// Nobody confirmed (the client cannot ask, and confirmation is not required).
    No,
}

impl Confirmed {
    pub fn yes(self) -> bool {
        self != Confirmed::No
    }

    /// The note a result carries when the action was not confirmed.
    pub fn note(self) -> Option<String> {
        (self == Confirmed::No).then(|| {
            "Done without asking the person: this client cannot show a confirmation.".to_owned()
        })
    }
}

/// The answer key of `question`.
pub fn key(question: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    question.hash(&mut h);
    format!("confirm-{:016x}", h.finish())
}

impl ToolCtx {
    /// Asks the person `question` when the client can; else takes the call's
    /// `confirm`. A declined question is a tool error (nothing was done).
    pub fn ask(&self, question: &str, confirm: bool) -> ToolResult<Confirmed> {
        if !self.asking.can_ask {
            return Ok(if confirm {
                Confirmed::ByModel
            } else {
                Confirmed::No
            });
        }
        let key = key(question);
        match self.asking.answers.get(&key) {
            None => Err(ToolError::NeedsConfirmation {
                key,
                question: question.to_owned(),
            }),
            Some(answer) => {
                let accepted =
                    answer["action"] == "accept" && answer["content"]["confirm"] != false;
                if accepted {
                    Ok(Confirmed::ByPerson)
                } else {
                    Err(ToolError::Refused(format!(
                        "Not done: the person declined ({question}). Nothing was changed."
                    )))
                }
            }
        }
    }

    /// [`ToolCtx::ask`] for an action that `REQUIRE_CONFIRMATION` holds to a
    /// confirmation.
    pub fn confirm_action(&self, question: &str, confirm: bool) -> ToolResult<Confirmed> {
        let confirmed = self.ask(question, confirm)?;
        if self.asking.required && !confirmed.yes() {
            return Err(ToolError::Refused(format!(
                "Not done: this gateway acts only once the person confirms, and this client cannot ask them. Ask the person \"{question}\"; if they agree, make the same call again with confirm: true."
            )));
        }
        Ok(confirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_confirms_only_its_own_question() {
        assert_eq!(key("Send to a@x.com?"), key("Send to a@x.com?"));
        assert_ne!(key("Send to a@x.com?"), key("Send to b@x.com?"));
        assert!(key("q").starts_with("confirm-"));
    }
}
