//! China time (UTC+8, whatever the server's zone) and the times of day people type
//! (`/subscribe 08:30`): what the daily cards and the daily statistics are counted in.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Timelike, Utc};

/// China Standard Time, UTC+8 (no daylight saving).
const CHINA_OFFSET_SECONDS: i64 = 8 * 3600;

/// `now` as a date and time in China.
pub fn china_time(now: DateTime<Utc>) -> NaiveDateTime {
    let utc = now.naive_utc();
    // Only overflows at the end of chrono's calendar, which no clock reaches.
    utc.checked_add_signed(TimeDelta::seconds(CHINA_OFFSET_SECONDS))
        .unwrap_or(utc)
}

/// Minutes after midnight for `HH:MM` (also `H:MM`, `HH：MM`, `9点`); `None` when not a time.
pub fn parse_time_of_day(text: &str) -> Option<u16> {
    let text = crate::normalize::to_half_width(text.trim());
    let text = text.trim_end_matches('点');
    let (hours, minutes) = match text.split_once(':') {
        Some((hours, minutes)) => (hours, minutes),
        None => (text, "0"),
    };
    let hours: u16 = hours.trim().parse().ok()?;
    let minutes: u16 = minutes.trim().parse().ok()?;
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// Minutes after midnight of a time of day.
pub fn minute_of_day_of(time: &NaiveDateTime) -> u16 {
    // hour < 24 and minute < 60, so this fits.
    (time.hour() * 60 + time.minute()) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_parse_in_common_spellings() {
        assert_eq!(parse_time_of_day("09:00"), Some(540));
        assert_eq!(parse_time_of_day("8:30"), Some(510));
        assert_eq!(parse_time_of_day("２０：１５"), Some(20 * 60 + 15));
        assert_eq!(parse_time_of_day("7点"), Some(420));
        assert_eq!(parse_time_of_day("24:00"), None);
        assert_eq!(parse_time_of_day("9:60"), None);
        assert_eq!(parse_time_of_day("明天"), None);
        assert_eq!(parse_time_of_day(""), None);
    }

    #[test]
    fn china_time_is_utc_plus_eight() {
        let utc: DateTime<Utc> = "2026-11-27T16:30:00Z".parse().unwrap();
        let local = china_time(utc);
        assert_eq!(local.to_string(), "2026-11-28 00:30:00");
    }
}
