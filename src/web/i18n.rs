//! Message catalogs (`web/i18n/vi.toml`, `web/i18n/en.toml`), compiled into the binary.
//! Vietnamese is the default; a missing English message falls back to Vietnamese.

use std::collections::HashMap;

use crate::error::Msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

pub struct Catalogs {
    vi: HashMap<String, String>,
    en: HashMap<String, String>,
}

impl Catalogs {
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self { vi: parse(include_str!("../../web/i18n/vi.toml"))?, en: parse(include_str!("../../web/i18n/en.toml"))? })
    }

    /// The message for `key`; the key itself if neither catalog has it (a visible bug, not a crash).
    pub fn get<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        let primary = match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        };
        primary.get(key).or_else(|| self.vi.get(key)).map(String::as_str).unwrap_or(key)
    }

    /// A message about `n` things, with `{n}` filled in: `{key}.one` when `n` is 1 and
    /// `{key}.other` otherwise (English "1 reply" / "2 replies"; Vietnamese nouns do not change,
    /// so its `one` and `other` are the same words). A catalog without `.one` uses `.other`.
    pub fn plural(&self, lang: Lang, key: &str, n: i64) -> String {
        let other = format!("{key}.other");
        let one = format!("{key}.one");
        let form = if n == 1 && self.get(lang, &one) != one { one } else { other };
        self.get(lang, &form).replace("{n}", &n.to_string())
    }

    /// A message with its `{placeholders}` filled in.
    pub fn format(&self, lang: Lang, msg: &Msg) -> String {
        let mut text = self.get(lang, msg.key).to_string();
        for (name, value) in &msg.args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// Flattens nested tables into dotted keys: `[error] not_found = "…"` → `error.not_found`.
fn parse(source: &str) -> anyhow::Result<HashMap<String, String>> {
    let table: toml::Table = toml::from_str(source)?;
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (key, value) in table {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Table(inner) => flatten(&full, inner, out),
            toml::Value::String(s) => {
                out.insert(full, s.clone());
            }
            other => {
                out.insert(full, other.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let c = Catalogs::load().unwrap();
        let missing_en: Vec<_> = c.vi.keys().filter(|k| !c.en.contains_key(*k)).collect();
        let missing_vi: Vec<_> = c.en.keys().filter(|k| !c.vi.contains_key(*k)).collect();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(missing_vi.is_empty(), "missing in vi.toml: {missing_vi:?}");
    }

    /// Every literal key the templates (`t("…")`) and the code (`Msg::new("…")`,
    /// `AppError::bad("…")`) use is in both catalogs: a missing one would show its raw key.
    #[test]
    fn every_key_in_use_is_in_both_catalogs() {
        let c = Catalogs::load().unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = Vec::new();
        for (dir, ext, openers) in [("web/templates", "html", &[".t(\""][..]), ("src", "rs", &["Msg::new(\"", "AppError::bad(\""][..])] {
            // This file's own tests hold sample keys.
            for file in files_under(&root.join(dir), ext).into_iter().filter(|f| !f.ends_with("web/i18n.rs")) {
                let text = std::fs::read_to_string(&file).unwrap();
                for opener in openers {
                    used.extend(literal_args(&text, opener).map(|key| (key.to_string(), file.clone())));
                }
            }
        }
        assert!(used.len() > 300, "only {} keys found: is the scan still looking in the right places?", used.len());
        let missing: Vec<String> = used
            .iter()
            .filter(|(key, _)| !c.vi.contains_key(key) || !c.en.contains_key(key))
            .map(|(key, file)| format!("{key} ({})", file.strip_prefix(root).unwrap_or(file).display()))
            .collect();
        assert!(missing.is_empty(), "keys missing from vi.toml or en.toml: {missing:#?}");
    }

    fn files_under(dir: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.extend(files_under(&path, ext));
            } else if path.extension().is_some_and(|e| e == ext) {
                found.push(path);
            }
        }
        found
    }

    /// The string literals right after each `opener` (which ends with the opening quote).
    fn literal_args<'a>(text: &'a str, opener: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        text.match_indices(opener).filter_map(move |(at, _)| {
            let rest = &text[at + opener.len()..];
            rest.find('"')
                .map(|end| &rest[..end])
                .filter(|key| key.contains('.') && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        })
    }

    #[test]
    fn literal_args_finds_keys_after_the_opener() {
        let text = r#"{{ page.t("nav.login") }} x.t("a.b") Msg::new("error.x").arg("n", 1)"#;
        assert_eq!(literal_args(text, ".t(\"").collect::<Vec<_>>(), ["nav.login", "a.b"]);
        assert_eq!(literal_args(text, "Msg::new(\"").collect::<Vec<_>>(), ["error.x"]);
    }

    #[test]
    fn counts_take_the_plural_form_of_the_language() {
        let c = Catalogs::load().unwrap();
        let en: Vec<String> = [0, 1, 2, 21].iter().map(|n| c.plural(Lang::En, "phone.plural.replies", *n)).collect();
        assert_eq!(en, ["0 replies", "1 reply", "2 replies", "21 replies"]);
        assert_eq!(c.plural(Lang::Vi, "phone.plural.replies", 1), "1 trả lời");
        assert_eq!(c.plural(Lang::Vi, "phone.plural.replies", 2), "2 trả lời");
        assert_eq!(c.plural(Lang::En, "phone.plural.results", 1), "1 result");
    }

    #[test]
    fn placeholders_are_filled() {
        let c = Catalogs::load().unwrap();
        let msg = Msg::new("error.title_length").arg("min", 5).arg("max", 200);
        let text = c.format(Lang::En, &msg);
        assert!(text.contains('5') && text.contains("200"), "{text}");
    }
}
