//! Category names and descriptions in the reader's language, for every template that shows them.

use crate::store::{Category, TopicRow};
use crate::web::Lang;

/// Names in the reader's language, for templates.
pub trait Localized {
    fn name(&self, lang: &Lang) -> &str;
}

impl Localized for Category {
    fn name(&self, lang: &Lang) -> &str {
        if *lang == Lang::En { &self.name_en } else { &self.name_vi }
    }
}

impl Localized for TopicRow {
    fn name(&self, lang: &Lang) -> &str {
        if *lang == Lang::En { &self.category_name_en } else { &self.category_name_vi }
    }
}

impl Category {
    pub fn description(&self, lang: &Lang) -> &str {
        if *lang == Lang::En { &self.description_en } else { &self.description_vi }
    }
}
