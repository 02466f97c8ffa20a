//! Photos present in a Download Your Information export become attachments of the imported
//! topic: each goes through the same checks and store as an upload (`attachments::store_upload`:
//! type by content, image limits, re-encoding without EXIF/GPS, files by hash under the data
//! dir), owned by the post's placeholder author, and its Markdown line is added to the body.
//! Media missing from the export, or refused by the checks, are listed in the report; neither
//! stops the import. After the run, each imported topic is linked to its attachments so they are
//! served to whoever may see the topic.

use std::path::PathBuf;

use super::Post;
use super::layouts::Export;
use crate::accounts::DisplayName;
use crate::import::{DEFAULT_AUTHOR, Record, SourceId, placeholder_email};
use crate::store::Store;
use crate::web::i18n::{Catalogs, Lang};

/// Where photos go, and the largest accepted (the site's upload settings).
pub struct Photos {
    pub uploads_dir: PathBuf,
    pub max_bytes: u64,
    catalogs: Catalogs,
    /// (topic source id, author id, attachment ids) to link once the topics are written.
    pending: Vec<(String, i64, Vec<i64>)>,
    pub imported: u64,
    /// (uri, why) for present media that could not be imported.
    pub refused: Vec<(String, String)>,
}

impl Photos {
    pub fn new(uploads_dir: PathBuf, max_bytes: u64) -> anyhow::Result<Self> {
        Ok(Self { uploads_dir, max_bytes, catalogs: Catalogs::load()?, pending: Vec::new(), imported: 0, refused: Vec::new() })
    }

    /// Stores the post's media that are in the export and adds them to the record's body.
    pub async fn attach(&mut self, store: &Store, export: &Export, post: &Post, record: &mut Record) -> anyhow::Result<()> {
        let present: Vec<&str> = post.media.iter().filter(|(_, here)| *here).map(|(uri, _)| uri.as_str()).collect();
        let (Some(author_id), Some(SourceId::Text(source_id))) = (self.author(store, post, present.len()).await?, &record.source_id) else {
            return Ok(());
        };
        let mut ids = Vec::new();
        for uri in present {
            match self.store_one(store, export, author_id, uri).await {
                Ok(stored) => {
                    let body = record.body.get_or_insert_with(String::new);
                    body.push_str(if body.is_empty() { "" } else { "\n\n" });
                    body.push_str(&stored.markdown);
                    ids.push(stored.id);
                }
                Err(reason) => self.refused.push((uri.to_string(), reason)),
            }
        }
        self.imported += ids.len() as u64;
        if !ids.is_empty() {
            self.pending.push((source_id.clone(), author_id, ids));
        }
        Ok(())
    }

    /// The placeholder account the importer will use for this post's author (the same one: same
    /// name, same email), when there is anything to store.
    async fn author(&self, store: &Store, post: &Post, media: usize) -> anyhow::Result<Option<i64>> {
        if media == 0 {
            return Ok(None);
        }
        let Ok(name) = DisplayName::parse(post.author.as_deref().unwrap_or(DEFAULT_AUTHOR)) else { return Ok(None) };
        Ok(store.placeholder_user(&placeholder_email(name.as_str()), name.as_str()).await?)
    }

    async fn store_one(&self, store: &Store, export: &Export, author_id: i64, uri: &str) -> Result<crate::attachments::Stored, String> {
        let bytes = export.read_media(uri, self.max_bytes).map_err(|e| format!("{e:#}"))?;
        let name = uri.rsplit('/').next().unwrap_or(uri);
        crate::attachments::store_upload(store, &self.uploads_dir, self.max_bytes, author_id, name, bytes)
            .await
            .map_err(|e| self.catalogs.format(Lang::En, &e.message()))
    }

    /// Links every imported topic to its attachments (a topic skipped by the import stays unlinked:
    /// its attachments are then served to nobody but moderators).
    pub async fn link(&mut self, store: &Store) -> anyhow::Result<()> {
        for (source_id, author_id, ids) in self.pending.drain(..) {
            if let Some(post_id) = store.opening_post_by_source(&source_id).await? {
                store.link_attachments(post_id, author_id, &ids).await?;
            }
        }
        Ok(())
    }
}
