"""The Debian package, its systemd unit and the server recipes, on the machine itself.

Run by tests/deploy/run.sh (the "deploy" stage of scripts/test.sh), as root, with
JUNCTION_DEB pointing at the built package. The tests run in file order and share the
machine's state: install, check, run against Prosody / ejabberd / nginx built from the
recipes in deploy/recipes/, reinstall, remove, purge. Each later test assumes the
earlier ones passed.
"""
from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import servers  # noqa: E402
import xmpp_client  # noqa: E402

RECIPES = REPO / "deploy" / "recipes"
CONF = Path("/etc/junction/junction.toml")
STATE = Path("/var/lib/junction")
BIN = Path("/usr/bin/junction")
UNIT = Path("/lib/systemd/system/junction.service")
KEEP = os.environ.get("JUNCTION_E2E_KEEP") == "1"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="installs a package: needs root")


def run(*cmd, check=True, timeout=600, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {r.returncode}\n"
                             f"--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}")
    return r


def apt(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return run("apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confdef",
               "-o", "Dpkg::Options::=--force-confold", *args, env=env)


def dpkg_status(pkg="junction") -> str:
    r = run("dpkg-query", "-W", "-f=${Status}", pkg, check=False)
    return r.stdout.strip() if r.returncode == 0 else "not-installed"


def http_get(url: str, timeout=3, context=None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def http_post(url: str, fields: dict, timeout=10, context=None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                 method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


@pytest.fixture(scope="module")
def deb() -> Path:
    path = Path(os.environ.get("JUNCTION_DEB", ""))
    if not path.is_file():
        pytest.fail(f"JUNCTION_DEB={path!s} is not a file: run tests/deploy/run.sh")
    return path


@pytest.fixture(scope="module")
def extracted(deb, tmp_path_factory) -> Path:
    """The package's files, unpacked: checks that don't depend on dpkg's path filters
    (some minimal images drop /usr/share/man and /usr/share/doc on install)."""
    d = tmp_path_factory.mktemp("deb")
    run("dpkg-deb", "-x", deb, d)
    return d


@pytest.fixture(scope="module")
def workdir():
    d = servers.make_workdir("deploy-")
    yield d
    if not KEEP:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def loop_thread():
    lt = xmpp_client.LoopThread()
    yield lt
    lt.close()


# --- the package file ----------------------------------------------------------------------

def test_deb_contents(deb):
    listing = run("dpkg-deb", "--contents", deb).stdout
    for path in ["./usr/bin/junction", "./etc/junction/junction.toml",
                 "./lib/systemd/system/junction.service", "./usr/lib/sysusers.d/junction.conf",
                 "./usr/share/man/man1/junction.1.gz", "./usr/share/doc/junction/admin.md",
                 "./usr/share/doc/junction/user.md",
                 "./usr/share/doc/junction/recipes/prosody/junction.cfg.lua"]:
        assert re.search(rf"\s{re.escape(path)}$", listing, re.M), f"{path} missing:\n{listing}"
    conf_line = next(l for l in listing.splitlines() if l.endswith("./etc/junction/junction.toml"))
    assert conf_line.startswith("-rw-r-----"), f"the config must not be world-readable: {conf_line}"

    info = run("dpkg-deb", "--info", deb).stdout
    fields = dict(re.findall(r"^ (\w[\w-]*): (.*)$", info, re.M))
    assert fields["Package"] == "junction"
    assert fields["Architecture"] == run("dpkg", "--print-architecture").stdout.strip()
    depends = fields.get("Depends", "")
    # dpkg-shlibdeps turned the linked libraries into package names.
    for lib in ["libc6", "libstdc++6", "libsqlite3-0", "libexpat1", "libssl3"]:
        assert re.search(rf"\b{re.escape(lib)}\b", depends), f"{lib} not in Depends: {depends}"

    control = deb.parent / "control-check"
    shutil.rmtree(control, ignore_errors=True)
    run("dpkg-deb", "--control", deb, control)
    assert (control / "conffiles").read_text().split() == [str(CONF)]
    for script in ["postinst", "prerm", "postrm"]:
        mode = (control / script).stat().st_mode
        assert mode & stat.S_IXUSR, f"{script} is not executable"
        run("sh", "-n", control / script)
    shutil.rmtree(control, ignore_errors=True)


# --- install -----------------------------------------------------------------------------

def test_install(deb):
    if dpkg_status() != "not-installed":
        apt("purge", "junction")
    apt("install", "--no-install-recommends", str(deb.resolve()))
    assert dpkg_status() == "install ok installed"
    assert run(BIN, "--version").stdout.startswith("junction ")

    user = pwd.getpwnam("junction")
    assert user.pw_uid < 1000, "not a system user"
    assert user.pw_dir == str(STATE)
    assert user.pw_shell in ("/usr/sbin/nologin", "/sbin/nologin")
    st = STATE.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (user.pw_uid, 0o750)
    cst = CONF.stat()
    assert cst.st_uid == 0 and grp.getgrgid(cst.st_gid).gr_name == "junction"
    assert stat.S_IMODE(cst.st_mode) == 0o640


def test_packaged_config_checks():
    r = run(BIN, "--check-config", "--config", CONF, check=False)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr, r.stderr
    # ... and as the service user, who reads it through its group.
    r = run("setpriv", "--reuid=junction", "--regid=junction", "--init-groups",
            BIN, "--check-config", "--config", CONF, check=False)
    assert r.returncode == 0, r.stderr


def test_man_page(extracted):
    r = run("man", "--warnings", "-l", extracted / "usr/share/man/man1/junction.1.gz",
            env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="0"))
    assert r.stderr.strip() == "", r.stderr
    page = re.sub(r".\x08", "", r.stdout)  # drop overstrike bold/underline
    for text in ["--check-config", "SIGHUP", "/healthz", "/etc/junction/junction.toml"]:
        assert text in page, f"{text!r} not in the rendered man page:\n{page[:2000]}"


def test_unit_verifies():
    """systemd-analyze works without a running systemd: syntax, paths, directives."""
    r = run("systemd-analyze", "verify", UNIT, check=False)
    problems = [l for l in (r.stdout + r.stderr).splitlines() if "junction" in l]
    if not Path("/usr/share/man/man1/junction.1.gz").exists():
        # dpkg path filters (minimal images) dropped the man page: Documentation= can't resolve.
        problems = [l for l in problems if "man junction(1)" not in l]
        assert not problems, r.stdout + r.stderr
    else:
        assert r.returncode == 0 and not problems, r.stdout + r.stderr
    unit = UNIT.read_text()
    for line in ["User=junction", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID",
                 "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                 "NoNewPrivileges=yes", "StateDirectory=junction",
                 "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                 "SystemCallFilter=@system-service", "SystemCallArchitectures=native",
                 "MemoryDenyWriteExecute=yes", "LockPersonality=yes"]:
        assert re.search(rf"^{re.escape(line)}$", unit, re.M), f"{line} missing"


def test_unit_security_score():
    r = run("systemd-analyze", "security", "--offline=yes", "--no-pager", UNIT, check=False)
    m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout + r.stderr)
    assert m, r.stdout + r.stderr
    assert float(m.group(1)) <= 2.5, r.stdout


def test_unit_enabled_by_package():
    # deb-systemd-helper enables without a running systemd: the symlink is there.
    assert Path("/etc/systemd/system/multi-user.target.wants/junction.service").is_symlink()


# --- run the packaged binary, as the unit would, against each recipe ------------------------

def edit_packaged_config(*, xmpp_port: int, http_port: int, secret: str):
    """Points the packaged config at a test server, the way an admin would: in place."""
    text = CONF.read_text()
    text, n1 = re.subn(r"^port = \d+$", f"port = {xmpp_port}", text, count=1, flags=re.M)
    text, n2 = re.subn(r'^listen = "127\.0\.0\.1:\d+"$', f'listen = "127.0.0.1:{http_port}"',
                       text, count=1, flags=re.M)
    text, n3 = re.subn(r'^secret = "[^"]*"$', f'secret = "{secret}"', text, count=1, flags=re.M)
    assert (n1, n2, n3) == (1, 1, 1), "the packaged config no longer has the expected lines"
    CONF.write_text(text)
    run(BIN, "--check-config", "--config", CONF)


class PackagedJunction:
    """/usr/bin/junction run as the service runs it: user junction, the packaged config,
    working directory /var/lib/junction, logs on stderr."""

    def __init__(self, workdir: Path, http_port: int):
        self.http_port = http_port
        self.log = workdir / "junction.stderr"
        self.proc: subprocess.Popen | None = None

    def start(self):
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(
                ["setpriv", "--reuid=junction", "--regid=junction", "--init-groups",
                 str(BIN), "--config", str(CONF)],
                cwd=STATE, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                start_new_session=True)
        return self

    def logs(self) -> str:
        return servers.tail(self.log, 60)

    def wait_healthy(self, timeout=30):
        def check():
            if self.proc.poll() is not None:
                raise AssertionError(f"junction exited {self.proc.returncode}\n{self.logs()}")
            return http_get(f"http://127.0.0.1:{self.http_port}/healthz")[0] == 200
        try:
            servers.wait_until(check, timeout, 0.2, "GET /healthz == 200")
        except TimeoutError as e:
            raise AssertionError(f"{e}\n{self.logs()}") from None

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
            return None


class RecipeProsody(servers.Prosody):
    """Prosody whose components are the recipe's lines, example.org -> localhost."""

    def write_config(self):
        super().write_config()
        recipe = (RECIPES / "prosody" / "junction.cfg.lua").read_text()
        recipe = recipe.replace("example.org", servers.USER_DOMAIN)
        self.recipe_secrets = dict(re.findall(
            r'^Component "([^"]+)"\s*\n\s*component_secret = "([^"]+)"', recipe, re.M))
        text = self.config_path.read_text()
        # Keep the harness's global settings (ports, paths, users); swap its components for
        # the recipe's, in a conf.d file included at the end as Debian's config does.
        text = text[:text.index('Component "')]
        (self.dir / "conf.d").mkdir(exist_ok=True)
        (self.dir / "conf.d" / "junction.cfg.lua").write_text(recipe)
        self.config_path.write_text(text + '\nInclude "conf.d/*.cfg.lua"\n')
        servers.chown_tree(self.dir, "prosody")


class RecipeEjabberd(servers.Ejabberd):
    """ejabberd whose component listener is the recipe's entry, port and all."""

    def write_config(self):
        super().write_config()
        recipe = (RECIPES / "ejabberd" / "junction.yml").read_text()
        entry = recipe[recipe.index("listen:\n") + len("listen:\n"):]
        self.recipe_secret = re.search(r'password: "([^"]+)"', entry).group(1)
        entry = entry.replace("port: 5347", f"port: {self.component_port}")
        path = self.dir / "ejabberd.yml"
        text = path.read_text()
        start = text.index(f"  - port: {self.component_port}")
        end = text.index("auth_method:")
        path.write_text(text[:start] + entry + text[end:])
        servers.chown_tree(self.dir, "ejabberd")


def subdir(workdir: Path, name: str) -> Path:
    d = workdir / name
    d.mkdir()
    os.chmod(d, 0o755)  # the servers run as their own users
    return d


def echo_round_trip(loop_thread, server, c2s_port):
    jid = server.register("alice")
    client = xmpp_client.Client(loop_thread, jid, servers.PASSWORD, "127.0.0.1", c2s_port)
    client.connect()
    try:
        client.send_message("bob@echo.localhost", "hello from the package")
        reply = client.wait_message(lambda m: m.bare_from == "bob@echo.localhost", 20)
        assert reply.body and "hello from the package" in reply.body, reply
    finally:
        client.disconnect()


@pytest.fixture
def packaged(workdir):
    http_port = servers.free_port()
    j = PackagedJunction(workdir, http_port)
    yield j
    j.stop()


def test_prosody_recipe(workdir, packaged, loop_thread):
    server = RecipeProsody(subdir(workdir, "prosody"))
    secret = server.recipe_secrets["echo.localhost"]
    server.start()
    try:
        edit_packaged_config(xmpp_port=server.component_port, http_port=packaged.http_port,
                             secret=secret)
        packaged.start().wait_healthy()
        status, body = http_get(f"http://127.0.0.1:{packaged.http_port}/healthz")
        assert status == 200 and json.loads(body), body
        db = STATE / "junction.db"
        assert db.exists() and db.stat().st_uid == pwd.getpwnam("junction").pw_uid

        echo_round_trip(loop_thread, server, server.c2s_port)

        # The backup procedure of docs/admin.md, while Junction runs (WAL mode).
        backup = STATE / "backup-test.db"
        run("runuser", "-u", "junction", "--", "sqlite3", db, f".backup '{backup}'")
        check = run("runuser", "-u", "junction", "--", "sqlite3", backup, "PRAGMA integrity_check")
        assert check.stdout.strip() == "ok", check.stdout
        mode = run("runuser", "-u", "junction", "--", "sqlite3", db, "PRAGMA journal_mode")
        assert mode.stdout.strip() == "wal", mode.stdout
        backup.unlink()

        metrics = http_get(f"http://127.0.0.1:{packaged.http_port}/metrics")[1]
        assert "junction_xmpp_stream_online" in metrics

        # SIGHUP reloads (what `systemctl reload` sends after --check-config).
        os.killpg(packaged.proc.pid, signal.SIGHUP)
        servers.wait_until(lambda: "reload" in packaged.log.read_text(), 10, 0.1, "reload log")
        packaged.wait_healthy()
        assert packaged.stop() == 0, packaged.logs()
    except Exception:
        print(packaged.logs())
        print(server.logs())
        raise
    finally:
        server.stop()


def test_prosody_kick_old(workdir, loop_thread):
    """component_conflict_resolve = "kick_old": a reconnecting Junction replaces a
    connection Prosody still holds, rather than being refused until it times out."""
    server = RecipeProsody(subdir(workdir, "prosody-kick"))
    secret = server.recipe_secrets["echo.localhost"]
    server.start()
    a = PackagedJunction(workdir, servers.free_port())
    b = None
    try:
        edit_packaged_config(xmpp_port=server.component_port, http_port=a.http_port,
                             secret=secret)
        a.start().wait_healthy()
        # The second instance, on its own HTTP port and database, same component domain.
        other = workdir / "second.toml"
        text = CONF.read_text()
        b_port = servers.free_port()
        text = re.sub(r'^listen = "127\.0\.0\.1:\d+"$', f'listen = "127.0.0.1:{b_port}"',
                      text, count=1, flags=re.M)
        text = text.replace(str(STATE / "junction.db"), str(workdir / "second.db"))
        other.write_text(text)
        b = subprocess.Popen([str(BIN), "--config", str(other)], stdin=subprocess.DEVNULL,
                             stdout=open(workdir / "second.stderr", "ab"),
                             stderr=subprocess.STDOUT, start_new_session=True)
        servers.wait_until(lambda: http_get(f"http://127.0.0.1:{b_port}/healthz")[0] == 200,
                           30, 0.2, "the second instance online")
        servers.wait_until(lambda: "another connection is already using" in a.log.read_text(),
                           15, 0.2, "the first instance to be kicked")
    finally:
        if b is not None:
            servers._stop_process(b)
        a.stop()
        server.stop()


def test_ejabberd_recipe(workdir, packaged, loop_thread):
    server = RecipeEjabberd(subdir(workdir, "ejabberd"))
    server.start()
    try:
        edit_packaged_config(xmpp_port=server.component_port, http_port=packaged.http_port,
                             secret=server.recipe_secret)
        packaged.start().wait_healthy()
        echo_round_trip(loop_thread, server, server.c2s_port)
        assert packaged.stop() == 0, packaged.logs()
    except Exception:
        print(packaged.logs())
        print(server.logs())
        raise
    finally:
        server.stop()


def test_nginx_recipe(workdir, packaged):
    """The nginx recipe, with a self-signed certificate and loopback ports, publishes
    /webhooks/ to Junction unchanged and nothing else."""
    if not shutil.which("nginx"):
        pytest.fail("nginx is not installed (tests/deploy/run.sh installs it)")
    server = RecipeProsody(subdir(workdir, "prosody-nginx"))
    server.start()
    nginx = None
    d = workdir / "nginx"
    d.mkdir()
    try:
        edit_packaged_config(xmpp_port=server.component_port, http_port=packaged.http_port,
                             secret=server.recipe_secrets["echo.localhost"])
        packaged.start().wait_healthy()

        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=gw.example.org", "-keyout", d / "key.pem", "-out", d / "cert.pem")
        http_port, https_port = servers.free_port(), servers.free_port()
        site = (RECIPES / "nginx" / "junction.conf").read_text()
        site = (site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
                    .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
                    .replace("/etc/letsencrypt/live/gw.example.org/fullchain.pem", str(d / "cert.pem"))
                    .replace("/etc/letsencrypt/live/gw.example.org/privkey.pem", str(d / "key.pem"))
                    .replace("127.0.0.1:8480", f"127.0.0.1:{packaged.http_port}"))
        site = re.sub(r"^\s*listen \[::\]:\d+.*$", "", site, flags=re.M)
        (d / "nginx.conf").write_text(f"""
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
{site}
}}
""")
        run("nginx", "-t", "-c", d / "nginx.conf", "-p", d)
        nginx = subprocess.Popen(["nginx", "-c", str(d / "nginx.conf"), "-p", str(d)],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=open(d / "stderr", "ab"), start_new_session=True)
        servers.wait_until(lambda: servers.port_open(https_port), 10, 0.1, "nginx")
        tls = ssl.create_default_context(cafile=str(d / "cert.pem"))
        tls.check_hostname = False

        direct = f"http://127.0.0.1:{packaged.http_port}"
        proxied = f"https://127.0.0.1:{https_port}"
        fields = {"to": "alice@localhost", "from": "nginx-test", "body": "via nginx",
                  "id": "nginx-1"}
        # The same answer through the proxy as directly: the request reached Junction.
        via = http_post(proxied + "/webhooks/echo/inbound", fields, context=tls)
        assert via[0] != 502 and "nginx" not in via[1], via
        again = http_post(direct + "/webhooks/echo/inbound", fields)
        assert via[0] == again[0], (via, again)
        # /healthz and /metrics stay private; plain HTTP redirects to HTTPS.
        assert http_get(proxied + "/healthz", context=tls)[0] == 404
        assert http_get(proxied + "/metrics", context=tls)[0] == 404
        req = urllib.request.Request(f"http://127.0.0.1:{http_port}/webhooks/echo/inbound")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(req, timeout=3)
            raise AssertionError("no redirect")
        except urllib.error.HTTPError as e:
            assert e.code == 301 and e.headers["Location"].startswith("https://")
        assert packaged.stop() == 0, packaged.logs()
    except Exception:
        print(packaged.logs())
        print(servers.tail(d / "error.log"))
        raise
    finally:
        if nginx is not None:
            servers._stop_process(nginx)
        server.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- upgrade in place, remove, purge -------------------------------------------------------

def test_reinstall_keeps_edited_config(deb, extracted):
    edited = CONF.read_text()
    shipped = (extracted / "etc/junction/junction.toml").read_text()
    assert edited != shipped, "the earlier tests should have edited the config"
    run("dpkg", "-i", deb.resolve())  # same version again: dpkg's upgrade path
    assert CONF.read_text() == edited
    assert stat.S_IMODE(CONF.stat().st_mode) == 0o640
    assert dpkg_status() == "install ok installed"


def test_remove_keeps_config_and_data():
    apt("remove", "junction")
    assert not BIN.exists()
    assert not UNIT.exists()
    assert CONF.exists(), "remove must keep the conffile"
    assert (STATE / "junction.db").exists(), "remove must keep the database"
    assert dpkg_status() == "deinstall ok config-files"
    # Masked (like debhelper does) so a leftover enablement link can't start a missing unit.
    assert os.readlink("/etc/systemd/system/junction.service") == "/dev/null"


def test_purge_removes_everything():
    apt("purge", "junction")
    assert dpkg_status() == "not-installed"
    assert not CONF.exists() and not Path("/etc/junction").exists()
    assert not STATE.exists()
    assert not Path("/etc/systemd/system/junction.service").exists()
    assert not Path("/etc/systemd/system/multi-user.target.wants/junction.service").exists()
    # The system user stays (Debian practice); a reinstall reuses it.
    pwd.getpwnam("junction")
