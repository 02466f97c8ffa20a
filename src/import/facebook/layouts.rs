//! Where the posts are in what a member downloaded: a folder, a .zip of it, or one JSON file.
//!
//! Download Your Information has moved its group files over the years (`groups/`,
//! `your_activity_across_facebook/groups/`, `your_facebook_activity/groups/`); any folder named
//! `groups` holding one of the known file names is read. A JSON file outside such a folder is
//! read as a Graph API group-feed dump (`data[]`). Nothing is ever extracted: zip entries are
//! read in place, and an entry whose name climbs out (`..`) or is absolute is refused.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

/// The file names Download Your Information has used for group posts and comments.
pub const POST_FILES: [&str; 2] = ["group_posts_and_comments.json", "your_posts_in_groups.json"];
pub const COMMENT_FILES: [&str; 1] = ["your_comments_in_groups.json"];

/// An export: the files to read, in order, and what was refused while listing them.
pub struct Export {
    location: Location,
    pub files: Vec<Entry>,
    /// Names of every file in the export (relative, `/`-separated), to tell which media are present.
    pub names: std::collections::HashSet<String>,
    /// (entry name, reason) for entries not read.
    pub refused: Vec<(String, String)>,
}

enum Location {
    Folder(PathBuf),
    Zip(PathBuf),
    File(PathBuf),
}

/// One JSON file to read: its name inside the export and its (uncompressed) size.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub len: u64,
}

impl Export {
    /// Lists what `path` holds. Fails when it cannot be read at all.
    pub fn open(path: &Path) -> anyhow::Result<Export> {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut export =
            Export { location: Location::File(path.to_path_buf()), files: Vec::new(), names: Default::default(), refused: Vec::new() };
        if meta.is_dir() {
            export.location = Location::Folder(path.to_path_buf());
            export.list_folder(path, "")?;
        } else if is_zip(path)? {
            export.location = Location::Zip(path.to_path_buf());
            export.list_zip(path)?;
        } else {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            export.files.push(Entry { name, len: meta.len() });
        }
        export.files.sort_by(|a, b| order(&a.name).cmp(&order(&b.name)).then(a.name.cmp(&b.name)));
        Ok(export)
    }

    /// Total bytes of the JSON files, for the progress bar.
    pub fn total_len(&self) -> u64 {
        self.files.iter().map(|f| f.len).sum()
    }

    /// Calls `read` with each file's contents as a stream, in order.
    pub fn for_each_file(&self, mut read: impl FnMut(&Entry, &mut dyn Read) -> anyhow::Result<()>) -> anyhow::Result<()> {
        match &self.location {
            Location::File(path) => {
                let mut file = BufReader::with_capacity(256 * 1024, File::open(path)?);
                read(&self.files[0], &mut file)
            }
            Location::Folder(root) => {
                for entry in &self.files {
                    let file = File::open(root.join(&entry.name)).with_context(|| format!("cannot open {}", entry.name))?;
                    read(entry, &mut BufReader::with_capacity(256 * 1024, file))?;
                }
                Ok(())
            }
            Location::Zip(path) => {
                let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path)?))?;
                for entry in &self.files {
                    let file = archive.by_name(&entry.name).with_context(|| format!("cannot read {} in the zip", entry.name))?;
                    read(entry, &mut BufReader::with_capacity(256 * 1024, file))?;
                }
                Ok(())
            }
        }
    }

    fn list_folder(&mut self, dir: &Path, prefix: &str) -> anyhow::Result<()> {
        for item in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let item = item?;
            let name = format!("{prefix}{}", item.file_name().to_string_lossy());
            // Symbolic links could lead out of the export; they are not followed.
            let kind = item.file_type()?;
            if kind.is_dir() {
                self.list_folder(&item.path(), &format!("{name}/"))?;
            } else if kind.is_file() {
                let len = item.metadata()?.len();
                self.add(name, len);
            }
        }
        Ok(())
    }

    fn list_zip(&mut self, path: &Path) -> anyhow::Result<()> {
        let mut archive =
            zip::ZipArchive::new(BufReader::new(File::open(path)?)).with_context(|| format!("{} is not a readable zip", path.display()))?;
        for i in 0..archive.len() {
            let file = archive.by_index_raw(i)?;
            let name = file.name().to_string();
            if file.is_dir() {
                continue;
            }
            if !safe_name(&name) {
                self.refused.push((name, "the entry's path leads outside the export (.. or absolute); not read".to_string()));
                continue;
            }
            let len = file.size();
            self.add(name, len);
        }
        Ok(())
    }

    fn add(&mut self, name: String, len: u64) {
        if wanted(&name) {
            self.files.push(Entry { name: name.clone(), len });
        }
        self.names.insert(name);
    }

    /// The export's own name for a media `uri` (see [`Export::has_media`]).
    pub fn media_name(&self, uri: &str) -> Option<&str> {
        if !safe_name(uri) {
            return None;
        }
        let suffix = format!("/{uri}");
        self.names.get(uri).or_else(|| self.names.iter().find(|n| n.ends_with(&suffix))).map(String::as_str)
    }

    /// The bytes of a media file named by a post, at most `max` (a larger one is an error, read
    /// no further). Only names listed from the export itself are opened.
    pub fn read_media(&self, uri: &str, max: u64) -> anyhow::Result<Vec<u8>> {
        let name = self.media_name(uri).context("not in the export")?;
        let mut bytes = Vec::new();
        match &self.location {
            Location::Folder(root) => File::open(root.join(name))?.take(max + 1).read_to_end(&mut bytes)?,
            Location::Zip(path) => {
                let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path)?))?;
                archive.by_name(name)?.take(max + 1).read_to_end(&mut bytes)?
            }
            Location::File(_) => anyhow::bail!("a single JSON file holds no media"),
        };
        anyhow::ensure!(bytes.len() as u64 <= max, "larger than the upload limit of {max} bytes");
        Ok(bytes)
    }

    /// Whether a media `uri` from the export names a file present in it (the export's own top
    /// folder may or may not be part of the uri).
    pub fn has_media(&self, uri: &str) -> bool {
        safe_name(uri) && (self.names.contains(uri) || self.names.iter().any(|n| n.ends_with(&format!("/{uri}"))))
    }
}

/// A relative path with no `..`, no root and no drive letter.
pub fn safe_name(name: &str) -> bool {
    let path = Path::new(name);
    !name.is_empty() && !name.contains('\\') && path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn is_zip(path: &Path) -> anyhow::Result<bool> {
    let mut magic = [0u8; 4];
    let n = File::open(path)?.read(&mut magic)?;
    Ok(n == 4 && &magic == b"PK\x03\x04")
}

/// A DYI group file, or a Graph API dump: a `.json` file directly in the export's top folder.
fn wanted(name: &str) -> bool {
    let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
    let in_groups = dir == "groups" || dir.ends_with("/groups");
    if POST_FILES.contains(&file) || COMMENT_FILES.contains(&file) {
        return in_groups;
    }
    dir.is_empty() && file.ends_with(".json")
}

/// Posts before comments.
fn order(name: &str) -> u8 {
    u8::from(COMMENT_FILES.iter().any(|f| name.ends_with(f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_climb_out_are_unsafe() {
        assert!(safe_name("your_facebook_activity/groups/your_posts_in_groups.json"));
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "", "C:\\x", "..\\x"] {
            assert!(!safe_name(bad), "{bad}");
        }
    }

    #[test]
    fn every_layout_is_recognised() {
        for name in [
            "groups/your_posts_in_groups.json",
            "your_activity_across_facebook/groups/group_posts_and_comments.json",
            "facebook-lan/your_facebook_activity/groups/your_comments_in_groups.json",
            "graph_feed.json",
        ] {
            assert!(wanted(name), "{name}");
        }
        assert!(!wanted("messages/your_posts_in_groups.json"));
        assert!(!wanted("profile_information/profile_information.json"));
    }
}
