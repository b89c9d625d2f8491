"""Fixtures for tests that drive hichat with outside programs.

The `hichat` fixture starts the real binary (HICHAT_BIN, default
target/release/hichat) on a free loopback port with a data directory of its
own, and stops it after the test.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port, proc):
        self.port = port
        self.proc = proc


@pytest.fixture
def hichat(tmp_path):
    binary = os.environ.get("HICHAT_BIN", str(ROOT / "target" / "release" / "hichat"))
    port = free_port()
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(tmp_path / "data")],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("hichat did not start listening")
    yield Server(port, proc)
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


class RawClient:
    """A minimal line client for the other side of a conversation."""

    def __init__(self, port, nick):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.nick = nick
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :{nick}")
        self.wait_for(lambda l: f" 001 {nick} " in l)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def lines(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.decode().rstrip("\r")
                if line.startswith("PING "):
                    self.send("PONG " + line[5:])
                yield line
            self.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk

    def wait_for(self, pred, timeout=10):
        seen = []
        for line in self.lines(timeout):
            seen.append(line)
            if pred(line):
                return line
        raise AssertionError(f"{self.nick}: expected line not seen; got {seen[-20:]}")

    def close(self):
        self.sock.close()
