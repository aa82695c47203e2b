//! Integration tests: the fake served on loopback, driven over HTTP.

mod api;
mod authorize;
mod calendar;
mod chat;
mod discovery;
mod discovery_comments;
mod discovery_settings;
mod discovery_sheets_format;
mod discovery_tasks;
mod discovery_workspace;
mod docs;
mod drive;
mod drive_write;
mod forms;
mod gmail;
mod gmail_write;
mod helpers;
mod hooks;
mod keys;
mod schema;
mod sheets;
mod slides;
mod tasks_people;
mod tokens;
