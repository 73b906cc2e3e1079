"""IRC peers for the end-to-end tests: a real ngIRCd run as a plain process on loopback, and a
small synchronous IRC client (plain sockets) that plays the IRC-side user.

ngIRCd notes (see TESTING.md): PAM, ident and DNS lookups are off, MaxConnectionsIP = 0 (the
gateway opens one connection per XMPP user), penalties are off, and as root it drops to user
`irc`, so its PID file lives in a directory that user may write.
"""
from __future__ import annotations

import os
import pwd
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import servers

SERVER_NAME = "irc.e2e.test"


class NgircdServer:
    """One ngIRCd in its own directory, listening on a free 127.0.0.1 port."""

    def __init__(self, workdir: Path | None = None, port: int | None = None):
        self.dir = workdir or servers.make_workdir("ngircd-")
        self.port = port or servers.free_port()
        self.config_path = self.dir / "ngircd.conf"
        self.log_path = self.dir / "ngircd.log"
        self.run_dir = self.dir / "run"
        self.proc: subprocess.Popen | None = None
        self.write_config()

    def write_config(self):
        self.run_dir.mkdir(exist_ok=True)
        as_root = os.geteuid() == 0
        uid_lines = ""
        if as_root:
            try:
                pwd.getpwnam("irc")
                uid_lines = "ServerUID = irc\nServerGID = irc\n"
            except KeyError:
                pass
        self.config_path.write_text(f"""# generated for Junction tests
[Global]
Name = {SERVER_NAME}
Info = Junction e2e
Listen = 127.0.0.1
Ports = {self.port}
PidFile = {self.run_dir}/ngircd.pid
MotdPhrase = "Junction e2e test server"
{uid_lines}
[Limits]
MaxConnectionsIP = 0
MaxPenaltyTime = 0
MaxNickLength = 30
MaxJoins = 0
PingTimeout = 120
PongTimeout = 60

[Options]
PAM = no
Ident = no
DNS = no
""")
        os.chmod(self.config_path, 0o644)
        if as_root and uid_lines:
            servers.chown_tree(self.run_dir, "irc")

    def start(self, timeout: float = 15) -> "NgircdServer":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["ngircd", "--nodaemon", "--passive", "-f", str(self.config_path)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=self.dir)
        log.close()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"ngircd exited with {self.proc.returncode}:\n{self.logs()}")
            return servers.port_open(self.port)
        servers.wait_until(ready, timeout, 0.1, "ngircd to listen")
        return self

    def stop(self):
        servers._stop_process(self.proc)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def logs(self, lines: int = 60) -> str:
        return f"--- {self.log_path}\n{servers.tail(self.log_path, lines)}"


# --- the IRC-side user ---------------------------------------------------------------------

@dataclass
class IrcLine:
    raw: bytes                  # as received, without CR LF
    prefix: str
    command: str
    params: list[str]

    @property
    def nick(self) -> str:
        return self.prefix.split("!", 1)[0]

    @property
    def text(self) -> str:
        return self.params[-1] if self.params else ""


def parse_line(raw: bytes) -> IrcLine:
    line = raw.decode("utf-8", errors="replace")
    prefix = ""
    if line.startswith("@"):  # ngIRCd sends no tags, but be tolerant
        line = line.split(" ", 1)[1] if " " in line else ""
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
    return IrcLine(raw, prefix, command, params)


class IrcClient:
    """A registered IRC connection. Every line received is kept; PINGs are answered."""

    def __init__(self, port: int, nick: str, host: str = "127.0.0.1"):
        self.host, self.port, self.nick = host, port, nick
        self.sock: socket.socket | None = None
        self.lines: list[IrcLine] = []
        self._consumed: set[int] = set()
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self._closed = False

    def connect(self, timeout: float = 10) -> "IrcClient":
        self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self.sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, name=f"irc-{self.nick}",
                                        daemon=True)
        self._reader.start()
        self.send(f"NICK {self.nick}")
        self.send(f"USER {self.nick} 0 * :Junction e2e {self.nick}")
        self.wait(lambda l: l.command == "001", timeout, what="RPL_WELCOME")
        return self

    def _read_loop(self):
        sock = self.sock
        buf = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                raw = raw.rstrip(b"\r")
                if not raw:
                    continue
                line = parse_line(raw)
                if line.command == "PING":
                    try:
                        sock.sendall(("PONG :" + line.text + "\r\n").encode())
                    except OSError:
                        pass
                with self._cond:
                    self.lines.append(line)
                    self._cond.notify_all()

    def send(self, line: str | bytes):
        data = line if isinstance(line, bytes) else line.encode("utf-8")
        self.sock.sendall(data + b"\r\n")

    def close(self):
        if self.sock is None:
            return
        try:
            self.send("QUIT :done")
        except OSError:
            pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.sock = None
        if self._reader:
            self._reader.join(2)

    # --- waiting ---------------------------------------------------------------------------

    def wait(self, predicate, timeout: float = 10, what: str = "line",
             start: int = 0) -> IrcLine:
        """Returns (and consumes) the first not yet consumed line matching `predicate`,
        looking only at lines from index `start` on."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, l in enumerate(self.lines):
                    if i >= start and i not in self._consumed and predicate(l):
                        self._consumed.add(i)
                        return l
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n  ".join(repr(l.raw) for l in self.lines[-15:]) or "(none)"
                    raise TimeoutError(f"IRC {self.nick}: no {what} within {timeout}s; "
                                       f"last received:\n  {seen}")
                self._cond.wait(left)

    def collect(self, predicate, until, timeout: float) -> list[IrcLine]:
        """Waits until `until(matching)` is true or `timeout` passes; returns every line
        matching `predicate` so far."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [l for l in self.lines if predicate(l)]
                left = deadline - time.monotonic()
                if until(matching) or left <= 0:
                    return matching
                self._cond.wait(min(left, 0.5))

    # --- commands --------------------------------------------------------------------------

    def join(self, channel: str, key: str | None = None, timeout: float = 10):
        self.send(f"JOIN {channel}" + (f" {key}" if key else ""))
        self.wait(lambda l: l.command == "366" and len(l.params) > 1
                  and l.params[1].lower() == channel.lower(), timeout, what=f"366 for {channel}")

    def privmsg(self, target: str, text: str):
        self.send(f"PRIVMSG {target} :{text}")

    def ison(self, nick: str, timeout: float = 10) -> bool:
        """Whether `nick` is on the network (ISON)."""
        with self._cond:
            start = len(self.lines)
        self.send(f"ISON {nick}")
        reply = self.wait(lambda l: l.command == "303", timeout, what="303 (ISON)", start=start)
        return nick.lower() in reply.text.lower().split()

    def names(self, channel: str, timeout: float = 10) -> set[str]:
        """The channel's members (without prefixes) from a fresh NAMES reply."""
        with self._cond:
            start = len(self.lines)
        self.send(f"NAMES {channel}")
        self.wait(lambda l: l.command == "366" and l.params[1].lower() == channel.lower(),
                  timeout, what="366 for NAMES", start=start)
        members: set[str] = set()
        with self._cond:
            for l in self.lines[start:]:
                if l.command == "353" and l.params[-2].lower() == channel.lower():
                    members |= {n.lstrip("~&@%+") for n in l.text.split()}
        return members
