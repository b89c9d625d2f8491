"""An independent SASL SCRAM-SHA-256 client for tests/sasl.rs, using only
Python's standard library (hashlib, hmac, base64, and stringprep and
unicodedata for SASLprep). Usage:

    python3 scram_client.py HOST:PORT NICK ACCOUNT PASSWORD

Connects, negotiates CAP sasl, authenticates, checks the server's
signature, finishes registration and prints one result line:
`OK <903 text>` or `FAIL <reason>`. Exit code 0 only for OK.
"""
import base64, hashlib, hmac, os, socket, stringprep, sys, unicodedata

def saslprep(s):
    """RFC 4013 with the standard library's RFC 3454 tables (Unicode 3.2)."""
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in s if not stringprep.in_table_b1(c))
    s = unicodedata.ucd_3_2_0.normalize("NFKC", mapped)
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3,
                  stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6,
                  stringprep.in_table_c7, stringprep.in_table_c8, stringprep.in_table_c9)
    if any(t(c) for c in s for t in prohibited):
        raise ValueError("prohibited character")
    if any(stringprep.in_table_d1(c) for c in s):
        if any(stringprep.in_table_d2(c) for c in s) or not (stringprep.in_table_d1(s[0]) and stringprep.in_table_d1(s[-1])):
            raise ValueError("bad bidirectional text")
    return s

def main():
    host, port = sys.argv[1].rsplit(":", 1)
    nick, account, password = sys.argv[2], sys.argv[3], sys.argv[4]
    # RFC 5802 section 5.1: the client prepares the name and the password.
    account, password = saslprep(account), saslprep(password)
    sock = socket.create_connection((host, int(port)), timeout=10)
    f = sock.makefile("rwb")

    def send(line):
        f.write((line + "\r\n").encode()); f.flush()

    def recv():
        line = f.readline().decode().rstrip("\r\n")
        if not line:
            raise SystemExit("FAIL connection closed")
        return line

    def until(pred):
        while True:
            line = recv()
            parts = line.split(" ")
            if parts[0].startswith(":"):
                parts = parts[1:]
            if pred(parts, line):
                return parts, line

    send("CAP LS 302")
    _, ls = until(lambda p, l: p[0] == "CAP" and p[2] == "LS")
    if "sasl=PLAIN,SCRAM-SHA-256" not in ls:
        print("FAIL no sasl in " + ls); return 1
    send("CAP REQ :sasl")
    until(lambda p, l: p[0] == "CAP" and p[2] == "ACK")
    send("NICK " + nick)
    send("USER " + nick + " 0 * :scram test")
    send("AUTHENTICATE SCRAM-SHA-256")
    until(lambda p, l: p[0] == "AUTHENTICATE" and p[1] == "+")

    cnonce = base64.b64encode(os.urandom(18)).decode()
    name = account.replace("=", "=3D").replace(",", "=2C")
    client_first_bare = "n=%s,r=%s" % (name, cnonce)
    gs2 = "n,,"
    send("AUTHENTICATE " + base64.b64encode((gs2 + client_first_bare).encode()).decode())
    parts, line = until(lambda p, l: p[0] in ("AUTHENTICATE", "904"))
    if parts[0] == "904":
        print("FAIL 904 after client-first"); return 1
    server_first = base64.b64decode(parts[1]).decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    if not attrs["r"].startswith(cnonce):
        print("FAIL server nonce does not extend ours"); return 1
    salt = base64.b64decode(attrs["s"])
    iterations = int(attrs["i"])

    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    without_proof = "c=%s,r=%s" % (base64.b64encode(gs2.encode()).decode(), attrs["r"])
    auth_message = ",".join([client_first_bare, server_first, without_proof])
    client_sig = hmac.new(stored_key, auth_message.encode(), hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, client_sig))
    final = without_proof + ",p=" + base64.b64encode(proof).decode()
    send("AUTHENTICATE " + base64.b64encode(final.encode()).decode())

    parts, line = until(lambda p, l: p[0] in ("AUTHENTICATE", "904"))
    if parts[0] == "904":
        print("FAIL 904 after client-final"); return 1
    server_final = base64.b64decode(parts[1]).decode()
    expected = "v=" + base64.b64encode(hmac.new(server_key, auth_message.encode(), hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(server_final, expected):
        print("FAIL bad server signature " + server_final); return 1
    send("AUTHENTICATE +")
    parts, line = until(lambda p, l: p[0] in ("903", "904"))
    if parts[0] != "903":
        print("FAIL " + line); return 1
    text = line.split(" :", 1)[1]
    send("CAP END")
    until(lambda p, l: p[0] == "001")
    send("QUIT")
    print("OK " + text)
    return 0

if __name__ == "__main__":
    sys.exit(main())
