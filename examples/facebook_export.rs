//! Writes a synthetic Facebook group export for the import benchmark (docs/BENCHMARKS.md):
//! a Graph API feed dump of N posts, each with two comments, every string in Facebook's
//! double-encoded form (each UTF-8 byte as its own character; serde_json writes them as UTF-8
//! rather than `\u00XX` escapes, which parse to the same string), fictional people and text.
//!
//!     cargo run --release --example facebook_export -- OUT_DIR [POSTS]   (default 50000)

use std::fs::File;
use std::io::{BufWriter, Write};

use serde_json::json;

const NAMES: [&str; 8] =
    ["Nguyễn Thị Lan", "Trần Văn Bình", "Lê Thị Hoa", "Phạm Minh Tuấn", "Đỗ Quang Huy", "Võ Thị Mai", "Hoàng Văn Nam", "Bùi Thị Thu"];
const OPENINGS: [&str; 6] = [
    "Phòng ngừa té ngã cho người bệnh cao tuổi ban đêm",
    "Bàn giao ca bằng SBAR tại giường",
    "Vệ sinh tay 5 thời điểm ở khoa Hồi sức",
    "Bảng kiểm an toàn phẫu thuật 3 bước",
    "Báo cáo sự cố không đổ lỗi",
    "Chúc mừng cả nhà",
];

/// Facebook's encoding fault.
fn facebook(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: facebook_export OUT_DIR [POSTS]");
    let posts: u64 = args.next().map_or(50_000, |n| n.parse().expect("POSTS is a number"));
    std::fs::create_dir_all(&dir)?;
    let mut out = BufWriter::new(File::create(format!("{dir}/feed.json"))?);
    out.write_all(b"{\"data\": [")?;
    let start = 1_420_070_400i64; // 2015-01-01
    for i in 0..posts {
        let at = start + (i as i64) * 3_000;
        let who = |k: u64| facebook(NAMES[((i + k) % NAMES.len() as u64) as usize]);
        let text = format!(
            "{} — kinh nghiệm số {i} 👩‍⚕️\nKhoa chúng tôi áp dụng từ năm {} và thấy giảm sự cố rõ rệt. Mọi người góp ý nhé!",
            OPENINGS[(i % 6) as usize],
            2015 + i % 9
        );
        let comment = |k: i64| json!({"id": format!("{i}_{k}"), "from": {"name": who(k as u64 + 1)}, "message": facebook(&format!("Cảm ơn chị, bài số {i} rất hữu ích 👍 ({k})")), "created_time": at + 600 * k});
        let post = json!({
            "id": format!("900000_{i}"), "from": {"name": who(0)}, "message": facebook(&text), "created_time": at,
            "comments": {"data": [comment(1), comment(2)]},
        });
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, &post)?;
    }
    out.write_all(b"], \"paging\": {}}\n")?;
    out.flush()?;
    println!("wrote {posts} posts to {dir}/feed.json");
    Ok(())
}
