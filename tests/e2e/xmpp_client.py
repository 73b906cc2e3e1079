"""A synchronous face on slixmpp for tests.

slixmpp is asyncio-based; tests want "send this, wait for that". One event loop runs in a
background thread (`LoopThread`) and every `Client` call hops onto it and waits for the result.

Stanzas come back as `xml.etree.ElementTree.Element`s, so tests read them with plain
ElementTree and namespaced paths (see the NS table below).
"""
from __future__ import annotations

import asyncio
import itertools
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

NS = {
    "client": "jabber:client",
    "disco_info": "http://jabber.org/protocol/disco#info",
    "disco_items": "http://jabber.org/protocol/disco#items",
    "register": "jabber:iq:register",
    "gateway": "jabber:iq:gateway",
    "version": "jabber:iq:version",
    "ping": "urn:xmpp:ping",
    "commands": "http://jabber.org/protocol/commands",
    "data": "jabber:x:data",
    "stanzas": "urn:ietf:params:xml:ns:xmpp-stanzas",
}


class LoopThread:
    """An asyncio loop in a daemon thread, shared by all clients of a test session."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="slixmpp-loop",
                                       daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float):
        """Runs a coroutine on the loop and waits for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn, *args, timeout: float = 10):
        """Runs a plain function on the loop thread and waits for its result."""
        async def wrapper():
            return fn(*args)
        return self.run(wrapper(), timeout)

    def close(self):
        """Cancels what is left (slixmpp keeps a task per stream) and closes the loop."""
        async def cancel_all():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            self.run(cancel_all(), 10)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


@dataclass
class Message:
    sender: str          # full JID as received
    to: str
    type: str
    body: str | None
    id: str | None
    xml: ET.Element = field(repr=False)

    @property
    def bare_from(self) -> str:
        return self.sender.split("/", 1)[0]

    def error_condition(self) -> str | None:
        return error_condition(self.xml)


def error_condition(stanza: ET.Element) -> str | None:
    """The defined condition of an error stanza (`forbidden`, ...), or None."""
    err = stanza.find("{jabber:client}error")
    if err is None:
        err = stanza.find("error")
    if err is None:
        return None
    for child in err:
        if child.tag.startswith("{" + NS["stanzas"] + "}") and not child.tag.endswith("}text"):
            return child.tag.split("}", 1)[1]
    return None


class XmppError(Exception):
    pass


_resource_counter = itertools.count(1)


class Client:
    """One logged-in XMPP user. Collects every message it receives."""

    def __init__(self, loop: LoopThread, jid: str, password: str, host: str, port: int,
                 send_presence: bool = True):
        self.loop = loop
        self.jid = jid if "/" in jid else f"{jid}/e2e{next(_resource_counter)}"
        self.password = password
        self.host, self.port = host, port
        self.send_presence = send_presence
        self.messages: list[Message] = []
        self.presences: list[ET.Element] = []
        self._consumed: set[int] = set()
        self._cond = threading.Condition()
        self.xmpp: slixmpp.ClientXMPP | None = None

    # --- connection ------------------------------------------------------------------

    def connect(self, timeout: float = 20) -> "Client":
        self.loop.run(self._connect(), timeout)
        return self

    async def _connect(self):
        xmpp = slixmpp.ClientXMPP(self.jid, self.password)
        xmpp.loop = asyncio.get_running_loop()
        self.xmpp = xmpp
        for plugin in ("xep_0030", "xep_0199"):
            xmpp.register_plugin(plugin)
        xmpp["feature_mechanisms"].unencrypted_plain = True
        xmpp.add_event_handler("message", self._on_message)
        xmpp.add_event_handler("message_error", self._on_message)
        xmpp.add_event_handler("presence", self._on_presence)
        started = asyncio.get_running_loop().create_future()

        def on_start(_event):
            if self.send_presence:
                xmpp.send_presence()
            if not started.done():
                started.set_result(True)

        def on_fail(event):
            if not started.done():
                started.set_exception(XmppError(f"{self.jid}: {event!r}"))

        xmpp.add_event_handler("session_start", on_start)
        xmpp.add_event_handler("failed_auth", on_fail)
        xmpp.add_event_handler("connection_failed", on_fail)
        xmpp.connect(address=(self.host, self.port), disable_starttls=True,
                     force_starttls=False)
        await started

    def disconnect(self, timeout: float = 5):
        if self.xmpp is None:
            return
        xmpp, self.xmpp = self.xmpp, None

        async def go():
            try:
                await asyncio.wait_for(xmpp.disconnect(wait=1), timeout)
            except Exception:
                xmpp.abort()
        try:
            self.loop.run(go(), timeout + 2)
        except Exception:
            pass

    @property
    def bare_jid(self) -> str:
        return self.jid.split("/", 1)[0]

    # --- inbound -----------------------------------------------------------------------

    def _on_message(self, msg):
        m = Message(str(msg["from"]), str(msg["to"]), msg["type"],
                    msg["body"] if msg.xml.find("{jabber:client}body") is not None else None,
                    msg["id"] or None, msg.xml)
        with self._cond:
            self.messages.append(m)
            self._cond.notify_all()

    def _on_presence(self, pres):
        with self._cond:
            self.presences.append(pres.xml)
            self._cond.notify_all()

    def wait_message(self, predicate=lambda m: True, timeout: float = 10) -> Message:
        """Returns (and consumes) the first not yet consumed message matching `predicate`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, m in enumerate(self.messages):
                    if i not in self._consumed and predicate(m):
                        self._consumed.add(i)
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n  ".join(repr(m) for m in self.messages[-10:]) or "(none)"
                    raise TimeoutError(f"{self.bare_jid}: no matching message within "
                                       f"{timeout}s; last received:\n  {seen}")
                self._cond.wait(left)

    def collect(self, predicate, until, timeout: float) -> list[Message]:
        """Waits until `until(matching)` is true or `timeout` passes; returns every message
        matching `predicate` received so far (consumed or not)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [m for m in self.messages if predicate(m)]
                left = deadline - time.monotonic()
                if until(matching) or left <= 0:
                    return matching
                self._cond.wait(min(left, 0.5))

    # --- outbound ----------------------------------------------------------------------

    def send_message(self, to: str, body: str, mtype: str = "chat", msg_id: str | None = None):
        def go():
            msg = self.xmpp.make_message(mto=to, mbody=body, mtype=mtype)
            if msg_id:
                msg["id"] = msg_id
            msg.send()
        self.loop.call(go)

    def send_raw(self, xml: str):
        self.loop.call(self.xmpp.send_raw, xml)

    def iq(self, itype: str, to: str, payload: str | ET.Element | None,
           timeout: float = 10) -> ET.Element:
        """Sends an iq and returns the reply (a result or an error) as an Element."""
        async def go():
            iq = self.xmpp.make_iq(ito=to, itype=itype)
            if payload is not None:
                iq.append(ET.fromstring(payload) if isinstance(payload, str) else payload)
            try:
                reply = await iq.send(timeout=timeout)
            except IqError as e:
                reply = e.iq
            return reply.xml
        try:
            return self.loop.run(go(), timeout + 5)
        except IqTimeout as e:
            raise TimeoutError(f"no reply from {to} within {timeout}s") from e

    def iq_get(self, to: str, payload, timeout: float = 10) -> ET.Element:
        return self.iq("get", to, payload, timeout)

    def iq_set(self, to: str, payload, timeout: float = 10) -> ET.Element:
        return self.iq("set", to, payload, timeout)

    # --- protocol helpers --------------------------------------------------------------

    def disco_info(self, to: str, node: str | None = None) -> ET.Element:
        q = ET.Element(f"{{{NS['disco_info']}}}query")
        if node:
            q.set("node", node)
        return self.iq_get(to, q)

    def disco_items(self, to: str, node: str | None = None) -> ET.Element:
        q = ET.Element(f"{{{NS['disco_items']}}}query")
        if node:
            q.set("node", node)
        return self.iq_get(to, q)

    def register_form(self, to: str) -> ET.Element:
        return self.iq_get(to, f"<query xmlns='{NS['register']}'/>")

    def register(self, to: str, values: dict[str, str] | None = None) -> ET.Element:
        """XEP-0077 in-band registration: fetches the form, fills it (required fields get a
        value from `values` or a placeholder) and submits it. Returns the set's reply."""
        values = values or {}
        form_reply = self.register_form(to)
        if form_reply.get("type") != "result":
            return form_reply
        query = form_reply.find(f"{{{NS['register']}}}query")
        submit = ET.Element(f"{{{NS['register']}}}query")
        x = query.find(f"{{{NS['data']}}}x") if query is not None else None
        if x is not None:
            submit.append(fill_form(x, values))
        elif query is not None:
            for child in query:
                name = child.tag.split("}", 1)[-1]
                if name in ("instructions", "registered"):
                    continue
                el = ET.SubElement(submit, f"{{{NS['register']}}}{name}")
                el.text = values.get(name, child.text or "e2e")
        return self.iq_set(to, submit)

    def unregister(self, to: str) -> ET.Element:
        return self.iq_set(to, f"<query xmlns='{NS['register']}'><remove/></query>")

    def execute_command(self, to: str, node: str, action: str = "execute",
                        sessionid: str | None = None, form: ET.Element | None = None
                        ) -> ET.Element:
        cmd = ET.Element(f"{{{NS['commands']}}}command", node=node, action=action)
        if sessionid:
            cmd.set("sessionid", sessionid)
        if form is not None:
            cmd.append(form)
        return self.iq_set(to, cmd)

    def run_command(self, to: str, node: str, values: dict[str, str] | None = None,
                    max_steps: int = 5) -> ET.Element:
        """Executes an ad-hoc command to completion, filling any form it returns. Returns the
        last reply (a `completed` result or an error)."""
        reply = self.execute_command(to, node)
        for _ in range(max_steps):
            if reply.get("type") != "result":
                return reply
            cmd = reply.find(f"{{{NS['commands']}}}command")
            if cmd is None or cmd.get("status") != "executing":
                return reply
            x = cmd.find(f"{{{NS['data']}}}x")
            form = fill_form(x, values or {}) if x is not None else None
            reply = self.execute_command(to, node, "complete" if form is not None else "next",
                                         cmd.get("sessionid"), form)
        return reply


def fill_form(x: ET.Element, values: dict[str, str]) -> ET.Element:
    """A `submit` data form answering the given `form`: hidden fields keep their value,
    fields named in `values` take it, other required fields get a placeholder or their
    default (the first option of a list)."""
    ns = NS["data"]
    out = ET.Element(f"{{{ns}}}x", type="submit")
    for f in x.findall(f"{{{ns}}}field"):
        var = f.get("var")
        ftype = f.get("type", "text-single")
        if not var or ftype == "fixed":
            continue
        defaults = [v.text or "" for v in f.findall(f"{{{ns}}}value")]
        if var in values:
            chosen = [values[var]]
        elif defaults:
            chosen = defaults
        elif f.find(f"{{{ns}}}required") is not None:
            options = [o.findtext(f"{{{ns}}}value") for o in f.findall(f"{{{ns}}}option")]
            if ftype == "boolean":
                chosen = ["1"]
            elif options:
                chosen = [options[0]]
            else:
                chosen = ["e2e"]
        else:
            continue
        field_el = ET.SubElement(out, f"{{{ns}}}field", var=var)
        for v in chosen:
            ET.SubElement(field_el, f"{{{ns}}}value").text = v
    return out
