//! Message ids (`msgid` tag): unique, sortable by time, 26 characters.
//!
//! Like a ULID: 48 bits of milliseconds since the epoch, then 80 random
//! bits, in Crockford's base32. Ids from one server sort by when they were
//! made (to the millisecond), which history paging can lean on later.

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh message id for a message made at `millis`.
pub fn new_msgid(millis: u64) -> String {
    let mut random = [0u8; 10];
    rand::thread_rng().fill_bytes(&mut random);
    let mut value: u128 = u128::from(millis & 0xFFFF_FFFF_FFFF) << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    // 26 base32 digits hold 130 bits; the top two are always zero.
    (0..26).rev().map(|i| ALPHABET[((value >> (5 * i)) & 31) as usize] as char).collect()
}

/// The millisecond a msgid made by [`new_msgid`] was made at, read back
/// from its first ten digits. `None` for an id not made here.
pub fn time_of(msgid: &str) -> Option<u64> {
    if msgid.len() != 26 {
        return None;
    }
    msgid.bytes().take(10).try_fold(0u64, |t, c| {
        let digit = ALPHABET.iter().position(|a| *a == c)? as u64;
        Some(t << 5 | digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_sortable_and_tag_safe() {
        let a = new_msgid(1_000);
        let b = new_msgid(1_000);
        let c = new_msgid(2_000);
        assert_eq!(a.len(), 26);
        assert_ne!(a, b);
        assert!(a < c && b < c);
        assert!(a.bytes().all(|x| x.is_ascii_alphanumeric()));
        assert_eq!(time_of(&new_msgid(1_795_618_253_007)), Some(1_795_618_253_007));
        assert_eq!(time_of("not-one"), None);
    }
}
