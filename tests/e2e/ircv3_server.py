"""A small scripted IRCv3 server for the end-to-end tests, for what ngIRCd cannot do here:
SASL (PLAIN and EXTERNAL), server-time, echo-message, message-tags, away-notify,
account-notify, extended-join, chghost, cap-notify (CAP NEW/DEL) and TLS.

It is a real server on a loopback socket (one thread per client), small but faithful to the
IRCv3 specifications for what it implements: registration waits for CAP END, SASL follows
the AUTHENTICATE chunking rule, tags are only sent to clients that enabled them. Every line
each client sent is kept (`ServerClient.received`) so tests can assert on the wire, and the
test can push lines or state changes (CAP NEW, CHGHOST, ACCOUNT) at any moment.

Also here: self-signed certificates made with the openssl command line, and `Ircv3User`, an
IRC-side user that negotiates capabilities and keeps message tags.
"""
from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from irc_fixtures import IrcClient, IrcLine

SERVER_NAME = "ircv3.e2e.test"
NETWORK_NAME = "JunctionV3"

# What the server offers, with CAP LS 302 values. cap-notify is implied by 302 but listed.
DEFAULT_CAPS = {
    "sasl": "PLAIN,EXTERNAL",
    "server-time": "",
    "echo-message": "",
    "message-tags": "",
    "away-notify": "",
    "account-notify": "",
    "extended-join": "",
    "chghost": "",
    "multi-prefix": "",
    "cap-notify": "",
}

PREFIXES = "~&@%+"
PREFIX_MODES = "qaohv"


# --- certificates --------------------------------------------------------------------------

def make_self_signed(directory: Path, name: str, cn: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate (EC P-256, valid for localhost and 127.0.0.1) and its key."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={cn}",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


def sha256_fingerprint(cert_pem: Path) -> str:
    """Lower-case hex SHA-256 of the certificate's DER form (what CertFP and pinning use)."""
    der = ssl.PEM_cert_to_DER_cert(cert_pem.read_text())
    return hashlib.sha256(der).hexdigest()


def server_time(when: datetime | None = None) -> str:
    """The IRCv3 server-time format: UTC with milliseconds."""
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{when.microsecond // 1000:03d}Z"


# --- wire helpers --------------------------------------------------------------------------

def split_line(line: str) -> tuple[dict[str, str], str, str, list[str]]:
    """tags, prefix, COMMAND, params of one line."""
    tags: dict[str, str] = {}
    if line.startswith("@"):
        raw_tags, _, line = line[1:].partition(" ")
        for item in raw_tags.split(";"):
            k, _, v = item.partition("=")
            tags[k] = unescape_tag(v)
    line = line.lstrip(" ")
    prefix = ""
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
    trailing = None
    if " :" in line:
        line, _, trailing = line.partition(" :")
    elif line.startswith(":"):
        trailing, line = line[1:], ""
    parts = line.split()
    command = parts[0].upper() if parts else ""
    params = parts[1:]
    if trailing is not None:
        params.append(trailing)
    return tags, prefix, command, params


def unescape_tag(v: str) -> str:
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            out.append({":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}.get(v[i + 1], v[i + 1]))
            i += 2
            continue
        if c != "\\":
            out.append(c)
        i += 1
    return "".join(out)


def escape_tag(v: str) -> str:
    return (v.replace("\\", "\\\\").replace(";", "\\:").replace(" ", "\\s")
            .replace("\r", "\\r").replace("\n", "\\n"))


def tag_string(tags: dict[str, str]) -> str:
    if not tags:
        return ""
    return "@" + ";".join(k if v == "" else f"{k}={escape_tag(v)}" for k, v in tags.items()) + " "


def tags_of(line: IrcLine) -> dict[str, str]:
    """The tags of a line the test-side user received (IrcLine drops them)."""
    return split_line(line.raw.decode("utf-8", errors="replace"))[0]


# --- the server ----------------------------------------------------------------------------

class ServerClient:
    """One connection, as the server sees it."""

    def __init__(self, server: "Ircv3Server", sock, address, cert_fingerprint: str | None):
        self.server = server
        self.sock = sock
        self.address = address
        self.cert_fingerprint = cert_fingerprint
        self.received: list[str] = []          # every line the client sent, in order
        self.sent: list[str] = []              # every line we sent it
        self.nick = "*"
        self.user = ""
        self.realname = ""
        self.host = "127.0.0.1"
        self.account = ""
        self.away = ""
        self.caps: set[str] = set()
        self.cap_version = 0
        self.negotiating = False
        self.registered = False
        self.closed = False
        self.sasl_mechanism = ""
        self.sasl_buffer = ""
        self._write_lock = threading.Lock()

    @property
    def source(self) -> str:
        return f"{self.nick}!{self.user}@{self.host}"

    def send(self, line: str, tags: dict[str, str] | None = None):
        if self.closed:
            return
        data = (tag_string(tags or {}) + line).encode("utf-8") + b"\r\n"
        with self._write_lock:
            self.sent.append(tag_string(tags or {}) + line)
            try:
                self.sock.sendall(data)
            except OSError:
                self.closed = True

    def numeric(self, code: str, *params: str):
        args = list(params)
        if args:
            args[-1] = ":" + args[-1]
        self.send(f":{SERVER_NAME} {code} {self.nick} " + " ".join(args))

    def commands(self) -> list[str]:
        """The command words of every received line (for order checks)."""
        with self.server.lock:
            return [split_line(l)[2] for l in self.received]

    def received_matching(self, command: str) -> list[list[str]]:
        with self.server.lock:
            lines = list(self.received)
        return [split_line(l)[3] for l in lines if split_line(l)[2] == command]


class Channel:
    def __init__(self, name: str):
        self.name = name
        self.members: dict[str, set[str]] = {}  # lower-case nick -> modes (o, v, ...)
        self.topic = ""
        self.topic_who = ""


class Ircv3Server:
    """Listens on a free 127.0.0.1 port, plain or TLS.

    sasl_accounts: account -> password for PLAIN.
    cert_accounts: client certificate SHA-256 (hex) -> account for EXTERNAL.
    client_ca: certificate file(s) accepted as client certificates (TLS only); the server
    asks for one but does not require it.
    """

    def __init__(self, *, tls: tuple[Path, Path] | None = None, client_ca: Path | None = None,
                 caps: dict[str, str] | None = None, sasl_accounts: dict[str, str] | None = None,
                 cert_accounts: dict[str, str] | None = None):
        self.caps = dict(DEFAULT_CAPS if caps is None else caps)
        self.sasl_accounts = dict(sasl_accounts or {})
        self.cert_accounts = dict(cert_accounts or {})
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.clients: list[ServerClient] = []
        self.closed_clients: list[ServerClient] = []   # gone, kept for their `received`
        self.channels: dict[str, Channel] = {}
        self.tls_failures: list[str] = []
        self.sni_names: list[str | None] = []   # server name of each TLS hello (None: no SNI)
        self._ssl: ssl.SSLContext | None = None
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            ctx.sni_callback = lambda _sock, name, _ctx: self.sni_names.append(name)
            if client_ca:
                ctx.load_verify_locations(cafile=str(client_ca))
                ctx.verify_mode = ssl.CERT_OPTIONAL
            self._ssl = ctx
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._stopping = False
        self._threads: list[threading.Thread] = []

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> "Ircv3Server":
        t = threading.Thread(target=self._accept_loop, name=f"ircv3-{self.port}", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self):
        self._stopping = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        try:
            self._listener.close()
        except OSError:
            pass
        with self.lock:
            clients = list(self.clients)
        for c in clients:
            self._close(c)
        for t in self._threads:
            t.join(2)

    def _accept_loop(self):
        while not self._stopping:
            try:
                sock, address = self._listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(sock, address), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, sock, address):
        fingerprint = None
        if self._ssl:
            try:
                sock.settimeout(10)
                sock = self._ssl.wrap_socket(sock, server_side=True)
                sock.settimeout(None)
            except (ssl.SSLError, OSError) as e:
                with self.cond:
                    self.tls_failures.append(str(e))
                    self.cond.notify_all()
                sock.close()
                return
            der = sock.getpeercert(binary_form=True)
            if der:
                fingerprint = hashlib.sha256(der).hexdigest()
        client = ServerClient(self, sock, address, fingerprint)
        with self.cond:
            self.clients.append(client)
            self.cond.notify_all()
        buf = b""
        while not client.closed:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buf += data
            while b"\n" in buf and not client.closed:
                raw, buf = buf.split(b"\n", 1)
                line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
                if not line:
                    continue
                with self.cond:
                    client.received.append(line)
                    self.cond.notify_all()
                    self._handle(client, line)
        self._quit(client, "Connection closed")

    def _close(self, client: ServerClient):
        client.closed = True
        try:
            client.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            client.sock.close()
        except OSError:
            pass

    # --- queries for tests -------------------------------------------------------------

    def wait_client(self, predicate, timeout: float = 10, what: str = "client") -> ServerClient:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for c in self.clients:
                    if predicate(c):
                        return c
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"IRCv3 server: no {what} within {timeout}s; clients: "
                                       + ", ".join(f"{c.nick} {c.received[:12]}" for c in self.clients))
                self.cond.wait(left)

    def wait_for(self, predicate, timeout: float = 10, what: str = "condition"):
        """Waits until predicate() (called under the server lock) is true; returns its value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"IRCv3 server: no {what} within {timeout}s")
                self.cond.wait(min(left, 0.2))

    def logs(self, lines: int = 25) -> str:
        """What each client sent lately, for pytest's failure report."""
        with self.lock:
            out = [f"--- scripted IRCv3 server on port {self.port}"
                   + (f" (TLS failures: {self.tls_failures})" if self.tls_failures else "")]
            for c in self.closed_clients + self.clients:
                out.append(f"{c.nick} ({'gone' if c.closed else 'connected'}):")
                out += ["  " + l for l in c.received[-lines:]]
        return "\n".join(out)

    def by_nick(self, nick: str) -> ServerClient | None:
        with self.lock:
            for c in self.clients:
                if not c.closed and c.nick.lower() == nick.lower():
                    return c
        return None

    # --- actions for tests -------------------------------------------------------------

    def cap_new(self, caps: dict[str, str]):
        """Offers more capabilities (CAP NEW to clients with cap-notify)."""
        with self.lock:
            self.caps.update(caps)
            text = " ".join(self._cap_item(k, 302) for k in caps)
            for c in self._registered():
                if "cap-notify" in c.caps or c.cap_version >= 302:
                    c.send(f":{SERVER_NAME} CAP {c.nick} NEW :{text}")

    def cap_del(self, names: list[str]):
        with self.lock:
            for n in names:
                self.caps.pop(n, None)
            for c in self._registered():
                if "cap-notify" in c.caps or c.cap_version >= 302:
                    c.send(f":{SERVER_NAME} CAP {c.nick} DEL :{' '.join(names)}")
                c.caps -= set(names)

    def send_to(self, nick: str, line: str, tags: dict[str, str] | None = None):
        """A raw line to one client; `time` is dropped unless it enabled server-time."""
        with self.lock:
            c = self.by_nick(nick)
            assert c is not None, f"no client {nick}"
            c.send(line, self._tags_for(c, tags or {}))

    def channel_message(self, channel: str, from_nick: str, text: str, *,
                        when: datetime | None = None, command: str = "PRIVMSG"):
        """A message to a channel from a (possibly virtual) nick, stamped `when`."""
        with self.lock:
            ch = self.channels[channel.lower()]
            tags = {"time": server_time(when)}
            for c in self._members(ch):
                c.send(f":{from_nick}!v3@virtual.test {command} {ch.name} :{text}",
                       self._tags_for(c, tags))

    def chghost(self, nick: str, user: str, host: str):
        with self.lock:
            c = self.by_nick(nick)
            old = c.source
            c.user, c.host = user, host
            for other in self._peers(c, include_self=True):
                if "chghost" in other.caps:
                    other.send(f":{old} CHGHOST {user} {host}")
                elif other is not c:
                    # What servers do for clients without chghost: a fake QUIT and re-JOIN.
                    other.send(f":{old} QUIT :Changing host")
                    for ch in self._channels_of(c):
                        if other.nick.lower() in ch.members:
                            other.send(f":{c.source} JOIN {ch.name}")

    def set_account(self, nick: str, account: str):
        with self.lock:
            c = self.by_nick(nick)
            self._login(c, account, announce_self=False)

    # --- protocol ----------------------------------------------------------------------

    def _registered(self):
        return [c for c in self.clients if c.registered and not c.closed]

    def _members(self, ch: Channel) -> list[ServerClient]:
        return [c for c in self._registered() if c.nick.lower() in ch.members]

    def _channels_of(self, c: ServerClient) -> list[Channel]:
        return [ch for ch in self.channels.values() if c.nick.lower() in ch.members]

    def _peers(self, c: ServerClient, include_self: bool = False) -> list[ServerClient]:
        seen: dict[int, ServerClient] = {}
        for ch in self._channels_of(c):
            for m in self._members(ch):
                if m is not c or include_self:
                    seen[id(m)] = m
        if include_self:
            seen[id(c)] = c
        return list(seen.values())

    def _tags_for(self, c: ServerClient, tags: dict[str, str]) -> dict[str, str]:
        out = {}
        for k, v in tags.items():
            if k == "time" and "server-time" in c.caps:
                out[k] = v
            elif k != "time" and "message-tags" in c.caps:
                out[k] = v
        return out

    def _cap_item(self, name: str, version: int) -> str:
        value = self.caps.get(name, "")
        return f"{name}={value}" if value and version >= 302 else name

    def _handle(self, c: ServerClient, line: str):
        tags, _prefix, command, params = split_line(line)
        handler = getattr(self, "_cmd_" + command.lower(), None)
        if handler is None:
            if c.registered:
                c.numeric("421", command, "Unknown command")
            return
        if not c.registered and command not in ("CAP", "NICK", "USER", "PASS", "AUTHENTICATE",
                                                "PING", "QUIT"):
            c.numeric("451", "You have not registered")
            return
        handler(c, params, tags)

    def _cmd_cap(self, c, params, tags):
        sub = params[0].upper() if params else ""
        if sub == "LS":
            c.cap_version = int(params[1]) if len(params) > 1 and params[1].isdigit() else 0
            if c.cap_version >= 302:
                c.caps.add("cap-notify")
            if not c.registered:
                c.negotiating = True
            items = " ".join(self._cap_item(k, c.cap_version) for k in self.caps)
            c.send(f":{SERVER_NAME} CAP {c.nick} LS :{items}")
        elif sub == "LIST":
            c.send(f":{SERVER_NAME} CAP {c.nick} LIST :{' '.join(sorted(c.caps))}")
        elif sub == "REQ":
            if not c.registered:
                c.negotiating = True
            wanted = params[-1].split() if len(params) > 1 else []
            names = [w.lstrip("-") for w in wanted]
            if all(n in self.caps for n in names):
                for w in wanted:
                    if w.startswith("-"):
                        c.caps.discard(w[1:])
                    else:
                        c.caps.add(w)
                c.send(f":{SERVER_NAME} CAP {c.nick} ACK :{' '.join(wanted)}")
            else:
                c.send(f":{SERVER_NAME} CAP {c.nick} NAK :{' '.join(wanted)}")
        elif sub == "END":
            c.negotiating = False
            self._try_register(c)
        else:
            c.numeric("410", sub or "*", "Invalid CAP command")

    def _cmd_authenticate(self, c, params, tags):
        if "sasl" not in c.caps:
            c.numeric("904", "SASL authentication failed")
            return
        arg = params[0] if params else ""
        if arg == "*":
            c.sasl_mechanism, c.sasl_buffer = "", ""
            c.numeric("906", "SASL authentication aborted")
            return
        if c.account:
            c.numeric("907", "You have already authenticated using SASL")
            return
        if not c.sasl_mechanism:
            mech = arg.upper()
            if mech not in self.caps.get("sasl", "").split(","):
                c.numeric("908", self.caps.get("sasl", ""), "are available SASL mechanisms")
                c.numeric("904", "SASL authentication failed")
                return
            c.sasl_mechanism, c.sasl_buffer = mech, ""
            c.send("AUTHENTICATE +")
            return
        if arg != "+":
            c.sasl_buffer += arg
        if len(arg) == 400:
            return  # more to come
        try:
            payload = base64.b64decode(c.sasl_buffer) if c.sasl_buffer else b""
        except ValueError:
            payload = None
        mech, c.sasl_mechanism, c.sasl_buffer = c.sasl_mechanism, "", ""
        account = None
        if payload is not None and mech == "PLAIN":
            parts = payload.split(b"\0")
            if len(parts) == 3:
                authcid, password = parts[1].decode(), parts[2].decode()
                if self.sasl_accounts.get(authcid) == password:
                    account = authcid
        elif payload is not None and mech == "EXTERNAL":
            account = self.cert_accounts.get(c.cert_fingerprint or "")
        if account is None:
            c.numeric("904", "SASL authentication failed")
            return
        self._login(c, account, announce_self=True)
        c.numeric("903", "SASL authentication successful")

    def _login(self, c: ServerClient, account: str, announce_self: bool):
        c.account = account
        if announce_self:
            c.numeric("900", c.source, account, f"You are now logged in as {account}")
        for other in self._peers(c):
            if "account-notify" in other.caps:
                other.send(f":{c.source} ACCOUNT {account}")

    def _cmd_pass(self, c, params, tags):
        pass

    def _cmd_nick(self, c, params, tags):
        if not params:
            c.numeric("431", "No nickname given")
            return
        new = params[0]
        holder = self.by_nick(new)
        if holder is not None and holder is not c:
            c.numeric("433", new, "Nickname is already in use")
            return
        if c.registered:
            old = c.source
            for other in self._peers(c, include_self=True):
                other.send(f":{old} NICK :{new}")
            for ch in self._channels_of(c):
                ch.members[new.lower()] = ch.members.pop(c.nick.lower())
        c.nick = new
        self._try_register(c)

    def _cmd_user(self, c, params, tags):
        if len(params) < 4:
            c.numeric("461", "USER", "Not enough parameters")
            return
        c.user, c.realname = params[0], params[3]
        self._try_register(c)

    def _try_register(self, c: ServerClient):
        if c.registered or c.negotiating or c.nick == "*" or not c.user:
            return
        c.registered = True
        c.numeric("001", f"Welcome to the {NETWORK_NAME} IRC Network {c.source}")
        c.numeric("002", f"Your host is {SERVER_NAME}, running ircv3-e2e")
        c.numeric("003", "This server was created for a test")
        c.send(f":{SERVER_NAME} 004 {c.nick} {SERVER_NAME} ircv3-e2e iow biklmnopstv")
        c.numeric("005", f"PREFIX=({PREFIX_MODES}){PREFIXES}", "CHANTYPES=#",
                  "CASEMAPPING=rfc1459", "NICKLEN=30", "CHANMODES=b,k,l,imnpst",
                  f"NETWORK={NETWORK_NAME}", "are supported by this server")
        c.numeric("422", "MOTD File is missing")

    def _cmd_ping(self, c, params, tags):
        c.send(f":{SERVER_NAME} PONG {SERVER_NAME} :{params[0] if params else ''}")

    def _cmd_pong(self, c, params, tags):
        pass

    def _cmd_quit(self, c, params, tags):
        self._quit(c, params[0] if params else "Quit")

    def _quit(self, c: ServerClient, reason: str):
        with self.cond:
            if c.closed and c not in self.clients:
                return
            if c.registered:
                for other in self._peers(c):
                    other.send(f":{c.source} QUIT :{reason}")
            for ch in self._channels_of(c):
                del ch.members[c.nick.lower()]
            c.registered = False
            self._close(c)
            if c in self.clients:
                self.clients.remove(c)
                self.closed_clients.append(c)
            self.cond.notify_all()

    def _prefix(self, c: ServerClient, modes: set[str]) -> str:
        ordered = [PREFIXES[i] for i, m in enumerate(PREFIX_MODES) if m in modes]
        if "multi-prefix" in c.caps:
            return "".join(ordered)
        return ordered[0] if ordered else ""

    def _names(self, c: ServerClient, ch: Channel):
        names = " ".join(self._prefix(c, modes) + (self.by_nick(n).nick if self.by_nick(n) else n)
                         for n, modes in ch.members.items())
        c.numeric("353", "=", ch.name, names)
        c.numeric("366", ch.name, "End of /NAMES list")

    def _cmd_join(self, c, params, tags):
        if not params:
            c.numeric("461", "JOIN", "Not enough parameters")
            return
        for name in params[0].split(","):
            if not name.startswith("#"):
                c.numeric("403", name, "No such channel")
                continue
            ch = self.channels.setdefault(name.lower(), Channel(name))
            if c.nick.lower() in ch.members:
                continue
            ch.members[c.nick.lower()] = {"o"} if not ch.members else set()
            for m in self._members(ch):
                if "extended-join" in m.caps:
                    m.send(f":{c.source} JOIN {ch.name} {c.account or '*'} :{c.realname}")
                else:
                    m.send(f":{c.source} JOIN {ch.name}")
                if c.away and m is not c and "away-notify" in m.caps:
                    m.send(f":{c.source} AWAY :{c.away}")
            if ch.topic:
                c.numeric("332", ch.name, ch.topic)
                c.send(f":{SERVER_NAME} 333 {c.nick} {ch.name} {ch.topic_who} {int(time.time())}")
            self._names(c, ch)

    def _cmd_part(self, c, params, tags):
        for name in params[0].split(",") if params else []:
            ch = self.channels.get(name.lower())
            if not ch or c.nick.lower() not in ch.members:
                c.numeric("442", name, "You're not on that channel")
                continue
            reason = f" :{params[1]}" if len(params) > 1 else ""
            for m in self._members(ch):
                m.send(f":{c.source} PART {ch.name}{reason}")
            del ch.members[c.nick.lower()]

    def _cmd_names(self, c, params, tags):
        ch = self.channels.get(params[0].lower()) if params else None
        if ch:
            self._names(c, ch)
        else:
            c.numeric("366", params[0] if params else "*", "End of /NAMES list")

    def _cmd_topic(self, c, params, tags):
        ch = self.channels.get(params[0].lower()) if params else None
        if not ch:
            c.numeric("403", params[0] if params else "*", "No such channel")
            return
        if len(params) == 1:
            if ch.topic:
                c.numeric("332", ch.name, ch.topic)
            else:
                c.numeric("331", ch.name, "No topic is set")
            return
        ch.topic, ch.topic_who = params[1], c.nick
        for m in self._members(ch):
            m.send(f":{c.source} TOPIC {ch.name} :{ch.topic}",
                   self._tags_for(m, {"time": server_time()}))

    def _cmd_privmsg(self, c, params, tags, command="PRIVMSG"):
        if len(params) < 2:
            c.numeric("412", "No text to send")
            return
        target, text = params[0], params[1]
        out_tags = {"time": server_time()}
        out_tags.update({k: v for k, v in tags.items() if k.startswith("+")})
        line = f":{c.source} {command} {target} :{text}"
        if target.startswith("#"):
            ch = self.channels.get(target.lower())
            if not ch:
                c.numeric("403", target, "No such channel")
                return
            if c.nick.lower() not in ch.members:
                c.numeric("404", target, "Cannot send to channel")
                return
            receivers = [m for m in self._members(ch) if m is not c]
        else:
            peer = self.by_nick(target)
            if peer is None:
                c.numeric("401", target, "No such nick/channel")
                return
            receivers = [peer]
        for m in receivers:
            m.send(line, self._tags_for(m, out_tags))
        if "echo-message" in c.caps:
            c.send(line, self._tags_for(c, out_tags))

    def _cmd_notice(self, c, params, tags):
        self._cmd_privmsg(c, params, tags, "NOTICE")

    def _cmd_away(self, c, params, tags):
        c.away = params[0] if params and params[0] else ""
        if c.away:
            c.numeric("306", "You have been marked as being away")
        else:
            c.numeric("305", "You are no longer marked as being away")
        for other in self._peers(c):
            if "away-notify" in other.caps:
                other.send(f":{c.source} AWAY" + (f" :{c.away}" if c.away else ""))

    def _cmd_mode(self, c, params, tags):
        if not params:
            return
        ch = self.channels.get(params[0].lower())
        if not ch:
            if params[0].lower() == c.nick.lower():
                c.numeric("221", "+i")
            return
        if len(params) == 1:
            c.numeric("324", ch.name, "+nt")
            return
        flags, args = params[1], params[2:]
        sign, i = "+", 0
        for f in flags:
            if f in "+-":
                sign = f
            elif f in PREFIX_MODES and i < len(args):
                target = args[i].lower()
                i += 1
                if target in ch.members:
                    (ch.members[target].add if sign == "+" else ch.members[target].discard)(f)
        for m in self._members(ch):
            m.send(f":{c.source} MODE {ch.name} {' '.join(params[1:])}")

    def _cmd_ison(self, c, params, tags):
        on = [n for n in " ".join(params).split() if self.by_nick(n)]
        c.numeric("303", " ".join(on))

    def _cmd_who(self, c, params, tags):
        c.numeric("315", params[0] if params else "*", "End of WHO list")


# --- the IRC-side user ---------------------------------------------------------------------

class Ircv3User(IrcClient):
    """An IrcClient that requests capabilities before registering (tags: see tags_of)."""

    def __init__(self, port: int, nick: str, caps: list[str]):
        super().__init__(port, nick)
        self.want_caps = caps

    def connect(self, timeout: float = 10) -> "Ircv3User":
        self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self.sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, name=f"irc-{self.nick}",
                                        daemon=True)
        self._reader.start()
        self.send("CAP LS 302")
        if self.want_caps:
            self.send("CAP REQ :" + " ".join(self.want_caps))
            self.wait(lambda l: l.command == "CAP" and len(l.params) > 1
                      and l.params[1] in ("ACK", "NAK"), timeout, what="CAP ACK")
        self.send("CAP END")
        self.send(f"NICK {self.nick}")
        self.send(f"USER {self.nick} 0 * :Junction e2e {self.nick}")
        self.wait(lambda l: l.command == "001", timeout, what="RPL_WELCOME")
        return self
