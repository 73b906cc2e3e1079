"""End-to-end tests of the IRC gateway against a real ngIRCd (started here, on loopback) and
a real XMPP server, with a plain-socket IRC client playing the IRC-side user.

Addressing (DESIGN.md section 2): `#chan%local@irc.localhost/Nick` is a channel joined as a
MUC room, `nick%local@irc.localhost` an IRC user. The main flows (join, groupchat, private
messages) run against Prosody and ejabberd; the rest against Prosody only.
"""
from __future__ import annotations

import random
import string
import time
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

import pytest
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher.base import MatcherBase

import servers
from conftest import _LOGS_KEY, ALICE, SERVER_NAMES, _cleanup
from irc_fixtures import IrcClient, NgircdServer
from xmpp_client import error_condition

DOMAIN = "irc.localhost"
NETWORK = "local"
GRACE_SECONDS = 1

MUC = "http://jabber.org/protocol/muc"
MUC_USER = "http://jabber.org/protocol/muc#user"
MAM = "urn:xmpp:mam:2"
FORWARD = "urn:xmpp:forward:0"
SID = "urn:xmpp:sid:0"
CLIENT = "jabber:client"

# The flows that are not about the XMPP server run once, against Prosody when it is in the run.
ONE_SERVER = "prosody" if "prosody" in SERVER_NAMES else SERVER_NAMES[0]
one_server = pytest.mark.parametrize("xmpp_server_session", [ONE_SERVER], indirect=True)


# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ngircd():
    server = NgircdServer().start()
    try:
        yield server
    finally:
        server.stop()
        _cleanup(server.dir)


def irc_gateway(port: int) -> dict:
    return {
        "kind": "irc",
        "domain": DOMAIN,
        "secret": servers.COMPONENT_SECRET,
        "user_domains": [servers.USER_DOMAIN],
        "grace_seconds": GRACE_SECONDS,
        "networks": {NETWORK: {"host": "127.0.0.1", "port": port, "tls": False,
                               "flood_burst": 100, "flood_interval_ms": 10}},
    }


class _Bodyless(MatcherBase):
    """Messages without a body: slixmpp raises its `message` event only for those with one,
    but a subject change and a MAM result have none."""

    def match(self, xml):
        return (xml.tag == f"{{{CLIENT}}}message"
                and xml.xml.find(f"{{{CLIENT}}}body") is None)


def see_bodyless(client):
    """Makes `client` collect body-less messages too (in `messages`, with body None)."""
    if getattr(client, "_irc_bodyless", False):
        return client
    client._irc_bodyless = True

    def install():
        client.xmpp.register_handler(Callback("irc-e2e-bodyless", _Bodyless(None),
                                              client._on_message))
    client.loop.call(install)
    return client


@pytest.fixture
def alice(connect):
    """alice@localhost, also collecting body-less messages (subjects, MAM results)."""
    return see_bodyless(connect(ALICE))


@pytest.fixture
def irc_junction(request, junction_factory, ngircd):
    request.node.stash.setdefault(_LOGS_KEY, []).append(ngircd.logs)
    return junction_factory(gateways={"irc": irc_gateway(ngircd.port)}).start()


@pytest.fixture
def irc_user(ngircd):
    """irc_user(nick=None) -> a registered IrcClient on the test ngIRCd."""
    made: list[IrcClient] = []

    def make(nick: str | None = None) -> IrcClient:
        c = IrcClient(ngircd.port, nick or uniq("irc")).connect()
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


# --- helpers -------------------------------------------------------------------------------

def uniq(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:7]


def room_jid(channel: str) -> str:
    return f"{channel}%{NETWORK}@{DOMAIN}"


def user_jid(nick: str) -> str:
    return f"{nick}%{NETWORK}@{DOMAIN}"


def codes(presence: ET.Element) -> set[str]:
    x = presence.find(f"{{{MUC_USER}}}x")
    if x is None:
        return set()
    return {s.get("code") for s in x.findall(f"{{{MUC_USER}}}status")}


def item(presence: ET.Element) -> ET.Element | None:
    x = presence.find(f"{{{MUC_USER}}}x")
    return None if x is None else x.find(f"{{{MUC_USER}}}item")


def show(el: ET.Element) -> str:
    return ET.tostring(el, encoding="unicode")


def presences_from(client, bare: str) -> list[ET.Element]:
    with client._cond:
        return [p for p in client.presences
                if (p.get("from") or "").lower().split("/")[0] == bare.lower()]


def wait_presence(client, predicate, timeout: float = 15, what: str = "presence") -> ET.Element:
    """The first presence matching `predicate` not returned before by this helper."""
    seen: set[int] = client.__dict__.setdefault("_irc_seen_presences", set())

    def find():
        with client._cond:
            for i, p in enumerate(client.presences):
                if i not in seen and predicate(p):
                    seen.add(i)
                    return p
        return None
    try:
        return servers.wait_until(find, timeout, 0.05, what)
    except TimeoutError:
        with client._cond:
            last = "\n  ".join(show(p) for p in client.presences[-8:]) or "(none)"
        raise TimeoutError(f"no {what} within {timeout}s; last presences:\n  {last}") from None


def from_is(stanza: ET.Element, jid: str) -> bool:
    return (stanza.get("from") or "").lower() == jid.lower()


def send_join(client, channel: str, nick: str, password: str | None = None):
    pw = f"<password>{password}</password>" if password else ""
    client.send_raw(f"<presence to={quoteattr(room_jid(channel) + '/' + nick)}>"
                    f"<x xmlns='{MUC}'>{pw}</x></presence>")


def join(client, channel: str, nick: str, password: str | None = None) -> ET.Element:
    """Joins as `nick` and returns the self-presence (status 110)."""
    send_join(client, channel, nick, password)
    me = f"{room_jid(channel)}/{nick}"
    return wait_presence(client, lambda p: from_is(p, me) and "110" in codes(p)
                         and p.get("type") is None, what=f"self-presence in {channel}")


def setup_room(alice, irc_user, *, irc_first: bool = True):
    """An IRC user in a fresh channel, then alice joined through the gateway. Returns
    (channel, alice's nick, the IRC client)."""
    channel = "#" + uniq("c")
    anick = uniq("a")
    irc = irc_user()
    irc.join(channel)
    join(alice, channel, anick)
    irc.wait(lambda l: l.command == "JOIN" and l.nick == anick, what=f"JOIN of {anick}")
    return channel, anick, irc


def groupchat_from(room: str, nick: str, body: str | None = None):
    full = f"{room}/{nick}".lower()

    def pred(m):
        return (m.type == "groupchat" and m.sender.lower() == full
                and (body is None or m.body == body))
    return pred


def mam_results(client, room: str) -> dict[str, tuple[str, ET.Element]]:
    """One MAM query of the whole room archive: body -> (result id, archived message)."""
    qid = uuid.uuid4().hex[:8]
    reply = client.iq_set(room, f"<query xmlns='{MAM}' queryid='{qid}'/>")
    assert reply.get("type") == "result", show(reply)
    assert reply.find(f"{{{MAM}}}fin") is not None, show(reply)
    found = {}
    with client._cond:
        msgs = list(client.messages)
    for m in msgs:
        res = m.xml.find(f"{{{MAM}}}result")
        if res is None or res.get("queryid") != qid:
            continue
        inner = res.find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message")
        if inner is not None:
            found[inner.findtext(f"{{{CLIENT}}}body")] = (res.get("id"), inner)
    return found


# --- joining -------------------------------------------------------------------------------

def test_join_room_presence_order(irc_junction, alice, irc_user):
    channel = "#" + uniq("c")
    room = room_jid(channel)
    irc = irc_user()
    irc.join(channel)
    anick = uniq("a")

    self_presence = join(alice, channel, anick)

    # The IRC-side user who was there first is an occupant, announced before the self-presence.
    in_room = presences_from(alice, room)
    occupant = [p for p in in_room if from_is(p, f"{room}/{irc.nick}")]
    assert occupant, [show(p) for p in in_room]
    assert occupant[0].get("type") is None
    # The channel's creator is an op on IRC: moderator in the room.
    assert item(occupant[0]) is not None and item(occupant[0]).get("role") == "moderator"
    assert in_room.index(occupant[0]) < in_room.index(self_presence)
    assert self_presence is in_room[-1], "the self-presence must be the last of the join"
    assert "110" in codes(self_presence)

    # The subject closes the join (always sent, maybe empty).
    alice.wait_message(lambda m: m.bare_from.lower() == room.lower()
                       and m.xml.find(f"{{{CLIENT}}}subject") is not None, timeout=10)
    # And on IRC, alice's nick joined the channel.
    irc.wait(lambda l: l.command == "JOIN" and l.nick == anick and l.params[0] == channel)


# --- messages ------------------------------------------------------------------------------

def test_groupchat_both_ways_with_reflection(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)

    msg_id = uuid.uuid4().hex
    alice.send_message(room, "hello from xmpp", mtype="groupchat", msg_id=msg_id)
    line = irc.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick, what="PRIVMSG")
    assert line.params == [channel, "hello from xmpp"]
    reflected = alice.wait_message(groupchat_from(room, anick, "hello from xmpp"))
    assert reflected.id == msg_id

    irc.privmsg(channel, "hello from irc")
    got = alice.wait_message(groupchat_from(room, irc.nick, "hello from irc"))
    assert got.xml.find(f"{{{SID}}}stanza-id") is not None, show(got.xml)


def test_private_messages_both_ways(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)

    alice.send_message(user_jid(irc.nick), "psst from xmpp")
    line = irc.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick, what="PM")
    assert line.params == [irc.nick, "psst from xmpp"]

    irc.privmsg(anick, "psst from irc")
    got = alice.wait_message(lambda m: m.body == "psst from irc")
    assert got.type == "chat"
    assert got.bare_from.lower() == user_jid(irc.nick).lower()


@one_server
def test_me_action_both_ways(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)

    alice.send_message(room, "/me waves", mtype="groupchat")
    line = irc.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick, what="ACTION")
    assert line.params == [channel, "\x01ACTION waves\x01"]

    irc.privmsg(channel, "\x01ACTION dances\x01")
    alice.wait_message(groupchat_from(room, irc.nick, "/me dances"))


@one_server
def test_topic_both_ways(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)
    irc.send(f"MODE {channel} -t")  # alice is no op: let anyone set the topic

    irc.send(f"TOPIC {channel} :topic from irc")
    alice.wait_message(lambda m: m.bare_from.lower() == room.lower()
                       and m.xml.findtext(f"{{{CLIENT}}}subject") == "topic from irc")

    alice.send_raw(f"<message to={quoteattr(room)} type='groupchat'>"
                   "<subject>topic from xmpp</subject></message>")
    line = irc.wait(lambda l: l.command == "TOPIC" and l.nick == anick, what="TOPIC")
    assert line.params == [channel, "topic from xmpp"]


@one_server
def test_nick_changes(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)

    # XMPP side: a presence to another nick is a NICK.
    newnick = uniq("b")
    alice.send_raw(f"<presence to={quoteattr(room + '/' + newnick)}/>")
    line = irc.wait(lambda l: l.command == "NICK" and l.nick == anick, what="NICK")
    assert line.text == newnick
    gone = wait_presence(alice, lambda p: from_is(p, f"{room}/{anick}")
                         and p.get("type") == "unavailable", what="303 presence")
    assert {"303", "110"} <= codes(gone), show(gone)
    assert item(gone).get("nick") == newnick
    back = wait_presence(alice, lambda p: from_is(p, f"{room}/{newnick}")
                         and p.get("type") is None, what="presence under the new nick")
    assert "110" in codes(back), show(back)

    # IRC side.
    oldirc, newirc = irc.nick, uniq("n")
    irc.send(f"NICK {newirc}")
    gone = wait_presence(alice, lambda p: from_is(p, f"{room}/{oldirc}")
                         and p.get("type") == "unavailable", what="303 for the IRC user")
    assert "303" in codes(gone) and "110" not in codes(gone), show(gone)
    assert item(gone).get("nick") == newirc
    wait_presence(alice, lambda p: from_is(p, f"{room}/{newirc}") and p.get("type") is None,
                  what="IRC user's new nick")


@one_server
def test_kick(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)

    irc.send(f"KICK {channel} {anick} :out you go")
    kicked = wait_presence(alice, lambda p: from_is(p, f"{room}/{anick}")
                           and p.get("type") == "unavailable", what="kick presence")
    assert {"307", "110"} <= codes(kicked), show(kicked)
    it = item(kicked)
    assert it is not None and it.get("role") == "none"
    assert it.findtext(f"{{{MUC_USER}}}reason") == "out you go", show(kicked)


@one_server
def test_part_both_ways(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)
    other = irc_user()
    other.join(channel)
    wait_presence(alice, lambda p: from_is(p, f"{room}/{other.nick}") and p.get("type") is None,
                  what="second IRC user's join")

    other.send(f"PART {channel} :see you")
    left = wait_presence(alice, lambda p: from_is(p, f"{room}/{other.nick}")
                         and p.get("type") == "unavailable", what="IRC user's part")
    assert "see you" in (left.findtext(f"{{{CLIENT}}}status") or ""), show(left)

    alice.send_raw(f"<presence to={quoteattr(room + '/' + anick)} type='unavailable'/>")
    line = irc.wait(lambda l: l.command == "PART" and l.nick == anick, what="PART")
    assert line.params[0] == channel
    me = wait_presence(alice, lambda p: from_is(p, f"{room}/{anick}")
                       and p.get("type") == "unavailable", what="own unavailable presence")
    assert "110" in codes(me), show(me)


# --- bodies --------------------------------------------------------------------------------

@one_server
def test_multiline_body_becomes_several_privmsgs(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    alice.send_message(room_jid(channel), "line one\nline two\nline three", mtype="groupchat")
    lines = irc.collect(lambda l: l.command == "PRIVMSG" and l.nick == anick,
                        lambda got: len(got) >= 3, timeout=10)
    assert [l.params for l in lines] == [[channel, "line one"], [channel, "line two"],
                                         [channel, "line three"]]


@one_server
def test_long_body_is_split_and_arrives_complete(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    rng = random.Random(2000)
    alphabet = string.ascii_letters + "éü€"
    words = []
    while len(" ".join(words)) < 2000:
        words.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
    body = " ".join(words)[:2000].rstrip()
    assert len(body) >= 1990

    alice.send_message(room_jid(channel), body, mtype="groupchat")
    want = body.replace(" ", "")
    lines = irc.collect(lambda l: l.command == "PRIVMSG" and l.nick == anick,
                        lambda got: sum(len(l.text.replace(" ", "")) for l in got) >= len(want),
                        timeout=15)
    assert len(lines) >= 4, f"2,000 characters in {len(lines)} lines"
    for l in lines:
        assert len(l.raw) + 2 <= 512, f"relayed line of {len(l.raw) + 2} bytes"
        assert l.params[0] == channel
    # A cut may consume the space it was made at; nothing else may be lost or changed.
    assert "".join(l.text for l in lines).replace(" ", "") == want
    assert " ".join(l.text for l in lines).split() == body.split()


@one_server
def test_latin1_from_irc_arrives_as_utf8(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    irc.send(f"PRIVMSG {channel} :".encode() + b"caf\xe9 na\xefve \xbfqu\xe9?")
    alice.wait_message(groupchat_from(room_jid(channel), irc.nick, "café naïve ¿qué?"))


@one_server
def test_crlf_in_body_does_not_inject_a_command(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)
    alice.send_raw(f"<message to={quoteattr(room)} type='groupchat'>"
                   "<body>hello&#13;&#10;QUIT :bye</body></message>")
    lines = irc.collect(lambda l: l.command == "PRIVMSG" and l.nick == anick,
                        lambda got: len(got) >= 2, timeout=10)
    assert [l.text for l in lines] == ["hello", "QUIT :bye"]
    time.sleep(1)
    assert not [l for l in irc.lines if l.command in ("QUIT", "PART") and l.nick == anick]
    assert anick in irc.names(channel)
    # The connection still works.
    alice.send_message(room, "still here", mtype="groupchat")
    irc.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick and l.text == "still here")


# --- errors, lifecycle, history --------------------------------------------------------------

@one_server
def test_join_keyed_channel_without_key_fails(irc_junction, alice, irc_user):
    channel = "#" + uniq("k")
    irc = irc_user()
    irc.join(channel)
    irc.send(f"MODE {channel} +k sekrit")
    irc.wait(lambda l: l.command == "MODE" and "+k" in l.params, what="MODE +k")
    room = room_jid(channel)
    anick = uniq("a")

    send_join(alice, channel, anick)
    err = wait_presence(alice, lambda p: p.get("type") == "error"
                        and (p.get("from") or "").lower().startswith(room.lower()),
                        what="join error")
    assert error_condition(err) == "not-authorized", show(err)
    assert anick not in irc.names(channel)

    # With the key, the join succeeds.
    join(alice, channel, anick, password="sekrit")
    irc.wait(lambda l: l.command == "JOIN" and l.nick == anick, what="JOIN with key")


@one_server
def test_xmpp_user_offline_quits_after_grace(irc_junction, connect, irc_user, ngircd):
    user = see_bodyless(connect(ALICE))
    channel, anick, irc = setup_room(user, irc_user)
    user.disconnect()
    # The room is left at once; the connection QUITs after grace_seconds. The IRC user shares
    # no channel with the nick any more, so it sees the PART, then the nick going away.
    irc.wait(lambda l: l.command == "PART" and l.nick == anick, what=f"PART of {anick}")
    servers.wait_until(lambda: not irc.ison(anick), GRACE_SECONDS + 15, 0.3,
                       f"{anick} to leave the network")
    servers.wait_until(lambda: f'User "{anick}!' in ngircd.log_text()
                       and "Got QUIT command" in ngircd.log_text(), 5, 0.2,
                       "ngIRCd to log the QUIT")
    quit_lines = [l for l in ngircd.log_text().splitlines()
                  if f'User "{anick}!' in l and "unregistered" in l]
    assert quit_lines and "Got QUIT command" in quit_lines[-1], quit_lines


@one_server
def test_mam_query_returns_room_messages(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)
    alice.send_message(room, "archived from xmpp", mtype="groupchat")
    irc.wait(lambda l: l.command == "PRIVMSG" and l.text == "archived from xmpp")
    irc.privmsg(channel, "archived from irc")
    live = alice.wait_message(groupchat_from(room, irc.nick, "archived from irc"))
    live_sid = live.xml.find(f"{{{SID}}}stanza-id")

    def query():
        found = mam_results(alice, room)
        return found if {"archived from xmpp", "archived from irc"} <= found.keys() else None

    found = servers.wait_until(query, 15, 0.5, "both messages in MAM")
    mam_id, inner = found["archived from irc"]
    assert (inner.get("from") or "").lower() == f"{room}/{irc.nick}".lower()
    assert (found["archived from xmpp"][1].get("from") or "").lower() == f"{room}/{anick}".lower()
    assert live_sid is not None, show(live.xml)
    assert live_sid.get("id") == mam_id, "the live stanza-id must be the MAM id"
