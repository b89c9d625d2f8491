//! The ISUPPORT (005) tokens, built once from the configuration.

use crate::config::Config;
use hichat_proto::casemap::CASEMAPPING;

/// Channel modes by type (ISUPPORT CHANMODES): lists, always-parameter,
/// parameter-when-set, flags.
pub const CHANMODES: &str = "beI,k,l,imnst";
/// Modes with a parameter that one MODE command may change.
pub const MODES_PER_COMMAND: usize = 4;

/// Every token, e.g. `NICKLEN=30`.
pub fn tokens(config: &Config) -> Vec<String> {
    let l = &config.limits;
    let t = l.targets_per_message;
    let mut tokens = vec![
        format!("AWAYLEN={}", l.away_length),
        "BOT=B".into(),
        format!("CASEMAPPING={CASEMAPPING}"),
        format!("CHANLIMIT=#:{}", l.channels_per_user),
        format!("CHANMODES={CHANMODES}"),
        format!("CHANNELLEN={}", l.channel_length),
        "CHANTYPES=#".into(),
        crate::client_tags::isupport_token(),
        "ELIST=U".into(),
        "EXCEPTS=e".into(),
        "INVEX=I".into(),
        format!("KICKLEN={}", l.kick_length),
        crate::handlers::language::isupport_token(),
        format!("MAXLIST=beI:{}", l.list_entries),
        format!("MAXTARGETS={t}"),
        format!("MODES={MODES_PER_COMMAND}"),
        format!("MONITOR={}", crate::handlers::MONITOR_LIMIT),
        format!("NAMELEN={}", crate::handlers::NAMELEN),
        format!("NETWORK={}", config.server.network),
        format!("NICKLEN={}", l.nick_length),
        "PREFIX=(ov)@+".into(),
        "STATUSMSG=@+".into(),
        format!("TARGMAX=JOIN:{t},KICK:{t},NAMES:1,NOTICE:{t},PART:{t},PRIVMSG:{t},WHOIS:1"),
        format!("TOPICLEN={}", l.topic_length),
        "USERLEN=18".into(),
        "UTF8ONLY".into(),
        "WHOX".into(),
    ];
    tokens.extend(crate::history::isupport_tokens(&config.history));
    tokens.sort();
    tokens
}

/// The tokens grouped at most 13 to a line, as 005 lines carry them.
pub fn lines(config: &Config) -> Vec<Vec<String>> {
    tokens(config).chunks(13).map(<[String]>::to_vec).collect()
}
