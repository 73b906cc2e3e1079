"""Fixtures for the end-to-end suite: a real XMPP server (each test runs once against Prosody
and once against ejabberd), Junction started from build/src/junction with a generated config,
and logged-in slixmpp users. See docs/testing.md.

Environment:
  JUNCTION_E2E_SERVERS  comma list, default "prosody,ejabberd"
  JUNCTION_BIN          the binary, default build/src/junction
  JUNCTION_E2E_DIR      where instance directories go, default <repo>/.e2e
  JUNCTION_E2E_KEEP=1   keep instance directories after the run
"""
from __future__ import annotations

import itertools
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import servers  # noqa: E402
import xmpp_client  # noqa: E402

SERVER_NAMES = [s.strip() for s in os.environ.get("JUNCTION_E2E_SERVERS",
                                                   "prosody,ejabberd").split(",") if s.strip()]
KEEP = os.environ.get("JUNCTION_E2E_KEEP") == "1"

# Accounts every server has from the start.
ALICE = "alice@localhost"
BOB = "bob@localhost"
ADMIN = "admin@localhost"
MALLORY = "mallory@other.localhost"   # a user domain the gateways do not serve


def _cleanup(path: Path):
    if not KEEP:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def loop_thread():
    lt = xmpp_client.LoopThread()
    yield lt
    lt.close()


@pytest.fixture(scope="session", params=SERVER_NAMES)
def xmpp_server_session(request):
    """One server per kind for the whole run (ejabberd takes seconds to start)."""
    server = servers.SERVERS[request.param]()
    server.start()
    try:
        for jid in (ALICE, BOB, ADMIN, MALLORY):
            user, domain = jid.split("@")
            server.register(user, domain)
        yield server
    finally:
        server.stop()
        _cleanup(server.dir)


@pytest.fixture
def xmpp_server(request, xmpp_server_session):
    """The session's server, running. A test may stop and start it; it is started again
    afterwards if the test left it down."""
    server = xmpp_server_session
    if not server.running:
        server.start()
    request.node.stash.setdefault(_LOGS_KEY, []).append(server.logs)
    yield server
    if not server.running:
        server.start()


_LOGS_KEY = pytest.StashKey[list]()
_user_counter = itertools.count(1)


@pytest.fixture
def new_user(xmpp_server):
    """Registers a fresh account on the server and returns its bare JID: for tests whose
    state (registrations, offline messages) must not leak into other tests."""
    def make(prefix: str = "user", domain: str = servers.USER_DOMAIN) -> str:
        return xmpp_server.register(f"{prefix}{os.getpid()}n{next(_user_counter)}", domain)
    return make


@pytest.fixture
def junction_factory(request, xmpp_server, tmp_path_factory):
    """Makes Junction instances (not started) for the current server; stops them all at the
    end of the test. Keyword arguments go to servers.junction_config."""
    made: list[servers.Junction] = []

    def make(**config) -> servers.Junction:
        workdir = servers.make_workdir("junction-")
        j = servers.Junction(workdir, xmpp_server.component_port, **config)
        made.append(j)
        request.node.stash.setdefault(_LOGS_KEY, []).append(j.logs)
        return j

    yield make
    for j in made:
        j.stop()
        _cleanup(j.dir)


@pytest.fixture
def junction(junction_factory):
    """Junction with the default config (one echo gateway at echo.localhost), healthy."""
    return junction_factory().start()


@pytest.fixture
def connect(loop_thread, xmpp_server):
    """connect(jid) -> a logged-in xmpp_client.Client; disconnected at the end of the test."""
    clients: list[xmpp_client.Client] = []

    def make(jid: str, password: str = servers.PASSWORD, **kwargs) -> xmpp_client.Client:
        c = xmpp_client.Client(loop_thread, jid, password, "127.0.0.1", xmpp_server.c2s_port,
                               **kwargs)
        c.connect()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.disconnect()


@pytest.fixture
def alice(connect):
    return connect(ALICE)


@pytest.fixture
def admin(connect):
    return connect(ADMIN)


@pytest.fixture
def mallory(connect):
    return connect(MALLORY)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _LOGS_KEY in item.stash:
        for logs in item.stash[_LOGS_KEY]:
            try:
                report.sections.append(("logs", logs()))
            except Exception as e:  # a log reader must never hide the real failure
                report.sections.append(("logs", f"<could not read logs: {e}>"))
