//! Word lists shared by the name detectors ([`names`](super::names) and
//! [`bare_names`](super::bare_names)), all folded (lowercase, no diacritics).

/// Common Vietnamese family names (Nguyễn, Trần, Lê… cover nearly everyone), and the rarer ones
/// of the north and the mountains (Kha, Mã, Sầm, Vi, Ưng…; Hmông Mùa, Sùng, Giàng, Thào,
/// Vàng; Tày and Nùng Lăng, Mông; Thân, Giáp, Mẫn, Cấn of the midlands).
pub const FAMILY_NAMES: [&str; 86] = [
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong", "ly", "dinh",
    "truong", "lam", "mai", "cao", "ta", "trinh", "quach", "kieu", "luong", "luu", "la", "thai", "ton", "tang", "lai", "ha", "chu", "dao",
    "doan", "vuong", "khuc", "khong", "lo", "luc", "giang", "thach", "quan", "chau", "tong", "au", "diep", "mac", "ong", "nghiem", "phung",
    "to", "trieu", "bach", "kim", "lieu", "nong", "hua", "tieu", "van", "tu", "dam", "quang", "son", "hau", "ninh", "uong", "thang", "kha",
    "ma", "sam", "vi", "ung", "thieu", "lu", "than", "giap", "man", "can", "mua", "sung", "thao", "vang", "lang", "mong",
];

/// Family names a lower-case name with no introducing word may start with: those that are not
/// also everyday words once folded ("đó thì", "ta vẫn", "vợ vẫn", "đang thì", "họ vẫn", "là").
pub const PLAIN_FAMILY_NAMES: [&str; 15] =
    ["nguyen", "tran", "pham", "hoang", "huynh", "bui", "ngo", "dinh", "truong", "trinh", "vu", "le", "phan", "doan", "trieu"];

/// Syllables of Vietnamese middle and given names, folded. A run of lower-case words is taken
/// for a name only when every syllable after the family name is one of these (or "văn"/"thị"):
/// "vo minh khang" is a name, "do da bi" ("đó đã bị") and "ta van di" ("ta vẫn đi") are not.
pub const GIVEN_NAMES: [&str; 182] = [
    "an", "anh", "au", "bach", "bang", "bao", "bac", "bich", "binh", "cam", "can", "canh", "chau", "chi", "chien", "chinh", "chuong",
    "cong", "cuc", "cuong", "dai", "dan", "danh", "dao", "dat", "diem", "diep", "dieu", "dinh", "doan", "dong", "duc", "dung", "duong",
    "duy", "duyen", "gia", "giang", "giao", "ha", "hai", "han", "hang", "hanh", "hao", "hau", "hien", "hiep", "hieu", "hoa", "hoai",
    "hoan", "hoang", "hong", "hop", "hue", "hung", "huong", "huu", "huy", "huyen", "kha", "khai", "khang", "khanh", "khiem", "khoa",
    "khoi", "khue", "khuong", "kien", "kiet", "kieu", "kim", "lam", "lan", "lap", "le", "lien", "linh", "loan", "loc", "loi", "long",
    "luan", "luong", "ly", "mai", "man", "manh", "minh", "mo", "my", "nam", "nga", "ngan", "nghia", "ngoc", "nguyet", "nhan", "nhat",
    "nhi", "nhu", "nhung", "ninh", "oanh", "phat", "phi", "phong", "phu", "phuc", "phung", "phuong", "quan", "quang", "que", "quoc", "quy",
    "quyen", "quynh", "sang", "sen", "son", "sung", "tai", "tam", "tan", "tham", "thach", "thai", "thang", "thanh", "thao", "that", "the",
    "thien", "thiet", "thinh", "tho", "thoa", "thu", "thuan", "thuc", "thuong", "thuy", "tien", "tin", "tinh", "toan", "tra", "trang",
    "tri", "trieu", "trinh", "trong", "truc", "trung", "truong", "tu", "tuan", "tung", "tuong", "tuyen", "tuyet", "uyen", "vi", "viet",
    "vinh", "vu", "vuong", "vy", "xuan", "yen", "y", "diu", "ngat", "sinh", "suong", "tuoi", "ut", "luu", "bay",
];

/// Whether `folded` is a syllable of a given or middle name.
pub fn is_given(folded: &str) -> bool {
    GIVEN_NAMES.contains(&folded)
}
