//! Calendar arithmetic on days since 1970-01-01 (the Arrow `Date32` representation).

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub const fn day(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number (Hinnant's `civil_from_days`).
pub const fn civil(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` of a day number, as a string.
pub fn iso(z: i32) -> String {
    let mut buf = [0u8; 10];
    String::from_utf8_lossy(format(z, &mut buf)).into_owned()
}

/// `YYYY-MM-DD` into `buf`, returning the ten bytes.
pub fn format(z: i32, buf: &mut [u8; 10]) -> &[u8] {
    let (y, m, d) = civil(z);
    let y = y as u32;
    let digits = [
        y / 1000 % 10,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        10,
        m / 10,
        m % 10,
        10,
        d / 10,
        d % 10,
    ];
    for (b, v) in buf.iter_mut().zip(digits) {
        *b = if v == 10 { b'-' } else { b'0' + v as u8 };
    }
    &buf[..]
}

/// The calendar year of a day number.
pub fn year(z: i32) -> i32 {
    civil(z).0
}

/// A quarter as an index: `year * 4 + (quarter - 1)`.
pub fn quarter_of(z: i32) -> i32 {
    let (y, m, _) = civil(z);
    y * 4 + (m as i32 - 1) / 3
}

/// First day of quarter index `q`.
pub fn quarter_start(q: i32) -> i32 {
    day(q.div_euclid(4), (q.rem_euclid(4) * 3 + 1) as u32, 1)
}

/// Last day of quarter index `q`.
pub fn quarter_end(q: i32) -> i32 {
    quarter_start(q + 1) - 1
}

/// First day of month index `m` (`year * 12 + month - 1`).
pub fn month_start(m: i32) -> i32 {
    day(m.div_euclid(12), (m.rem_euclid(12) + 1) as u32, 1)
}

/// The month index (`year * 12 + month - 1`) of a day number.
pub fn month_of(z: i32) -> i32 {
    let (y, m, _) = civil(z);
    y * 12 + m as i32 - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_formats() {
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(day(2024, 2, 29) + 1, day(2024, 3, 1));
        for z in day(1950, 1, 1)..day(2030, 12, 31) {
            let (y, m, d) = civil(z);
            assert_eq!(day(y, m, d), z);
        }
        let mut buf = [0; 10];
        assert_eq!(format(day(2026, 9, 30), &mut buf), b"2026-09-30");
        assert_eq!(quarter_end(quarter_of(day(2026, 8, 2))), day(2026, 9, 30));
        assert_eq!(quarter_start(quarter_of(day(2026, 1, 2))), day(2026, 1, 1));
        assert_eq!(month_start(month_of(day(2025, 12, 31))), day(2025, 12, 1));
    }
}
