//! The dates of a guidance document as people type and read them. Stored as precisely as they
//! are known, in ISO order (`2018-12-26`, `2024-02`, `2024`); typed either that way or day
//! first as Vietnamese write them (`26/12/2018`, `26.12.2018`, `26-12-2018`, `02/2024`); shown
//! day first on Vietnamese pages and in ISO order on English ones.

use chrono::NaiveDate;

use crate::error::{AppError, AppResult, Msg};
use crate::web::i18n::Lang;

/// A typed date in its stored form; `None` for an empty field. A day that is not in the
/// calendar (31/02/2024) and a month past 12 are named as such; anything else unreadable gets
/// the message showing both ways to write a date.
pub fn parse(input: &str) -> AppResult<Option<String>> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::BadRequest(Msg::new("guidance.error.date").arg("value", s));
    let parts = split(s).ok_or_else(bad)?;
    let numbers: Vec<u32> = parts.iter().map(|p| p.parse::<u32>()).collect::<Result<_, _>>().map_err(|_| bad())?;
    match numbers[..] {
        [y] if (1900..=2100).contains(&y) => Ok(Some(format!("{y:04}"))),
        [y, m] if (1900..=2100).contains(&y) => month(s, m).map(|m| Some(format!("{y:04}-{m:02}"))),
        [y, m, d] if (1900..=2100).contains(&y) => {
            let m = month(s, m)?;
            match NaiveDate::from_ymd_opt(y as i32, m, d) {
                Some(date) => Ok(Some(date.format("%Y-%m-%d").to_string())),
                None if d >= 1 => Err(no_such_day(s, y, m)),
                None => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

/// The parts year first: ISO `YYYY[-MM[-DD]]` as written, or day-first `[D]D/[M]M/YYYY` (also
/// with `.` or `-`) and `[M]M/YYYY` reversed. `None` when the shape is neither.
fn split(s: &str) -> Option<Vec<&str>> {
    let separator = ['/', '.', '-'].into_iter().find(|c| s.contains(*c));
    let parts: Vec<&str> = match separator {
        Some(c) => s.split(c).collect(),
        None => vec![s],
    };
    let digits = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    if parts.len() > 3 || !parts.iter().all(digits) {
        return None;
    }
    let year_first = parts[0].len() == 4 && parts[1..].iter().all(|p| p.len() == 2) && separator.is_none_or(|c| c == '-');
    let day_first = parts.len() > 1 && parts.last().is_some_and(|y| y.len() == 4) && parts[..parts.len() - 1].iter().all(|p| p.len() <= 2);
    if year_first {
        Some(parts)
    } else if day_first {
        Some(parts.into_iter().rev().collect())
    } else {
        None
    }
}

fn month(typed: &str, m: u32) -> AppResult<u32> {
    if (1..=12).contains(&m) { Ok(m) } else { Err(AppError::BadRequest(Msg::new("phone.date.no_such_month").arg("value", typed))) }
}

fn no_such_day(typed: &str, y: u32, m: u32) -> AppError {
    let next = if m == 12 { NaiveDate::from_ymd_opt(y as i32 + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y as i32, m + 1, 1) };
    let days = next.and_then(|n| n.pred_opt()).map(|last| last.format("%d").to_string()).unwrap_or_default();
    AppError::BadRequest(Msg::new("phone.date.no_such_day").arg("value", typed).arg("month", format!("{m:02}/{y:04}")).arg("days", days))
}

/// A stored date for reading: `26/12/2018`, `02/2024`, `2024` in Vietnamese, as stored in English.
pub fn show(stored: &str, lang: &Lang) -> String {
    if *lang == Lang::En {
        return stored.to_string();
    }
    stored.split('-').rev().collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(input: &str) -> Option<String> {
        parse(input).unwrap_or_else(|e| panic!("{input}: {e:?}"))
    }

    fn refused(input: &str) -> &'static str {
        match parse(input) {
            Err(AppError::BadRequest(msg)) => msg.key,
            other => panic!("{input} was not refused: {other:?}"),
        }
    }

    #[test]
    fn dates_are_read_year_first_or_day_first() {
        for (typed, expected) in [
            ("2018-12-26", "2018-12-26"),
            ("26/12/2018", "2018-12-26"),
            ("31/12/2023", "2023-12-31"),
            ("1/3/2019", "2019-03-01"),
            ("26.12.2018", "2018-12-26"),
            ("26-12-2018", "2018-12-26"),
            ("02/2024", "2024-02"),
            ("2024-02", "2024-02"),
            (" 2024 ", "2024"),
            ("29/02/2024", "2024-02-29"),
        ] {
            assert_eq!(stored(typed).as_deref(), Some(expected), "{typed}");
        }
        assert_eq!(stored("  "), None);
    }

    #[test]
    fn impossible_dates_are_named_as_such() {
        assert_eq!(refused("31/02/2024"), "phone.date.no_such_day");
        assert_eq!(refused("29/02/2023"), "phone.date.no_such_day");
        assert_eq!(refused("2023-02-30"), "phone.date.no_such_day");
        assert_eq!(refused("12/13/2024"), "phone.date.no_such_month");
        for junk in ["hôm qua", "2018/12/26/1", "26/12/18", "0/12/2018", "2018-1-5", "1800", "-", "26//2018", "１２/２０２４"] {
            assert_eq!(refused(junk), "guidance.error.date", "{junk}");
        }
    }

    #[test]
    fn the_month_length_is_told() {
        let Err(AppError::BadRequest(msg)) = parse("31/02/2024") else { panic!() };
        let args: Vec<(&str, &str)> = msg.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert!(args.contains(&("days", "29")) && args.contains(&("month", "02/2024")), "{args:?}");
    }

    #[test]
    fn vietnamese_pages_show_the_day_first() {
        assert_eq!(show("2018-12-26", &Lang::Vi), "26/12/2018");
        assert_eq!(show("2024-02", &Lang::Vi), "02/2024");
        assert_eq!(show("2024", &Lang::Vi), "2024");
        assert_eq!(show("2018-12-26", &Lang::En), "2018-12-26");
    }
}
