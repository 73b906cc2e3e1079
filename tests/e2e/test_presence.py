"""End-to-end tests of presence at a gateway domain: subscriptions, probes at start-up,
online resources, unavailable at shutdown, and SIGHUP reload. Run against Prosody and ejabberd."""
from __future__ import annotations

import os
import signal
import time
import xml.etree.ElementTree as ET

import servers
from conftest import ADMIN
from xmpp_client import NS

ECHO = "echo.localhost"
CLIENT_NS = "jabber:client"


def presences_from(client, jid: str, ptype: str | None = "any") -> list[ET.Element]:
    with client._cond:
        found = [p for p in client.presences if p.get("from", "").split("/")[0] == jid]
    if ptype == "any":
        return found
    return [p for p in found if p.get("type") == ptype]


def wait_presence(client, jid: str, ptype: str | None, timeout: float = 15) -> ET.Element:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = presences_from(client, jid, ptype)
        if found:
            return found[-1]
        time.sleep(0.1)
    seen = [(p.get("from"), p.get("type")) for p in client.presences[-10:]]
    raise TimeoutError(f"no presence type={ptype} from {jid} within {timeout}s; saw {seen}")


def online_users(admin) -> list[str]:
    reply = admin.run_command(ECHO, "admin/online-users")
    command = reply.find(f"{{{NS['commands']}}}command")
    x = command.find(f"{{{NS['data']}}}x")
    return [v.text for f in x.findall(f"{{{NS['data']}}}field")
            for v in f.findall(f"{{{NS['data']}}}value")]


def roster_subscription(client, jid: str, timeout: float = 15) -> str:
    """The subscription state of `jid` in the user's roster on the server, once it says
    "to" or "both" (the server records the gateway's approval there)."""
    deadline = time.monotonic() + timeout
    state = "none"
    while time.monotonic() < deadline:
        reply = client.iq_get(None, "<query xmlns='jabber:iq:roster'/>")
        for item in reply.iter("{jabber:iq:roster}item"):
            if item.get("jid") == jid:
                state = item.get("subscription", "none")
        if state in ("to", "both"):
            break
        time.sleep(0.2)
    return state


def test_subscription_to_the_gateway_is_approved_and_returned(junction, connect, new_user):
    user = connect(new_user("sub"))
    user.send_raw(f"<presence to='{ECHO}' type='subscribe'/>")
    assert roster_subscription(user, ECHO) in ("to", "both")
    # The gateway asks for the user's presence in return (XEP-0100) and shows its own.
    wait_presence(user, ECHO, "subscribe")
    available = wait_presence(user, ECHO, None)
    assert available.findtext(f"{{{CLIENT_NS}}}status") == "Echo gateway"


def test_subscription_to_a_contact_is_approved(junction, connect, new_user):
    user = connect(new_user("subc"))
    contact = f"carol@{ECHO}"
    user.send_raw(f"<presence to='{contact}' type='subscribe'/>")
    assert roster_subscription(user, contact) in ("to", "both")
    available = wait_presence(user, contact, None)
    assert available.findtext(f"{{{CLIENT_NS}}}status") == "Echoes what you write"


def test_registered_users_are_probed_at_startup_and_tracked_online(junction, connect, new_user, admin):
    user = connect(new_user("probe"))
    user.register(ECHO, {"shout": "0"})
    # After registering, the gateway asked for the user's presence; slixmpp approves it.
    wait_presence(user, ECHO, "subscribe")
    time.sleep(1)
    junction.restart()
    # At start-up Junction probes every registered user; the server answers with the
    # user's presence, so the admin command lists the resource as online.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and user.jid not in online_users(admin):
        time.sleep(0.3)
    assert user.jid in online_users(admin)


def test_unavailable_is_sent_at_shutdown(junction, connect, new_user):
    user = connect(new_user("bye"))
    user.send_raw(f"<presence to='{ECHO}' type='subscribe'/>")
    wait_presence(user, ECHO, None)
    assert junction.stop() == 0
    wait_presence(user, ECHO, "unavailable")


def test_sighup_reloads_admins(junction_factory, connect, new_user):
    j = junction_factory(admins=["nobody@localhost"]).start()
    user_jid = new_user("newadmin")
    user = connect(user_jid)
    reply = user.execute_command(ECHO, "admin/statistics")
    assert reply.get("type") == "error"

    j.config_path.write_text(j.config_path.read_text().replace(
        '"nobody@localhost"', f'"nobody@localhost", "{user_jid}"'))
    os.killpg(j.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reply = user.execute_command(ECHO, "admin/statistics")
        if reply.get("type") == "result":
            break
        time.sleep(0.3)
    assert reply.get("type") == "result", ET.tostring(reply, encoding="unicode")
    assert j.proc.poll() is None, "SIGHUP must not stop the process"
