//! The library and the criteria catalog an empty forum starts with.
//!
//! Documents come from `guidance-seed.tsv` (a copy of the project's shared data file). A date
//! the file marks as unconfirmed, leaves blank or gives without a day starts as unverified:
//! ministry staff confirm it on the document's edit form.

use anyhow::Context;

use super::domain::{self, GuidanceInput};
use crate::store::Store;

const SEED: &str = include_str!("guidance-seed.tsv");

/// Chapters (groups) of the hospital quality criteria of Decision 6858/QĐ-BYT, parts A–E. Only
/// the group level is seeded, with titles as we know them, unverified: ministry staff and admins
/// confirm them and add the individual criteria (A1.1 …) on /criteria.
const CRITERIA_GROUPS: &[(&str, &str, &str)] = &[
    ("A1", "Chỉ dẫn, đón tiếp, hướng dẫn người bệnh", "Directions, reception and guidance for patients"),
    ("A2", "Điều kiện cơ sở vật chất phục vụ người bệnh", "Facilities serving patients"),
    ("A3", "Môi trường chăm sóc người bệnh", "Care environment"),
    ("A4", "Quyền và lợi ích của người bệnh", "Patients' rights and interests"),
    ("B1", "Số lượng và cơ cấu nhân lực bệnh viện", "Number and structure of hospital staff"),
    ("B2", "Chất lượng nguồn nhân lực", "Quality of human resources"),
    ("B3", "Chế độ đãi ngộ và điều kiện, môi trường làm việc", "Remuneration, working conditions and environment"),
    ("B4", "Lãnh đạo bệnh viện", "Hospital leadership"),
    ("C1", "An ninh, trật tự và an toàn cháy nổ", "Security, order and fire safety"),
    ("C2", "Quản lý hồ sơ bệnh án", "Medical records management"),
    ("C3", "Ứng dụng công nghệ thông tin", "Information technology"),
    ("C4", "Phòng ngừa và kiểm soát nhiễm khuẩn", "Infection prevention and control"),
    ("C5", "Năng lực thực hiện kỹ thuật chuyên môn", "Clinical technical capability"),
    ("C6", "Hoạt động điều dưỡng và chăm sóc người bệnh", "Nursing and patient care"),
    ("C7", "Năng lực thực hiện chăm sóc dinh dưỡng và tiết chế", "Nutrition and dietetics"),
    ("C8", "Chất lượng xét nghiệm", "Laboratory quality"),
    ("C9", "Quản lý cung ứng và sử dụng thuốc", "Supply and use of medicines"),
    ("C10", "Nghiên cứu khoa học", "Scientific research"),
    ("D1", "Thiết lập hệ thống và xây dựng, triển khai kế hoạch cải tiến chất lượng", "Quality improvement system and plan"),
    ("D2", "Phòng ngừa các sự cố và khắc phục", "Preventing incidents and putting them right"),
    ("D3", "Đánh giá, đo lường, hợp tác và cải tiến chất lượng", "Evaluation, measurement, cooperation and quality improvement"),
    ("E1", "Tiêu chí sản khoa", "Obstetrics"),
    ("E2", "Tiêu chí nhi khoa", "Paediatrics"),
];

/// Fills an empty library and an empty criteria catalog. Returns how many documents were added.
pub async fn ensure_library(store: &Store) -> anyhow::Result<usize> {
    if store.count_criteria().await? == 0 {
        for (code, title_vi, title_en) in CRITERIA_GROUPS {
            store.upsert_criterion(code, &code[..1], title_vi, title_en, false).await?;
        }
    }
    if store.count_guidance().await? > 0 {
        return Ok(0);
    }
    let rows = seed_rows();
    for input in &rows {
        let fields = domain::validate_new(input).map_err(|e| anyhow::anyhow!("seed row {:?}: {e}", input.number))?;
        match store.create_guidance(&fields, &[], None).await {
            // Another process seeding at the same time got there first.
            Err(crate::store::StoreError::Conflict) => return Ok(0),
            other => other.context("cannot seed the guidance library")?,
        };
    }
    link_seeded_supersessions(store).await?;
    Ok(rows.len())
}

/// Rows of the seed file as if typed into the form.
fn seed_rows() -> Vec<GuidanceInput> {
    SEED.lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("number\t") && !line.trim().is_empty())
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let [number, kind, title_vi, title_en, issued, effective, notes] = cols[..] else { return None };
            let verified =
                !notes.contains("unconfirmed") && !notes.contains("not confirmed") && issued.len() == 10 && effective.len() == 10;
            Some(GuidanceInput {
                number: Some(number.to_string()),
                display_number: Some(number.to_string()),
                kind: Some(kind_code(kind).to_string()),
                issuer: Some(issuer_of(number).to_string()),
                title_vi: Some(title_vi.to_string()),
                title_en: Some(title_en.to_string()),
                issued_on: Some(issued.to_string()),
                effective_on: Some(effective.to_string()),
                dates_verified: Some(verified),
                summary: Some(summary_of(notes)),
                ..GuidanceInput::default()
            })
        })
        .collect()
}

/// The notes without the remarks on unconfirmed dates (those become the unverified flag, and the
/// replacement of 46/2018 a relation).
fn summary_of(notes: &str) -> String {
    notes
        .split(['.', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty() && !part.contains("confirmed") && !part.starts_with("Replaced by"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The seed file notes that 13/2025/TT-BYT replaced 46/2018/TT-BYT (on electronic medical records).
async fn link_seeded_supersessions(store: &Store) -> anyhow::Result<()> {
    let (Ok(newer), Ok(older)) = (store.guidance_by_number("13/2025/TT-BYT").await, store.guidance_by_number("46/2018/TT-BYT").await)
    else {
        return Ok(());
    };
    store.update_guidance(newer.id, &domain::fields_of(&newer), &[("supersedes".to_string(), older.id)]).await?;
    let mut old = domain::fields_of(&older);
    old.status = "superseded".into();
    store.update_guidance(older.id, &old, &[]).await?;
    Ok(())
}

fn kind_code(vietnamese: &str) -> &'static str {
    match vietnamese {
        "Luật" => "law",
        "Nghị định" => "decree",
        "Thông tư" => "circular",
        "Thông tư liên tịch" => "joint_circular",
        "Quyết định" => "decision",
        "Chỉ thị" => "directive",
        "Nghị quyết" => "resolution",
        "Công văn" => "official_letter",
        "Hướng dẫn" => "guideline",
        _ => "other",
    }
}

/// The issuer named by the number's last code: BYT is the Ministry of Health, TTg the Prime Minister.
fn issuer_of(number: &str) -> &'static str {
    match number.rsplit('-').next() {
        Some("BYT") => "Bộ Y tế",
        Some("TTg") => "Thủ tướng Chính phủ",
        Some("CP") => "Chính phủ",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_on_confirmation_leave_the_summary() {
        assert_eq!(summary_of("Incident reporting and learning; effective date unconfirmed."), "Incident reporting and learning");
        assert_eq!(summary_of("Issue date unconfirmed."), "");
        assert_eq!(summary_of("Replaced by 13/2025/TT-BYT (unconfirmed)."), "");
        assert_eq!(seed_rows().len(), 10);
    }
}
