//! Command-line options of `hichat connect`.

use std::time::{SystemTime, UNIX_EPOCH};

/// The port used when the address names none (the seed program's port).
pub const DEFAULT_PORT: u16 = 6666;

/// Options of `hichat connect`.
#[derive(clap::Args, Debug, Clone)]
pub struct ConnectArgs {
    /// Server address, `host:port` (the port defaults to 6666).
    #[arg(value_name = "ADDR", default_value = "127.0.0.1:6666")]
    pub addr: String,

    /// Nickname (defaults to $USER, or guest-NNNN).
    #[arg(long)]
    pub nick: Option<String>,

    /// Channel to join on connect; repeat for more.
    #[arg(long = "channel", value_name = "CHANNEL", default_value = "#hello")]
    pub channels: Vec<String>,

    /// Server password (sent as PASS).
    #[arg(long)]
    pub password: Option<String>,

    /// Account name for SASL PLAIN, used when the server offers `sasl`.
    #[arg(long, requires = "sasl_password")]
    pub sasl_user: Option<String>,

    /// Password for SASL PLAIN.
    #[arg(long, requires = "sasl_user")]
    pub sasl_password: Option<String>,

    /// Line mode for scripts and pipes (automatic when not on a terminal).
    #[arg(long)]
    pub plain: bool,

    /// Keep retrying with backoff when the server is not reachable yet.
    #[arg(long)]
    pub retry: bool,
}

impl Default for ConnectArgs {
    fn default() -> Self {
        Self {
            addr: format!("127.0.0.1:{DEFAULT_PORT}"),
            nick: None,
            channels: vec!["#hello".into()],
            password: None,
            sasl_user: None,
            sasl_password: None,
            plain: false,
            retry: false,
        }
    }
}

impl ConnectArgs {
    /// The address with a port: `host` alone gets the default port.
    pub fn address(&self) -> String {
        normalize_addr(&self.addr)
    }

    /// The nickname to register with.
    pub fn nickname(&self) -> String {
        match &self.nick {
            Some(n) if !n.is_empty() => n.clone(),
            _ => default_nick(std::env::var("USER").ok().as_deref()),
        }
    }

    /// Channels to join, each with a `#` in front.
    pub fn channel_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.channels.iter().flat_map(|c| c.split(',')).map(str::trim).filter(|c| !c.is_empty()) {
            let c = if c.starts_with('#') { c.to_owned() } else { format!("#{c}") };
            if !out.iter().any(|o| hichat_proto::casemap::eq(o, &c)) {
                out.push(c);
            }
        }
        out
    }
}

/// Adds the default port to an address that has none (`[::1]` and
/// `localhost` included).
pub fn normalize_addr(addr: &str) -> String {
    let has_port = if let Some(rest) = addr.strip_prefix('[') {
        rest.split_once(']').is_some_and(|(_, after)| after.starts_with(':'))
    } else {
        addr.matches(':').count() == 1
    };
    if has_port {
        addr.to_owned()
    } else if addr.contains(':') && !addr.starts_with('[') {
        format!("[{addr}]:{DEFAULT_PORT}")
    } else {
        format!("{addr}:{DEFAULT_PORT}")
    }
}

/// A nickname from `$USER` made safe for IRC, or `guest-NNNN`.
pub fn default_nick(user: Option<&str>) -> String {
    let cleaned: String = user
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric() || "_-[]\\`^{}|".contains(*c))
        .take(hichat_proto::NICKLEN)
        .collect();
    if hichat_proto::Nickname::parse(&cleaned, hichat_proto::NICKLEN).is_ok() {
        return cleaned;
    }
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0) % 10_000;
    format!("guest-{n:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_get_the_default_port() {
        assert_eq!(normalize_addr("127.0.0.1:7000"), "127.0.0.1:7000");
        assert_eq!(normalize_addr("localhost"), "localhost:6666");
        assert_eq!(normalize_addr("[::1]"), "[::1]:6666");
        assert_eq!(normalize_addr("[::1]:7"), "[::1]:7");
        assert_eq!(normalize_addr("::1"), "[::1]:6666");
    }

    #[test]
    fn nick_from_user_or_guest() {
        assert_eq!(default_nick(Some("ann")), "ann");
        assert_eq!(default_nick(Some("a.b c")), "abc");
        let guest = default_nick(Some("1root"));
        assert!(guest.starts_with("guest-") && guest.len() == 10, "{guest}");
        assert!(default_nick(None).starts_with("guest-"));
    }

    #[test]
    fn channels_get_a_hash_and_no_duplicates() {
        let args =
            ConnectArgs { channels: vec!["hello".into(), "#Hello".into(), "#a,#b".into()], ..Default::default() };
        assert_eq!(args.channel_names(), vec!["#hello", "#a", "#b"]);
    }
}
