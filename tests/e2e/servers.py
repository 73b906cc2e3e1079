"""Real XMPP servers (Prosody, ejabberd) and Junction itself, run as plain processes on
loopback for the end-to-end tests and the demo.

Each instance lives in its own directory, listens on free 127.0.0.1 ports and is started and
stopped by PID. Nothing here touches the packaged daemons or their default ports.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Virtual hosts every server serves. `other.localhost` is a second user domain that the
# gateways do not serve (user_domains = ["localhost"]): its users must get `forbidden`.
USER_DOMAIN = "localhost"
OTHER_DOMAIN = "other.localhost"
# Component domains every server accepts. Later gateways add their domain here.
COMPONENT_DOMAINS = ["echo.localhost", "irc.localhost", "sms.localhost", "mail.localhost"]
COMPONENT_SECRET = "e2e-component-secret"
PASSWORD = "secret"


# --- small utilities ---------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Polls `predicate` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


def tail(path: Path, lines: int = 80) -> str:
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError as e:
        return f"<{path}: {e}>"
    return "\n".join(text[-lines:])


def _world_traversable(path: Path) -> bool:
    for p in [path, *path.parents]:
        if p.exists() and not os.stat(p).st_mode & 0o001:
            return False
    return True


def make_workdir(prefix: str) -> Path:
    """A fresh directory the daemons' own users can reach: under <repo>/.e2e when every
    ancestor is world-traversable, else under /tmp."""
    base = Path(os.environ.get("JUNCTION_E2E_DIR", REPO / ".e2e"))
    if not _world_traversable(base.parent):
        base = Path(tempfile.gettempdir()) / "junction-e2e"
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o755)
    d = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    os.chmod(d, 0o755)
    return d


def chown_tree(path: Path, user: str):
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)


def _stop_process(proc: subprocess.Popen | None, timeout: float = 15) -> int | None:
    """SIGTERM to the process group we created, then SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait(5)


# --- XMPP servers ------------------------------------------------------------------------

class XmppServer:
    """What the tests need from either server."""
    name = "?"

    def __init__(self, workdir: Path | None = None, c2s_port: int | None = None,
                 component_port: int | None = None):
        self.dir = workdir or make_workdir(f"{self.name}-")
        self.c2s_port = c2s_port or free_port()
        self.component_port = component_port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.dir / f"{self.name}.log"
        self.registered: set[str] = set()

    # subclasses: write_config(), _start(), _stop(), _register(user, domain, password)
    def start(self, timeout: float = 30):
        self._start()
        wait_until(lambda: self._ready(), timeout, 0.1, f"{self.name} to listen")

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                               + self.logs())
        return port_open(self.c2s_port) and port_open(self.component_port)

    def stop(self):
        self._stop()
        wait_until(lambda: not port_open(self.c2s_port), 15, 0.1, f"{self.name} to close")

    def restart(self):
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def register(self, user: str, domain: str = USER_DOMAIN, password: str = PASSWORD) -> str:
        jid = f"{user}@{domain}"
        if jid not in self.registered:
            self._register(user, domain, password)
            self.registered.add(jid)
        return jid

    def logs(self, lines: int = 60) -> str:
        return f"--- {self.log_path}\n{tail(self.log_path, lines)}"


class Prosody(XmppServer):
    name = "prosody"

    def __init__(self, *args, run_as_root: bool = False, cert: tuple[Path, Path] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.config_path = self.dir / "prosody.cfg.lua"
        self.data_dir = self.dir / "data"
        self.run_as_root = run_as_root
        self.cert = cert
        self.write_config()

    def write_config(self):
        self.data_dir.mkdir(exist_ok=True)
        components = "\n".join(
            f'Component "{d}"\n    component_secret = "{COMPONENT_SECRET}"\n'
            for d in COMPONENT_DOMAINS)
        tls = ""
        if self.cert:
            tls = (f'ssl = {{ certificate = "{self.cert[0]}", key = "{self.cert[1]}" }}\n'
                   'c2s_require_encryption = false\n')
        self.config_path.write_text(f"""-- generated for Junction tests
pidfile = "{self.dir}/prosody.pid"
data_path = "{self.data_dir}"
run_as_root = {str(self.run_as_root).lower()}
log = {{ {{ levels = {{ min = "info" }}, to = "file", filename = "{self.log_path}" }} }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {self.c2s_port} }}
c2s_interfaces = {{ "127.0.0.1" }}
component_ports = {{ {self.component_port} }}
component_interfaces = {{ "127.0.0.1" }}
modules_enabled = {{ "roster", "saslauth", "tls", "disco", "ping", "register", "offline",
                    "version", "time", "limits" }}
modules_disabled = {{ "s2s" }}
authentication = "internal_plain"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = true
limits = {{ c2s = {{ rate = "100mb/s" }} }}
{tls}
VirtualHost "{USER_DOMAIN}"
VirtualHost "{OTHER_DOMAIN}"

{components}
""")
        chown_tree(self.dir, "prosody")

    def _cmd(self, *args) -> list[str]:
        if os.geteuid() == 0 and not self.run_as_root:
            return ["setpriv", "--reuid=prosody", "--regid=prosody", "--init-groups", *args]
        return list(args)

    def _start(self):
        log = open(self.dir / "prosody.stdout", "ab")
        self.proc = subprocess.Popen(
            self._cmd("prosody", "-F", "--config", str(self.config_path)),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()

    def _stop(self):
        _stop_process(self.proc)

    def _register(self, user, domain, password):
        r = subprocess.run(
            self._cmd("prosodyctl", "--config", str(self.config_path),
                      "register", user, domain, password),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"prosodyctl register {user}@{domain}: {r.stdout}{r.stderr}")


class Ejabberd(XmppServer):
    name = "ejabberd"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = f"junction{os.getpid()}x{self.c2s_port}@localhost"
        self.dist_port = free_port()
        self.cookie = f"junctione2e{self.c2s_port}"
        self.log_path = self.dir / "ejabberd.log"
        self.write_config()

    def write_config(self):
        (self.dir / "spool").mkdir(exist_ok=True)
        shutil.copy("/etc/ejabberd/inetrc", self.dir / "inetrc")
        (self.dir / "ejabberdctl.cfg").write_text(f"""ERLANG_NODE={self.node}
INET_DIST_INTERFACE=127.0.0.1
ERL_DIST_PORT={self.dist_port}
ERL_OPTIONS="-setcookie {self.cookie}"
""")
        hosts = "\n".join(f"  - {h}" for h in (USER_DOMAIN, OTHER_DOMAIN))
        (self.dir / "ejabberd.yml").write_text(f"""# generated for Junction tests
hosts:
{hosts}
loglevel: info
log_rotate_count: 0
certfiles: []
listen:
  - port: {self.c2s_port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    shaper: none
    access: c2s
    max_stanza_size: 1048576
  - port: {self.component_port}
    ip: "127.0.0.1"
    module: ejabberd_service
    password: "{COMPONENT_SECRET}"
    shaper: none
auth_method: internal
auth_password_format: plain
registration_timeout: infinity
acl:
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  c2s:
    allow: all
  register:
    allow: all
shaper_rules:
  c2s_shaper: none
  s2s_shaper: none
  max_user_sessions: 1000
  max_user_offline_messages: 5000
modules:
  mod_disco: {{}}
  mod_offline:
    access_max_user_messages: max_user_offline_messages
  mod_ping: {{}}
  mod_register:
    access: register
    ip_access: all
  mod_roster: {{}}
  mod_version: {{}}
""")
        chown_tree(self.dir, "ejabberd")

    def _ctl(self, *args) -> list[str]:
        d = str(self.dir)
        return ["ejabberdctl", "--config-dir", d, "--ctl-config", f"{d}/ejabberdctl.cfg",
                "--logs", d, "--spool", f"{d}/spool", "--node", self.node, *args]

    def _start(self):
        log = open(self.dir / "ejabberd.stdout", "ab")
        self.proc = subprocess.Popen(self._ctl("foreground"), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=self.dir)
        log.close()

    def start(self, timeout: float = 60):
        super().start(timeout)

    def _stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        subprocess.run(self._ctl("stop"), stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60, cwd=self.dir)
        try:
            self.proc.wait(30)  # `stop` returns before the node has exited
        except subprocess.TimeoutExpired:
            _stop_process(self.proc)

    def _register(self, user, domain, password):
        r = subprocess.run(self._ctl("register", user, domain, password),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60, cwd=self.dir)
        if r.returncode != 0 and "already registered" not in r.stdout + r.stderr:
            raise RuntimeError(f"ejabberdctl register {user}@{domain}: {r.stdout}{r.stderr}")

    def logs(self, lines: int = 60) -> str:
        return (f"--- {self.log_path}\n{tail(self.log_path, lines)}\n"
                f"--- {self.dir / 'ejabberd.stdout'}\n{tail(self.dir / 'ejabberd.stdout', 20)}")


SERVERS = {"prosody": Prosody, "ejabberd": Ejabberd}


# --- Junction ----------------------------------------------------------------------------

def junction_binary() -> Path:
    return Path(os.environ.get("JUNCTION_BIN", REPO / "build" / "src" / "junction"))


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def junction_config(*, xmpp_port: int, db_path: Path, http_port: int,
                    admins=("admin@localhost",), log_level: str = "debug",
                    gateways: dict | None = None) -> str:
    """A Junction config (DESIGN.md section 2). `gateways` maps a gateway name to its table;
    the default is one echo gateway at echo.localhost."""
    if gateways is None:
        gateways = {"echo": {"kind": "echo", "domain": "echo.localhost",
                             "secret": COMPONENT_SECRET, "user_domains": [USER_DOMAIN]}}
    lines = [
        f"admins = [{', '.join(toml_str(a) for a in admins)}]",
        "",
        "[xmpp]",
        'host = "127.0.0.1"',
        f"port = {xmpp_port}",
        "",
        "[storage]",
        f"path = {toml_str(str(db_path))}",
        "",
        "[http]",
        f'listen = "127.0.0.1:{http_port}"',
        f'public_url = "http://127.0.0.1:{http_port}"',
        "",
        "[log]",
        f"level = {toml_str(log_level)}",
    ]
    for name, table in gateways.items():
        lines += ["", f"[gateways.{name}]"]
        nested = {k: v for k, v in table.items() if isinstance(v, dict)}
        for key, value in table.items():
            if key not in nested:
                lines.append(f"{key} = {_toml_value(value)}")
        # A dict value is a sub-table, e.g. the SMS gateway's [gateways.sms.numbers].
        for key, sub in nested.items():
            lines += ["", f"[gateways.{name}.{key}]"]
            lines += [f"{toml_str(str(k))} = {_toml_value(v)}" for k, v in sub.items()]
    return "\n".join(lines) + "\n"


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        # An inline table, e.g. one network under [gateways.irc.networks].
        return "{" + ", ".join(f"{toml_str(str(k))} = {_toml_value(x)}"
                               for k, x in v.items()) + "}"
    return toml_str(str(v))


class Junction:
    """One Junction process with its config, database and stderr log in `workdir`."""

    def __init__(self, workdir: Path, xmpp_port: int, **config_kwargs):
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.http_port = free_port()
        self.config_path = self.dir / "junction.toml"
        self.db_path = self.dir / "junction.db"
        self.stderr_path = self.dir / "junction.stderr"
        self.config_path.write_text(junction_config(
            xmpp_port=xmpp_port, db_path=self.db_path, http_port=self.http_port,
            **config_kwargs))
        self.proc: subprocess.Popen | None = None
        self.exit_codes: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, wait_healthy: bool = True, timeout: float = 30):
        binary = junction_binary()
        if not binary.exists():
            raise FileNotFoundError(f"{binary} not built (run scripts/test.sh or cmake --build build)")
        err = open(self.stderr_path, "ab")
        err.write(f"=== start {time.strftime('%H:%M:%S')}\n".encode())
        err.flush()
        self.proc = subprocess.Popen([str(binary), "--config", str(self.config_path)],
                                     stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                     start_new_session=True, cwd=self.dir)
        err.close()
        if wait_healthy:
            self.wait_healthy(timeout)
        return self

    def _check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise RuntimeError(f"junction is not running (exit status {code});\n"
                               f"--- {self.stderr_path}\n{tail(self.stderr_path)}")

    def healthz(self) -> int:
        """The HTTP status of GET /healthz, or 0 when nothing answers."""
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except (urllib.error.URLError, OSError):
            return 0

    def wait_health(self, status: int, timeout: float = 30):
        def check():
            self._check_alive()
            return self.healthz() == status
        wait_until(check, timeout, 0.1, f"GET /healthz == {status}")

    def wait_healthy(self, timeout: float = 30):
        self.wait_health(200, timeout)

    def stop(self, timeout: float = 15) -> int | None:
        if self.proc is None:
            return None
        code = _stop_process(self.proc, timeout)
        self.exit_codes.append(code)
        return code

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.exit_codes.append(self.proc.wait(10))

    def restart(self, wait_healthy: bool = True):
        self.stop()
        return self.start(wait_healthy)

    def post(self, path: str, fields: dict, timeout: float = 10) -> int:
        """POSTs an application/x-www-form-urlencoded body; returns the HTTP status."""
        data = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(self.url + path, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def logs(self, lines: int = 80) -> str:
        return f"--- {self.stderr_path}\n{tail(self.stderr_path, lines)}"


def check_config(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(junction_binary()), "--check-config", "--config", str(path)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
