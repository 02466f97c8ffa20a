//! Where indexes live on disk: `<index_dir>/<generation>/` (`<data_dir>/search/` by default),
//! one folder per build, and a
//! `CURRENT` file naming the one to serve. `goodpractice reindex` builds generation N+1 beside
//! the served one and then replaces `CURRENT` atomically; a running server notices and switches.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use search_index::{OpenOutcome, SearchIndex};

const CURRENT: &str = "CURRENT";

#[derive(Debug, Clone)]
pub struct Generations {
    root: PathBuf,
}

impl Generations {
    /// Generations under `index_dir` (the `index_dir` setting, `<data_dir>/search` by default).
    pub fn new(index_dir: &Path) -> Self {
        Self { root: index_dir.to_path_buf() }
    }

    pub fn dir(&self, generation: u64) -> PathBuf {
        self.root.join(generation.to_string())
    }

    /// The generation `CURRENT` names; `None` when the file is missing or unreadable.
    pub fn current(&self) -> Option<u64> {
        let text = std::fs::read_to_string(self.root.join(CURRENT)).ok()?;
        text.trim().parse().ok()
    }

    /// Numbered folders present, in any order (other names are left alone).
    fn existing(&self) -> Vec<u64> {
        let Ok(entries) = std::fs::read_dir(&self.root) else { return Vec::new() };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect()
    }

    /// A generation number no folder uses yet, above the current one (so a server that cleans up
    /// older generations never touches a build in progress).
    pub fn next(&self) -> u64 {
        self.existing().into_iter().chain(self.current()).max().unwrap_or(0) + 1
    }

    /// Points `CURRENT` at `generation`: a temporary file renamed over the old one, so a reader
    /// sees either the old name or the new, never a half-written file.
    pub fn set_current(&self, generation: u64) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.root).with_context(|| format!("cannot create {}", self.root.display()))?;
        let tmp = self.root.join(format!("{CURRENT}.tmp-{}", std::process::id()));
        let mut file = std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        file.write_all(format!("{generation}\n").as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, self.root.join(CURRENT)).context("cannot replace the search index CURRENT file")?;
        Ok(())
    }

    /// Deletes generation folders older than `generation`: nothing serves them any more.
    pub fn remove_older_than(&self, generation: u64) {
        for old in self.existing().into_iter().filter(|g| *g < generation) {
            match std::fs::remove_dir_all(self.dir(old)) {
                Ok(()) => tracing::info!(generation = old, "removed an old search index generation"),
                Err(err) => tracing::warn!(generation = old, error = %err, "cannot remove an old search index generation"),
            }
        }
    }

    /// Opens the generation `CURRENT` names (starting generation 1, or a fresh one when `CURRENT`
    /// is unreadable), repairing a corrupt index by replacing it with an empty one.
    pub fn open_current(&self) -> anyhow::Result<(u64, SearchIndex)> {
        let generation = match self.current() {
            Some(g) => g,
            None => {
                let g = self.next();
                if self.root.join(CURRENT).exists() {
                    tracing::warn!(generation = g, "the search index CURRENT file is unreadable; starting a new generation");
                }
                self.set_current(g)?;
                g
            }
        };
        Ok((generation, self.open(generation)?))
    }

    /// Opens (or creates) one generation and logs what was found.
    pub fn open(&self, generation: u64) -> anyhow::Result<SearchIndex> {
        let dir = self.dir(generation);
        let (index, outcome) =
            SearchIndex::open_or_create(&dir).with_context(|| format!("cannot open the search index in {}", dir.display()))?;
        match outcome {
            OpenOutcome::Opened => tracing::info!(generation, "search index opened"),
            OpenOutcome::Created => tracing::info!(generation, "search index created; it will be built from the database"),
            OpenOutcome::Rebuilt { reason } => {
                tracing::warn!(generation, %reason, "search index was unusable and has been replaced; it will be rebuilt from the database")
            }
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_generation_is_above_every_folder_and_current() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generations::new(dir.path());
        assert_eq!(g.next(), 1);
        std::fs::create_dir_all(g.dir(3)).unwrap();
        std::fs::create_dir_all(g.root.join("not-a-generation")).unwrap();
        assert_eq!(g.next(), 4);
        g.set_current(7).unwrap();
        assert_eq!((g.current(), g.next()), (Some(7), 8));
    }

    #[test]
    fn an_unreadable_current_file_counts_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generations::new(dir.path());
        std::fs::create_dir_all(&g.root).unwrap();
        std::fs::write(g.root.join(CURRENT), b"\xff\xfe garbage").unwrap();
        assert_eq!(g.current(), None);
    }

    #[test]
    fn only_older_generations_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generations::new(dir.path());
        for n in [1, 2, 3, 4] {
            std::fs::create_dir_all(g.dir(n)).unwrap();
        }
        g.remove_older_than(3);
        let mut left = g.existing();
        left.sort();
        assert_eq!(left, vec![3, 4]);
    }
}
