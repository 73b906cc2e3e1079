"""End-to-end tests of the SMS gateway: a real XMPP server, Junction, and either a real Kannel
with its fake SMS centre or faithful mocks of Twilio, Vonage and Telnyx (sms_mocks.py).
Fault tests (kill -9, XMPP server restart) are in test_sms_faults.py.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

import servers
import sms_mocks
from conftest import ADMIN, ALICE
from xmpp_client import NS

SMS = "sms.localhost"
ALICE_NUMBER = "+15550001111"
FRIEND = "+15557654321"
OOB = "jabber:x:oob"
RECEIPTS = "urn:xmpp:receipts"


def tag() -> str:
    return uuid.uuid4().hex[:8]


def sms_gateway(provider: dict, **extra) -> dict:
    return {"sms": {"kind": "sms", "domain": SMS, "secret": servers.COMPONENT_SECRET,
                    "user_domains": [servers.USER_DOMAIN], "default_country": "US",
                    "failure_threshold": 2, **provider, **extra,
                    "numbers": {ALICE_NUMBER: ALICE}}}


def send_chat(client, to: str, body: str, msg_id: str, receipt: bool = False, oob: str | None = None):
    extra = f"<request xmlns='{RECEIPTS}'/>" if receipt else ""
    if oob:
        extra += f"<x xmlns='{OOB}'><url>{oob}</url></x>"
    client.send_raw(f"<message xmlns='jabber:client' type='chat' to='{to}' id='{msg_id}'>"
                    f"<body>{body}</body>{extra}</message>")


def watch_receipts(client):
    """slixmpp raises its "message" event only for messages with a body; receipts have none."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    def install():
        client.xmpp.register_handler(Callback(
            "sms-e2e receipts", MatchXPath(f"{{jabber:client}}message/{{{RECEIPTS}}}received"),
            client._on_message))
    client.loop.call(install)
    return client


def receipt_for(msg_id: str):
    def match(m):
        r = m.xml.find(f"{{{RECEIPTS}}}received")
        return r is not None and r.get("id") == msg_id
    return match


def error_text(m) -> str:
    err = m.xml.find("{jabber:client}error")
    return "" if err is None else (err.findtext(f"{{{NS['stanzas']}}}text") or "")


def from_contact(number: str):
    return lambda m: m.bare_from == f"{number}@{SMS}" and m.type == "chat"


@pytest.fixture
def twilio():
    mock = sms_mocks.TwilioMock()
    yield mock
    mock.close()


@pytest.fixture
def twilio_junction(junction_factory, twilio):
    return junction_factory(gateways=sms_gateway(twilio.config())).start()


# --- Twilio -------------------------------------------------------------------------------

def test_twilio_outbound_and_delivery_receipt(twilio_junction, twilio, alice):
    watch_receipts(alice)
    body = f"hello {tag()}"
    msg_id = "out1-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", body, msg_id, receipt=True)
    [sent] = twilio.wait_sent(1)
    assert (sent["To"], sent["From"], sent["Body"]) == (FRIEND, ALICE_NUMBER, body)
    assert sent["StatusCallback"] == f"{twilio_junction.url}/webhooks/sms/status"
    assert twilio.status(sent, "sent") == 200
    assert twilio.status(sent, "delivered") == 200
    receipt = alice.wait_message(receipt_for(msg_id))
    assert receipt.bare_from == f"{FRIEND}@{SMS}"


def test_twilio_inbound_reaches_owner_as_new_contact(twilio_junction, twilio, alice):
    sender = f"+1555{int(time.time() * 1000) % 10_000_000:07d}"
    body = f"hi from a phone {tag()}"
    status, _ = twilio.inbound(twilio_junction.url, sender, ALICE_NUMBER, body)
    assert status == 200
    m = alice.wait_message(from_contact(sender))
    assert m.body == body and m.type == "chat"
    servers.wait_until(lambda: any(p.get("type") == "subscribe" and p.get("from", "").startswith(sender)
                                   for p in alice.presences), 10, what="a subscription request")


def test_twilio_forged_signature_refused(twilio_junction, twilio, alice):
    body = f"forged {tag()}"
    status, _ = twilio.inbound(twilio_junction.url, FRIEND, ALICE_NUMBER, body, signature="bm9wZQ==")
    assert status == 403
    time.sleep(1)
    assert not [m for m in alice.messages if m.body == body]


def test_twilio_duplicate_webhook_delivered_once(twilio_junction, twilio, alice):
    body = f"once {tag()}"
    sid = "SM" + uuid.uuid4().hex
    assert twilio.inbound(twilio_junction.url, FRIEND, ALICE_NUMBER, body, sid=sid)[0] == 200
    assert twilio.inbound(twilio_junction.url, FRIEND, ALICE_NUMBER, body, sid=sid)[0] == 200
    got = alice.collect(lambda m: m.body == body, lambda ms: len(ms) > 1, 3)
    assert len(got) == 1


def test_twilio_500_then_success_sent_exactly_once(twilio_junction, twilio, alice):
    twilio.fail_next(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
    body = f"retry {tag()}"
    send_chat(alice, f"{FRIEND}@{SMS}", body, "r-" + tag())
    twilio.wait_sent(1, timeout=20)
    time.sleep(3)
    assert [s["Body"] for s in twilio.sent] == [body]
    assert twilio.requests == 2


def test_twilio_undeliverable_number_is_an_error(twilio_junction, twilio, alice):
    bad = "+15550000000"
    twilio.undeliverable.add(bad)
    send_chat(alice, f"{bad}@{SMS}", "to nowhere", "bad-" + tag())
    m = alice.wait_message(lambda m: m.type == "error" and m.bare_from == f"{bad}@{SMS}")
    assert "21211" in error_text(m) and "not a valid phone number" in error_text(m)


def test_twilio_failed_status_becomes_error(twilio_junction, twilio, alice):
    msg_id = "f-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", "will fail", msg_id)
    [sent] = twilio.wait_sent(1)
    assert twilio.status(sent, "undelivered", error_code="30003") == 200
    m = alice.wait_message(lambda m: m.type == "error" and m.id == msg_id)
    assert "30003" in error_text(m) or "nreachable" in error_text(m)


def test_twilio_mms_both_ways(twilio_junction, twilio, alice):
    url = f"https://upload.localhost/{tag()}/cat.jpg"
    send_chat(alice, f"{FRIEND}@{SMS}", f"a cat {url}", "mms-" + tag(), oob=url)
    [sent] = twilio.wait_sent(1)
    assert sent["MediaUrl"] == [url] and sent["Body"] == "a cat"
    media = f"https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/{tag()}"
    assert twilio.inbound(twilio_junction.url, FRIEND, ALICE_NUMBER, "look", media=[media])[0] == 200
    m = alice.wait_message(lambda m: m.body and media in m.body)
    assert m.xml.find(f"{{{OOB}}}x/{{{OOB}}}url").text == media
    assert m.body == f"look\n{media}"


def test_user_without_number_gets_a_clear_error(twilio_junction, connect, new_user):
    user = connect(new_user("nonum"))
    send_chat(user, f"{FRIEND}@{SMS}", "hello", "nn-" + tag())
    m = user.wait_message(lambda m: m.type == "error")
    assert m.error_condition() == "registration-required"
    assert "no phone number" in error_text(m)


def test_admin_assigns_and_releases_a_number(twilio_junction, twilio, connect, new_user):
    admin = connect(ADMIN)
    user_jid = new_user("assigned")
    number = f"+1555{int(time.time()) % 10_000_000:07d}"
    reply = admin.run_command(SMS, "sms/assign-number", {"number": number, "jid": user_jid})
    assert reply.get("type") == "result", ET.tostring(reply, encoding="unicode")
    user = connect(user_jid)
    send_chat(user, f"{FRIEND}@{SMS}", "from my number", "as-" + tag())
    [sent] = twilio.wait_sent(1)
    assert sent["From"] == number
    assert twilio.inbound(twilio_junction.url, FRIEND, number, "to you")[0] == 200
    assert user.wait_message(from_contact(FRIEND)).body == "to you"
    reply = admin.run_command(SMS, "sms/release-number", {"number": number})
    assert reply.get("type") == "result"
    send_chat(user, f"{FRIEND}@{SMS}", "again", "as2-" + tag())
    assert user.wait_message(lambda m: m.type == "error").error_condition() == "registration-required"


def test_jabber_iq_gateway_normalizes_numbers(twilio_junction, alice):
    reply = alice.iq_set(SMS, f"<query xmlns='{NS['gateway']}'><prompt>(555) 123-4567</prompt></query>")
    assert reply.get("type") == "result"
    assert reply.find(f"{{{NS['gateway']}}}query").findtext(f"{{{NS['gateway']}}}jid") == f"+15551234567@{SMS}"


def test_gateway_presence_shows_provider_health(twilio_junction, twilio, alice):
    alice.send_raw(f"<presence xmlns='jabber:client' to='{SMS}'/>")
    time.sleep(0.5)
    twilio.fail_next(503, "Service Unavailable", {"Retry-After": "1"}, times=3)
    send_chat(alice, f"{FRIEND}@{SMS}", "while down", "h-" + tag())
    servers.wait_until(lambda: any(p.get("from") == SMS and p.findtext("{jabber:client}show") == "xa"
                                   and "provider failing" in (p.findtext("{jabber:client}status") or "")
                                   for p in alice.presences), 20, what="a failing gateway presence")
    twilio.wait_sent(1, timeout=20)
    servers.wait_until(lambda: any(p.get("from") == SMS and p.findtext("{jabber:client}show") is None
                                   and p.get("type") is None for p in alice.presences[-3:]),
                       10, what="the gateway to recover")


def test_self_service_user_brings_their_own_twilio_account(junction_factory, twilio, connect, new_user):
    own_sid, own_token = "AC" + "7" * 32, "users-own-token"
    twilio.add_account(own_sid, own_token)
    j = junction_factory(gateways=sms_gateway(twilio.config(), self_service=True)).start()
    user = connect(new_user("byo"))
    reply = user.register(SMS, {"number": "(555) 000-9999", "account_sid": own_sid,
                                "auth_token": own_token})
    assert reply.get("type") == "result", ET.tostring(reply, encoding="unicode")
    msg_id = "byo-" + tag()
    send_chat(user, f"{FRIEND}@{SMS}", "from my own account", msg_id)
    [sent] = twilio.wait_sent(1)
    assert (sent["account"], sent["From"]) == (own_sid, "+15550009999")
    assert twilio.status(sent, "failed", error_code="30007") == 200  # signed with the user's token
    assert user.wait_message(lambda m: m.type == "error" and m.id == msg_id)
    # Webhooks for the user's number are checked with the user's credentials, not ours.
    assert twilio.inbound(j.url, FRIEND, "+15550009999", "wrong account")[0] == 403
    assert twilio.inbound(j.url, FRIEND, "+15550009999", "to my number", account_sid=own_sid)[0] == 200
    assert user.wait_message(from_contact(FRIEND)).body == "to my number"
    other = connect(new_user("byo2"))
    reply = other.register(SMS, {"number": "+15550009999", "account_sid": own_sid, "auth_token": "x"})
    assert reply.get("type") == "error"  # the number is taken


def test_self_service_report_before_the_send_answer_is_verified_and_kept(junction_factory, twilio, connect,
                                                                          new_user):
    """Twilio may call the StatusCallback before answering the send: the message id is not
    known yet, so the report must be checked with the user's own account, named in the URL."""
    own_sid, own_token = "AC" + "8" * 32, "early-own-token"
    twilio.add_account(own_sid, own_token)
    j = junction_factory(gateways=sms_gateway(twilio.config(), self_service=True)).start()
    user = watch_receipts(connect(new_user("early")))
    reply = user.register(SMS, {"number": "+15550008888", "account_sid": own_sid, "auth_token": own_token})
    assert reply.get("type") == "result", ET.tostring(reply, encoding="unicode")
    twilio.status_before_answer = "delivered"
    msg_id = "early-" + tag()
    send_chat(user, f"{FRIEND}@{SMS}", "report races the answer", msg_id, receipt=True)
    [sent] = twilio.wait_sent(1)
    assert sent["account"] == own_sid
    assert sent["StatusCallback"] == f"{j.url}/webhooks/sms/status?account=15550008888"
    servers.wait_until(lambda: twilio.early_answers, 10, what="the early status callback")
    assert twilio.early_answers == [200]
    assert user.wait_message(receipt_for(msg_id)).bare_from == f"{FRIEND}@{SMS}"
    # The account key only picks whose credentials check the report: the operator's token, or
    # a key nobody registered, gets nothing in.
    forged = dict(sent, StatusCallback=f"{j.url}/webhooks/sms/status?account=15550008888",
                  account=twilio.account_sid)
    assert twilio.status(forged, "failed", error_code="30007") == 403
    assert twilio.status(dict(sent, StatusCallback=f"{j.url}/webhooks/sms/status?account=15559990000"),
                         "failed") == 403
    time.sleep(1)
    assert not [m for m in user.messages if m.type == "error"]


def test_operator_report_before_the_send_answer_is_kept(twilio_junction, twilio, alice):
    watch_receipts(alice)
    twilio.status_before_answer = "delivered"
    msg_id = "early-op-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", "operator account, early report", msg_id, receipt=True)
    twilio.wait_sent(1)
    servers.wait_until(lambda: twilio.early_answers, 10, what="the early status callback")
    assert twilio.early_answers == [200]
    alice.wait_message(receipt_for(msg_id))


def test_twilio_json_webhook_signed_through_body_sha256(twilio_junction, twilio, alice):
    body = f"json body {tag()}"
    assert twilio.inbound_json(twilio_junction.url, FRIEND, ALICE_NUMBER, body, tamper=True)[0] == 403
    status, _ = twilio.inbound_json(twilio_junction.url, FRIEND, ALICE_NUMBER, body)
    assert status == 200
    assert alice.wait_message(from_contact(FRIEND)).body == body
    time.sleep(0.5)
    assert not [m for m in alice.messages if m.body and "tampered" in m.body]


def test_alphanumeric_sender_reaches_the_user_and_cannot_be_answered(twilio_junction, twilio, alice):
    for sender, node in (("ACME", "acme"), ("Bank-Alerts", "bank-alerts")):
        body = f"your code {tag()}"
        assert twilio.inbound(twilio_junction.url, sender, ALICE_NUMBER, body)[0] == 200
        m = alice.wait_message(lambda m, body=body: m.body == body)
        assert m.bare_from == f"{node}@{SMS}" and m.type == "chat"
        servers.wait_until(lambda: any(p.get("type") == "subscribe" and p.get("from", "").startswith(node + "@")
                                       for p in alice.presences), 10, what="a subscription request")
        requests = twilio.requests
        msg_id = "alpha-" + tag()
        send_chat(alice, f"{node}@{SMS}", "STOP", msg_id)
        err = alice.wait_message(lambda m: m.type == "error" and m.id == msg_id)
        assert err.error_condition() == "not-acceptable"
        assert "alphanumeric sender" in error_text(err) and node in error_text(err)
        time.sleep(0.5)
        assert twilio.requests == requests  # nothing reached the provider


def test_sighup_reloads_the_number_map_and_keeps_assigned_numbers(junction_factory, twilio, xmpp_server,
                                                                  connect, new_user):
    import signal
    j = junction_factory(gateways=sms_gateway(twilio.config())).start()
    alice = connect(ALICE)
    admin = connect(ADMIN)
    carol_jid, dave_jid = new_user("carol"), new_user("dave")
    carol, dave = connect(carol_jid), connect(dave_jid)
    assigned = f"+1555{int(time.time() * 7) % 10_000_000:07d}"
    reply = admin.run_command(SMS, "sms/assign-number", {"number": assigned, "jid": dave_jid})
    assert reply.get("type") == "result", ET.tostring(reply, encoding="unicode")
    carol_number = "+15550002323"
    gateways = sms_gateway(twilio.config())
    gateways["sms"]["numbers"] = {carol_number: carol_jid}  # alice's number is gone
    j.config_path.write_text(servers.junction_config(xmpp_port=xmpp_server.component_port, db_path=j.db_path,
                                                     http_port=j.http_port, gateways=gateways))
    os.killpg(j.proc.pid, signal.SIGHUP)
    servers.wait_until(lambda: "reloaded" in servers.tail(j.stderr_path, 200), 10, what="the reload")
    assert j.proc.poll() is None
    body = f"to the new owner {tag()}"
    assert twilio.inbound(j.url, FRIEND, carol_number, body)[0] == 200
    assert carol.wait_message(from_contact(FRIEND)).body == body
    gone = f"to a removed number {tag()}"
    assert twilio.inbound(j.url, FRIEND, ALICE_NUMBER, gone)[0] == 200
    kept = f"to an assigned number {tag()}"
    assert twilio.inbound(j.url, FRIEND, assigned, kept)[0] == 200
    assert dave.wait_message(from_contact(FRIEND)).body == kept
    time.sleep(1)
    assert not [m for m in alice.messages if m.body == gone]
    # Texts follow the new map too: carol texts from her number, alice has none any more.
    send_chat(carol, f"{FRIEND}@{SMS}", "hi from carol", "c-" + tag())
    assert twilio.wait_sent(1)[0]["From"] == carol_number
    send_chat(alice, f"{FRIEND}@{SMS}", "still mine?", "a-" + tag())
    assert alice.wait_message(lambda m: m.type == "error").error_condition() == "registration-required"


# --- Vonage -------------------------------------------------------------------------------

@pytest.fixture
def vonage():
    mock = sms_mocks.VonageMock()
    yield mock
    mock.close()


def test_vonage_round_trip(junction_factory, vonage, alice):
    j = junction_factory(gateways=sms_gateway(vonage.config())).start()
    watch_receipts(alice)
    msg_id = "v-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", "hola", msg_id, receipt=True)
    [sent] = vonage.wait_sent(1)
    assert (sent["to"], sent["from"], sent["text"]) == (FRIEND[1:], ALICE_NUMBER[1:], "hola")
    assert vonage.status(sent, "delivered") == 200
    alice.wait_message(receipt_for(msg_id))
    body = f"vonage in {tag()}"
    assert vonage.inbound(j.url, FRIEND, ALICE_NUMBER, body, forge=True)[0] == 403
    status, mid = vonage.inbound(j.url, FRIEND, ALICE_NUMBER, body)
    assert status == 200
    assert vonage.inbound(j.url, FRIEND, ALICE_NUMBER, body, message_id=mid)[0] == 200
    got = alice.collect(lambda m: m.body and body in m.body, lambda ms: len(ms) > 1, 3)
    assert [m.body for m in got] == [body]
    vonage.undeliverable.add("+15550000000")
    send_chat(alice, f"+15550000000@{SMS}", "nope", "v2-" + tag())
    m = alice.wait_message(lambda m: m.type == "error")
    assert "Unroutable" in error_text(m)


# --- Telnyx -------------------------------------------------------------------------------

@pytest.fixture
def telnyx():
    mock = sms_mocks.TelnyxMock()
    yield mock
    mock.close()


def test_telnyx_round_trip_with_mms(junction_factory, telnyx, alice):
    j = junction_factory(gateways=sms_gateway(telnyx.config())).start()
    watch_receipts(alice)
    url = f"https://upload.localhost/{tag()}.png"
    msg_id = "t-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", url, msg_id, receipt=True, oob=url)
    [sent] = telnyx.wait_sent(1)
    assert sent["media_urls"] == [url] and sent.get("text", "") == "" and sent["to"] == FRIEND
    assert telnyx.status(sent, "delivered") == 200
    alice.wait_message(receipt_for(msg_id))

    body = f"telnyx in {tag()}"
    assert telnyx.inbound(j.url, FRIEND, ALICE_NUMBER, body, forge=True)[0] == 403
    assert telnyx.inbound(j.url, FRIEND, ALICE_NUMBER, body, timestamp=int(time.time()) - 3600)[0] == 403
    media = f"https://media.telnyx.com/{tag()}.jpg"
    status, mid = telnyx.inbound(j.url, FRIEND, ALICE_NUMBER, body, media=[media])
    assert status == 200
    assert telnyx.inbound(j.url, FRIEND, ALICE_NUMBER, body, message_id=mid, media=[media])[0] == 200
    got = alice.collect(lambda m: m.body and body in m.body, lambda ms: len(ms) > 1, 3)
    assert len(got) == 1 and got[0].xml.find(f"{{{OOB}}}x/{{{OOB}}}url").text == media

    send_chat(alice, f"{FRIEND}@{SMS}", "fails later", "t2-" + tag())
    sent = telnyx.wait_sent(2)[-1]
    assert telnyx.status(sent, "delivery_failed",
                         {"code": "40002", "title": "Message blocked by carrier"}) == 200
    m = alice.wait_message(lambda m: m.type == "error")
    assert "blocked by carrier" in error_text(m)


# --- Kannel with its fake SMS centre ----------------------------------------------------------

@pytest.fixture
def kannel_junction(junction_factory):
    import sms_kannel
    token = "kannel-" + tag()
    kannel = sms_kannel.Kannel(servers.make_workdir("kannel-"), token)
    j = junction_factory(gateways=sms_gateway(kannel.gateway_config()))
    kannel.write_config(j.url)
    kannel.start()
    j.start()
    yield j, kannel
    kannel.stop()
    if os.environ.get("JUNCTION_E2E_KEEP") != "1":
        shutil.rmtree(kannel.dir, ignore_errors=True)


def test_kannel_outbound_inbound_and_delivery_reports(kannel_junction, alice):
    j, kannel = kannel_junction
    watch_receipts(alice)
    body = f"via kannel {tag()}"
    msg_id = "k-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", body, msg_id, receipt=True)
    servers.wait_until(lambda: [l for l in kannel.received() if body.split()[-1] in l], 20,
                       what="the text at the fake SMSC")
    r = alice.wait_message(receipt_for(msg_id), timeout=20)
    assert r.bare_from == f"{FRIEND}@{SMS}"

    text = f"mo {tag()}"
    kannel.send_mo(FRIEND, ALICE_NUMBER, text)
    m = alice.wait_message(lambda m: m.body == text, timeout=20)
    assert m.bare_from == f"{FRIEND}@{SMS}"


def test_vonage_long_texts_both_ways(junction_factory, vonage, alice):
    j = junction_factory(gateways=sms_gateway(vonage.config())).start()
    watch_receipts(alice)
    long_text = " ".join(f"word{i}" for i in range(60))  # 409 characters: three SMS
    msg_id = "vl-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", long_text, msg_id, receipt=True)
    [sent] = vonage.wait_sent(1)
    assert sent["text"] == long_text and len(sent["part-ids"]) == 3
    for part in (2, 0):
        assert vonage.status(sent, "delivered", part=part) == 200
    time.sleep(1.5)
    assert not [m for m in alice.messages if m.xml.find(f"{{{RECEIPTS}}}received") is not None]
    assert vonage.status(sent, "delivered", part=1) == 200
    alice.wait_message(receipt_for(msg_id))

    failing_id = "vf-" + tag()
    send_chat(alice, f"{FRIEND}@{SMS}", long_text + " again", failing_id, receipt=True)
    sent = vonage.wait_sent(2)[-1]
    assert vonage.status(sent, "delivered", part=0) == 200
    assert vonage.status(sent, "failed", err_code="6", part=1) == 200
    assert vonage.status(sent, "delivered", part=2) == 200
    err = alice.wait_message(lambda m: m.type == "error" and m.id == failing_id)
    assert "spam" in error_text(err)
    time.sleep(1)
    assert not [m for m in alice.messages if m.xml.find(f"{{{RECEIPTS}}}received") is not None
                and m.xml.find(f"{{{RECEIPTS}}}received").get("id") == failing_id]

    # Inbound: parts out of order, one of them twice, make one message.
    parts = [f"first part {tag()} ", "second part ", "third part."]
    answers = vonage.inbound_long(j.url, FRIEND, ALICE_NUMBER, parts, send=[3, 1, 3, 2])
    assert [status for status, _ in answers] == [200] * 4
    whole = "".join(parts)
    got = alice.collect(lambda m: m.body and parts[0] in m.body, lambda ms: len(ms) > 1, 3)
    assert [m.body for m in got] == [whole]
    assert got[0].bare_from == f"{FRIEND}@{SMS}"


def test_vonage_incomplete_long_text_is_delivered_after_the_timeout(junction_factory, vonage, alice):
    j = junction_factory(gateways=sms_gateway(vonage.config(), concat_timeout=2)).start()
    parts = [f"alpha {tag()} ", "beta ", "gamma"]
    assert [s for s, _ in vonage.inbound_long(j.url, FRIEND, ALICE_NUMBER, parts, send=[1, 3])] == [200, 200]
    time.sleep(1)
    assert not [m for m in alice.messages if m.body and parts[0] in m.body]
    m = alice.wait_message(lambda m: m.body and parts[0] in m.body, timeout=10)
    assert m.body.startswith(parts[0] + "[…]gamma")
    assert "part 2 of 3 never arrived" in m.body
