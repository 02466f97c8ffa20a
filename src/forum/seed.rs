//! The standard categories, created on first start (with or without demo content).

use serde::Deserialize;

use crate::store::{NewCategory, Store, StoreError};

#[derive(Deserialize)]
struct File {
    category: Vec<CategorySeed>,
}

#[derive(Deserialize)]
struct CategorySeed {
    slug: String,
    name_vi: String,
    name_en: String,
    description_vi: String,
    description_en: String,
}

/// Creates the standard categories when the forum has none yet.
pub async fn ensure_categories(store: &Store) -> anyhow::Result<()> {
    if store.count_categories().await? > 0 {
        return Ok(());
    }
    let file: File = toml::from_str(include_str!("categories.toml"))?;
    for (position, c) in file.category.iter().enumerate() {
        let new = NewCategory {
            slug: &c.slug,
            name_vi: &c.name_vi,
            name_en: &c.name_en,
            description_vi: &c.description_vi,
            description_en: &c.description_en,
            position: position as i64,
        };
        match store.create_category(&new).await {
            // Another process starting on the same database at the same moment made it first.
            Ok(_) | Err(StoreError::Conflict) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}
