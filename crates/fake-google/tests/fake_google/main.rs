//! Integration tests: the fake served on loopback, driven over HTTP.

mod authorize;
mod helpers;
mod hooks;
mod keys;
mod tokens;
