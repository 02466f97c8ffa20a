//! Integration tests: the real app over HTTP, on SQLite always and PostgreSQL when
//! `TEST_DATABASE_URL` is set, plus a headless-Chromium journey.

mod common;

mod smoke;
