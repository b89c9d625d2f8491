# hichat 自己说的话（简体中文）。每条消息都与 locales/en/hichat.ftl 一一对应，
# $变量 也必须相同（测试会检查）。数字回复（numeric）保持标准英文，不在这里。

## 各服务共用

service-unknown-command = 没有 { $command } 这个命令。试试 HELP
accounts-weak-password = 密码至少要 { $min } 个字符，并且不能有空格

## NickServ

ns-help =
    NickServ 管理账号。命令：
    REGISTER <密码> [邮箱] - 把你现在的昵称注册为账号
    IDENTIFY [账号] <密码> - 登录
    IDENTIFY [账号] - 用你的 TLS 客户端证书登录
    CERT ADD - 以后用你当前连接所用的 TLS 客户端证书登录
    CERT DEL <指纹> / CERT LIST - 删除或列出你的证书指纹
    LOGOUT - 退出登录
    INFO [账号] - 查看账号信息
    SET PASSWORD <当前密码> <新密码> - 修改密码（也可以用 PASSWD）
    GHOST <昵称> - 断开占用你昵称的连接
    RECOVER <昵称> - 断开对方并拿回这个昵称
    DROP <密码> - 删除你的账号（以及它创建的频道）
ns-password-unacceptable = 密码里不能有控制字符、私用区字符，也不能混用不同书写方向的文字
ns-logged-out = 你已退出登录
ns-not-logged-in = 你还没有登录
ns-usage-register = 用法：REGISTER <密码> [邮箱]
ns-registered = 账号 { $account } 注册成功，你已经登录
ns-bad-name = 你的昵称不能用作账号名
ns-exists = { $nick } 已经被注册了
ns-registration-disabled = 本服务器已关闭账号注册
ns-already-logged-in = 你已经登录了
ns-register-failed = 注册失败，请稍后再试
ns-identified-cert = 你已通过 TLS 客户端证书登录为 { $account }
ns-usage-identify = 用法：IDENTIFY [账号] <密码>
ns-identified = 你已登录为 { $account }
ns-bad-password = 账号或密码不对
ns-throttled = 失败次数太多，请等一分钟
ns-busy = 服务器正忙，请稍后再试
ns-wrong-current-password = 当前密码不对
ns-not-registered = { $name } 还没有注册
ns-info-account = 账号：{ $account }
ns-info-registered = 注册时间：{ $time }
ns-info-email = 邮箱：{ $email }
ns-info-online = 当前在线：{ $nicks }
ns-set-only-password = 目前只支持 SET PASSWORD
ns-usage-set = 用法：SET PASSWORD <当前密码> <新密码>
ns-passwords-differ = 两次输入的新密码不一致
ns-usage-passwd = 用法：PASSWD <当前密码> <新密码> [<再输一次新密码>]
ns-too-many-changes = 改密码太频繁了，请等一分钟
ns-password-changed = 密码已修改
ns-password-change-failed = 密码没能修改，请稍后再试
ns-usage-drop = 用法：DROP <密码>
ns-drop-failed = 账号没能删除，请稍后再试
ns-dropped = 账号 { $account } 已删除
ns-usage-ghost = 用法：GHOST <昵称>
ns-ghost-not-yours = { $nick } 不是你的昵称
ns-ghost-offline = { $nick } 不在线
ns-ghost-self = 那就是你自己
ns-ghost-done = { $nick } 已被断开
ns-nick-owned = { $nick } 已被注册。请在 { $secs } 秒内用 /msg NickServ IDENTIFY <密码> 登录，否则你的昵称会被改掉
ns-nick-enforced = 你没有登录 { $nick }，你的昵称已改为 { $guest }
cert-usage = 用法：CERT ADD [指纹] | CERT DEL <指纹> | CERT LIST
cert-not-a-fingerprint = 这不是 SHA-256 指纹（应为 64 个十六进制数字）
cert-connect-first = 请先用要添加的 TLS 客户端证书连接，再使用 CERT ADD
cert-only-own = 只能添加你当前连接所用的证书；请用那张证书连接后再使用 CERT ADD
cert-none = 你的账号还没有证书指纹
cert-list = 你账号的证书指纹：
cert-already-yours = 这个指纹已经在你的账号上了
cert-taken = 这个指纹属于另一个账号
cert-full = 你的账号的证书指纹已达上限，请先删除一个
cert-added = 已添加证书指纹 { $fingerprint }
cert-add-failed = 指纹没能添加，请稍后再试
cert-deleted = 已删除证书指纹 { $fingerprint }
cert-not-yours = 你的账号上没有这个指纹
cert-delete-failed = 指纹没能删除，请稍后再试

## FAIL 的说明文字（前面的代码保持不变）

fail-verify-disabled = 本服务器没有开启账号验证
fail-register-usage = 用法：REGISTER <账号> <邮箱> <密码>
fail-register-complete-connection = 请先完成连接（CAP END）再注册账号
fail-register-need-nick = 注册账号前请先发送 NICK
fail-register-name-must-be-nick = 只能把你现在的昵称注册为账号
fail-register-lookalike = 这个账号名和已有的名字太像了
fail-register-bad-name = 不允许使用这个账号名
fail-register-exists = 这个账号已经被注册了
fail-try-later = 请稍后再试
register-success = 账号已创建
fail-history-not-retrieved = 没能取到消息
fail-missing-params = 缺少参数
fail-unknown-subcommand = 未知命令
fail-history-not-kept = 本服务器不保存聊天记录
fail-invalid-params = 参数无效
fail-rename-founder-only = 已注册的频道只有创建者才能改名
fail-rename-bad-name = 这不是有效的频道名
fail-rename-taken = 这个频道名已经有人用了
fail-rename-same = 频道本来就叫这个名字
fail-invalid-target = 目标无效
fail-invalid-timestamp = 时间戳无效
fail-redact-target = 你不能删除 { $target } 里的消息
fail-redact-unknown = 这条消息不存在或者太旧了
fail-redact-forbidden = 你无权删除这条消息
fail-setname-invalid = 真实姓名最多 { $max } 个字节，并且不能有控制字符
fail-who-mask-too-long = WHO 的匹配模式最多 { $max } 个字节
fail-rehash = 配置没有重新加载：{ $error }
fail-store-unavailable = 这项修改没能保存
fail-search-internal = 搜索没能执行
fail-invalid-utf8 = 消息被拒绝：本网络要求你的 IRC 软件必须使用 UTF-8 编码
fail-invalid-message = 消息被拒绝：{ $error }
fail-batch-unexpected-tag = 意外的 batch 标签
fail-batch-interrupted = 多行消息批次被打断了
fail-batch-unknown-type = 未知的批次类型
fail-batch-needs-caps = 多行消息批次需要 draft/multiline 和 batch 两项能力
fail-batch-usage = 用法：BATCH +<引用> draft/multiline <目标>
fail-batch-not-open = 没有打开这个批次
fail-batch-already-open = 已经有一个多行消息批次打开着
fail-batch-only-messages = 多行消息批次里只能有 PRIVMSG 或 NOTICE
fail-batch-mixed = 多行消息批次不能混用 PRIVMSG 和 NOTICE
fail-batch-line-needs-text = 每一行都需要目标和内容
fail-batch-target = 多行消息的目标无效
fail-batch-blank-concat = 空行不能拼接
fail-batch-max-lines = 多行消息超过了 max-lines 行数上限
fail-batch-max-bytes = 多行消息超过了 max-bytes 字节上限
fail-batch-empty = 多行消息需要有内容

## 搜索（SEARCH 的 FAIL 和 HistServ）

search-empty = 没有要搜索的内容
search-too-long = 搜索内容太长了
search-too-many = 词语或筛选条件太多了
search-only-exclusions = 搜索需要至少一个要找的词或一个筛选条件，不能只有排除的词
search-bad-time = 不是日期或 RFC 3339 时间：{ $value }
search-repeated = { $value }：重复给出了
search-missing-value = { $value }：缺少值
search-unknown-attribute = 未知的搜索条件：{ $value }
search-bad-limit = 不是数字：{ $value }

## LANGUAGE

language-unsupported = 本服务器不支持语言 { $code }

## ChanServ

cs-help =
    ChanServ 管理已注册的频道。命令：
    REGISTER <#频道> - 注册一个你是管理员（op）的频道
    INFO <#频道> - 查看已注册频道的信息
    OP|DEOP|VOICE <#频道> [昵称] - 给予或收回 op、voice
    ACCESS <#频道> ADD <账号> <op|voice> | DEL <账号> | LIST
    SET <#频道> FOUNDER <账号> - 把频道转交给别人
    SET <#频道> DESCRIPTION [文字] - 在 INFO 里显示的频道介绍（不写则清除）
    SET <#频道> KEEPTOPIC ON|OFF - 频道没人时是否保留主题（默认保留）
    SET <#频道> MLOCK [+模式-模式] - 让 ChanServ 锁定 imnst 中的模式开或关（不写则清除）
    SET <#频道> HISTORY <条数> <时长>|DEFAULT - 频道保留多少聊天记录（例如 500 30d）
    DROP <#频道> - 取消频道注册
cs-store-failed = 没能保存，请稍后再试
cs-usage-register = 用法：REGISTER <#频道>
cs-must-log-in = 你需要先登录
cs-already-registered = { $channel } 已经注册过了
cs-no-such-channel = 频道 { $channel } 不存在
cs-not-op = 你不是 { $channel } 的管理员
cs-registered = { $channel } 现在注册在你名下了
cs-usage-info = 用法：INFO <#频道>
cs-not-registered = { $channel } 还没有注册
cs-info-channel = 频道：{ $channel }
cs-info-founder = 创建者：{ $account }
cs-info-registered = 注册时间：{ $time }
cs-info-description = 介绍：{ $text }
cs-info-topic = 主题：{ $text }
cs-info-keep-topic = 保留主题：{ $state ->
        [on] 开
       *[other] 关
    }
cs-info-mlock = 模式锁：{ $modes }
cs-usage-op = 用法：{ $command } <#频道> [昵称]
cs-nick-offline = { $nick } 不在线
cs-no-access-to = 你在 { $channel } 没有 { $command } 的权限
cs-empty = { $channel } 里现在没有人
cs-nick-not-in = { $nick } 不在 { $channel } 里
cs-no-access = 你对 { $channel } 没有权限
cs-usage-access = 用法：ACCESS <#频道> ADD <账号> <op|voice> | DEL <账号> | LIST
cs-access-end = { $channel } 的权限列表结束
cs-access-level = 级别只能是 op 或 voice
cs-access-founder = 创建者的权限不能更改
cs-access-added = 已把 { $account } 以 { $level } 级别加入权限列表
cs-access-not-on = { $account } 不在权限列表里
cs-access-removed = 已把 { $account } 移出权限列表
cs-usage-drop = 用法：DROP <#频道>
cs-dropped = { $channel } 已取消注册
cs-usage-set = 用法：SET <#频道> FOUNDER <账号> | DESCRIPTION [文字] | KEEPTOPIC ON|OFF | MLOCK [+模式-模式] | HISTORY <条数> <时长>|DEFAULT
cs-set-description = { $channel } 的介绍现在是：{ $text }
cs-set-description-cleared = 已清除 { $channel } 的介绍
cs-usage-keeptopic = 用法：SET <#频道> KEEPTOPIC ON|OFF
cs-set-keeptopic = { $channel } 的保留主题现在{ $state ->
        [on] 已开启
       *[other] 已关闭
    }
cs-set-mlock = { $channel } 的模式锁现在是 { $modes }
cs-set-mlock-cleared = 已清除 { $channel } 的模式锁
cs-set-history = { $channel } 现在保留{ $count ->
        [none] 不限条数
       *[other] 最多 { $count } 条
    }聊天记录，{ $age ->
        [none] 永久保存
       *[other] 保存 { $age } 秒
    }
cs-set-history-default = { $channel } 按服务器的默认设置保留聊天记录
cs-usage-history = 用法：SET <#频道> HISTORY <条数> <时长>（例如 500 30d；0 表示不限）| DEFAULT
cs-usage-founder = 用法：SET <#频道> FOUNDER <账号>
cs-not-an-account = { $account } 不是已注册的账号
cs-set-founder = { $account } 现在是 { $channel } 的创建者
cs-mlock-bad-mode = 模式 { $mode } 不能锁定；可以锁定的模式是 { $modes }

## HistServ

hs-help =
    HistServ 可以搜索你所在频道和你私聊的聊天记录。
    SEARCH <搜索内容> - 最新的匹配结果，最多 { $shown } 条，按时间先后排列
    搜索内容由词语和"带引号的短语"组成（必须全部匹配；不区分大小写和重音，
      中文、日文和韩文可以匹配长句中的一部分），word* 匹配前缀，-word 表示排除，
      还可以用筛选条件：from:<昵称>  in:<#频道或昵称>  after:<日期>  before:<日期>
      日期写成 YYYY-MM-DD（UTC 零点）或 RFC 3339 时间；after: 包含当天，before: 不包含。
    例如：SEARCH 你好世界 in:#hello from:ann after:2026-11-01
    支持 draft/search 能力的客户端可以直接使用 SEARCH 命令。
hs-bad-query = { $error }。试试 HELP
hs-none = 没有找到与"{ $query }"相关的消息
hs-more = "{ $query }"的匹配结果太多，下面是最新的 { $n } 条（可以用 from:、in:、after: 或 before: 缩小范围）
hs-found = 找到 { $n } 条与"{ $query }"相关的消息
hs-end = 结果结束
hs-failed = 搜索没能执行，请稍后再试

## 默认的每日消息（服务器自己设置的 MOTD 会原样显示）

motd-default = 欢迎来到 hichat！输入 /join #hello 打个招呼吧。

## 纯文本模式（nc 127.0.0.1 6666）

plain-greeting =
    欢迎来到 { $server } 上的 hichat。
    For English, type /lang en.
    你的昵称是什么？
plain-help = 直接输入一行文字就能发言；/me 表示动作，/nick 新昵称 改昵称，/who 看看谁在，/msg 昵称 内容 发私信，/lang en 切换到英文，exit 离开
plain-usage-msg = 用法：/msg 昵称 内容
plain-usage-lang = 用法：/lang 语言代码，可选：{ $codes }
plain-language-set = -- 好的，现在开始用中文和你交流。
plain-welcome = -- 你好，{ $nick }！你现在在 { $channel } 聊天。{ $help }。
plain-topic = -- 主题：{ $text }
plain-names = -- 在这里的有：{ $nicks }
plain-nick-taken = -- 昵称 { $nick } 已经有人用了，换一个吧：
plain-nick-bad = -- { $nick } 不能用作昵称（不能有空格，不能以数字开头），换一个吧：
plain-joined = -- { $nick } 进入了 { $channel }
plain-left = -- { $nick } 离开了 { $channel }{ $reason }
plain-quit = -- { $nick } 下线了{ $reason }
plain-nick = -- { $nick } 改名为 { $new }
plain-kicked = -- { $nick } 被 { $by } 踢出了 { $channel }{ $reason }
plain-topic-set = -- { $nick } 把 { $channel } 的主题设为：{ $text }
plain-bye = -- 再见！
plain-not-utf8 = -- 这一行不是 UTF-8 文字；hichat 只接受 UTF-8
plain-killed = -- 你被 { $nick } 断开了连接：{ $text }
