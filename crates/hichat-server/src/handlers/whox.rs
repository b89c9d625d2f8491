//! WHOX: `WHO <mask> %<fields>[,<token>]` asks for chosen fields, answered
//! with RPL_WHOSPCRPL (354) in the fixed order `tcuihsnfdlaor`.

use crate::state::client::Client;

/// Which fields a WHOX request asked for, and its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    fields: String,
    token: Option<String>,
}

/// The order fields are sent in, whatever order they were asked in.
const ORDER: &str = "tcuihsnfdlaor";

impl Request {
    /// Parses what follows the `%`: field letters, then `,token`. Unknown
    /// letters are ignored; the token is at most three digits.
    pub fn parse(spec: &str) -> Self {
        let (fields, token) = match spec.split_once(',') {
            Some((f, t)) => (f, Some(t)),
            None => (spec, None),
        };
        let token = token.filter(|t| !t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit()));
        let fields = ORDER.chars().filter(|c| fields.contains(*c)).collect();
        Request { fields, token: token.map(str::to_owned) }
    }

    /// The 354 parameters (after the client's nick) for one row; the
    /// realname, when asked for, is last so it can be the trailing one.
    pub fn row(&self, server: &str, channel: &str, c: &Client, flags: &str) -> Vec<String> {
        self.fields
            .chars()
            .filter_map(|f| {
                Some(match f {
                    't' => self.token.clone().unwrap_or_else(|| "0".into()),
                    'c' => channel.to_owned(),
                    'u' => c.user.clone(),
                    'i' => c.ip.map_or_else(|| "255.255.255.255".into(), |ip| ip.to_string()),
                    'h' => c.host.clone(),
                    's' => server.to_owned(),
                    'n' => c.nick.clone(),
                    'f' => flags.to_owned(),
                    'd' => "0".into(),
                    'l' => c.last_message.elapsed().as_secs().to_string(),
                    // `0` is WHOX's "not logged in".
                    'a' => c.account.clone().unwrap_or_else(|| "0".into()),
                    'o' => "n/a".into(),
                    'r' => c.realname.clone(),
                    _ => return None,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_fixed_order() {
        let r = Request::parse("nacrt,42");
        assert_eq!(r.fields, "tcnar");
        assert_eq!(r.token.as_deref(), Some("42"));
        assert_eq!(Request::parse("n,abcd").token, None);
    }
}
