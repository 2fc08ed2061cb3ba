//! Cognito's `TIMESTAMP` challenge response, formatted from an injected time.
//!
//! The format is `EEE MMM d HH:mm:ss UTC yyyy` (Java's pattern, English
//! names, no leading zero on the day). It is written out here rather than
//! with a date crate because it must be total: every `i64` the injected
//! clock can produce formats without an error or a panic, far beyond the
//! years date crates accept.

/// Formats a Unix time (seconds, UTC) as Cognito's `TIMESTAMP`:
/// `"%a %b %-d %H:%M:%S UTC %Y"` with English names and an unpadded day,
/// for example `"Tue Nov 4 09:05:03 UTC 2025"`. Total for every `i64`.
pub fn format_timestamp(unix_secs: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday} {month_name} {day} {:02}:{:02}:{:02} UTC {year}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31) in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`), in i128 so that
/// no i64 input overflows.
fn civil_from_days(days: i64) -> (i128, i64, i64) {
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i128::from(month <= 2);
    // day and month are small, so the conversions cannot fail.
    (
        year,
        i64::try_from(month).unwrap_or(1),
        i64::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_has_unpadded_day_and_english_names() {
        assert_eq!(format_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(
            format_timestamp(1_762_247_103),
            "Tue Nov 4 09:05:03 UTC 2025"
        );
        assert_eq!(format_timestamp(-1), "Wed Dec 31 23:59:59 UTC 1969");
        assert_eq!(
            format_timestamp(951_782_400),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
        // Total: the extremes do not panic.
        assert!(format_timestamp(i64::MAX).ends_with("UTC 292277026596"));
        assert!(format_timestamp(i64::MIN).contains("UTC -292277022657"));
    }
}
