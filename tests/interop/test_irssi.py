"""irssi, as packaged by Debian, with no settings at all: it connects,
joins #hello and chats with a second client. Driven in tmux; what irssi
shows is read back from the pane."""

import shutil
import subprocess
import time

import pytest

from conftest import RawClient

pytestmark = pytest.mark.skipif(
    not (shutil.which("irssi") and shutil.which("tmux")), reason="irssi and tmux are needed"
)


def tmux(*args):
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def pane_shows(session, text, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in tmux("capture-pane", "-p", "-t", session):
            return True
        time.sleep(0.2)
    return False


def test_irssi_chats_with_another_client(hichat, tmp_path):
    bob = RawClient(hichat.port, "bob")
    bob.send("JOIN #hello")
    bob.wait_for(lambda l: " 366 bob #hello " in l)

    session = f"hichat-irssi-{hichat.port}"
    home = tmp_path / "irssi-home"
    tmux(
        "new-session", "-d", "-s", session, "-x", "160", "-y", "40",
        f"irssi --home={home} -n irssiann -c 127.0.0.1 -p {hichat.port}",
    )
    try:
        assert pane_shows(session, "Welcome to the hichat IRC Network"), tmux("capture-pane", "-p", "-t", session)
        tmux("send-keys", "-t", session, "/join #hello", "Enter")
        bob.wait_for(lambda l: l.startswith(":irssiann!") and " JOIN " in l)
        tmux("send-keys", "-t", session, "-l", "hello from irssi 你好 🎉")
        tmux("send-keys", "-t", session, "Enter")
        bob.wait_for(lambda l: l.startswith(":irssiann!") and "PRIVMSG #hello :hello from irssi 你好 🎉" in l)
        bob.send("PRIVMSG #hello :hi irssi, bob here")
        assert pane_shows(session, "hi irssi, bob here"), tmux("capture-pane", "-p", "-t", session)
        # irssi's join-time queries (MODE, WHO) must not have produced errors.
        screen = tmux("capture-pane", "-p", "-S", "-200", "-t", session)
        assert "Unknown command" not in screen, screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        bob.close()
