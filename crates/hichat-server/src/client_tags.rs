//! Client-only tags (`+name`): which ones hichat relays, and the
//! `CLIENTTAGDENY` ISUPPORT token that tells clients so.

use hichat_proto::Tag;

/// Client-only tags that are not relayed, in CLIENTTAGDENY syntax: names,
/// or `*` then `-name` exceptions. hichat relays every client-only tag.
pub const DENY: &str = "";

/// The ISUPPORT token.
pub fn isupport_token() -> String {
    format!("CLIENTTAGDENY={DENY}")
}

/// Whether client-only tag `name` (without its `+`) is refused by `deny`.
pub fn denied(deny: &str, name: &str) -> bool {
    let mut all = false;
    for item in deny.split(',').filter(|s| !s.is_empty()) {
        if item == "*" {
            all = true;
        } else if let Some(allowed) = item.strip_prefix('-') {
            if allowed == name {
                return false;
            }
        } else if item == name {
            return true;
        }
    }
    all
}

/// The client-only tags of an incoming message that are relayed.
pub fn relayed(tags: &[Tag]) -> Vec<Tag> {
    tags.iter().filter(|t| t.is_client_only() && !denied(DENY, &t.key[1..])).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_lists() {
        assert!(!denied("", "typing"));
        assert!(denied("*,-typing", "react"));
        assert!(!denied("*,-typing", "typing"));
        assert!(denied("react", "react"));
        let tags = [Tag::new("+typing", Some("active".into())), Tag::new("label", Some("x".into()))];
        assert_eq!(relayed(&tags), vec![Tag::new("+typing", Some("active".into()))]);
    }
}
