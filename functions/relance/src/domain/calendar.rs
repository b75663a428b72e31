//! The business calendar: relance works in Paris time. Every "what day is
//! it", "is it a business day" and "when does the morning pass run" is
//! answered here, from an instant passed in; nothing reads a clock.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The zone documents are dated in and passes are scheduled in.
pub const ZONE: Tz = chrono_tz::Europe::Paris;

/// The hour, Paris time, the scheduled reminder pass runs at.
pub const PASS_HOUR: u32 = 8;

/// The business date of an instant (an invoice issued at 00:30 in Paris
/// on 1 July is dated 1 July, whatever UTC says).
pub fn business_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&ZONE).date_naive()
}

/// Saturday and Sunday: no reminder is sent on them.
pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// 08:00 in Paris on `day`, in UTC: 07:00 in winter, 06:00 in summer,
/// right on the days the clocks change.
pub fn morning_of(day: NaiveDate) -> Option<DateTime<Utc>> {
    let local = day.and_hms_opt(PASS_HOUR, 0, 0)?;
    ZONE.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The instant a pass "as of" `day` runs at: `wall` for today, 08:00 in
/// Paris for any other day, so a replayed or previewed pass sees the
/// contact budget as it will be (or was) that morning.
pub fn pass_instant(day: NaiveDate, wall: DateTime<Utc>) -> DateTime<Utc> {
    if day == business_date(wall) {
        return wall;
    }
    morning_of(day).unwrap_or(wall)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap_or_default()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_business_date_is_the_date_in_paris() {
        // (instant in UTC, date in Paris)
        let cases = [
            (utc(2026, 6, 30, 21, 59), day(2026, 6, 30)),   // 23:59 CEST
            (utc(2026, 6, 30, 22, 0), day(2026, 7, 1)),     // midnight CEST
            (utc(2026, 12, 31, 22, 59), day(2026, 12, 31)), // 23:59 CET
            (utc(2026, 12, 31, 23, 0), day(2027, 1, 1)),    // midnight CET
        ];
        for (instant, want) in cases {
            assert_eq!(business_date(instant), want, "{instant}");
        }
    }

    #[test]
    fn the_morning_pass_follows_daylight_saving() {
        // (day, 08:00 Paris in UTC)
        let cases = [
            (day(2026, 1, 15), utc(2026, 1, 15, 7, 0)),
            (day(2026, 3, 28), utc(2026, 3, 28, 7, 0)), // the day before summer time
            (day(2026, 3, 29), utc(2026, 3, 29, 6, 0)), // clocks went forward at 02:00
            (day(2026, 10, 25), utc(2026, 10, 25, 7, 0)), // clocks went back at 03:00
            (day(2026, 7, 1), utc(2026, 7, 1, 6, 0)),
        ];
        for (d, want) in cases {
            assert_eq!(morning_of(d), Some(want), "{d}");
        }
    }

    #[test]
    fn a_pass_for_today_runs_now_and_for_another_day_at_its_morning() {
        let wall = utc(2026, 11, 23, 14, 12);
        assert_eq!(pass_instant(day(2026, 11, 23), wall), wall);
        assert_eq!(pass_instant(day(2026, 11, 20), wall), utc(2026, 11, 20, 7, 0));
        assert_eq!(pass_instant(day(2026, 11, 25), wall), utc(2026, 11, 25, 7, 0));
    }

    #[test]
    fn weekends_are_saturday_and_sunday() {
        let week: Vec<bool> = (23..=29).map(|d| is_weekend(day(2026, 11, d))).collect();
        assert_eq!(week, [false, false, false, false, false, true, true]);
    }
}
