"""End-to-end tests of the IRC gateway's connection handling against a real ngIRCd: automatic
reconnection after the server dies and comes back, a network that refuses connections, the
join errors of channel modes (+i, +b, +l), the archive of a persistent room read after the
XMPP user comes back, and text transcoded for a latin-1 network.

Fixtures and helpers come from test_irc.py; these flows are not about the XMPP server, so they
run against one server only.
"""
from __future__ import annotations

import os
import signal
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

import servers
from conftest import _LOGS_KEY, ALICE, _cleanup
from irc_fixtures import IrcClient, NgircdServer
from test_irc import (  # noqa: F401  (fixtures are used by name)
    CLIENT, DOMAIN, NETWORK, alice, codes, from_is, groupchat_from, irc_gateway,
    irc_junction, irc_user, join, mam_results, ngircd, one_server, room_jid, see_bodyless, send_join, show,
    uniq, wait_presence)
from xmpp_client import error_condition

DELAY = "urn:xmpp:delay"
COMMANDS = "http://jabber.org/protocol/commands"
DATA = "jabber:x:data"


def gateway_with(port: int, **network) -> dict:
    """The IRC gateway table of test_irc.py with extra keys for its one network."""
    table = irc_gateway(port)
    table["networks"][NETWORK].update(network)
    return table


def join_error(client, channel: str) -> ET.Element:
    room = room_jid(channel)
    return wait_presence(client, lambda p: p.get("type") == "error"
                         and (p.get("from") or "").lower().startswith(room.lower()),
                         what=f"join error from {room}")


def error_text(stanza: ET.Element) -> str:
    err = stanza.find(f"{{{CLIENT}}}error")
    return (err.findtext("{urn:ietf:params:xml:ns:xmpp-stanzas}text") or "") if err is not None else ""


def kill_ngircd(server: NgircdServer):
    """The server dies without a word (no ERROR, no QUIT): what a crash or a cut looks like."""
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(10)


# --- reconnection ----------------------------------------------------------------------------

@one_server
def test_reconnects_after_the_server_restarts(request, junction_factory, connect):
    irc_server = NgircdServer().start()
    request.addfinalizer(lambda: (irc_server.stop(), _cleanup(irc_server.dir)))
    request.node.stash.setdefault(_LOGS_KEY, []).append(irc_server.logs)
    junction_factory(gateways={"irc": gateway_with(irc_server.port, reconnect_min_ms=300,
                                                   reconnect_max_ms=1500)}).start()
    alice = see_bodyless(connect(ALICE))
    channel, anick = "#" + uniq("r"), uniq("a")
    room = room_jid(channel)
    me = f"{room}/{anick}"
    first = IrcClient(irc_server.port, uniq("irc")).connect()
    first.join(channel)
    join(alice, channel, anick)
    first.wait(lambda l: l.command == "JOIN" and l.nick == anick, what=f"JOIN of {anick}")
    is_subject = (lambda m: m.bare_from.lower() == room.lower()
                  and m.xml.find(f"{{{CLIENT}}}subject") is not None)
    alice.wait_message(is_subject, timeout=10)

    kill_ngircd(irc_server)
    first.close()
    # At the drop the room shows as disconnected: 110 + 332.
    gone = wait_presence(alice, lambda p: from_is(p, me) and p.get("type") == "unavailable",
                         what="332 presence at the drop")
    assert {"110", "332"} <= codes(gone), show(gone)

    # While down, a message to the room comes back as an error instead of vanishing.
    lost_id = uuid.uuid4().hex
    alice.send_message(room, "into the void?", mtype="groupchat", msg_id=lost_id)
    bounced = alice.wait_message(lambda m: m.id == lost_id and m.type == "error", timeout=10)
    assert bounced.error_condition() == "recipient-unavailable", show(bounced.xml)

    # The server comes back on the same port; several attempts may have failed meanwhile.
    time.sleep(2)
    irc_server.start()
    back = wait_presence(alice, lambda p: from_is(p, me) and p.get("type") is None
                         and "110" in codes(p), timeout=30, what="self-presence after the rejoin")
    assert "110" in codes(back), show(back)
    # The join is closed by the subject, as for a first join.
    alice.wait_message(is_subject, timeout=10)

    # And messages flow both ways again.
    second = IrcClient(irc_server.port, uniq("irc")).connect()
    request.addfinalizer(second.close)
    second.join(channel)
    assert anick in second.names(channel)
    alice.send_message(room, "back online", mtype="groupchat")
    line = second.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick, what="PRIVMSG")
    assert line.params == [channel, "back online"]
    second.privmsg(channel, "welcome back")
    alice.wait_message(groupchat_from(room, second.nick, "welcome back"), timeout=10)


@one_server
def test_refused_connection_gives_an_error_presence_and_no_retry_storm(junction_factory,
                                                                       connect):
    closed_port = servers.free_port()  # nothing listens there
    j = junction_factory(gateways={"irc": gateway_with(closed_port, reconnect_min_ms=200)}).start()
    alice = see_bodyless(connect(ALICE))
    channel, anick = "#" + uniq("x"), uniq("a")

    send_join(alice, channel, anick)
    err = join_error(alice, channel)
    assert error_condition(err) == "remote-server-not-found", show(err)
    assert "refused" in error_text(err).lower(), show(err)

    # One attempt for one join: a network that never answered is not retried by itself.
    time.sleep(3)
    attempts = j.stderr_path.read_text(errors="replace").count(f"connecting to 127.0.0.1:{closed_port}")
    assert attempts == 1, j.logs()

    # Asking again tries again, once.
    send_join(alice, channel, anick)
    join_error(alice, channel)
    attempts = j.stderr_path.read_text(errors="replace").count(f"connecting to 127.0.0.1:{closed_port}")
    assert attempts == 2, j.logs()


# --- join errors (a bad key is in test_irc.py) --------------------------------------------------

def channel_with_modes(irc_user, *modes: str) -> tuple[str, IrcClient]:
    channel = "#" + uniq("m")
    op = irc_user()
    op.join(channel)
    for mode in modes:
        op.send(f"MODE {channel} {mode}")
        flag = mode.split()[0]
        op.wait(lambda l, flag=flag: l.command == "MODE" and flag in " ".join(l.params),
                what=f"MODE {mode}")
    return channel, op


@one_server
@pytest.mark.parametrize("mode,condition", [
    ("+i", "registration-required"),
    ("+l 1", "service-unavailable"),
])
def test_channel_modes_refuse_the_join(irc_junction, alice, irc_user, mode, condition):
    channel, op = channel_with_modes(irc_user, mode)
    anick = uniq("a")
    send_join(alice, channel, anick)
    err = join_error(alice, channel)
    assert error_condition(err) == condition, show(err)
    assert error_text(err), "the server's reason is passed on"
    assert anick not in op.names(channel)


@one_server
def test_banned_nick_is_forbidden(irc_junction, alice, irc_user):
    anick = uniq("a")
    channel, op = channel_with_modes(irc_user, f"+b {anick}!*@*")
    send_join(alice, channel, anick)
    err = join_error(alice, channel)
    assert error_condition(err) == "forbidden", show(err)
    assert "ban" in error_text(err).lower(), show(err)

    # Once the ban is lifted the same join works.
    op.send(f"MODE {channel} -b {anick}!*@*")
    op.wait(lambda l: l.command == "MODE" and "-b" in l.params, what="MODE -b")
    join(alice, channel, anick)


# --- the archive of a persistent room -------------------------------------------------------

def configure_network(client, values: dict[str, str]):
    reply = client.run_command(f"{NETWORK}@{DOMAIN}", "irc/configure", values)
    assert reply.get("type") == "result", show(reply)
    cmd = reply.find(f"{{{COMMANDS}}}command")
    assert cmd is not None and cmd.get("status") == "completed", show(reply)


@one_server
def test_persistent_room_archive_after_coming_back(irc_junction, connect, irc_user):
    channel, anick = "#" + uniq("p"), uniq("a")
    room = room_jid(channel)
    irc = irc_user()
    irc.join(channel)

    first = see_bodyless(connect(ALICE))
    configure_network(first, {"nick": anick, "persistent_rooms": channel})
    # The room is joined on IRC at once, with nobody in it on the XMPP side.
    irc.wait(lambda l: l.command == "JOIN" and l.nick == anick, what=f"JOIN of {anick}")
    join(first, channel, anick)
    first.disconnect()
    # Offline, the nick stays in the channel (no PART, no QUIT).
    time.sleep(1.5)
    assert not [l for l in irc.lines if l.command in ("PART", "QUIT") and l.nick == anick]
    assert anick in irc.names(channel)

    said = [f"while you were away {i}" for i in range(3)]
    for text in said:
        irc.privmsg(channel, text)
    time.sleep(0.5)

    # Back online: MAM has what was said, from the IRC user's occupant JID.
    back = see_bodyless(connect(ALICE))
    found = servers.wait_until(lambda: (lambda f: f if set(said) <= f.keys() else None)(
        {body: inner for body, (_, inner) in mam_results(back, room).items()}), 15, 0.5,
        "the messages in MAM")
    for text in said:
        assert (found[text].get("from") or "").lower() == f"{room}/{irc.nick}".lower()

    # A plain rejoin asking for history gets them too, delayed, before the subject.
    back.send_raw(f"<presence to='{room}/{anick}'><x xmlns='http://jabber.org/protocol/muc'>"
                  "<history maxstanzas='10'/></x></presence>")
    history = back.collect(lambda m: m.type == "groupchat" and m.body in said
                           and m.xml.find(f"{{{DELAY}}}delay") is not None,
                           lambda got: len(got) >= len(said), timeout=15)
    assert [m.body for m in history] == said


# --- outgoing charset -------------------------------------------------------------------------

@one_server
def test_latin1_network_gets_latin1_bytes(request, junction_factory, ngircd, connect, irc_user):
    request.node.stash.setdefault(_LOGS_KEY, []).append(ngircd.logs)
    junction_factory(gateways={"irc": gateway_with(ngircd.port, encoding_out="latin1")}).start()
    alice = see_bodyless(connect(ALICE))
    channel, anick = "#" + uniq("l"), uniq("a")
    irc = irc_user()
    irc.join(channel)
    join(alice, channel, anick)
    irc.wait(lambda l: l.command == "JOIN" and l.nick == anick, what=f"JOIN of {anick}")

    alice.send_message(room_jid(channel), "café à 5 € 😀", mtype="groupchat")
    line = irc.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick, what="PRIVMSG")
    assert line.raw.endswith(b" :caf\xe9 \xe0 5 ? ?"), line.raw
