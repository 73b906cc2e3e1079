"""End-to-end tests of the IRC gateway's IRCv3 side: SASL PLAIN and EXTERNAL, SASL offered
late through CAP NEW, TLS with a self-signed certificate (refused, pinned, unverified),
server-time, echo-message, away-notify, account-notify, extended-join, chghost and
multi-prefix. ngIRCd has none of these here, so the IRC side is the scripted IRCv3 server of
ircv3_server.py (real sockets, real TLS); the XMPP side is Prosody with slixmpp users.

Every network of one Junction points at one of three scripted servers:
  plain        no TLS, every capability, SASL PLAIN account "v3acct"
  late         no TLS, no sasl until the test offers it with CAP NEW
  tls*         TLS with a self-signed certificate for localhost (and 127.0.0.1); it asks
               for a client certificate and maps the test's one to account "certacct"
"""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import quoteattr

import pytest

import servers
from conftest import _LOGS_KEY, ALICE, SERVER_NAMES, _cleanup
from ircv3_server import (DEFAULT_CAPS, Ircv3Server, Ircv3User, make_self_signed, server_time,
                          sha256_fingerprint)
from test_irc import (CLIENT, MAM, FORWARD, MUC, SID, codes, from_is, item, see_bodyless, show,
                      uniq, wait_presence)
from xmpp_client import NS, error_condition

DOMAIN = "irc.localhost"
ACCOUNT, PASSWORD = "v3acct", "correct horse"
# Long credentials: PLAIN payloads of 424 base64 bytes (two AUTHENTICATE chunks) and of
# exactly 400 (one full chunk, then "AUTHENTICATE +" to mark the end).
LONG_ACCOUNT, LONG_PASSWORD = "longacct", "p" * 310
EXACT_ACCOUNT, EXACT_PASSWORD = "exactacct", "e" * (300 - len("exactacct") - 2)
CERT_ACCOUNT = "certacct"
DELAY = "urn:xmpp:delay"
USER_CAPS = ["server-time", "extended-join", "account-notify", "away-notify", "multi-prefix",
             "chghost", "message-tags"]

ONE_SERVER = "prosody" if "prosody" in SERVER_NAMES else SERVER_NAMES[0]
pytestmark = pytest.mark.parametrize("xmpp_server_session", [ONE_SERVER], indirect=True)


# --- servers and certificates ------------------------------------------------------------------

@pytest.fixture(scope="module")
def certs():
    d = servers.make_workdir("ircv3-certs-")
    server_cert, server_key = make_self_signed(d, "server", "localhost")
    client_cert, client_key = make_self_signed(d, "client", "junction-client")
    # The gateway reads certificate and key from one PEM file.
    client_pem = d / "client.pem"
    client_pem.write_text(client_cert.read_text() + client_key.read_text())
    client_pem.chmod(0o644)
    yield {"server": (server_cert, server_key), "client_cert": client_cert,
           "client_pem": client_pem, "server_fp": sha256_fingerprint(server_cert),
           "client_fp": sha256_fingerprint(client_cert)}
    _cleanup(d)


@pytest.fixture(scope="module")
def plain_server():
    s = Ircv3Server(sasl_accounts={ACCOUNT: PASSWORD, LONG_ACCOUNT: LONG_PASSWORD,
                                   EXACT_ACCOUNT: EXACT_PASSWORD}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def tls_server(certs):
    s = Ircv3Server(tls=certs["server"], client_ca=certs["client_cert"],
                    sasl_accounts={ACCOUNT: PASSWORD},
                    cert_accounts={certs["client_fp"]: CERT_ACCOUNT}).start()
    yield s
    s.stop()


@pytest.fixture
def late_server():
    caps = {k: v for k, v in DEFAULT_CAPS.items() if k != "sasl"}
    s = Ircv3Server(caps=caps, sasl_accounts={ACCOUNT: PASSWORD}).start()
    yield s
    s.stop()


@pytest.fixture
def v3_junction(request, junction_factory, plain_server, tls_server, late_server, certs):
    def net(port, **extra):
        return {"host": "127.0.0.1", "port": port, "tls": False, "flood_burst": 100,
                "flood_interval_ms": 10, "connect_timeout_seconds": 5, **extra}

    tls = dict(host="localhost", tls=True)
    networks = {
        "plain": net(plain_server.port),
        "late": net(late_server.port),
        "tlsdefault": net(tls_server.port, **tls),
        "tlspinned": net(tls_server.port, **tls, fingerprint=certs["server_fp"].upper()),
        "tlsnoverify": net(tls_server.port, **tls, verify=False),
        "tlsbadpin": net(tls_server.port, **tls, fingerprint="ab" * 32),
        "tlscert": net(tls_server.port, **tls, fingerprint=certs["server_fp"],
                       client_certificate=str(certs["client_pem"])),
    }
    for s in (plain_server, tls_server, late_server):
        request.node.stash.setdefault(_LOGS_KEY, []).append(s.logs)
    gateway = {"kind": "irc", "domain": DOMAIN, "secret": servers.COMPONENT_SECRET,
               "user_domains": [servers.USER_DOMAIN], "grace_seconds": 1, "networks": networks}
    return junction_factory(gateways={"irc": gateway}).start()


@pytest.fixture
def alice(connect):
    return see_bodyless(connect(ALICE))


@pytest.fixture
def irc_users():
    made: list[Ircv3User] = []

    def make(server: Ircv3Server, caps=tuple(USER_CAPS)) -> Ircv3User:
        u = Ircv3User(server.port, uniq("u"), list(caps)).connect()
        made.append(u)
        return u

    yield make
    for u in made:
        u.close()


# --- helpers -------------------------------------------------------------------------------

def room(network: str, channel: str) -> str:
    return f"{channel}%{network}@{DOMAIN}"


def join(client, network: str, channel: str, nick: str, timeout: float = 15) -> ET.Element:
    me = f"{room(network, channel)}/{nick}"
    client.send_raw(f"<presence to={quoteattr(me)}><x xmlns='{MUC}'/></presence>")
    return wait_presence(client, lambda p: from_is(p, me) and p.get("type") is None
                         and "110" in codes(p), timeout, f"self-presence in {channel}")


def join_error(client, network: str, channel: str, nick: str) -> ET.Element:
    r = room(network, channel)
    client.send_raw(f"<presence to={quoteattr(r + '/' + nick)}><x xmlns='{MUC}'/></presence>")
    return wait_presence(client, lambda p: p.get("type") == "error"
                         and (p.get("from") or "").lower().startswith(r.lower()),
                         15, f"join error from {r}")


def error_text(stanza: ET.Element) -> str:
    err = stanza.find(f"{{{CLIENT}}}error")
    return "" if err is None else (err.findtext(f"{{{NS['stanzas']}}}text") or "")


def configure_sasl(client, network: str, mechanism: str, account: str = "", password: str = ""):
    values = {"sasl_mechanism": mechanism, "sasl_user": account}
    if password:
        values["sasl_password"] = password
    reply = client.run_command(f"{network}@{DOMAIN}", "irc/configure", values)
    cmd = reply.find(f"{{{NS['commands']}}}command")
    assert reply.get("type") == "result" and cmd is not None \
        and cmd.get("status") == "completed", show(reply)


def gateway_client(server: Ircv3Server, nick: str):
    return server.wait_client(lambda c: c.nick.lower() == nick.lower() and c.registered,
                              10, f"the gateway's connection as {nick}")


def room_with_user(alice, server, irc_users, network: str):
    """An IRC-side user in a fresh channel, then alice joined through the gateway."""
    channel, anick = "#" + uniq("c"), uniq("a")
    irc = irc_users(server)
    irc.join(channel)
    join(alice, network, channel, anick)
    irc.wait(lambda l: l.command == "JOIN" and l.nick == anick, what=f"JOIN of {anick}")
    return channel, anick, irc


def barrier(alice, server, irc, channel, network):
    """A message from the IRC user that alice must see: whatever the gateway sent before it
    has been delivered by then (one connection, lines handled in order)."""
    text = "marker " + uuid.uuid4().hex[:6]
    irc.privmsg(channel, text)
    alice.wait_message(lambda m: m.type == "groupchat" and m.body == text
                       and m.bare_from.lower() == room(network, channel).lower())


def delay_of(stanza: ET.Element) -> ET.Element | None:
    return stanza.find(f"{{{DELAY}}}delay")


# --- SASL ----------------------------------------------------------------------------------

@pytest.mark.parametrize("account,password,chunks", [
    (ACCOUNT, PASSWORD, 1), (LONG_ACCOUNT, LONG_PASSWORD, 2), (EXACT_ACCOUNT, EXACT_PASSWORD, 2)],
    ids=["short", "two-chunks", "exactly-400"])
def test_sasl_plain_logs_in_before_registration(v3_junction, alice, plain_server, irc_users,
                                                account, password, chunks):
    configure_sasl(alice, "plain", "PLAIN", account, password)
    channel, anick = "#" + uniq("s"), uniq("a")
    watcher = irc_users(plain_server)
    watcher.join(channel)

    join(alice, "plain", channel, anick)

    c = gateway_client(plain_server, anick)
    assert c.account == account
    auth = c.received_matching("AUTHENTICATE")
    assert auth[0] == ["PLAIN"] and len(auth) == 1 + chunks, auth
    assert all(len(a[0]) == 400 for a in auth[1:-1]), auth
    end = c.received.index("CAP END")
    last_auth = max(i for i, l in enumerate(c.received) if l.startswith("AUTHENTICATE"))
    assert last_auth < end, c.received
    # The other IRC user sees the gateway's nick join logged in (extended-join).
    line = watcher.wait(lambda l: l.command == "JOIN" and l.nick == anick, what="extended JOIN")
    assert line.params[:2] == [channel, account], line.raw
    # No NickServ fallback after a successful login.
    assert not [p for p in c.received_matching("PRIVMSG") if p[0].lower() == "nickserv"]


def test_sasl_plain_wrong_password_is_reported_and_does_not_hang(v3_junction, alice,
                                                                  plain_server):
    configure_sasl(alice, "plain", "PLAIN", ACCOUNT, "wrong password")
    channel, anick = "#" + uniq("s"), uniq("a")

    # The connection goes on without an account: the join completes, promptly.
    join(alice, "plain", channel, anick, timeout=10)
    c = gateway_client(plain_server, anick)
    assert c.account == ""
    assert "CAP END" in c.received
    # The user is told, from the network's JID, that the login failed (the server's 904).
    server_jid = f"plain@{DOMAIN}"
    note = alice.wait_message(lambda m: m.bare_from.lower() == server_jid
                              and "SASL" in (m.body or ""), timeout=10)
    assert "failed" in note.body.lower(), note.body
    assert note.type == "chat"


def test_sasl_external_with_client_certificate(v3_junction, alice, tls_server, certs):
    configure_sasl(alice, "tlscert", "EXTERNAL")
    channel, anick = "#" + uniq("x"), uniq("a")

    join(alice, "tlscert", channel, anick)

    c = gateway_client(tls_server, anick)
    assert c.cert_fingerprint == certs["client_fp"]
    assert c.account == CERT_ACCOUNT
    auth = c.received_matching("AUTHENTICATE")
    assert auth == [["EXTERNAL"], ["+"]], auth
    assert c.received.index("CAP END") > c.received.index("AUTHENTICATE +")


def test_sasl_offered_later_by_cap_new(v3_junction, alice, late_server, irc_users):
    configure_sasl(alice, "late", "PLAIN", ACCOUNT, PASSWORD)
    channel, anick, watcher = room_with_user(alice, late_server, irc_users, "late")
    c = gateway_client(late_server, anick)
    assert c.account == "" and "AUTHENTICATE" not in c.commands()

    late_server.cap_new({"sasl": "PLAIN,EXTERNAL"})

    line = watcher.wait(lambda l: l.command == "ACCOUNT" and l.nick == anick, 10,
                        what="ACCOUNT (account-notify) for the gateway's nick")
    assert line.params == [ACCOUNT]
    assert c.account == ACCOUNT
    after_new = c.received[c.received.index("CAP REQ sasl"):]
    assert after_new[1].startswith("AUTHENTICATE PLAIN"), after_new
    assert c.received.count("CAP END") == 1
    # Still in the room and working.
    alice.send_message(room("late", channel), "logged in now", mtype="groupchat")
    watcher.wait(lambda l: l.command == "PRIVMSG" and l.text == "logged in now")


# --- TLS -----------------------------------------------------------------------------------

def test_tls_self_signed_refused_by_default(v3_junction, alice, tls_server):
    failures_before = len(tls_server.tls_failures)
    err = join_error(alice, "tlsdefault", "#" + uniq("t"), uniq("a"))
    assert error_condition(err) == "remote-server-not-found", show(err)
    text = error_text(err)
    assert "certificate" in text and "self-signed" in text, text
    # The refusal happened in the handshake: the server never got a line from us.
    tls_server.wait_for(lambda: len(tls_server.tls_failures) > failures_before, 5,
                        "the aborted handshake")


def test_tls_wrong_pin_refused(v3_junction, alice, tls_server, certs):
    err = join_error(alice, "tlsbadpin", "#" + uniq("t"), uniq("a"))
    assert error_condition(err) == "remote-server-not-found", show(err)
    text = error_text(err)
    assert "fingerprint" in text and certs["server_fp"] in text, text


@pytest.mark.parametrize("network", ["tlspinned", "tlsnoverify"])
def test_tls_self_signed_accepted_when_pinned_or_unverified(v3_junction, alice, tls_server,
                                                            irc_users, network):
    channel, anick = "#" + uniq("t"), uniq("a")
    sni_before = len(tls_server.sni_names)
    join(alice, network, channel, anick)
    c = gateway_client(tls_server, anick)
    assert c.cert_fingerprint is None  # no client certificate on these networks
    assert tls_server.sni_names[sni_before:] == ["localhost"]
    alice.send_message(room(network, channel), "over tls", mtype="groupchat")
    tls_server.wait_for(lambda: f"PRIVMSG {channel} :over tls" in c.received, 10,
                        "PRIVMSG over TLS")


# --- server-time, echo-message -------------------------------------------------------------

def test_server_time_stamps_replayed_lines_and_the_archive(v3_junction, alice, plain_server,
                                                          irc_users):
    channel, anick, irc = room_with_user(alice, plain_server, irc_users, "plain")
    r = room("plain", channel)
    now = datetime.now(timezone.utc)

    # A line the server says was said an hour ago (a replay) arrives marked as delayed.
    old_when = now - timedelta(hours=1, milliseconds=250)
    plain_server.channel_message(channel, "ghost", "said long ago", when=old_when)
    old = alice.wait_message(lambda m: m.sender.lower() == f"{r}/ghost".lower()
                             and m.body == "said long ago")
    d = delay_of(old.xml)
    assert d is not None, show(old.xml)
    assert d.get("stamp") == server_time(old_when), show(old.xml)
    assert (d.get("from") or "").lower() == r.lower()

    # A line said just now is live: no delay, but the archive keeps the server's time.
    recent_when = now - timedelta(seconds=7, milliseconds=125)
    plain_server.channel_message(channel, "ghost", "said just now", when=recent_when)
    recent = alice.wait_message(lambda m: m.sender.lower() == f"{r}/ghost".lower()
                                and m.body == "said just now")
    assert delay_of(recent.xml) is None, show(recent.xml)

    def archived():
        qid = uuid.uuid4().hex[:8]
        reply = alice.iq_set(r, f"<query xmlns='{MAM}' queryid='{qid}'/>")
        assert reply.get("type") == "result", show(reply)
        with alice._cond:
            msgs = list(alice.messages)
        stamps = {}
        for m in msgs:
            res = m.xml.find(f"{{{MAM}}}result")
            if res is None or res.get("queryid") != qid:
                continue
            fwd = res.find(f"{{{FORWARD}}}forwarded")
            body = fwd.findtext(f"{{{CLIENT}}}message/{{{CLIENT}}}body")
            stamps[body] = fwd.find(f"{{{DELAY}}}delay").get("stamp")
        return stamps if "said just now" in stamps else None

    stamps = servers.wait_until(archived, 15, 0.5, "the archived lines")
    assert stamps["said just now"] == server_time(recent_when)
    assert stamps["said long ago"] == server_time(old_when)


def test_echo_message_reflects_once_with_the_clients_ids(v3_junction, alice, plain_server,
                                                         irc_users):
    channel, anick, irc = room_with_user(alice, plain_server, irc_users, "plain")
    r = room("plain", channel)
    c = gateway_client(plain_server, anick)
    assert "echo-message" in c.caps

    msg_id, origin = uuid.uuid4().hex, uuid.uuid4().hex
    alice.send_raw(f"<message to={quoteattr(r)} type='groupchat' id='{msg_id}'>"
                   f"<body>said once</body><origin-id xmlns='{SID}' id='{origin}'/></message>")
    irc.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick and l.text == "said once")
    # The server echoed it back to the gateway...
    plain_server.wait_for(lambda: any(l.endswith("PRIVMSG " + channel + " :said once")
                                      and f":{anick}!" in l for l in c.sent), 5, "the echo")
    # ...and after a later line from IRC, alice has seen her message exactly once.
    barrier(alice, plain_server, irc, channel, "plain")
    mine = [m for m in alice.messages if m.type == "groupchat" and m.body == "said once"]
    assert len(mine) == 1, [show(m.xml) for m in mine]
    assert mine[0].sender.lower() == f"{r}/{anick}".lower()
    assert mine[0].id == msg_id
    oid = mine[0].xml.find(f"{{{SID}}}origin-id")
    assert oid is not None and oid.get("id") == origin, show(mine[0].xml)
    # The IRC side got one PRIVMSG, too.
    assert len([l for l in irc.lines if l.command == "PRIVMSG" and l.text == "said once"]) == 1

    # Two lines go out as two PRIVMSGs, echoed as two; the room reflects the one stanza.
    two_id = uuid.uuid4().hex
    alice.send_message(r, "first line\nsecond line", mtype="groupchat", msg_id=two_id)
    irc.wait(lambda l: l.command == "PRIVMSG" and l.text == "second line")
    plain_server.wait_for(lambda: any(l.endswith(" :second line") for l in c.sent), 5,
                          "the second echo")
    # A private message is echoed too; it must not come back as a chat from alice's own nick.
    alice.send_message(f"{irc.nick}%plain@{DOMAIN}", "private hello")
    irc.wait(lambda l: l.command == "PRIVMSG" and l.text == "private hello")
    plain_server.wait_for(lambda: any(l.endswith(" :private hello") for l in c.sent), 5,
                          "the private echo")
    barrier(alice, plain_server, irc, channel, "plain")
    reflected = [m for m in alice.messages if m.type == "groupchat" and m.id == two_id]
    assert [m.body for m in reflected] == ["first line\nsecond line"]
    assert not [m for m in alice.messages if "line" in (m.body or "") and m not in reflected]
    assert not [m for m in alice.messages
                if m.bare_from.lower() == f"{anick}%plain@{DOMAIN}".lower()]


# --- presence-related capabilities ------------------------------------------------------------

def test_away_notify_shows_occupant_away_and_back(v3_junction, alice, plain_server, irc_users):
    channel, anick, irc = room_with_user(alice, plain_server, irc_users, "plain")
    occupant = f"{room('plain', channel)}/{irc.nick}"

    irc.send("AWAY :out for lunch")
    away = wait_presence(alice, lambda p: from_is(p, occupant) and p.get("type") is None
                         and p.findtext(f"{{{CLIENT}}}show") == "away", what="show=away")
    assert away.findtext(f"{{{CLIENT}}}status") == "out for lunch", show(away)

    irc.send("AWAY")
    back = wait_presence(alice, lambda p: from_is(p, occupant) and p.get("type") is None,
                         what="back from away")
    assert back.find(f"{{{CLIENT}}}show") is None, show(back)


def test_extended_join_account_notify_and_chghost_keep_the_room_quiet(
        v3_junction, alice, plain_server, irc_users):
    channel, anick, first = room_with_user(alice, plain_server, irc_users, "plain")
    r = room("plain", channel)
    c = gateway_client(plain_server, anick)
    assert {"extended-join", "account-notify", "chghost"} <= c.caps

    # A logged-in user joining (extended-join: JOIN #chan account :realname) is an occupant
    # under its nick, nothing more.
    second = irc_users(plain_server)
    plain_server.set_account(second.nick, "secondacct")
    second.join(channel)
    joined = wait_presence(alice, lambda p: from_is(p, f"{r}/{second.nick}")
                           and p.get("type") is None, what="the extended-join occupant")
    assert item(joined).get("role") == "participant", show(joined)
    assert any(l.startswith(f":{second.nick}!") and " JOIN " in l and "secondacct" in l
               for l in c.sent)

    # An account change and a host change are no visible events: no leave/join, no notices.
    presences_before = len(alice.presences)
    messages_before = len(alice.messages)
    plain_server.set_account(first.nick, "firstacct")
    plain_server.chghost(first.nick, "newuser", "new.host.test")
    assert any(" CHGHOST newuser new.host.test" in l for l in c.sent)
    barrier(alice, plain_server, first, channel, "plain")
    assert not [show(p) for p in alice.presences[presences_before:]
                if from_is(p, f"{r}/{first.nick}")]
    noise = [m for m in alice.messages[messages_before:] if m.type != "groupchat"]
    assert not noise, [show(m.xml) for m in noise]


def test_multi_prefix_keeps_voice_after_deop(v3_junction, alice, plain_server, irc_users):
    channel, anick = "#" + uniq("p"), uniq("a")
    r = room("plain", channel)
    op = irc_users(plain_server)
    op.join(channel)
    voiced = irc_users(plain_server)
    voiced.join(channel)
    op.send(f"MODE {channel} +ov {voiced.nick} {voiced.nick}")
    op.wait(lambda l: l.command == "MODE" and "+ov" in l.params, what="MODE +ov")

    join(alice, "plain", channel, anick)
    c = gateway_client(plain_server, anick)
    assert "multi-prefix" in c.caps
    assert any(f"@+{voiced.nick}" in l for l in c.sent if " 353 " in l)
    moderator = [p for p in alice.presences if from_is(p, f"{r}/{voiced.nick}")]
    assert moderator and item(moderator[-1]).get("role") == "moderator", \
        [show(p) for p in moderator]

    # Without multi-prefix the gateway would think the voice gone along with the op.
    op.send(f"MODE {channel} -o {voiced.nick}")
    after = wait_presence(alice, lambda p: from_is(p, f"{r}/{voiced.nick}")
                          and p.get("type") is None and item(p) is not None
                          and item(p).get("role") != "moderator", what="presence after -o")
    assert item(after).get("role") == "participant", show(after)
    assert item(after).get("affiliation") == "member", show(after)
