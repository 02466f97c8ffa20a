//! Attachments (images and PDFs) and the posts that show them.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult, on_pool};

/// Links a post to the attachments its Markdown shows, inside the caller's transaction (the
/// post's own), so a post never stands without its files nor a link without its post. Only the
/// author's own uploads may be linked (a post cannot make someone else's private upload public):
/// any other id makes the whole write fail with `Refused`. Evaluates to `StoreResult<()>`.
macro_rules! link_post_attachments {
    ($tx:expr, $post_id:expr, $author_id:expr, $ids:expr) => {
        async {
            let (post_id, author_id, ids): (i64, i64, &[i64]) = ($post_id, $author_id, $ids);
            for id in ids {
                sqlx::query(
                    "INSERT INTO post_attachments (post_id, attachment_id) \
                             SELECT $1, id FROM attachments WHERE id = $2 AND uploader_id = $3 ON CONFLICT DO NOTHING",
                )
                .bind(post_id)
                .bind(id)
                .bind(author_id)
                .execute(&mut *$tx)
                .await?;
                let linked: bool =
                    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM post_attachments WHERE post_id = $1 AND attachment_id = $2)")
                        .bind(post_id)
                        .bind(id)
                        .fetch_one(&mut *$tx)
                        .await?;
                if !linked {
                    return Err($crate::store::StoreError::Refused("error.attachment.not_yours"));
                }
            }
            Ok::<_, $crate::store::StoreError>(())
        }
        .await
    };
}
pub(super) use link_post_attachments;

/// An attachment as stored; the bytes are in the data dir under `sha256`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub uploader_id: i64,
    pub kind: String,
    pub content_type: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumb_sha256: Option<String>,
    pub thumb_content_type: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a new attachment row holds (the id and time are given by the store).
pub struct NewAttachment<'a> {
    pub uploader_id: i64,
    pub kind: &'a str,
    pub content_type: &'a str,
    pub file_name: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumb_sha256: Option<&'a str>,
    pub thumb_content_type: Option<&'a str>,
}

/// An attachment no post shows: what the sweep needs to remove it and its files.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnlinkedAttachment {
    pub id: i64,
    pub uploader_id: i64,
    pub sha256: String,
    pub thumb_sha256: Option<String>,
}

const SELECT_ONE: &str = "SELECT id, uploader_id, kind, content_type, file_name, size_bytes, sha256, width, height, \
                          thumb_sha256, thumb_content_type, created_at FROM attachments WHERE id = $1";

impl Store {
    pub async fn create_attachment(&self, a: &NewAttachment<'_>) -> StoreResult<i64> {
        let sql = "INSERT INTO attachments (uploader_id, kind, content_type, file_name, size_bytes, sha256, width, \
                   height, thumb_sha256, thumb_content_type, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(a.uploader_id).bind(a.kind).bind(a.content_type).bind(a.file_name).bind(a.size_bytes)
            .bind(a.sha256).bind(a.width).bind(a.height).bind(a.thumb_sha256).bind(a.thumb_content_type)
            .bind(Utc::now())
            .fetch_one(pool).await?);
        Ok(id)
    }

    pub async fn attachment(&self, id: i64) -> StoreResult<AttachmentRow> {
        let row = on_pool!(self, pool => sqlx::query_as(SELECT_ONE).bind(id).fetch_one(pool).await?);
        Ok(row)
    }

    /// Whether `viewer_id` (0 for a visitor) may see one of the posts that show the attachment:
    /// a public post, or their own post that is not deleted. `None` when no post shows it yet.
    pub async fn attachment_post_visible(&self, id: i64, viewer_id: i64) -> StoreResult<Option<bool>> {
        let sql = "SELECT \
              EXISTS (SELECT 1 FROM post_attachments WHERE attachment_id = $1) AS linked, \
              EXISTS (SELECT 1 FROM post_attachments pa JOIN posts p ON p.id = pa.post_id \
                      JOIN topics t ON t.id = p.topic_id \
                      WHERE pa.attachment_id = $1 AND p.deleted_at IS NULL AND t.deleted_at IS NULL \
                        AND ((p.status = 'published' AND t.status = 'published') OR p.author_id = $2)) AS visible";
        let (linked, visible): (bool, bool) = on_pool!(self, pool => sqlx::query_as(sql).bind(id).bind(viewer_id).fetch_one(pool).await?);
        Ok(linked.then_some(visible))
    }

    /// Records that `post_id` shows these attachments; only the author's own uploads are linked
    /// (a post cannot make someone else's private upload public). Used by the Facebook importer,
    /// whose posts are written first; posts written here link in their own transaction
    /// ([`link_post_attachments!`]).
    pub async fn link_attachments(&self, post_id: i64, author_id: i64, ids: &[i64]) -> StoreResult<()> {
        let sql = "INSERT INTO post_attachments (post_id, attachment_id) \
                   SELECT $1, id FROM attachments WHERE id = $2 AND uploader_id = $3 \
                   ON CONFLICT DO NOTHING";
        for id in ids {
            on_pool!(self, pool => sqlx::query(sql).bind(post_id).bind(id).bind(author_id).execute(pool).await.map(|_| ())?);
        }
        Ok(())
    }

    /// Uploads by one member since `since`, for the upload rate limit.
    pub async fn attachments_by_uploader_since(&self, uploader_id: i64, since: DateTime<Utc>) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM attachments WHERE uploader_id = $1 AND created_at > $2";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(uploader_id).bind(since).fetch_one(pool).await?);
        Ok(n)
    }

    /// How many attachment rows name this file (by content hash), as original or thumbnail.
    pub async fn attachment_files_named(&self, sha256: &str) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM attachments WHERE sha256 = $1 OR thumb_sha256 = $1";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(sha256).fetch_one(pool).await?);
        Ok(n)
    }

    /// The same file sent again by the same member under the same name (a form sent twice, an
    /// import run again): the existing attachment is reused instead of adding a row.
    pub async fn same_attachment(&self, uploader_id: i64, sha256: &str, file_name: &str) -> StoreResult<Option<i64>> {
        let sql = "SELECT id FROM attachments WHERE uploader_id = $1 AND sha256 = $2 AND file_name = $3 ORDER BY id LIMIT 1";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql).bind(uploader_id).bind(sha256).bind(file_name).fetch_optional(pool).await?);
        Ok(id)
    }

    /// The opening post of the topic imported with this `source_id`, if it was imported.
    pub async fn opening_post_by_source(&self, source_id: &str) -> StoreResult<Option<i64>> {
        let sql = "SELECT p.id FROM posts p JOIN topics t ON t.id = p.topic_id WHERE t.source_id = $1 AND p.position = 1";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql).bind(source_id).fetch_optional(pool).await?);
        Ok(id)
    }

    /// Up to `limit` attachments after id `after_id`, uploaded before `before`, that no post
    /// shows, by id.
    pub async fn unlinked_attachments_after(
        &self,
        after_id: i64,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<UnlinkedAttachment>> {
        let sql = "SELECT a.id, a.uploader_id, a.sha256, a.thumb_sha256 FROM attachments a \
                   WHERE a.id > $1 AND a.created_at < $2 \
                     AND NOT EXISTS (SELECT 1 FROM post_attachments pa WHERE pa.attachment_id = a.id) \
                   ORDER BY a.id LIMIT $3";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(after_id).bind(before).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Deletes an attachment row if still no post shows it (a post may have linked it since it
    /// was listed); whether it was deleted.
    pub async fn delete_unlinked_attachment(&self, id: i64) -> StoreResult<bool> {
        let sql = "DELETE FROM attachments WHERE id = $1 \
                   AND NOT EXISTS (SELECT 1 FROM post_attachments WHERE attachment_id = $1)";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(id).execute(pool).await?.rows_affected());
        Ok(done == 1)
    }

    pub async fn count_attachments(&self) -> StoreResult<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM attachments").fetch_one(pool).await?);
        Ok(n)
    }
}
