//! Calendar days and years in Vietnam time, for `before:`/`after:` and the year facet.
//!
//! The forum's users all live in one time zone (UTC+7, no daylight saving), so "after:2024-01-01"
//! means from midnight in Hanoi, and a post at 01:00 on 1 January Hanoi time counts in that year.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, NaiveDate};

use crate::TIME_ZONE_OFFSET_SECONDS;

/// Unix seconds at the start of `day` in Vietnam time.
pub(crate) fn day_start(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp()) - TIME_ZONE_OFFSET_SECONDS
}

/// The Vietnam-time year of a Unix timestamp. Called once per matching document by the facet
/// collector, so the common range is a binary search over precomputed year starts.
pub(crate) fn year_of(timestamp: i64) -> Option<i32> {
    let starts = year_starts();
    let index = starts.partition_point(|&start| start <= timestamp);
    if index == 0 || index == starts.len() {
        return year_of_slow(timestamp);
    }
    Some(FIRST_FAST_YEAR + index as i32 - 1)
}

const FIRST_FAST_YEAR: i32 = 1970;
const LAST_FAST_YEAR: i32 = 2200;

fn year_starts() -> &'static [i64] {
    static STARTS: OnceLock<Vec<i64>> = OnceLock::new();
    STARTS
        .get_or_init(|| (FIRST_FAST_YEAR..=LAST_FAST_YEAR).filter_map(|year| NaiveDate::from_ymd_opt(year, 1, 1)).map(day_start).collect())
}

fn year_of_slow(timestamp: i64) -> Option<i32> {
    let local = timestamp.checked_add(TIME_ZONE_OFFSET_SECONDS)?;
    DateTime::from_timestamp(local, 0).map(|t| t.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_start_is_midnight_in_hanoi() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(day_start(day), 1_704_042_000); // 2023-12-31T17:00:00Z
    }

    #[test]
    fn years_follow_vietnam_time() {
        assert_eq!(year_of(1_704_042_000), Some(2024));
        assert_eq!(year_of(1_704_041_999), Some(2023));
        assert_eq!(year_of(0), Some(1970));
        assert_eq!(year_of(-100_000), Some(1969));
        assert_eq!(year_of(i64::MAX), None);
        assert_eq!(year_of(i64::MIN), None);
    }
}
