//! Chinese beside English, chosen per connection: `LANGUAGE` (Ergo's
//! draft/languages) and what it changes (services' replies, FAIL
//! descriptions, the default MOTD, plain-text mode), what it leaves alone
//! (numerics' standard texts, other connections), and hostile input.

mod common;

use common::{TestClient, TestServer};
use hichat_proto::Message;
use std::time::Duration;

/// The text of the next NOTICE from `service`.
async fn notice_from(c: &mut TestClient, service: &str) -> String {
    let prefix = format!("{service}!");
    let (m, _) = c.expect_with("NOTICE", |m| m.source.as_deref().is_some_and(|s| s.starts_with(&prefix))).await;
    m.params[1].clone()
}

/// Sends `text` to `service` and returns its first reply.
async fn ask(c: &mut TestClient, service: &str, text: &str) -> String {
    c.send(&format!("PRIVMSG {service} :{text}")).await;
    notice_from(c, service).await
}

/// Every NOTICE text that arrives until the connection is quiet.
async fn notices(c: &mut TestClient) -> Vec<String> {
    let all = c.messages_until_quiet(Duration::from_millis(300)).await;
    all.into_iter().filter(|m| m.command == "NOTICE").map(|m| m.params[1].clone()).collect()
}

/// The last parameter of the next FAIL.
async fn fail_text(c: &mut TestClient) -> Message {
    c.expect("FAIL").await
}

async fn chinese_client(server: &TestServer, nick: &str) -> TestClient {
    let mut c = server.client(nick).await;
    c.send("LANGUAGE zh-CN").await;
    let set = c.expect("687").await;
    assert_eq!(set.params, vec![nick, "zh-CN", "Language preferences have been set"]);
    c
}

#[tokio::test]
async fn isupport_lists_the_languages_and_english_is_the_default() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.nick = "ann".into();
    c.send("NICK ann").await;
    c.send("USER ann 0 * :Ann").await;
    let (_, before) = c.expect_with("376", |_| true).await;
    let tokens: Vec<&String> = before.iter().filter(|m| m.command == "005").flat_map(|m| &m.params).collect();
    assert!(tokens.iter().any(|t| *t == "LANGUAGE=2,en,zh-CN"), "{tokens:?}");
    let motd: Vec<&str> = before.iter().filter(|m| m.command == "372").map(|m| m.params[1].as_str()).collect();
    assert_eq!(motd, vec!["- Welcome to hichat. Type /join #hello to say hi."]);
    assert_eq!(ask(&mut c, "NickServ", "LOGOUT").await, "You are not logged in");
    assert_eq!(ask(&mut c, "ChanServ", "INFO #nowhere").await, "#nowhere is not registered");
    c.send("SEARCH -only").await;
    let fail = fail_text(&mut c).await;
    assert_eq!(fail.params.last().unwrap(), "A query needs a word to find or a filter, not only words to exclude");
    server.stop().await;
}

#[tokio::test]
async fn a_connection_that_chose_chinese_gets_chinese_services_and_fail_descriptions() {
    let server = TestServer::start().await;
    let mut ann = chinese_client(&server, "ann").await;
    let mut bob = server.client("bob").await;

    // NickServ
    ann.send("PRIVMSG NickServ :REGISTER hunter22").await;
    ann.expect("900").await;
    assert_eq!(notice_from(&mut ann, "NickServ").await, "账号 ann 注册成功，你已经登录");
    assert_eq!(ask(&mut ann, "NickServ", "REGISTER again1234").await, "你已经登录了");
    ann.send("NS HELP").await;
    let help = notices(&mut ann).await;
    assert_eq!(help[0], "NickServ 管理账号。命令：");
    assert!(help.len() >= 10 && help.iter().all(|l| !l.contains('\n')), "{help:?}");
    assert_eq!(ask(&mut ann, "NickServ", "FROBNICATE").await, "没有 FROBNICATE 这个命令。试试 HELP");

    // ChanServ
    ann.join("#茶馆").await;
    assert_eq!(ask(&mut ann, "ChanServ", "REGISTER #茶馆").await, "#茶馆 现在注册在你名下了");
    ann.send("CS INFO #茶馆").await;
    let info = notices(&mut ann).await;
    assert_eq!(info[0], "频道：#茶馆");
    assert!(info.contains(&"保留主题：开".to_owned()), "{info:?}");
    assert_eq!(ask(&mut ann, "ChanServ", "SET #茶馆 KEEPTOPIC OFF").await, "#茶馆 的保留主题现在已关闭");
    assert_eq!(
        ask(&mut ann, "ChanServ", "SET #茶馆 HISTORY 500 0").await,
        "#茶馆 现在保留最多 500 条聊天记录，永久保存"
    );

    // HistServ
    ann.send("PRIVMSG #茶馆 :今天喝龙井").await;
    assert_eq!(ask(&mut ann, "HistServ", "SEARCH 乌龙").await, "没有找到与\"乌龙\"相关的消息");
    ann.send("HS SEARCH 龙井").await;
    let found = notices(&mut ann).await;
    assert_eq!(found[0], "找到 1 条与\"龙井\"相关的消息");
    assert!(found[1].contains("今天喝龙井"), "{found:?}");
    assert_eq!(found.last().unwrap(), "结果结束");

    // FAIL descriptions: codes as they are, descriptions in Chinese.
    ann.send("SEARCH -only").await;
    let fail = fail_text(&mut ann).await;
    assert_eq!(
        fail.params,
        vec!["SEARCH", "INVALID_PARAMS", "搜索需要至少一个要找的词或一个筛选条件，不能只有排除的词"]
    );
    ann.send_raw(b"PRIVMSG #x :\xff\xfe\r\n").await;
    let fail = fail_text(&mut ann).await;
    assert_eq!(fail.params, vec!["PRIVMSG", "INVALID_UTF8", "消息被拒绝：本网络要求你的 IRC 软件必须使用 UTF-8 编码"]);
    ann.send("REGISTER * * longenough123").await;
    let fail = fail_text(&mut ann).await;
    assert_eq!(&fail.params[..2], ["REGISTER", "ALREADY_AUTHENTICATED"]);
    assert_eq!(fail.params.last().unwrap(), "你已经登录了");

    // Numerics keep their standard English texts.
    ann.send("AWAY :出去一下").await;
    assert_eq!(ann.expect("306").await.params[1], "You have been marked as being away");

    // The other connection is untouched.
    assert_eq!(ask(&mut bob, "NickServ", "LOGOUT").await, "You are not logged in");
    assert_eq!(ask(&mut bob, "ChanServ", "INFO #nowhere").await, "#nowhere is not registered");
    bob.send("SEARCH -only").await;
    assert!(fail_text(&mut bob).await.params.last().unwrap().starts_with("A query needs"));

    // And back to English.
    ann.send("LANGUAGE en").await;
    assert_eq!(ann.expect("687").await.params[1], "en");
    assert_eq!(ask(&mut ann, "NickServ", "REGISTER again1234").await, "You are already logged in");
    server.stop().await;
}

#[tokio::test]
async fn language_before_registration_gives_the_default_motd_in_chinese() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.nick = "ann".into();
    c.send("LANGUAGE zh").await;
    assert_eq!(c.expect("687").await.params, vec!["*", "zh-CN", "Language preferences have been set"]);
    c.send("NICK ann").await;
    c.send("USER ann 0 * :Ann").await;
    let motd = c.expect("372").await;
    assert_eq!(motd.params[1], "- 欢迎来到 hichat！输入 /join #hello 打个招呼吧。");
    server.stop().await;
}

#[tokio::test]
async fn a_server_own_motd_is_shown_as_written_in_any_language() {
    let mut config = common::test_config();
    config.server.motd = "Tea at five".into();
    let server = TestServer::with_config(config).await;
    let mut c = server.connect().await;
    c.nick = "ann".into();
    c.send("LANGUAGE zh-CN").await;
    c.send("NICK ann").await;
    c.send("USER ann 0 * :Ann").await;
    assert_eq!(c.expect("372").await.params[1], "- Tea at five");
    server.stop().await;
}

#[tokio::test]
async fn server_language_setting_is_the_default_for_everyone() {
    let mut config = common::test_config();
    config.server.language = "zh-CN".into();
    let server = TestServer::with_config(config).await;
    let mut c = server.client("ann").await;
    assert_eq!(ask(&mut c, "NickServ", "LOGOUT").await, "你还没有登录");
    c.send("LANGUAGE en").await;
    c.expect("687").await;
    assert_eq!(ask(&mut c, "NickServ", "LOGOUT").await, "You are not logged in");
    server.stop().await;
}

#[tokio::test]
async fn unknown_hostile_and_too_many_codes_are_refused_cleanly() {
    let server = TestServer::start().await;
    let mut c = chinese_client(&server, "ann").await;

    c.send("LANGUAGE fr").await;
    let no = c.expect("982").await;
    assert_eq!(no.params, vec!["ann", "fr", "本服务器不支持语言 fr"]);
    c.send("LANGUAGE zh-TW").await;
    assert_eq!(c.expect("982").await.params[1], "zh-TW");

    // A code too long, or with control characters, is never echoed.
    let long = "x".repeat(400);
    c.send(&format!("LANGUAGE {long}")).await;
    let no = c.expect("982").await;
    assert_eq!(no.params[1], "*");
    assert!(!no.params[2].contains("xxx"), "{no:?}");
    c.send_raw(b"LANGUAGE zh\x07CN\x1b[2J\r\n").await;
    let no = c.expect("982").await;
    assert_eq!(no.params[1..], ["*", "本服务器不支持语言 *"]);

    // More codes than languages: refused before any is looked at.
    let many = vec!["zh-CN"; 80].join(" ");
    c.send(&format!("LANGUAGE {many}")).await;
    let too_many = c.expect("981").await;
    assert_eq!(too_many.params, vec!["ann", "2", "You specified too many languages"]);
    // 1,000 codes do not fit in a line at all.
    let thousand = vec!["en"; 1000].join(" ");
    c.send(&format!("LANGUAGE {thousand}")).await;
    c.expect("417").await;
    c.send("LANGUAGE").await;
    assert_eq!(c.expect("461").await.params[1], "LANGUAGE");

    // None of that changed the language, and the connection is fine.
    assert_eq!(ask(&mut c, "NickServ", "LOGOUT").await, "你还没有登录");
    // A refused list changes nothing even when its first code is good.
    c.send("LANGUAGE en fr").await;
    c.expect("982").await;
    assert_eq!(ask(&mut c, "NickServ", "LOGOUT").await, "你还没有登录");
    // Duplicates and Ergo's `~` are accepted.
    c.send("LANGUAGE ~zh-cn en").await;
    assert_eq!(c.expect("687").await.params[1..3], ["zh-CN", "en"]);
    c.send("LANGUAGE en EN").await;
    assert_eq!(c.expect("687").await.params[1..], ["en", "Language preferences have been set"]);
    assert_eq!(ask(&mut c, "NickServ", "LOGOUT").await, "You are not logged in");
    server.stop().await;
}

/// Reads plain-text lines until one starts with `prefix`.
async fn line_starting(c: &mut TestClient, prefix: &str) -> String {
    loop {
        let l = c.line().await.expect("connection open");
        if l.starts_with(prefix) {
            return l;
        }
    }
}

#[tokio::test]
async fn a_netcat_user_who_types_chinese_is_answered_in_chinese() {
    let server = TestServer::start().await;
    let mut nc = server.connect().await;
    nc.nick = "nc".into();
    nc.send_raw("你好\n".as_bytes()).await;
    assert_eq!(nc.line().await.as_deref(), Some("欢迎来到 hichat.local 上的 hichat。"));
    assert_eq!(nc.line().await.as_deref(), Some("For English, type /lang en."));
    assert_eq!(nc.line().await.as_deref(), Some("你的昵称是什么？"));
    nc.send_raw("小明\n".as_bytes()).await;
    let hi = line_starting(&mut nc, "-- 你好").await;
    assert!(hi.starts_with("-- 你好，小明！你现在在 #hello 聊天。"), "{hi}");
    nc.send_raw(b"/lang en\n").await;
    assert_eq!(line_starting(&mut nc, "-- I").await, "-- I will speak English with you now.");
    nc.send_raw(b"/frobnicate\n").await;
    assert!(nc.line().await.unwrap().starts_with("type a line to say it;"));
    server.stop().await;
}

#[tokio::test]
async fn a_netcat_user_can_switch_with_the_language_command() {
    let server = TestServer::start().await;
    let mut nc = server.connect().await;
    nc.nick = "nc".into();
    nc.send_raw(b"hello\n").await;
    assert_eq!(nc.line().await.as_deref(), Some("Welcome to hichat on hichat.local."));
    assert_eq!(nc.line().await.as_deref(), Some("中文用户：输入 /lang zh 切换到中文。"));
    assert_eq!(nc.line().await.as_deref(), Some("What is your nickname?"));
    // Before the nickname: not taken for one.
    nc.send_raw(b"LANGUAGE zh-CN\n").await;
    assert_eq!(nc.line().await.as_deref(), Some("-- 好的，现在开始用中文和你交流。"));
    nc.send_raw(b"/lang\n").await;
    assert_eq!(nc.line().await.as_deref(), Some("用法：/lang 语言代码，可选：en, zh-CN"));
    nc.send_raw(b"/lang klingon\n").await;
    assert_eq!(nc.line().await.as_deref(), Some("-- 本服务器不支持语言 klingon"));
    nc.send_raw(b"ann\n").await;
    let hi = line_starting(&mut nc, "-- 你好").await;
    assert!(hi.starts_with("-- 你好，ann！"), "{hi}");
    server.stop().await;
}
