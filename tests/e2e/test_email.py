"""End-to-end tests of the email gateway: a real XMPP server, a real Exim with Maildirs for
bob and eve at example.net, and Junction between them (SMTP out to Exim, LMTP in from Exim).
"""
from __future__ import annotations

import shutil
import smtplib
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

import servers
from conftest import _LOGS_KEY, KEEP
from email_servers import Exim, exim_available, MAILBOX_DOMAIN
from xmpp_client import NS

pytestmark = pytest.mark.skipif(not exim_available(), reason="exim4 and swaks are needed")

GATEWAY = "mail.localhost"
MAIL_DOMAIN = "xmpp.test"   # users' addresses: <node>@xmpp.test
BOB = f"bob\\40{MAILBOX_DOMAIN}@{GATEWAY}"
EVE_ADDRESS = f"eve@{MAILBOX_DOMAIN}"
OOB = "jabber:x:oob"


@dataclass
class Stack:
    junction: servers.Junction
    exim: Exim
    lmtp_port: int


@pytest.fixture
def stack(junction_factory, request):
    lmtp_port = servers.free_port()
    exim = Exim(MAIL_DOMAIN, lmtp_port)
    exim.start()
    request.node.stash.setdefault(_LOGS_KEY, []).append(exim.logs)
    j = junction_factory(gateways={"mail": {
        "kind": "email", "domain": GATEWAY, "secret": servers.COMPONENT_SECRET,
        "user_domains": [servers.USER_DOMAIN], "mail_domain": MAIL_DOMAIN,
        "smtp_url": f"smtp://127.0.0.1:{exim.port}",
        "inbound_listen": f"127.0.0.1:{lmtp_port}", "inbound_protocol": "lmtp",
        "default_subject": "Chat message", "quoted_tail": "trim",
        "max_attachment_bytes": 100000, "attachment_ttl_hours": 1,
        "send_rate_per_minute": 30}})
    j.start()
    servers.wait_until(lambda: servers.port_open(lmtp_port), 10, 0.1, "the LMTP listener")
    try:
        yield Stack(j, exim, lmtp_port)
    finally:
        exim.stop()
        if not KEEP:
            shutil.rmtree(exim.dir, ignore_errors=True)


def registered_user(new_user, connect, name="Alice Example"):
    jid = new_user("mailer")
    client = connect(jid)
    reply = client.register(GATEWAY, {"name": name})
    assert reply.get("type") == "result", ET.tostring(reply, encoding="unicode")
    return client, jid.split("@")[0] + "@" + MAIL_DOMAIN


def send_chat(client, to, body, subject=None, thread=None, msg_id=None):
    msg_id = msg_id or uuid.uuid4().hex[:12]
    parts = [f"<message xmlns='jabber:client' type='chat' to='{to}' id='{msg_id}'>",
             f"<body>{body}</body>"]
    if subject is not None:
        parts.append(f"<subject>{subject}</subject>")
    if thread is not None:
        parts.append(f"<thread>{thread}</thread>")
    parts.append("</message>")
    client.send_raw("".join(parts))
    return msg_id


def child_text(message, name, ns="jabber:client"):
    el = message.xml.find(f"{{{ns}}}{name}")
    return None if el is None else el.text


def from_bob(m):
    return m.bare_from == BOB and m.type == "chat"


# --- XMPP -> mail ------------------------------------------------------------------------

def test_message_to_bob_lands_in_his_maildir(stack, new_user, connect):
    alice, address = registered_user(new_user, connect)
    send_chat(alice, BOB, "Hello Bob, this is a chat message.", subject="Greetings", thread="t-first")
    (mail,) = stack.exim.wait_messages("bob")
    assert mail["From"] == f"Alice Example <{address}>"
    assert mail["To"] == f"bob@{MAILBOX_DOMAIN}"
    assert mail["Subject"] == "Greetings"
    assert mail["Message-ID"].startswith("<") and mail["Message-ID"].endswith(f"@{MAIL_DOMAIN}>")
    assert mail["Date"]
    assert mail["In-Reply-To"] is None
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().strip() == "Hello Bob, this is a chat message."
    assert mail["Return-path"] == f"<{address}>"


def test_default_subject_and_unregistered_sender_refused(stack, new_user, connect):
    alice, _ = registered_user(new_user, connect)
    send_chat(alice, BOB, "no subject here")
    (mail,) = stack.exim.wait_messages("bob")
    assert mail["Subject"] == "Chat message"

    stranger = connect(new_user("stranger"))
    msg_id = send_chat(stranger, BOB, "let me send mail")
    err = stranger.wait_message(lambda m: m.type == "error" and m.id == msg_id)
    assert err.error_condition() == "registration-required"


def test_injected_bcc_goes_nowhere(stack, new_user, connect):
    alice, _ = registered_user(new_user, connect, name="Mallory&#13;&#10;Bcc: eve@example.net")
    send_chat(alice, BOB, "Bcc: eve@example.net&#13;&#10;&#13;&#10;body line",
              subject=f"Hi&#13;&#10;Bcc: {EVE_ADDRESS}&#10;Cc: {EVE_ADDRESS}",
              thread=f"x&#13;&#10;Bcc: {EVE_ADDRESS}")
    (mail,) = stack.exim.wait_messages("bob")
    assert mail["Bcc"] is None and mail["Cc"] is None
    assert "\n" not in str(mail["Subject"])
    time.sleep(3)  # give a wrongly addressed copy time to arrive
    assert stack.exim.messages("eve") == []
    assert mail["Envelope-to"] == f"bob@{MAILBOX_DOMAIN}"


# --- mail -> XMPP, threads ---------------------------------------------------------------

def test_mail_reaches_user_with_subject_thread_and_reply_threads(stack, new_user, connect):
    alice, address = registered_user(new_user, connect)
    send_chat(alice, BOB, "Shall we meet?", subject="Meeting", thread="thread-42")
    (first,) = stack.exim.wait_messages("bob")
    first_id = first["Message-ID"]

    r = stack.exim.swaks("--to", address, "--from", f"bob@{MAILBOX_DOMAIN}",
                         "--header", "Subject: Re: Meeting",
                         "--header", f"In-Reply-To: {first_id}",
                         "--header", f"References: {first_id}",
                         "--header", "Message-Id: <bob-reply-1@example.net>",
                         "--body", "Yes, Tuesday works.\n\nOn Monday Alice wrote:\n> Shall we meet?\n")
    assert r.returncode == 0, r.stdout + r.stderr
    reply = alice.wait_message(from_bob, timeout=20)
    assert child_text(reply, "subject") == "Re: Meeting"
    assert child_text(reply, "thread") == "thread-42"
    assert reply.body.strip() == "Yes, Tuesday works."

    # The chat answer, with no <thread> at all, continues the same mail thread.
    send_chat(alice, BOB, "Great, see you then.")
    mails = stack.exim.wait_messages("bob", 2)
    second = [m for m in mails if m["Message-ID"] != first_id][0]
    assert second["In-Reply-To"] == "<bob-reply-1@example.net>"
    assert first_id in second["References"] and "<bob-reply-1@example.net>" in second["References"]

    # The correspondent was offered as a contact, and has no presence to show.
    servers.wait_until(lambda: any(p.get("type") == "subscribe" and p.get("from") == BOB
                                   for p in alice.presences), 10, 0.1, "a subscription request")
    alice.send_raw(f"<presence xmlns='jabber:client' type='subscribe' to='{BOB}'/>")
    status = servers.wait_until(
        lambda: next((p.findtext("{jabber:client}status") for p in alice.presences
                      if p.get("from", "").startswith(BOB) and p.get("type") is None), None),
        10, 0.1, "bob's presence")
    assert status == "Email has no presence"


def test_attachment_offered_as_link(stack, new_user, connect, tmp_path):
    alice, address = registered_user(new_user, connect)
    payload = bytes(range(256)) * 20
    attachment = tmp_path / "report.bin"
    attachment.write_bytes(payload)
    r = stack.exim.swaks("--to", address, "--from", f"bob@{MAILBOX_DOMAIN}",
                         "--header", "Subject: the file", "--body", "see attached",
                         "--attach-type", "application/octet-stream",
                         "--attach-name", "report.bin", "--attach", f"@{attachment}")
    assert r.returncode == 0, r.stdout + r.stderr
    msg = alice.wait_message(from_bob, timeout=20)
    url = msg.xml.find(f"{{{OOB}}}x/{{{OOB}}}url").text
    assert url.startswith(stack.junction.url + "/webhooks/mail/attachment?t=")
    assert len(url.split("t=")[1]) == 32
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == payload
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(url[:-4] + "0000", timeout=5)
    assert missing.value.code == 404


def test_automatic_mail_is_labelled(stack, new_user, connect):
    alice, address = registered_user(new_user, connect)
    r = stack.exim.swaks("--to", address, "--from", f"bob@{MAILBOX_DOMAIN}",
                         "--header", "Subject: Out of office",
                         "--header", "Auto-Submitted: auto-replied",
                         "--body", "I am away.")
    assert r.returncode == 0
    msg = alice.wait_message(from_bob, timeout=20)
    assert msg.body.startswith("[automatic] ")
    time.sleep(2)
    assert len(stack.exim.messages("bob")) == 0  # never answered


# --- refusals and bounces ----------------------------------------------------------------

def test_mail_for_unknown_user_is_refused(stack, new_user, connect):
    with smtplib.LMTP("127.0.0.1", stack.lmtp_port) as lmtp:
        lmtp.ehlo_or_helo_if_needed()
        assert lmtp.mail(f"bob@{MAILBOX_DOMAIN}")[0] == 250
        code, _ = lmtp.rcpt(f"nobody-here@{MAIL_DOMAIN}")
        assert code == 550
    # Through Exim: refused at RCPT, so Exim bounces to the sender; Junction keeps running.
    r = stack.exim.swaks("--to", f"ghost@{MAIL_DOMAIN}", "--from", f"bob@{MAILBOX_DOMAIN}",
                         "--body", "anyone there?")
    assert r.returncode == 0
    (bounce,) = stack.exim.wait_messages("bob")
    assert "ghost@" + MAIL_DOMAIN in bounce.as_string()
    assert stack.junction.proc.poll() is None
    assert stack.junction.healthz() == 200
    alice, address = registered_user(new_user, connect)
    r = stack.exim.swaks("--to", address, "--from", f"bob@{MAILBOX_DOMAIN}", "--body", "still here")
    assert alice.wait_message(from_bob, timeout=20).body.strip() == "still here"


def test_bounce_comes_back_as_error(stack, new_user, connect):
    alice, _ = registered_user(new_user, connect)
    nobody = f"nobody\\40{MAILBOX_DOMAIN}@{GATEWAY}"
    msg_id = send_chat(alice, nobody, "Are you there?", thread="lost")
    err = alice.wait_message(lambda m: m.type == "error" and m.id == msg_id, timeout=30)
    assert err.bare_from == nobody
    assert err.error_condition() == "recipient-unavailable"
    text = err.xml.find("{jabber:client}error/{urn:ietf:params:xml:ns:xmpp-stanzas}text").text
    assert f"nobody@{MAILBOX_DOMAIN}" in text


def test_iq_gateway_translates_addresses(stack, new_user, connect):
    alice, _ = registered_user(new_user, connect)
    reply = alice.iq_set(GATEWAY, f"<query xmlns='{NS['gateway']}'><prompt>Bob.Smith@Example.NET</prompt></query>")
    assert reply.get("type") == "result"
    jid = reply.find(f"{{{NS['gateway']}}}query/{{{NS['gateway']}}}jid").text
    assert jid == f"bob.smith\\40example.net@{GATEWAY}"


def test_exim_callout_refuses_unknown_users_at_rcpt(junction_factory, new_user, connect):
    lmtp_port = servers.free_port()
    exim = Exim(MAIL_DOMAIN, lmtp_port, verify_callout=True)
    exim.start()
    try:
        j = junction_factory(gateways={"mail": {
            "kind": "email", "domain": GATEWAY, "secret": servers.COMPONENT_SECRET,
            "user_domains": [servers.USER_DOMAIN], "mail_domain": MAIL_DOMAIN,
            "smtp_url": f"smtp://127.0.0.1:{exim.port}",
            "inbound_listen": f"127.0.0.1:{lmtp_port}"}})
        j.start()
        r = exim.swaks("--to", f"ghost@{MAIL_DOMAIN}", "--from", f"bob@{MAILBOX_DOMAIN}",
                       "--body", "anyone?")
        assert r.returncode != 0 and "550" in r.stdout, r.stdout
        alice, address = registered_user(new_user, connect)
        r = exim.swaks("--to", address, "--from", f"bob@{MAILBOX_DOMAIN}", "--body", "hi there")
        assert r.returncode == 0, r.stdout
        assert alice.wait_message(from_bob, timeout=20).body.strip() == "hi there"
    finally:
        exim.stop()


def test_relay_down_mail_is_sent_once_it_is_back(stack, new_user, connect):
    alice, _ = registered_user(new_user, connect)
    stack.exim.stop()
    send_chat(alice, BOB, "sent while the relay was down", subject="Patience")
    time.sleep(3)  # at least one failed attempt
    stack.exim.start()
    (mail,) = stack.exim.wait_messages("bob", timeout=40)
    assert mail["Subject"] == "Patience"
    assert not [m for m in alice.messages if m.type == "error"]


def test_smtp_handover_instead_of_lmtp(junction_factory, new_user, connect):
    lmtp_port = servers.free_port()
    exim = Exim(MAIL_DOMAIN, lmtp_port, protocol="smtp")
    exim.start()
    try:
        junction_factory(gateways={"mail": {
            "kind": "email", "domain": GATEWAY, "secret": servers.COMPONENT_SECRET,
            "user_domains": [servers.USER_DOMAIN], "mail_domain": MAIL_DOMAIN,
            "smtp_url": f"smtp://127.0.0.1:{exim.port}",
            "inbound_listen": f"127.0.0.1:{lmtp_port}", "inbound_protocol": "smtp"}}).start()
        alice, address = registered_user(new_user, connect)
        r = exim.swaks("--to", address, "--from", f"bob@{MAILBOX_DOMAIN}",
                       "--header", "Subject: over SMTP", "--body", "handed over by SMTP")
        assert r.returncode == 0, r.stdout
        msg = alice.wait_message(from_bob, timeout=20)
        assert child_text(msg, "subject") == "over SMTP"
    finally:
        exim.stop()
