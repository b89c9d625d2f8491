//! The key that per-address connection limits count by: an IPv4 address
//! as it is, an IPv6 address by its network (a /64 by default), since one
//! IPv6 user is commonly given a whole /64 and could otherwise open the
//! per-address limit once for each of its 2^64 addresses.

use std::net::{IpAddr, Ipv6Addr};

/// The address `ip` counts as: IPv4 (including IPv4-mapped IPv6) as is,
/// IPv6 with all but its first `prefix` bits cleared (`prefix` is at most
/// 128; 128 counts every address singly).
pub fn ip_key(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u32::from(prefix.min(128));
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ip: &str, prefix: u8) -> String {
        ip_key(ip.parse().unwrap(), prefix).to_string()
    }

    #[test]
    fn ipv6_counts_by_network() {
        assert_eq!(key("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2:ffff:ffff:ffff:ffff", 64), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:3::1", 64), key("2001:db8:1:2::1", 64));
        assert_eq!(key("2001:db8:1:2::1", 48), "2001:db8:1::");
        assert_eq!(key("2001:db8::7", 128), "2001:db8::7");
        assert_eq!(key("2001:db8::7", 200), "2001:db8::7");
        assert_eq!(key("2001:db8::7", 0), "::");
        assert_eq!(key("::1", 64), "::");
    }

    #[test]
    fn ipv4_counts_singly() {
        assert_eq!(key("192.0.2.7", 64), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7", 64), "192.0.2.7");
    }
}
