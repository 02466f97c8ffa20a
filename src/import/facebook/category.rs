//! A category suggested from a post's text: the standard category (src/forum/categories.toml)
//! whose keywords the post uses most. Keywords and text are compared folded
//! (`search_index::analysis::fold`: no diacritics, lowercase), whole words only, so "té ngã",
//! "te nga" and "TÉ NGÃ" count alike. No keyword: the operator's `--default-category`.

use search_index::analysis::fold;

/// Keywords per standard category slug, as members of the old group wrote them.
const KEYWORDS: [(&str, &[&str]); 11] = [
    (
        "patient-identification",
        &["xac dinh nguoi benh", "nhan dien nguoi benh", "vong tay", "deo vong", "2 thong tin", "hai thong tin", "nham nguoi benh"],
    ),
    ("safe-surgery", &["phau thuat", "bang kiem an toan phau thuat", "danh dau vi tri mo", "dem gac", "phong mo", "thu thuat", "gay me"]),
    ("medication-safety", &["thuoc", "nham thuoc", "duoc lam sang", "phan ung co hai", "adr", "y lenh thuoc", "truyen dich"]),
    ("infection-control", &["ve sinh tay", "nhiem khuan", "khu khuan", "tiet khuan", "chat thai y te", "sat khuan", "ksnk"]),
    ("communication", &["ban giao", "sbar", "giao tiep", "truyen dat", "ban giao ca", "trao doi thong tin"]),
    ("fall-prevention", &["te nga", "bi nga", "phong nga", "song giuong", "thanh chan giuong"]),
    ("equipment-safety", &["trang thiet bi", "may tho", "monitor", "bom tiem dien", "thiet bi y te", "bao tri"]),
    ("incident-reporting", &["su co", "bao cao su co", "khong do loi", "sai sot", "can nguyen", "rca"]),
    ("quality-management", &["chat luong", "tieu chi", "83 tieu chi", "danh gia chat luong", "kiem tra benh vien", "pdca"]),
    ("digital-transformation", &["benh an dien tu", "chuyen doi so", "phan mem", "his", "emr", "so hoa"]),
    ("training", &["dao tao", "tap huan", "hoi thao", "khoa hoc", "dao tao lien tuc", "cme"]),
];

/// The slug whose keywords occur most often in `text` (the first listed on a tie); `None` when
/// none occurs.
pub fn suggest(text: &str) -> Option<&'static str> {
    let scores = scores(text);
    let mut best: Option<(&'static str, usize)> = None;
    for (slug, hits) in scores {
        if hits > 0 && best.is_none_or(|(_, most)| hits > most) {
            best = Some((slug, hits));
        }
    }
    best.map(|(slug, _)| slug)
}

/// Whether one category's keywords clearly lead (no keyword at all, or a tie, is not clear:
/// such a topic goes to the moderators' "imported, check category" queue).
pub fn is_clear(text: &str) -> bool {
    let mut hits: Vec<usize> = scores(text).into_iter().map(|(_, h)| h).collect();
    hits.sort_unstable_by(|a, b| b.cmp(a));
    hits[0] > 0 && hits[0] > hits[1]
}

fn scores(text: &str) -> Vec<(&'static str, usize)> {
    let words = format!(" {} ", words_of(&fold(text)));
    KEYWORDS.iter().map(|(slug, keywords)| (*slug, keywords.iter().map(|k| words.matches(&format!(" {k} ")).count()).sum())).collect()
}

/// Letters and digits, everything else a single space.
fn words_of(folded: &str) -> String {
    let spaced: String = folded.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_category_whose_words_are_used_most() {
        assert_eq!(suggest("Phòng ngừa TÉ NGÃ ban đêm cho người bệnh cao tuổi?"), Some("fall-prevention"));
        assert_eq!(suggest("Bàn giao ca bằng SBAR tại giường"), Some("communication"));
        assert_eq!(suggest("Vệ sinh tay 5 thời điểm — poster mới ✋🧼"), Some("infection-control"));
        assert_eq!(suggest("Đảm bảo an toàn phẫu thuật: bảng kiểm 3 bước"), Some("safe-surgery"));
        assert_eq!(suggest("Nói chuyện báo cáo sự cố không đổ lỗi"), Some("incident-reporting"));
    }

    #[test]
    fn whole_words_only_and_none_without_keywords() {
        assert_eq!(suggest("Chúc mừng năm mới cả nhà! 🎉"), None);
        assert_eq!(suggest("ngay mai"), None, "\"nga\" is not inside \"ngay\"");
        assert_eq!(suggest("thuốc"), Some("medication-safety"));
    }

    #[test]
    fn a_tie_or_no_keyword_is_not_clear() {
        assert!(is_clear("Phòng ngừa té ngã"));
        assert!(!is_clear("Chúc mừng năm mới"));
        assert!(!is_clear("Vệ sinh tay và té ngã"), "one keyword each");
    }
}
