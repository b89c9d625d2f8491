"""Chat history and search through Python's `irc` library (jaraco/irc), an
independent parser of IRCv3 tags: the library negotiates capabilities after
registration, asks for CHATHISTORY and SEARCH, and reads the batches, msgids
and times from its own parse of the lines; a client that knows nothing of
either searches through HistServ."""

import time

import irc.client

from conftest import RawClient


def run_until(reactor, done, timeout=15):
    deadline = time.time() + timeout
    while not done() and time.time() < deadline:
        reactor.process_once(0.05)


def tags_of(event):
    return {t["key"]: t["value"] for t in (event.tags or [])}


class Recorder:
    """Connects a library client and records every event it parses."""

    def __init__(self, port, nick, caps, join=None):
        self.join = join
        self.reactor = irc.client.Reactor()
        self.events = []
        self.acked = None
        self.conn = self.reactor.server().connect("127.0.0.1", port, nick)
        self.conn.add_global_handler("all_events", self.on_event, -10)
        self.welcomed = False
        self.caps = caps

    def on_event(self, conn, event):
        self.events.append(event)
        if event.type == "welcome":
            self.welcomed = True
            if self.caps:
                conn.cap("REQ", *self.caps)
            if self.join:
                conn.join(self.join)
        if event.type == "cap" and event.arguments and event.arguments[0] == "ACK":
            self.acked = event.arguments[1].split()

    def wait(self, pred, timeout=15):
        run_until(self.reactor, pred, timeout)
        assert pred(), f"condition not met; last events: {[(e.type, e.arguments) for e in self.events[-15:]]}"

    def since(self, n, kind):
        return [e for e in self.events[n:] if e.type == kind]

    def close(self):
        self.conn.close()


def batch_events(rec, start, batch_type):
    """The events between the BATCH + of `batch_type` and its BATCH -."""
    opened = None
    inside = []
    for e in rec.events[start:]:
        # The library takes a BATCH's reference for its target.
        if e.type == "batch" and e.target.startswith("+") and e.arguments[:1] == [batch_type]:
            opened = e.target[1:]
        elif opened and e.type == "batch" and e.target == "-" + opened:
            return inside
        elif opened and tags_of(e).get("batch") == opened:
            inside.append(e)
    return None


def test_python_irc_reads_chathistory_pages_with_msgids_and_times(hichat):
    bob = RawClient(hichat.port, "bob")
    bob.send("CAP REQ :message-tags echo-message server-time")
    bob.wait_for(lambda l: " ACK " in l)
    bob.send("JOIN #hello")
    bob.wait_for(lambda l: " 366 bob #hello " in l)
    texts = [f"line {i} 你好 🎉" for i in range(24)]
    sent = []
    for text in texts:
        bob.send(f"PRIVMSG #hello :{text}")
        echo = bob.wait_for(lambda l: f"PRIVMSG #hello :{text}" in l)
        tags = dict(kv.split("=", 1) for kv in echo[1:].split(" ", 1)[0].split(";") if "=" in kv)
        sent.append((tags["msgid"], tags["time"], text))
        time.sleep(0.003)  # distinct millisecond times, for the timestamp anchor

    # History is read by the channel's members.
    rec = Recorder(hichat.port, "pyhist", ["batch", "server-time", "message-tags", "draft/chathistory"], "#hello")
    try:
        rec.wait(lambda: rec.acked is not None and rec.since(0, "endofnames"))
        assert "draft/chathistory" in rec.acked

        # The newest ten, then the ten before the oldest of those, by msgid.
        start = len(rec.events)
        rec.conn.send_raw("CHATHISTORY LATEST #hello * 10")
        rec.wait(lambda: batch_events(rec, start, "chathistory") is not None)
        page = batch_events(rec, start, "chathistory")
        got = [(tags_of(e)["msgid"], tags_of(e)["time"], e.arguments[0]) for e in page]
        assert got == sent[-10:]
        assert all(e.type == "pubmsg" and e.source.nick == "bob" and e.target == "#hello" for e in page)

        start = len(rec.events)
        rec.conn.send_raw(f"CHATHISTORY BEFORE #hello msgid={sent[-10][0]} 10")
        rec.wait(lambda: batch_events(rec, start, "chathistory") is not None)
        page = batch_events(rec, start, "chathistory")
        assert [(tags_of(e)["msgid"], e.arguments[0]) for e in page] == [(m, t) for m, _, t in sent[-20:-10]]

        # AFTER a timestamp, from the library's own parse of the time tag.
        start = len(rec.events)
        rec.conn.send_raw(f"CHATHISTORY AFTER #hello timestamp={sent[4][1]} 3")
        rec.wait(lambda: batch_events(rec, start, "chathistory") is not None)
        page = batch_events(rec, start, "chathistory")
        assert [e.arguments[0] for e in page] == texts[5:8]
    finally:
        rec.close()
        bob.close()


def test_python_irc_never_sees_a_private_conversation_of_others(hichat):
    ann = RawClient(hichat.port, "ann")
    bob = RawClient(hichat.port, "bob")
    ann.send("PRIVMSG bob :a secret between us 秘密")
    bob.wait_for(lambda l: "a secret between us" in l)

    rec = Recorder(hichat.port, "eve", ["batch", "server-time", "message-tags", "draft/chathistory", "draft/search"])
    try:
        rec.wait(lambda: rec.acked is not None)
        start = len(rec.events)
        rec.conn.send_raw("CHATHISTORY LATEST bob * 10")
        rec.wait(lambda: batch_events(rec, start, "chathistory") is not None)
        assert batch_events(rec, start, "chathistory") == []

        start = len(rec.events)
        rec.conn.send_raw("SEARCH text=secret")
        rec.wait(lambda: batch_events(rec, start, "draft/search") is not None)
        assert batch_events(rec, start, "draft/search") == []
    finally:
        rec.close()
        ann.close()
        bob.close()


def test_python_irc_searches_with_the_search_command(hichat):
    bob = RawClient(hichat.port, "bob")
    bob.send("JOIN #hello")
    bob.wait_for(lambda l: " 366 bob #hello " in l)
    for text in ["the weather is fine", "今天天气很好", "unrelated chatter", "fine wine 天气"]:
        bob.send(f"PRIVMSG #hello :{text}")
    bob.send("PING :sent")
    bob.wait_for(lambda l: "PONG" in l and "sent" in l)

    rec = Recorder(hichat.port, "pyfind", ["batch", "server-time", "message-tags", "draft/search"], "#hello")
    try:
        rec.wait(lambda: rec.acked is not None and rec.since(0, "endofnames"))
        start = len(rec.events)
        rec.conn.send_raw("SEARCH 天气 in:#hello")
        rec.wait(lambda: batch_events(rec, start, "draft/search") is not None)
        found = batch_events(rec, start, "draft/search")
        assert [e.arguments[0] for e in found] == ["今天天气很好", "fine wine 天气"]
        assert all(tags_of(e).get("msgid") and tags_of(e).get("time") for e in found)

        start = len(rec.events)
        rec.conn.send_raw("SEARCH fine -wine from:bob")
        rec.wait(lambda: batch_events(rec, start, "draft/search") is not None)
        assert [e.arguments[0] for e in batch_events(rec, start, "draft/search")] == ["the weather is fine"]
    finally:
        rec.close()
        bob.close()


def test_python_irc_without_capabilities_searches_through_histserv(hichat):
    bob = RawClient(hichat.port, "bob")
    bob.send("JOIN #hello")
    bob.wait_for(lambda l: " 366 bob #hello " in l)
    bob.send("PRIVMSG #hello :meet at the 火车站 at noon")
    bob.send("PING :sent")
    bob.wait_for(lambda l: "PONG" in l and "sent" in l)

    rec = Recorder(hichat.port, "plain", [], "#hello")
    try:
        rec.wait(lambda: rec.since(0, "endofnames"))
        start = len(rec.events)
        rec.conn.privmsg("HistServ", "search 火车站")
        rec.wait(lambda: any("<bob>" in e.arguments[0] for e in rec.since(start, "privnotice")))
        notices = rec.since(start, "privnotice")
        assert all(e.source.nick == "HistServ" for e in notices)
        assert notices[0].arguments[0] == "1 message found for: 火车站"
        assert "#hello <bob> meet at the 火车站 at noon" in notices[1].arguments[0]
    finally:
        rec.close()
        bob.close()
