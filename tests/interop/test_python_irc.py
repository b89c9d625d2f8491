"""Python's `irc` library (jaraco/irc), which sends no CAP at all, talks to
hichat: registers, joins, sends and receives channel and private messages,
and handles a nick collision."""

import threading
import time

import irc.client

from conftest import RawClient


def run_reactor(reactor, stop, timeout=15):
    deadline = time.time() + timeout
    while not stop.is_set() and time.time() < deadline:
        reactor.process_once(0.1)


def test_python_irc_chats_in_a_channel(hichat):
    bob = RawClient(hichat.port, "bob")
    bob.send("JOIN #hello")
    bob.wait_for(lambda l: " 366 bob #hello " in l)

    reactor = irc.client.Reactor()
    got = []
    stop = threading.Event()

    def on_welcome(conn, event):
        conn.join("#hello")

    def on_join(conn, event):
        if event.source.nick == conn.get_nickname():
            conn.privmsg("#hello", "hello from python 你好 🎉")

    def on_pubmsg(conn, event):
        got.append((event.source.nick, event.target, event.arguments[0]))
        stop.set()

    conn = reactor.server().connect("127.0.0.1", hichat.port, "pyann")
    conn.add_global_handler("welcome", on_welcome)
    conn.add_global_handler("join", on_join)
    conn.add_global_handler("pubmsg", on_pubmsg)
    thread = threading.Thread(target=run_reactor, args=(reactor, stop))
    thread.start()
    try:
        bob.wait_for(lambda l: l.startswith(":pyann!") and "PRIVMSG #hello :hello from python 你好 🎉" in l)
        bob.send("PRIVMSG #hello :hi python, 再见")
        thread.join(timeout=15)
        assert got == [("bob", "#hello", "hi python, 再见")]
    finally:
        stop.set()
        thread.join(timeout=5)
        conn.close()
        bob.close()


def test_python_irc_sees_nick_in_use(hichat):
    bob = RawClient(hichat.port, "bob")
    reactor = irc.client.Reactor()
    errors = []
    stop = threading.Event()

    def on_nick_in_use(conn, event):
        errors.append(event.arguments[0])
        conn.nick("bob_")

    def on_welcome(conn, event):
        stop.set()

    conn = reactor.server().connect("127.0.0.1", hichat.port, "bob")
    conn.add_global_handler("nicknameinuse", on_nick_in_use)
    conn.add_global_handler("welcome", on_welcome)
    run_reactor(reactor, stop)
    try:
        assert errors == ["bob"]
        assert conn.get_nickname() == "bob_"
    finally:
        conn.close()
        bob.close()
