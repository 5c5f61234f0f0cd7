//! 18-character resident ID numbers (GB 11643-1999) with the ISO 7064 MOD 11-2 check
//! character.

use super::calendar;
use super::rng::Rng;

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    crate::ingest::values::resident_id_check(first17)
}

/// Whether an 18-character ID carries the right check character.
#[cfg(test)]
pub fn is_valid(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && check_char(&b[..17]) == b[17]
}

/// A resident ID for someone born on day `born`, registered in `area` (six digits).
/// With `corrupt` the check character is deliberately wrong (a typo in the archive).
pub fn make(rng: &mut Rng, area: &str, born: i32, corrupt: bool) -> String {
    let (y, m, d) = calendar::civil(born);
    let mut s = format!("{area}{y:04}{m:02}{d:02}{:03}", rng.below(1000));
    let c = check_char(s.as_bytes());
    let c = if corrupt {
        // Any of the ten other check characters.
        const CHARS: &[u8; 11] = b"0123456789X";
        let at = CHARS.iter().position(|&x| x == c).unwrap_or(0);
        CHARS[(at + 1 + rng.below(10) as usize) % 11]
    } else {
        c
    };
    s.push(c as char);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_check_out() {
        // The example of GB 11643-1999.
        assert!(is_valid("11010519491231002X"));
        assert!(!is_valid("110105194912310021"));
        let mut rng = Rng::new(3);
        let born = calendar::day(1980, 5, 17);
        let good = make(&mut rng, "370102", born, false);
        assert!(good.starts_with("37010219800517") && is_valid(&good));
        assert!(!is_valid(&make(&mut rng, "370102", born, true)));
    }
}
