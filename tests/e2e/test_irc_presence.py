"""End-to-end tests of the IRC gateway's away state across several XMPP resources and of the
order of a room join with history, against a real ngIRCd and Prosody (see test_irc.py for
the fixtures and addressing)."""
from __future__ import annotations

import time

from conftest import ALICE
from test_irc import (CLIENT, DOMAIN, ngircd, irc_junction, irc_user, alice,  # noqa: F401 (fixtures)
                      groupchat_from, join, one_server, room_jid, see_bodyless, setup_room, uniq)

import servers

DELAY = "urn:xmpp:delay"


def away_of(irc, nick: str, timeout: float = 10) -> str | None:
    """The away text WHOIS shows for `nick` (301), or None when it is not away."""
    with irc._cond:
        start = len(irc.lines)
    irc.send(f"WHOIS {nick}")
    irc.wait(lambda l: l.command == "318", timeout, what="318 (end of WHOIS)", start=start)
    with irc._cond:
        for l in irc.lines[start:]:
            if l.command == "301" and len(l.params) > 1 and l.params[1].lower() == nick.lower():
                return l.text
    return None


def wait_away(irc, nick: str, expected: str | None, timeout: float = 10):
    """Waits until WHOIS shows `expected` (None: not away); returns what it saw last."""
    seen = servers.wait_until(lambda: (lambda a: (a,) if a == expected else None)(away_of(irc, nick)),
                              timeout, 0.3, f"{nick} away={expected!r}")
    return seen[0]


def send_presence(client, show: str | None, status: str | None = None):
    """A directed presence to the gateway (the user's presence as the gateway sees it)."""
    inner = (f"<show>{show}</show>" if show else "") + (f"<status>{status}</status>" if status else "")
    client.send_raw(f"<presence to='{DOMAIN}'>{inner}</presence>")


@one_server
def test_away_only_when_no_resource_is_available(irc_junction, connect, irc_user):
    phone = see_bodyless(connect(ALICE))
    laptop = connect(ALICE)
    channel, anick, irc = setup_room(phone, irc_user)
    send_presence(phone, None)
    send_presence(laptop, None)
    send_presence(phone, "away", "on the bus")
    # The laptop is still available: a moment for an AWAY to arrive if one (wrongly) would.
    time.sleep(1)
    assert away_of(irc, anick) is None, "one available resource keeps the user present"

    send_presence(laptop, "xa", "asleep")
    assert wait_away(irc, anick, "on the bus") == "on the bus", "away is more available than xa"

    send_presence(laptop, None)
    assert wait_away(irc, anick, None) is None, "a resource back makes the user present"


@one_server
def test_resource_going_offline_does_not_mark_back(irc_junction, connect, irc_user):
    phone = see_bodyless(connect(ALICE))
    laptop = connect(ALICE)
    channel, anick, irc = setup_room(phone, irc_user)
    send_presence(phone, "dnd", "in a meeting")
    send_presence(laptop, None)
    time.sleep(1)
    assert away_of(irc, anick) is None
    laptop.disconnect()
    assert wait_away(irc, anick, "in a meeting") == "in a meeting", \
        "with the available resource gone, the remaining one decides"


@one_server
def test_join_history_comes_before_the_subject(irc_junction, connect, irc_user):
    first = see_bodyless(connect(ALICE))
    channel, anick, irc = setup_room(first, irc_user)
    room = room_jid(channel)
    irc.send(f"TOPIC {channel} :the topic")
    lines = [f"earlier {i}" for i in range(7)]
    for text in lines:
        irc.privmsg(channel, text)
    first.wait_message(groupchat_from(room, irc.nick, lines[-1]), timeout=15)
    time.sleep(0.5)  # the archive writes in batches on a worker

    second = see_bodyless(connect(ALICE))
    second.send_raw(f"<presence to='{room}/{anick}'>"
                    f"<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='5'/></x></presence>")
    second.wait_message(lambda m: m.bare_from.lower() == room.lower()
                        and m.xml.find(f"{{{CLIENT}}}subject") is not None, timeout=15)
    irc.privmsg(channel, "live after join")
    second.wait_message(groupchat_from(room, irc.nick, "live after join"), timeout=10)

    with second._cond:
        from_room = [m for m in second.messages if m.bare_from.lower() == room.lower()]
    order = []
    for m in from_room:
        if m.xml.find(f"{{{CLIENT}}}subject") is not None:
            order.append("subject:" + (m.xml.findtext(f"{{{CLIENT}}}subject") or ""))
        elif m.xml.find(f"{{{DELAY}}}delay") is not None:
            order.append("history:" + (m.body or ""))
        else:
            order.append("live:" + (m.body or ""))
    assert order == [f"history:{t}" for t in lines[-5:]] + ["subject:the topic", "live:live after join"], order
