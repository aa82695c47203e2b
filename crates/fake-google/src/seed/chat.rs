//! The seeded Chat spaces: two spaces every user of a Workspace domain
//! shares ("Q4 Launch", with a thread and replies, and "Coffee Corner"),
//! and for each user a direct message with their first colleague. Times are
//! relative to the moment of seeding.

use chrono::{Duration, Utc};

use super::{colleagues, display_name};
use crate::chat::store::{ChatWorld, Member, Message, Space, SpaceType, message_id, new_id};
use crate::data::Person;

pub const SPACE_LAUNCH: &str = "Q4 Launch";
pub const SPACE_COFFEE: &str = "Coffee Corner";
/// The first message of the launch space's thread (replies follow it).
pub const LAUNCH_KICKOFF: &str = "Kick-off: the Q4 launch date is confirmed for the 14th.";
/// The first message of each user's direct message with a colleague.
pub const DM_HELLO: &str = "Hi! Do you have the latest pricing numbers?";

fn member(name: &str, email: &str) -> Member {
    Member {
        email: email.to_ascii_lowercase(),
        name: name.to_string(),
    }
}

/// `(sender, text, hours ago, reply to the message at this index)`.
type Row<'a> = (&'a Member, &'a str, i64, Option<usize>);

fn space(seed: &str, name: &str, kind: SpaceType, members: Vec<Member>, rows: &[Row]) -> Space {
    let now = Utc::now();
    let space_id = new_id(&format!("{seed}/space"));
    let mut messages: Vec<Message> = Vec::new();
    for (i, (sender, text, hours, reply_to)) in rows.iter().enumerate() {
        let id = message_id(&format!("{seed}/message/{i}"));
        let thread = match reply_to {
            Some(j) => messages[*j].thread.clone(),
            None => new_id(&format!("{seed}/thread/{i}")),
        };
        messages.push(Message {
            id,
            client_id: None,
            request_id: None,
            sender: (*sender).clone(),
            text: text.to_string(),
            thread,
            reply: reply_to.is_some(),
            created: now - Duration::hours(*hours) + Duration::seconds(i as i64),
        });
    }
    Space {
        name: format!("spaces/{space_id}"),
        display_name: name.to_string(),
        kind,
        members,
        domain: None,
        created: now - Duration::days(30),
        messages,
    }
}

/// Plants the domain's shared spaces and the user's own direct message,
/// each once.
pub(crate) fn plant(world: &mut ChatWorld, person: &Person) {
    if let Some(domain) = &person.hd
        && world.seeded.insert(domain.clone())
    {
        let mates: Vec<Member> = colleagues(&format!("team@{domain}"))
            .iter()
            .map(|c| member(&c.name, &c.email))
            .collect();
        let [a, b, c, d, ..] = &mates[..] else {
            unreachable!("six colleagues")
        };
        let seed = format!("{domain}/chat");
        let mut launch = space(
            &format!("{seed}/launch"),
            SPACE_LAUNCH,
            SpaceType::Space,
            mates.clone(),
            &[
                (a, LAUNCH_KICKOFF, 72, None),
                (
                    b,
                    "Great news. Marketing assets are due on the 7th.",
                    71,
                    Some(0),
                ),
                (c, "QA sign-off is planned for the 10th.", 70, Some(0)),
                (
                    d,
                    "Reminder: the launch checklist lives in the Team Drive.",
                    26,
                    None,
                ),
                (a, "Status meeting moved to Thursday 3pm.", 3, None),
            ],
        );
        launch.domain = Some(domain.clone());
        let mut coffee = space(
            &format!("{seed}/coffee"),
            SPACE_COFFEE,
            SpaceType::Space,
            mates.clone(),
            &[
                (c, "The new espresso machine on floor 2 works!", 50, None),
                (b, "Pastries in the kitchen, help yourselves.", 5, None),
            ],
        );
        coffee.domain = Some(domain.clone());
        world.spaces.extend([launch, coffee]);
    }
    if world.seeded.insert(person.email.clone()) {
        let me = member(&display_name(person), &person.email);
        let mate = colleagues(&person.email)
            .into_iter()
            .next()
            .map(|c| member(&c.name, &c.email))
            .expect("a colleague");
        let dm = space(
            &format!("{}/chat/dm", person.email),
            "",
            SpaceType::DirectMessage,
            vec![me.clone(), mate.clone()],
            &[
                (&mate, DM_HELLO, 20, None),
                (&me, "Yes, I'll send them after lunch.", 19, None),
                (&mate, "Thanks!", 19, None),
            ],
        );
        world.spaces.push(dm);
    }
}
