//! @mentions: `@handle` in a post names a member. The spans are found here, resolved against
//! the members' handles, linked to their profile before sanitising (like guidance numbers) and
//! told to the member mentioned.

use std::collections::HashMap;
use std::ops::Range;

use crate::error::AppResult;
use crate::store::Store;
use crate::text::HANDLE_MAX;

/// `@handle` spans in plain text: `@` not preceded by a letter, digit, `_`, `.` or `@` (so
/// email addresses are not mentions), then 3–30 ASCII lowercase letters, digits or `_`.
pub fn spans(text: &str) -> Vec<(Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'@' && (i == 0 || !is_before_char(text, i)) {
            let end = (i + 1..bytes.len()).find(|&j| !is_handle_byte(bytes[j])).unwrap_or(bytes.len());
            let len = end - i - 1;
            if (3..=HANDLE_MAX).contains(&len) {
                found.push((i..end, text[i + 1..end].to_string()));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    found
}

fn is_handle_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

/// Whether the character before byte `i` glues the `@` to a word (an email address, `a@b`).
fn is_before_char(text: &str, i: usize) -> bool {
    text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '@')
}

/// The members a text mentions: handle → user id, only handles that exist.
pub async fn resolve(store: &Store, text: &str) -> AppResult<HashMap<String, i64>> {
    let mut handles: Vec<String> = spans(text).into_iter().map(|(_, h)| h).collect();
    handles.sort();
    handles.dedup();
    Ok(store.users_by_handles(&handles).await?.into_iter().collect())
}

/// Links for the mentions of known members in `text`: (span, profile path).
pub fn links(text: &str, known: &HashMap<String, i64>) -> Vec<(Range<usize>, String)> {
    spans(text).into_iter().filter_map(|(range, handle)| known.get(&handle).map(|id| (range, format!("/u/{id}")))).collect()
}

#[cfg(test)]
mod tests {
    use super::spans;

    fn handles(text: &str) -> Vec<String> {
        spans(text).into_iter().map(|(_, h)| h).collect()
    }

    #[test]
    fn mentions_are_found_but_not_email_addresses() {
        assert_eq!(handles("Cảm ơn @nguyen_thi_lan và @tran_binh!"), ["nguyen_thi_lan", "tran_binh"]);
        assert_eq!(handles("Gửi lan@bv.vn hoặc @ab"), Vec::<String>::new());
        assert_eq!(handles("(@do_van_duc)"), ["do_van_duc"]);
        assert_eq!(handles("đ@lan_anh"), Vec::<String>::new(), "glued to a Vietnamese letter");
    }

    #[test]
    fn spans_cover_the_at_sign_and_handle() {
        let text = "Hỏi @lan_anh nhé";
        let (range, _) = &spans(text)[0];
        assert_eq!(&text[range.clone()], "@lan_anh");
    }
}

#[cfg(test)]
mod render_tests {
    use std::collections::HashMap;

    #[test]
    fn a_known_mention_becomes_a_profile_link_in_rendered_markdown() {
        let known = HashMap::from([("nguyen_thi_lan".to_string(), 7)]);
        let html =
            crate::web::markdown::render_linking("Chị @nguyen_thi_lan xem giúp, gửi @khong_ai_ca.", &|t| super::links(t, &known));
        assert!(html.contains(r#"<a href="/u/7" rel="nofollow ugc noopener">@nguyen_thi_lan</a>"#), "{html}");
        assert!(html.contains("@khong_ai_ca") && !html.contains("khong_ai_ca</a>"), "{html}");
    }
}
