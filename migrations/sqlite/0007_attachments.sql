-- Images and PDFs uploaded for posts. The bytes live under <data_dir>/attachments/ named by their
-- SHA-256 (never by anything a user chose); `file_name` is display text only.
CREATE TABLE attachments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    uploader_id        INTEGER NOT NULL REFERENCES users(id),
    kind               TEXT NOT NULL CHECK (kind IN ('image', 'pdf')),
    content_type       TEXT NOT NULL,
    file_name          TEXT NOT NULL,
    size_bytes         INTEGER NOT NULL,
    sha256             TEXT NOT NULL,
    width              INTEGER,
    height             INTEGER,
    thumb_sha256       TEXT,
    thumb_content_type TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX attachments_uploader ON attachments(uploader_id, created_at);

-- Which posts show an attachment: an attachment is served to those who may see one of them.
CREATE TABLE post_attachments (
    post_id       INTEGER NOT NULL REFERENCES posts(id),
    attachment_id INTEGER NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (post_id, attachment_id)
);
CREATE INDEX post_attachments_attachment ON post_attachments(attachment_id);
