//! Vietnam's 34 provincial-level units (from 2025-07-01) and the 63 former units each replaced.
//! A former province typed or imported maps to the unit that now contains it.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

pub struct Province {
    pub code: &'static str,
    pub name: &'static str,
}

struct Table {
    current: Vec<Province>,
    /// (folded former or current name, current code)
    aliases: Vec<(String, &'static str)>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse(include_str!("provinces-2025.tsv")))
}

fn parse(source: &'static str) -> Table {
    let mut current: Vec<Province> = Vec::new();
    let mut aliases = Vec::new();
    let rows = source.lines().filter(|l| !l.starts_with('#') && !l.starts_with("new_code"));
    for row in rows {
        let cols: Vec<&'static str> = row.split('\t').collect();
        let [code, name, _old_code, old_name] = cols[..] else { continue };
        if !current.iter().any(|p| p.code == code) {
            current.push(Province { code, name });
            aliases.push((fold(name), code));
        }
        aliases.push((fold(old_name), code));
    }
    current.sort_by_key(|p| fold(p.name));
    Table { current, aliases }
}

/// The 34 current provinces, sorted by name.
pub fn all() -> &'static [Province] {
    &table().current
}

pub fn by_code(code: &str) -> Option<&'static Province> {
    all().iter().find(|p| p.code == code)
}

/// The current province for a code, a current name or a former name, typed with or without
/// diacritics or the "Tỉnh"/"Thành phố" prefix ("Hà Giang", "ha giang" → Tuyên Quang).
pub fn resolve(input: &str) -> Option<&'static Province> {
    let input = input.trim();
    if let Some(p) = by_code(input) {
        return Some(p);
    }
    let wanted = fold(input);
    table().aliases.iter().find(|(alias, _)| *alias == wanted || strip_prefix(alias) == wanted).and_then(|(_, code)| by_code(code))
}

fn strip_prefix(name: &str) -> &str {
    ["tinh ", "thanh pho ", "tp "].iter().find_map(|p| name.strip_prefix(p)).unwrap_or(name)
}

/// Lowercase ASCII without diacritics, đ → d, single spaces; "TP." treated as "thành phố".
fn fold(s: &str) -> String {
    let folded: String = s
        .nfd()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let spaced = folded.replace("tp.", "tp ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let joined = words.join(" ");
    strip_prefix(&joined).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_34_current_provinces() {
        assert_eq!(all().len(), 34);
    }

    #[test]
    fn former_provinces_map_to_their_new_unit() {
        assert_eq!(resolve("Hà Giang").unwrap().name, "Tỉnh Tuyên Quang");
        assert_eq!(resolve("tinh ha giang").unwrap().name, "Tỉnh Tuyên Quang");
        assert_eq!(resolve("Bắc Giang").unwrap().name, "Tỉnh Bắc Ninh");
        assert_eq!(resolve("Thành phố Hà Nội").unwrap().code, "01");
        assert_eq!(resolve("ha noi").unwrap().code, "01");
        assert!(resolve("Atlantis").is_none());
    }
}
