//! A user's calendars and their events.

#[derive(Default)]
pub struct CalendarSet {}
