//! What a user typing Vietnamese (with or without diacritics, old or new tone style,
//! abbreviations) finds, and in which order.

mod common;

use common::{doc, found, index_with, search};

#[test]
fn exact_diacritics_rank_above_folded_matches() {
    let index = index_with(&[
        doc(1, "Chăm sóc người bệnh", "Theo dõi dương tính sau phẫu thuật."),
        doc(2, "Chăm sóc người bệnh", "Theo dõi đường huyết sau phẫu thuật."),
    ]);
    assert_eq!(found(&index, "đường"), [2, 1], "the exact spelling comes first");
    assert_eq!(found(&index, "dương"), [1, 2]);
    let mut without_marks = found(&index, "duong");
    without_marks.sort();
    assert_eq!(without_marks, [1, 2], "typed without diacritics, both are found");
}

#[test]
fn typed_without_diacritics_finds_vietnamese() {
    let index = index_with(&[
        doc(1, "Bảo đảm an toàn người bệnh trong phòng mổ", "Bảng kiểm an toàn phẫu thuật."),
        doc(2, "Lịch trực Tết", "Phân công trực."),
    ]);
    assert_eq!(found(&index, "an toan nguoi benh"), [1]);
    assert_eq!(found(&index, "AN TOÀN NGƯỜI BỆNH"), [1]);
}

#[test]
fn one_and_two_letter_syllables_are_searchable() {
    let index = index_with(&[doc(1, "Nhân viên y tế", "Tập huấn cho nhân viên y tế tuyến xã."), doc(2, "Tài chính", "Báo cáo quý.")]);
    assert_eq!(found(&index, "y tế"), [1]);
    assert_eq!(found(&index, "y te"), [1]);
    assert_eq!(found(&index, "y"), [1]);
}

#[test]
fn old_and_new_tone_styles_find_each_other() {
    let index = index_with(&[
        doc(1, "Hòa nhập cộng đồng", "Người bệnh thủy đậu cần cách ly; sức khỏe nhân viên."),
        doc(2, "Khác", "Không liên quan."),
    ]);
    assert_eq!(found(&index, "hoà nhập"), [1]);
    assert_eq!(found(&index, "hòa nhập"), [1]);
    assert_eq!(found(&index, "thuỷ đậu"), [1]);
    assert_eq!(found(&index, "sức khoẻ"), [1]);
}

#[test]
fn decomposed_and_legacy_text_is_found() {
    let nfd = "Ngu\u{31b}\u{300}o\u{31b}\u{300}i be\u{302}\u{323}nh"; // "Người bệnh" typed in NFD
    let index = index_with(&[doc(1, nfd, "Ƣu tiên ngƣời bệnh cao tuổi, b\u{200B}ệnh nặng.")]);
    assert_eq!(found(&index, "người bệnh"), [1]);
    assert_eq!(found(&index, "ưu tiên"), [1]);
    assert_eq!(found(&index, "bệnh nặng"), [1]);
    assert_eq!(found(&index, nfd), [1], "an NFD query works too");
}

#[test]
fn abbreviations_match_their_expansions_both_ways() {
    let index = index_with(&[
        doc(1, "Văn hóa an toàn người bệnh", "Xây dựng văn hóa an toàn."),
        doc(2, "Tuần lễ ATNB", "Hoạt động hưởng ứng."),
        doc(3, "Lịch trực", "Không liên quan."),
    ]);
    let sorted = |mut v: Vec<i64>| {
        v.sort();
        v
    };
    assert_eq!(sorted(found(&index, "ATNB")), [1, 2]);
    assert_eq!(sorted(found(&index, "atnb")), [1, 2]);
    assert_eq!(sorted(found(&index, "an toàn người bệnh")), [1, 2]);
    assert_eq!(sorted(found(&index, "an toan nguoi benh")), [1, 2]);
    assert_eq!(sorted(found(&index, "\"an toàn người bệnh\"")), [1, 2]);
}

#[test]
fn abbreviation_with_d_stroke_typed_either_way() {
    let index = index_with(&[doc(1, "Vai trò điều dưỡng trưởng", "ĐD trưởng khoa."), doc(2, "Khác", "Bác sĩ.")]);
    assert_eq!(found(&index, "đd"), [1]);
    assert_eq!(found(&index, "DD"), [1]);
    assert_eq!(found(&index, "điều dưỡng"), [1]);
}

#[test]
fn ambiguous_abbreviation_expands_only_in_capitals() {
    let index = index_with(&[doc(1, "Ghi chép bệnh án", "Hoàn thiện bệnh án."), doc(2, "Ba bước rửa tay", "Ba bước.")]);
    assert!(found(&index, "BA").contains(&1), "BA = bệnh án");
    assert_eq!(found(&index, "ba"), [2], "ba = three, not bệnh án");
    assert_eq!(found(&index, "bệnh án"), [1], "bệnh án never matches the word ba");
}

#[test]
fn adjacent_words_rank_above_scattered_ones() {
    let index = index_with(&[
        doc(1, "Ghi chép", "Người nhà hỏi về bệnh của cháu, nhân viên trả lời."),
        doc(2, "Ghi chép", "Người bệnh được nhân viên trả lời."),
    ]);
    assert_eq!(found(&index, "người bệnh"), [2, 1]);
}

#[test]
fn title_matches_rank_above_body_matches() {
    let index = index_with(&[
        doc(1, "Họp giao ban", "Nhắc lại quy trình phòng ngừa té ngã tại khoa."),
        doc(2, "Phòng ngừa té ngã", "Nhắc lại quy trình tại khoa cho mọi người."),
    ]);
    assert_eq!(found(&index, "té ngã"), [2, 1]);
}

#[test]
fn phrases_require_adjacency_and_exclusions_remove() {
    let index = index_with(&[doc(1, "Sự cố", "Người bệnh té ngã trong nhà vệ sinh."), doc(2, "Sự cố", "Ngã ba đường, người té xe.")]);
    assert_eq!(found(&index, "\"té ngã\""), [1]);
    assert_eq!(found(&index, "té -\"nhà vệ sinh\""), [2]);
    assert_eq!(found(&index, "té -xe"), [1]);
    assert_eq!(found(&index, "sự cố -đường"), [1]);
}

#[test]
fn in_title_searches_titles_only() {
    let index = index_with(&[doc(1, "Rửa tay", "Vệ sinh tay đúng cách."), doc(2, "Vệ sinh tay", "Năm thời điểm.")]);
    assert_eq!(found(&index, "vệ sinh in:title"), [2]);
}

#[test]
fn legal_reference_typed_in_the_query_finds_other_spellings() {
    let index = index_with(&[
        doc(1, "Báo cáo sự cố", "Theo Thông tư 43 / 2018 / TT - BYT về sự cố y khoa."),
        doc(2, "Chuyển đổi số", "Quyết định 5316/QÐ-BYT."),
    ]);
    assert_eq!(found(&index, "43/2018/tt-byt"), [1]);
    assert_eq!(found(&index, "5316/QĐ-BYT"), [2]);
}

#[test]
fn long_questions_tolerate_a_missing_word() {
    let index = index_with(&[doc(1, "Phòng ngừa té ngã cho người bệnh cao tuổi", "Đánh giá nguy cơ khi nhập viện.")]);
    let results = search(&index, "làm sao phòng ngừa té ngã người bệnh cao tuổi");
    assert_eq!(common::ids(&results), [1]);
}

#[test]
fn snippets_mark_matches_with_and_without_diacritics() {
    let index = index_with(&[doc(1, "Đường huyết", "Kiểm tra **đường huyết** trước bữa ăn <b>sáng</b> & tối.")]);
    for query in ["đường huyết", "duong huyet"] {
        let hit = &search(&index, query).hits[0];
        assert_eq!(
            hit.snippet_html, "Kiểm tra <mark>đường</mark> <mark>huyết</mark> trước bữa ăn &lt;b&gt;sáng&lt;/b&gt; &amp; tối.",
            "{query}"
        );
    }
}

#[test]
fn hits_carry_what_the_page_shows() {
    let mut d = doc(7, "Tiêu đề", "Nội dung");
    d.category = "an-toan".into();
    d.kind = "good_practice".into();
    let index = index_with(&[d.clone()]);
    let hit = &search(&index, "nội dung").hits[0];
    assert_eq!((hit.topic_id, hit.post_id, hit.title.as_str()), (7, 70, "Tiêu đề"));
    assert_eq!((hit.category.as_str(), hit.kind.as_str(), hit.created_at), ("an-toan", "good_practice", d.created_at));
    assert!(hit.score > 0.0);
}

#[test]
fn questions_rank_by_their_informative_words() {
    // "người bệnh" is in every topic: common words rank but are not required.
    let mut docs: Vec<_> = (1..=10).map(|i| doc(i, &format!("Chăm sóc người bệnh số {i}"), "Người bệnh được theo dõi mỗi ca.")).collect();
    docs.push(doc(11, "Phòng ngừa té ngã cho người bệnh cao tuổi", "Đánh giá nguy cơ té ngã khi nhập viện."));
    docs.push(doc(12, "Người bệnh cao tuổi", "Dinh dưỡng cho người bệnh cao tuổi."));
    let index = index_with(&docs);
    let results = search(&index, "Làm thế nào để giảm té ngã ở người bệnh cao tuổi?");
    assert_eq!(common::ids(&results)[..2], [11, 12]);
    let results = search(&index, "lam the nao de giam te nga o nguoi benh cao tuoi");
    assert_eq!(common::ids(&results)[0], 11);
}

#[test]
fn excluding_a_phrase_with_diacritics_keeps_other_spellings() {
    let index = index_with(&[
        doc(1, "Theo dõi", "Kiểm tra đường huyết mỗi sáng."),
        doc(2, "Theo dõi", "Kiểm tra dương huyết mỗi sáng."), // a misspelling, but a different text
    ]);
    assert_eq!(found(&index, "kiểm tra -\"đường huyết\""), [2]);
    assert_eq!(found(&index, "kiểm tra -\"duong huyet\""), Vec::<i64>::new());
}

/// The class of issue 15: one rare word (a drug, a supplement) decides the answer, while other
/// topics match more of the question's common syllables, in their titles and side by side.
#[test]
fn a_rare_word_outweighs_many_common_ones() {
    // The question's other words are common in the forum, as they are in any real one.
    let mut docs: Vec<_> = (1..=12)
        .map(|i| doc(i, &format!("Ghi chép ca trực số {i}"), "Khoa tự sản xuất dung dịch sát khuẩn; cơ thể người bệnh được lau khô rồi mới ra hành lang. Trẻ em dùng thuốc có người nhà."))
        .collect();
    docs.push(doc(20, "Cơ thể tự sản xuất vitamin D khi ra nắng", "Cơ thể có thể tự sản xuất ra vitamin D; cơ thể cần ra nắng."));
    docs.push(doc(21, "Kết quả xét nghiệm bất thường", "Người bệnh uống viên biotin liều cao trước khi lấy máu."));
    docs.push(doc(22, "Trẻ em dùng kháng sinh ở nhà", "Cho trẻ em dùng thuốc đủ ngày; trẻ em nôn thì hỏi lại."));
    docs.push(doc(23, "Pha cốm cho bệnh nhi", "Cefaclor dùng cho trẻ theo cân nặng, pha xong cất ngăn mát."));
    let index = index_with(&docs);
    for query in ["Cơ thể có thể tự sản xuất ra Biotin không?", "co the co the tu san xuat ra biotin khong"] {
        assert_eq!(found(&index, query)[0], 21, "{query}");
    }
    for query in ["Cefaclor có dùng cho trẻ em không", "cefaclor co dung cho tre em khong"] {
        assert_eq!(found(&index, query)[0], 23, "{query}");
    }
}

/// Only the informative words are marked: not the question's function words, nor the
/// spellings a word typed with diacritics is not ("Cơ" does not mark "có").
#[test]
fn snippets_mark_the_informative_words_only() {
    let mut docs: Vec<_> = (1..=8).map(|i| doc(i, &format!("Ca trực {i}"), "Có người bệnh ra viện từ sáng, cơ thể khoẻ.")).collect();
    docs.push(doc(9, "Xét nghiệm", "Có thể từ chối lấy máu khi người bệnh vừa uống biotin, cơ thể đào thải ra sau 2 ngày."));
    let index = index_with(&docs);
    let hit = search(&index, "Cơ thể có thể tự sản xuất ra Biotin không?").hits.into_iter().find(|h| h.topic_id == 9).unwrap();
    assert!(hit.snippet_html.contains("<mark>biotin</mark>"), "{}", hit.snippet_html);
    for unmarked in ["<mark>Có</mark>", "<mark>từ</mark>", "<mark>ra</mark>", "<mark>cơ</mark>"] {
        assert!(!hit.snippet_html.contains(unmarked), "{unmarked} in {}", hit.snippet_html);
    }
}

/// A title pasted as a quoted phrase finds its topic whatever punctuation it holds.
#[test]
fn a_quoted_title_with_punctuation_finds_its_topic() {
    let index = index_with(&[
        doc(1, "Thủy đậu ở trẻ nhỏ: cách ly trong khoa Nhi", "Phòng riêng, khẩu trang, theo dõi người nhà."),
        doc(2, "Thủy đậu ở trẻ nhỏ", "Ở khoa Nhi phải cách ly trong phòng riêng."),
    ]);
    assert_eq!(found(&index, "\"Thủy đậu ở trẻ nhỏ: cách ly trong khoa Nhi\""), [1]);
    assert_eq!(found(&index, "\"thuy dau o tre nho: cach ly trong khoa nhi\""), [1]);
    assert_eq!(found(&index, "\"Thuỷ đậu ở trẻ nhỏ: cách ly\" -tiêm"), [1]);
    assert!(found(&index, "\"trẻ nhỏ: Thủy đậu\"").is_empty(), "the words must still follow each other");
}

/// "tử sỹ"/"tử sĩ", "tỷ lệ"/"tỉ lệ": both spellings of i/y after h, k, l, m, s, t find each other.
#[test]
fn y_and_i_spellings_find_each_other() {
    let index = index_with(&[doc(1, "Di vật của tử sỹ", "Tỷ lệ hồ sơ được kỹ thuật viên lưu."), doc(2, "Khác", "Không liên quan.")]);
    for query in ["tử sĩ", "tu si", "tỉ lệ", "kĩ thuật", "ki thuat"] {
        assert_eq!(found(&index, query), [1], "{query}");
    }
    assert!(search(&index, "tỉ lệ").hits[0].snippet_html.contains("<mark>Tỷ</mark> <mark>lệ</mark>"));
}

/// A year or an article number in a long question is not required: the answer often says
/// "Bộ luật này" instead of repeating it.
#[test]
fn numbers_in_long_questions_are_not_required() {
    let index = index_with(&[
        doc(1, "Tài sản của pháp nhân", "Tài sản của pháp nhân gồm vốn góp của chủ sở hữu theo Bộ luật này."),
        doc(2, "Sửa đổi luật số 97/2015", "Luật năm 2015 về cư trú."),
    ]);
    assert_eq!(found(&index, "Bộ luật Dân sự 2015 quy định thế nào về tài sản của pháp nhân?")[0], 1);
}

/// The rule of issue 15: a topic that lacks a rare word of the question (a drug named in a
/// handful of topics) never outranks one that has it, whatever bonuses it collects instead:
/// the question's other words side by side, in its title, spelled with the same diacritics.
#[test]
fn no_bonus_makes_up_for_a_missing_rare_word() {
    let mut docs: Vec<_> =
        (100..400).map(|i| doc(i, &format!("Ca trực số {i}"), "Khoa ghi nhận ca trực bình thường, không có sự cố.")).collect();
    docs.push(doc(1, "Hỏi đáp dược", "Liều dùng: cefaclor giảm liều khi thận suy; mạn tính thì bệnh nhân cần theo dõi."));
    docs.push(doc(
        2,
        "Bệnh nhân suy thận mạn dùng liều",
        "Bệnh nhân suy thận mạn dùng liều nào cho an toàn, bệnh nhân suy thận mạn dùng liều thấp.",
    ));
    let index = index_with(&docs);
    for query in ["Bệnh nhân suy thận mạn dùng Cefaclor liều bao nhiêu?", "benh nhan suy than man dung cefaclor lieu bao nhieu"]
    {
        assert_eq!(found(&index, query)[..2], [1, 2], "{query}");
    }
}
