//! Hospital tiers, one vocabulary for profiles and anonymous case studies.

/// Levels of care under the 2023 Law on Medical Examination and Treatment.
pub const HOSPITAL_TIERS: &[&str] = &["initial", "basic", "specialised"];
