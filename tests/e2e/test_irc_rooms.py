"""End-to-end tests of the IRC gateway's room services against a real ngIRCd: the room list
(disco#items on the network JID runs IRC LIST, paged with XEP-0059 RSM), disco#info of
networks and rooms (identities, features from the channel's modes, muc#roominfo), muc#admin
lists and changes answered by what the IRC server says, and channel modes turning into roles
(+m makes the unvoiced visitors).

The fixtures and helpers are those of test_irc.py; the flows run against one XMPP server.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import servers
from test_irc import (  # noqa: F401  (fixtures are used by name)
    DOMAIN, NETWORK, alice, codes, from_is, irc_gateway, irc_junction, irc_user, item, join,
    ngircd, one_server, room_jid, setup_room, show, uniq, user_jid, wait_presence)
from xmpp_client import error_condition

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
RSM = "http://jabber.org/protocol/rsm"
MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
DATA = "jabber:x:data"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
CLIENT_NS = "jabber:client"
NETWORK_JID = f"{NETWORK}@{DOMAIN}"


# --- helpers -------------------------------------------------------------------------------

def list_page(client, rsm: str = "", timeout: float = 30) -> ET.Element:
    """disco#items on the network JID with an optional RSM <set/> body; the reply."""
    set_xml = f"<set xmlns='{RSM}'>{rsm}</set>" if rsm else ""
    return client.iq_get(NETWORK_JID, f"<query xmlns='{DISCO_ITEMS}'>{set_xml}</query>",
                         timeout=timeout)


def items_of(reply: ET.Element) -> list[tuple[str, str]]:
    q = reply.find(f"{{{DISCO_ITEMS}}}query")
    assert q is not None, show(reply)
    return [(i.get("jid"), i.get("name")) for i in q.findall(f"{{{DISCO_ITEMS}}}item")]


def rsm_of(reply: ET.Element) -> ET.Element:
    s = reply.find(f"{{{DISCO_ITEMS}}}query/{{{RSM}}}set")
    assert s is not None, show(reply)
    return s


def features(reply: ET.Element) -> set[str]:
    return {f.get("var") for f in reply.iter(f"{{{DISCO_INFO}}}feature")}


def identities(reply: ET.Element) -> set[tuple[str, str]]:
    return {(i.get("category"), i.get("type")) for i in reply.iter(f"{{{DISCO_INFO}}}identity")}


def roominfo(reply: ET.Element) -> dict[str, str]:
    out = {}
    for f in reply.iter(f"{{{DATA}}}field"):
        out[f.get("var")] = f.findtext(f"{{{DATA}}}value") or ""
    return out


def error_text(reply: ET.Element) -> str:
    return reply.findtext(f"{{{CLIENT_NS}}}error/{{{STANZAS}}}text") or ""


def admin_query(client, channel: str, itype: str, items: str) -> ET.Element:
    return client.iq(itype, room_jid(channel), f"<query xmlns='{MUC_ADMIN}'>{items}</query>",
                     timeout=20)


def admin_items(reply: ET.Element) -> list[ET.Element]:
    q = reply.find(f"{{{MUC_ADMIN}}}query")
    assert q is not None, show(reply)
    return q.findall(f"{{{MUC_ADMIN}}}item")


def own_presence(client, channel: str, nick: str, role: str, what: str) -> ET.Element:
    me = f"{room_jid(channel)}/{nick}"
    return wait_presence(client, lambda p: from_is(p, me) and p.get("type") is None
                         and item(p) is not None and item(p).get("role") == role,
                         what=what)


# --- the room list -------------------------------------------------------------------------

@one_server
def test_room_list_is_irc_list_paged_with_rsm(irc_junction, alice, irc_user):
    irc = irc_user()
    friend = irc_user()
    mine = ["#" + uniq("list") for _ in range(5)]
    for channel in mine:
        irc.join(channel)
    friend.join(mine[0])  # two users in the first one
    wanted = {room_jid(c).lower() for c in mine}

    # Page through the whole list two at a time; our five channels are all in it.
    first = list_page(alice, "<max>2</max>")
    assert first.get("type") == "result", show(first)
    page = items_of(first)
    assert len(page) == 2
    count = int(rsm_of(first).findtext(f"{{{RSM}}}count"))
    assert count >= 5
    assert rsm_of(first).find(f"{{{RSM}}}first").get("index") == "0"
    seen = list(page)
    last = rsm_of(first).findtext(f"{{{RSM}}}last")
    late = "#" + uniq("late")
    irc.join(late)  # made after the list was fetched: paging does not LIST again
    while len(seen) < count:
        reply = list_page(alice, f"<max>2</max><after>{last}</after>")
        assert reply.get("type") == "result", show(reply)
        page = items_of(reply)
        assert page, f"empty page after {len(seen)} of {count}"
        assert int(rsm_of(reply).find(f"{{{RSM}}}first").get("index")) == len(seen)
        seen += page
        last = rsm_of(reply).findtext(f"{{{RSM}}}last")
    assert len(seen) == count
    jids = [j.lower() for j, _ in seen]
    assert len(set(jids)) == count, "no room twice"
    assert wanted <= set(jids), (wanted - set(jids), jids)
    assert room_jid(late).lower() not in jids, "the cached list was used for the later pages"
    names = dict((j.lower(), n) for j, n in seen)
    assert names[room_jid(mine[0]).lower()] == f"{mine[0]} (2 users)"
    assert names[room_jid(mine[1]).lower()] == f"{mine[1]} (1 user)"
    # Busiest first.
    assert jids.index(room_jid(mine[0]).lower()) < jids.index(room_jid(mine[1]).lower())

    # The last page, and a page by index.
    tail = list_page(alice, "<max>2</max><before/>")
    assert [j.lower() for j, _ in items_of(tail)] == jids[-2:]
    by_index = list_page(alice, f"<max>1</max><index>{count - 1}</index>")
    assert [j.lower() for j, _ in items_of(by_index)] == jids[-1:]
    # An unknown UID is item-not-found.
    bad = list_page(alice, f"<after>{room_jid('#' + uniq('nope'))}</after>")
    assert bad.get("type") == "error" and error_condition(bad) == "item-not-found", show(bad)


@one_server
def test_fixed_network_lists_rooms_on_the_domain(junction_factory, ngircd, alice, irc_user):
    config = irc_gateway(ngircd.port)
    config["fixed_network"] = NETWORK
    junction_factory(gateways={"irc": config}).start()
    channel = "#" + uniq("fixed")
    irc_user().join(channel)

    info = alice.disco_info(DOMAIN)
    assert {("gateway", "irc"), ("conference", "irc")} <= identities(info), show(info)
    assert RSM in features(info), show(info)
    reply = alice.iq_get(DOMAIN, f"<query xmlns='{DISCO_ITEMS}'><set xmlns='{RSM}'>"
                         "<max>500</max></set></query>", timeout=30)
    assert reply.get("type") == "result", show(reply)
    assert f"{channel}@{DOMAIN}".lower() in [j.lower() for j, _ in items_of(reply)], show(reply)
    # The domain's other services are still the host's.
    commands = alice.disco_items(DOMAIN, node="http://jabber.org/protocol/commands")
    assert commands.get("type") == "result", show(commands)


@one_server
def test_disco_info_of_gateway_network_and_room(irc_junction, alice, irc_user):
    gateway = alice.disco_info(DOMAIN)
    assert {("gateway", "irc"), ("conference", "irc")} <= identities(gateway), show(gateway)
    networks = alice.disco_items(DOMAIN)
    assert (NETWORK_JID, f"IRC network {NETWORK} (127.0.0.1)") in items_of(networks), show(networks)

    network = alice.disco_info(NETWORK_JID)
    assert identities(network) == {("conference", "irc")}, show(network)
    assert {"http://jabber.org/protocol/muc", RSM, DISCO_ITEMS} <= features(network)

    # A keyed, moderated channel with a topic, joined through the gateway.
    channel = "#" + uniq("info")
    irc = irc_user()
    irc.join(channel)
    irc.send(f"TOPIC {channel} :all about info")
    irc.send(f"MODE {channel} +mk sesame")
    irc.wait(lambda l: l.command == "MODE" and "+mk" in l.params, what="MODE +mk")
    anick = uniq("a")
    join(alice, channel, anick, password="sesame")

    def info_with_modes():
        reply = alice.disco_info(room_jid(channel))
        return reply if "muc_passwordprotected" in features(reply) else None
    reply = servers.wait_until(info_with_modes, 10, 0.2, "disco#info with the channel modes")
    assert ("conference", "irc") in identities(reply)
    feats = features(reply)
    assert {"http://jabber.org/protocol/muc", "muc_nonanonymous", "muc_passwordprotected",
            "muc_moderated", "muc_open", "muc_public", "urn:xmpp:mam:2"} <= feats, feats
    assert not {"muc_unsecured", "muc_unmoderated", "muc_membersonly"} & feats, feats
    info = roominfo(reply)
    assert info["FORM_TYPE"] == "http://jabber.org/protocol/muc#roominfo"
    assert info["muc#roominfo_description"] == "all about info"
    assert info["muc#roominfo_occupants"] == "2"

    # A mode change is seen too.
    irc.send(f"MODE {channel} -k+i sesame")
    irc.wait(lambda l: l.command == "MODE" and l.params[1].startswith("-k"), what="MODE -k+i")
    reply = servers.wait_until(
        lambda: (r := alice.disco_info(room_jid(channel))) is not None
        and "muc_unsecured" in features(r) and r, 10, 0.2, "disco#info after -k+i")
    assert {"muc_unsecured", "muc_membersonly"} <= features(reply)


# --- channel modes to roles ----------------------------------------------------------------

@one_server
def test_moderated_channel_makes_the_unvoiced_visitors(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    room = room_jid(channel)
    other = irc_user()
    other.join(channel)
    wait_presence(alice, lambda p: from_is(p, f"{room}/{other.nick}") and p.get("type") is None,
                  what="second IRC user")

    irc.send(f"MODE {channel} +m")
    me = own_presence(alice, channel, anick, "visitor", "own role visitor after +m")
    assert "110" in codes(me), show(me)
    wait_presence(alice, lambda p: from_is(p, f"{room}/{other.nick}")
                  and item(p) is not None and item(p).get("role") == "visitor",
                  what="other user visitor after +m")

    # A visitor's line is refused by IRC: the room says so.
    alice.send_message(room, "may I speak?", mtype="groupchat")
    refused = alice.wait_message(lambda m: m.type == "error" and m.bare_from.lower() == room.lower())
    assert error_condition(refused.xml) == "forbidden", show(refused.xml)
    assert not [l for l in other.lines if l.command == "PRIVMSG" and l.nick == anick]

    irc.send(f"MODE {channel} +v {anick}")
    voiced = own_presence(alice, channel, anick, "participant", "voice under +m")
    assert item(voiced).get("affiliation") == "member", show(voiced)
    irc.send(f"MODE {channel} -v {anick}")
    own_presence(alice, channel, anick, "visitor", "voice taken under +m")

    irc.send(f"MODE {channel} -m")
    own_presence(alice, channel, anick, "participant", "back to participant after -m")
    alice.send_message(room, "now I may", mtype="groupchat")
    other.wait(lambda l: l.command == "PRIVMSG" and l.nick == anick and l.text == "now I may",
               what="a line after -m")
    wait_presence(alice, lambda p: from_is(p, f"{room}/{other.nick}")
                  and item(p) is not None and item(p).get("role") == "participant",
                  what="other user participant after -m")


# --- muc#admin -------------------------------------------------------------------------------

@one_server
def test_admin_lists_roles_and_bans(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)
    irc.send(f"MODE {channel} +b *!*@bad.example")
    irc.wait(lambda l: l.command == "MODE" and "+b" in l.params, what="MODE +b")

    moderators = admin_query(alice, channel, "get", "<item role='moderator'/>")
    assert moderators.get("type") == "result", show(moderators)
    got = [(i.get("nick"), i.get("affiliation"), i.get("jid")) for i in admin_items(moderators)]
    assert got == [(irc.nick, "admin", user_jid(irc.nick))], got
    participants = admin_query(alice, channel, "get", "<item role='participant'/>")
    assert [i.get("nick") for i in admin_items(participants)] == [anick]

    bans = admin_query(alice, channel, "get", "<item affiliation='outcast'/>")
    assert bans.get("type") == "result", show(bans)
    masks = [(i.get("jid"), i.get("affiliation")) for i in admin_items(bans)]
    assert masks == [("*!*@bad.example", "outcast")], show(bans)
    # The ban list did not spill onto the server JID as chat.
    assert not [m for m in alice.messages
                if m.bare_from.lower() == NETWORK_JID and "bad.example" in (m.body or "")]


@one_server
def test_admin_changes_need_channel_operator(irc_junction, alice, irc_user):
    channel, anick, irc = setup_room(alice, irc_user)

    # Not an operator: the IRC server's 482 becomes forbidden, with its reason.
    refused = admin_query(alice, channel, "set", f"<item nick='{irc.nick}' role='none'/>")
    assert refused.get("type") == "error", show(refused)
    assert error_condition(refused) == "forbidden", show(refused)
    # ngIRCd's reason for 482, passed on with the channel it is about.
    assert error_text(refused) == f"{channel}: Your privileges are too low", show(refused)
    assert irc.nick in irc.names(channel)

    # Made an operator on IRC, the same kind of request goes through.
    irc.send(f"MODE {channel} +o {anick}")
    own_presence(alice, channel, anick, "moderator", "op from IRC")
    banned = admin_query(alice, channel, "set",
                         "<item jid='*!*@spam.example' affiliation='outcast'/>")
    assert banned.get("type") == "result", show(banned)
    irc.wait(lambda l: l.command == "MODE" and l.nick == anick
             and l.params[1:] == ["+b", "*!*@spam.example"], what="MODE +b from the gateway")
    bans = admin_query(alice, channel, "get", "<item affiliation='outcast'/>")
    assert [i.get("jid") for i in admin_items(bans)] == ["*!*@spam.example"]

    lifted = admin_query(alice, channel, "set",
                         "<item jid='*!*@spam.example' affiliation='none'/>")
    assert lifted.get("type") == "result", show(lifted)
    irc.wait(lambda l: l.command == "MODE" and l.nick == anick
             and l.params[1:] == ["-b", "*!*@spam.example"], what="MODE -b from the gateway")

    voiced = admin_query(alice, channel, "set", f"<item nick='{irc.nick}' role='participant'/>")
    assert voiced.get("type") == "result", show(voiced)
    irc.wait(lambda l: l.command == "MODE" and l.nick == anick and l.params[1] == "-o+v",
             what="MODE -o+v from the gateway")

    ghost = admin_query(alice, channel, "set", f"<item nick='{uniq('ghost')}' role='none'/>")
    assert ghost.get("type") == "error", show(ghost)
    assert error_condition(ghost) == "item-not-found", show(ghost)


@one_server
def test_admin_query_outside_the_room_is_not_acceptable(irc_junction, alice):
    reply = admin_query(alice, "#" + uniq("nowhere"), "get", "<item role='moderator'/>")
    assert reply.get("type") == "error", show(reply)
    assert error_condition(reply) == "not-acceptable", show(reply)
