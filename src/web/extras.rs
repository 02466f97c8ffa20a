//! Parts of a page that another feature adds, through a hook the page's owner calls without
//! importing that feature (which imports the page's owner: a direct call would close a cycle).
//! `lib::router` plugs the features in; until then nothing is added.

use std::future::Future;
use std::pin::Pin;

use crate::app::AppState;
use crate::web::Page;

/// HTML made by a template of the feature (so escaped), or empty.
pub type Fragment<'a> = Pin<Box<dyn Future<Output = String> + Send + 'a>>;

pub trait PageExtras: Send + Sync {
    /// Shown on a topic page under its title.
    fn topic<'a>(&'a self, state: &'a AppState, page: &'a Page, topic_id: i64) -> Fragment<'a>;
    /// Shown on the home page (`category_id` None) and on a category's page.
    fn listing<'a>(&'a self, state: &'a AppState, page: &'a Page, category_id: Option<i64>) -> Fragment<'a>;
}

/// Adds nothing.
pub struct NoExtras;

impl PageExtras for NoExtras {
    fn topic<'a>(&'a self, _: &'a AppState, _: &'a Page, _: i64) -> Fragment<'a> {
        Box::pin(async { String::new() })
    }

    fn listing<'a>(&'a self, _: &'a AppState, _: &'a Page, _: Option<i64>) -> Fragment<'a> {
        Box::pin(async { String::new() })
    }
}
