//! Integration tests: the real app over HTTP, on SQLite always and PostgreSQL when
//! `TEST_DATABASE_URL` is set, plus a headless-Chromium journey.

mod common;

mod a11y;
mod accounts;
mod api;
mod architecture;
mod attachment_sweep;
mod attachments;
mod backup;
mod bad_paging;
mod browser;
mod cli;
mod compose;
mod concurrent_writes;
mod engagement;
mod eval_cli;
mod facebook_import;
mod feeds;
mod guidance;
mod import;
mod listing;
mod ministry;
mod moderation;
mod moderation_matrix;
mod notify;
mod oauth_presets;
mod oidc;
mod ops;
mod page_cache;
mod pages;
mod privacy;
mod query_plans;
mod scale;
mod scale_counts;
mod schemathesis;
mod search;
mod search_consistency;
mod security;
mod security_content;
mod signup;
mod smoke;
mod tag_labels;
mod two_factor;
mod two_factor_steps;
mod xss;
