# hichat's own words, in English: the fallback for every other language.
# A new language is a copy of this file in locales/<code>/hichat.ftl with
# every message translated (the tests check that every message and every
# $variable is there). Numerics keep their standard English texts and are
# not in here.

## Shared by the services

service-unknown-command = Unknown command { $command }. Try HELP
accounts-weak-password = Passwords need at least { $min } characters and no spaces

## NickServ

ns-help =
    NickServ keeps accounts. Commands:
    REGISTER <password> [email] - register your current nick as an account
    IDENTIFY [account] <password> - log in
    IDENTIFY [account] - log in with your TLS client certificate
    CERT ADD - let the TLS client certificate you are connected with log you in
    CERT DEL <fingerprint> / CERT LIST - remove or list your certificate fingerprints
    LOGOUT - log out
    INFO [account] - show an account
    SET PASSWORD <current password> <new password> - change your password (also PASSWD)
    GHOST <nick> - disconnect someone using your nick
    RECOVER <nick> - disconnect them and take the nick
    DROP <password> - delete your account (and the channels it founded)
ns-password-unacceptable = Passwords cannot have control or private-use characters or mix writing directions
ns-logged-out = You are now logged out
ns-not-logged-in = You are not logged in
ns-usage-register = Usage: REGISTER <password> [email]
ns-registered = Account { $account } registered; you are now logged in
ns-bad-name = Your nick cannot be an account name
ns-exists = { $nick } is already registered
ns-registration-disabled = Account registration is disabled on this server
ns-already-logged-in = You are already logged in
ns-register-failed = Registration failed; try again later
ns-identified-cert = You are now identified for { $account } by your TLS client certificate
ns-usage-identify = Usage: IDENTIFY [account] <password>
ns-identified = You are now identified for { $account }
ns-bad-password = Invalid account or password
ns-throttled = Too many failed attempts; wait a minute
ns-busy = The server is busy; try again in a moment
ns-wrong-current-password = That is not your current password
ns-not-registered = { $name } is not registered
ns-info-account = Account: { $account }
ns-info-registered = Registered: { $time }
ns-info-email = Email: { $email }
ns-info-online = Logged in now: { $nicks }
ns-set-only-password = Only SET PASSWORD is supported
ns-usage-set = Usage: SET PASSWORD <current password> <new password>
ns-passwords-differ = The new passwords do not match
ns-usage-passwd = Usage: PASSWD <current password> <new password> [<new password again>]
ns-too-many-changes = Too many password changes; wait a minute
ns-password-changed = Password changed
ns-password-change-failed = Could not change the password; try again later
ns-usage-drop = Usage: DROP <password>
ns-drop-failed = Could not drop the account; try again later
ns-dropped = Account { $account } dropped
ns-usage-ghost = Usage: GHOST <nick>
ns-ghost-not-yours = { $nick } is not your nick
ns-ghost-offline = { $nick } is not online
ns-ghost-self = That is you
ns-ghost-done = { $nick } has been disconnected
ns-nick-owned = { $nick } is registered. Identify with /msg NickServ IDENTIFY <password> within { $secs } seconds, or your nick will be changed
ns-nick-enforced = You did not identify for { $nick }; your nick is now { $guest }
cert-usage = Usage: CERT ADD [fingerprint] | CERT DEL <fingerprint> | CERT LIST
cert-not-a-fingerprint = That is not a SHA-256 fingerprint (64 hex digits)
cert-connect-first = Connect with the TLS client certificate you want to add, then use CERT ADD
cert-only-own = You can only add the certificate you are connected with; connect with that one and use CERT ADD
cert-none = Your account has no certificate fingerprints
cert-list = Certificate fingerprints of your account:
cert-already-yours = That fingerprint is already on your account
cert-taken = That fingerprint belongs to another account
cert-full = Your account has as many fingerprints as it may; delete one first
cert-added = Added certificate fingerprint { $fingerprint }
cert-add-failed = Could not add the fingerprint; try again later
cert-deleted = Deleted certificate fingerprint { $fingerprint }
cert-not-yours = That fingerprint is not on your account
cert-delete-failed = Could not delete the fingerprint; try again later

## FAIL descriptions (the codes before them stay as they are)

fail-verify-disabled = Account verification is not enabled
fail-register-usage = Usage: REGISTER <account> <email> <password>
fail-register-complete-connection = Complete the connection (CAP END) before registering an account
fail-register-need-nick = Send NICK before registering an account
fail-register-name-must-be-nick = You may only register your current nick as an account
fail-register-lookalike = That account name looks like a name already in use
fail-register-bad-name = That account name is not allowed
fail-register-exists = That account is already registered
fail-try-later = Try again later
register-success = Account created
fail-history-not-retrieved = Messages could not be retrieved
fail-missing-params = Missing parameters
fail-unknown-subcommand = Unknown command
fail-history-not-kept = History is not kept on this server
fail-invalid-params = Invalid parameters
fail-rename-founder-only = Only the founder of a registered channel may rename it
fail-rename-bad-name = That is not a valid channel name
fail-rename-taken = The channel name is already taken
fail-rename-same = That is the channel's name already
fail-invalid-target = Invalid target
fail-invalid-timestamp = Invalid timestamp
fail-redact-target = You cannot delete messages from { $target }
fail-redact-unknown = This message does not exist or is too old
fail-redact-forbidden = You are not authorised to delete this message
fail-setname-invalid = Real name must be at most { $max } bytes without control characters
fail-who-mask-too-long = WHO masks are limited to { $max } bytes
fail-rehash = Configuration not reloaded: { $error }
fail-store-unavailable = The change could not be saved
fail-search-internal = The search could not be run
fail-invalid-utf8 = Message rejected, your IRC software MUST use UTF-8 encoding on this network
fail-invalid-message = Message rejected: { $error }
fail-batch-unexpected-tag = Unexpected batch tag
fail-batch-interrupted = The multiline batch was interrupted
fail-batch-unknown-type = Unknown batch type
fail-batch-needs-caps = Multiline batches need the draft/multiline and batch capabilities
fail-batch-usage = Usage: BATCH +<ref> draft/multiline <target>
fail-batch-not-open = No such batch is open
fail-batch-already-open = A multiline batch is already open
fail-batch-only-messages = A multiline batch holds only PRIVMSG or NOTICE lines
fail-batch-mixed = A multiline batch cannot mix PRIVMSG and NOTICE
fail-batch-line-needs-text = Each line needs a target and a text
fail-batch-target = Invalid multiline target
fail-batch-blank-concat = A blank line cannot be concatenated
fail-batch-max-lines = Multiline batch max-lines exceeded
fail-batch-max-bytes = Multiline batch max-bytes exceeded
fail-batch-empty = A multiline message needs some text

## Search (SEARCH's FAIL and HistServ)

search-empty = Nothing to search for
search-too-long = The query is too long
search-too-many = Too many words or filters
search-only-exclusions = A query needs a word to find or a filter, not only words to exclude
search-bad-time = Not a date or RFC 3339 timestamp: { $value }
search-repeated = { $value }: given twice
search-missing-value = { $value }: needs a value
search-unknown-attribute = Unknown search attribute: { $value }
search-bad-limit = Not a number: { $value }

## LANGUAGE

language-unsupported = Language { $code } is not supported by this server

## ChanServ

cs-help =
    ChanServ keeps registered channels. Commands:
    REGISTER <#channel> - register a channel you are an operator in
    INFO <#channel> - show a registered channel
    OP|DEOP|VOICE <#channel> [nick] - change op or voice
    ACCESS <#channel> ADD <account> <op|voice> | DEL <account> | LIST
    SET <#channel> FOUNDER <account> - hand the channel over
    SET <#channel> DESCRIPTION [text] - describe the channel in INFO (none to clear)
    SET <#channel> KEEPTOPIC ON|OFF - keep the topic when the channel empties (on by default)
    SET <#channel> MLOCK [+modes-modes] - modes of imnst ChanServ keeps set or unset (none to clear)
    SET <#channel> HISTORY <count> <age>|DEFAULT - how much history the channel keeps (e.g. 500 30d)
    DROP <#channel> - unregister the channel
cs-store-failed = That could not be saved; try again later
cs-usage-register = Usage: REGISTER <#channel>
cs-must-log-in = You must be logged in
cs-already-registered = { $channel } is already registered
cs-no-such-channel = { $channel } does not exist
cs-not-op = You are not an operator in { $channel }
cs-registered = { $channel } is now registered to you
cs-usage-info = Usage: INFO <#channel>
cs-not-registered = { $channel } is not registered
cs-info-channel = Channel: { $channel }
cs-info-founder = Founder: { $account }
cs-info-registered = Registered: { $time }
cs-info-description = Description: { $text }
cs-info-topic = Topic: { $text }
cs-info-keep-topic = Keep topic: { $state }
cs-info-mlock = Mode lock: { $modes }
cs-usage-op = Usage: { $command } <#channel> [nick]
cs-nick-offline = { $nick } is not online
cs-no-access-to = You do not have access to { $command } in { $channel }
cs-empty = { $channel } is empty
cs-nick-not-in = { $nick } is not in { $channel }
cs-no-access = You do not have access to { $channel }
cs-usage-access = Usage: ACCESS <#channel> ADD <account> <op|voice> | DEL <account> | LIST
cs-access-end = End of access list for { $channel }
cs-access-level = The level is op or voice
cs-access-founder = The founder's access cannot change
cs-access-added = { $account } added to the access list as { $level }
cs-access-not-on = { $account } is not on the access list
cs-access-removed = { $account } removed from the access list
cs-usage-drop = Usage: DROP <#channel>
cs-dropped = { $channel } is no longer registered
cs-usage-set = Usage: SET <#channel> FOUNDER <account> | DESCRIPTION [text] | KEEPTOPIC ON|OFF | MLOCK [+modes-modes] | HISTORY <count> <age>|DEFAULT
cs-set-description = The description of { $channel } is now: { $text }
cs-set-description-cleared = The description of { $channel } is cleared
cs-usage-keeptopic = Usage: SET <#channel> KEEPTOPIC ON|OFF
cs-set-keeptopic = Keep topic for { $channel } is now { $state }
cs-set-mlock = The mode lock of { $channel } is now { $modes }
cs-set-mlock-cleared = The mode lock of { $channel } is cleared
cs-set-history = { $channel } now keeps { $count ->
        [none] any number of
       *[other] { $count }
    } lines of history for { $age ->
        [none] ever
       *[other] { $age } seconds
    }
cs-set-history-default = { $channel } keeps history as the server does
cs-usage-history = Usage: SET <#channel> HISTORY <count> <age> (e.g. 500 30d; 0 for no limit) | DEFAULT
cs-usage-founder = Usage: SET <#channel> FOUNDER <account>
cs-not-an-account = { $account } is not a registered account
cs-set-founder = { $account } is now the founder of { $channel }
cs-mlock-bad-mode = Mode { $mode } cannot be locked; lockable modes are { $modes }

## HistServ

hs-help =
    HistServ searches the history of the channels you are in and of your private messages.
    SEARCH <query> - the newest matches, up to { $shown }, oldest first
    A query is words and "quoted phrases" (all must match; case and accents do not matter,
      Chinese, Japanese and Korean match inside longer text), word* for a prefix, -word to exclude,
      and filters: from:<nick>  in:<#channel or nick>  after:<date>  before:<date>
      Dates are YYYY-MM-DD (UTC midnight) or RFC 3339 times; after: includes its date, before: does not.
    Example: SEARCH 你好世界 in:#hello from:ann after:2026-11-01
    Clients with the draft/search capability can use the SEARCH command directly.
hs-bad-query = { $error }. Try HELP
hs-none = No messages found for: { $query }
hs-more = The newest { $n } of more matches for: { $query } (narrow it with from:, in:, after: or before:)
hs-found = { $n ->
        [one] 1 message
       *[other] { $n } messages
    } found for: { $query }
hs-end = End of results
hs-failed = The search could not be run; please try again later

## The default message of the day (a server's own MOTD is shown as written)

motd-default = Welcome to hichat. Type /join #hello to say hi.

## Plain-text mode (nc 127.0.0.1 6666)

plain-greeting =
    Welcome to hichat on { $server }.
    中文用户：输入 /lang zh 切换到中文。
    What is your nickname?
plain-help = type a line to say it; /me does an action, /nick NAME changes your nickname, /who lists who is here, /msg NICK TEXT talks privately, /lang zh switches to Chinese, exit leaves
plain-usage-msg = usage: /msg NICK TEXT
plain-usage-lang = usage: /lang CODE, one of: { $codes }
plain-language-set = -- I will speak English with you now.
plain-welcome = -- Hi { $nick }! You are chatting in { $channel }. { $help }.
plain-topic = -- topic: { $text }
plain-names = -- here: { $nicks }
plain-nick-taken = -- the nickname { $nick } is taken; choose another:
plain-nick-bad = -- { $nick } cannot be a nickname (no spaces, not starting with a digit); choose another:
plain-joined = -- { $nick } joined { $channel }
plain-left = -- { $nick } left { $channel }{ $reason }
plain-quit = -- { $nick } quit{ $reason }
plain-nick = -- { $nick } is now known as { $new }
plain-kicked = -- { $nick } was kicked from { $channel } by { $by }{ $reason }
plain-topic-set = -- { $nick } set the topic of { $channel }: { $text }
plain-bye = -- bye!
plain-not-utf8 = -- that line was not UTF-8 text; hichat only accepts UTF-8
plain-killed = -- you were disconnected by { $nick }: { $text }
