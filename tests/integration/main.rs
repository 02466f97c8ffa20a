//! Integration tests: the real app over HTTP, on SQLite always and PostgreSQL when
//! `TEST_DATABASE_URL` is set, plus a headless-Chromium journey.

mod common;

mod smoke;
mod browser;
mod a11y;
mod listing;
mod api;
mod cli;
mod pages;
mod xss;
mod search;
mod search_consistency;
mod import;
mod feeds;
mod guidance;
mod moderation;
mod moderation_matrix;
mod eval_cli;
mod oidc;
mod oauth_presets;
mod facebook_import;
mod attachments;
mod attachment_sweep;
mod backup;
mod tag_labels;
mod notify;
mod privacy;
mod engagement;
mod compose;
mod two_factor;
mod accounts;
mod two_factor_steps;
mod ministry;
mod concurrent_writes;
mod security;
mod security_content;
mod schemathesis;
mod scale;
mod scale_counts;
mod query_plans;
mod page_cache;
mod bad_paging;
