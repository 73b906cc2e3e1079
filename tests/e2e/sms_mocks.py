"""Mocks of the SMS providers Junction talks to that can't run here: Twilio, Vonage and Telnyx.

Each serves the provider's real send endpoint (path, authentication, fields, answers and error
codes) on 127.0.0.1 from a thread, records what it was asked to send, can be scripted to fail,
and sends webhooks to Junction the way the provider does, signed with the provider's real
algorithm (Twilio's RequestValidator, Vonage's md5hash/HMAC, Telnyx's Ed25519).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from twilio.request_validator import RequestValidator


def http_request(url: str, data: bytes | None = None, method: str = "POST",
                 headers: dict | None = None, timeout: float = 10) -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class ProviderMock:
    """The shared part: an HTTP server in a thread, the sends it accepted, scripted failures."""

    def __init__(self):
        self.sent: list[dict] = []        # accepted sends, in order
        self.requests = 0                 # every send request, failed ones included
        self.undeliverable: set[str] = set()  # numbers the provider refuses at once
        self._script: list[tuple[int, dict, dict]] = []
        self._lock = threading.Lock()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict | str, headers: dict | None = None):
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                status, answer, headers = mock.handle(self.path, dict(self.headers), body)
                self._answer(status, answer, headers)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(self, status: int, body: dict | str, headers: dict | None = None, times: int = 1):
        with self._lock:
            self._script += [(status, body, headers or {})] * times

    def _scripted(self):
        with self._lock:
            self.requests += 1
            return self._script.pop(0) if self._script else None

    def _accept(self, record: dict):
        with self._lock:
            self.sent.append(record)

    def wait_sent(self, n: int, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.sent) >= n:
                    return list(self.sent)
            time.sleep(0.05)
        raise TimeoutError(f"{type(self).__name__}: {len(self.sent)} sends, expected {n}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def handle(self, path: str, headers: dict, body: str) -> tuple[int, dict | str, dict]:
        raise NotImplementedError


class TwilioMock(ProviderMock):
    """POST /2010-04-01/Accounts/{AccountSid}/Messages.json, Basic auth, form fields."""

    def __init__(self, account_sid: str = "AC" + "0" * 31 + "1", auth_token: str = "twilio-auth-token"):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.accounts = {account_sid: auth_token}  # more for users' own accounts (self-service)
        # When set (e.g. "delivered"), each accepted send first gets this status callback, and
        # only once Junction has answered it does the send get its 201: Twilio's report racing
        # its own API answer. The callbacks' HTTP statuses land in early_answers.
        self.status_before_answer: str | None = None
        self.early_answers: list[int] = []
        super().__init__()

    def add_account(self, account_sid: str, auth_token: str):
        self.accounts[account_sid] = auth_token

    def config(self) -> dict:
        return {"provider": "twilio", "api_url": self.url, "account_sid": self.account_sid,
                "auth_token": self.auth_token}

    def handle(self, path, headers, body):
        parts = path.split("/")
        sid = parts[3] if len(parts) == 5 and parts[4] == "Messages.json" else ""
        if parts[:3] != ["", "2010-04-01", "Accounts"] or sid not in self.accounts:
            return 404, {"code": 20404, "message": "The requested resource was not found",
                         "status": 404}, {}
        expected = "Basic " + base64.b64encode(f"{sid}:{self.accounts[sid]}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}, {}
        scripted = self._scripted()
        if scripted:
            return scripted
        form = urllib.parse.parse_qs(body, keep_blank_values=True)
        to = form.get("To", [""])[0]
        if to in self.undeliverable:
            return 400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.",
                         "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}, {}
        account = sid
        sid = "SM" + uuid.uuid4().hex
        record = {"sid": sid, "account": account, "To": to, "From": form.get("From", [""])[0],
                  "Body": form.get("Body", [""])[0], "MediaUrl": form.get("MediaUrl", []),
                  "StatusCallback": form.get("StatusCallback", [""])[0]}
        self._accept(record)
        if self.status_before_answer:
            self.early_answers.append(self.status(record, self.status_before_answer))
        return 201, {"sid": sid, "account_sid": account, "to": to, "from": record["From"],
                     "body": record["Body"], "status": "queued",
                     "num_media": str(len(record["MediaUrl"])), "num_segments": "1",
                     "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}, {}

    def _post_signed(self, url: str, fields: dict, signature: str | None = None,
                     account_sid: str | None = None) -> int:
        validator = RequestValidator(self.accounts[account_sid or self.account_sid])
        sig = signature if signature is not None else validator.compute_signature(url, dict(fields))
        status, _ = http_request(url, urllib.parse.urlencode(fields).encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
        return status

    def inbound(self, junction_url: str, frm: str, to: str, body: str, sid: str | None = None,
                media: list[str] | None = None, gateway: str = "sms", signature: str | None = None,
                account_sid: str | None = None):
        """An incoming message, as Twilio posts it to the number's webhook. Returns (status, sid)."""
        sid = sid or "SM" + uuid.uuid4().hex
        fields = {"ToCountry": "US", "SmsMessageSid": sid, "NumMedia": str(len(media or [])),
                  "SmsSid": sid, "SmsStatus": "received", "Body": body, "To": to,
                  "NumSegments": "1", "MessageSid": sid, "AccountSid": account_sid or self.account_sid,
                  "From": frm, "ApiVersion": "2010-04-01"}
        for i, url in enumerate(media or []):
            fields[f"MediaUrl{i}"] = url
            fields[f"MediaContentType{i}"] = "image/jpeg"
        return self._post_signed(f"{junction_url}/webhooks/{gateway}/inbound", fields, signature,
                                 account_sid), sid

    def inbound_json(self, junction_url: str, frm: str, to: str, body: str, sid: str | None = None,
                     gateway: str = "sms", tamper: bool = False):
        """The same message with a JSON body, signed as Twilio signs such webhooks: the body's
        SHA-256 goes into the URL as bodySHA256, and the signature covers that URL alone."""
        sid = sid or "SM" + uuid.uuid4().hex
        data = json.dumps({"MessageSid": sid, "AccountSid": self.account_sid, "From": frm, "To": to,
                           "Body": body, "NumMedia": "0", "ApiVersion": "2010-04-01"})
        validator = RequestValidator(self.auth_token)
        url = (f"{junction_url}/webhooks/{gateway}/inbound?"
               + urllib.parse.urlencode({"bodySHA256": validator.compute_hash(data)}))
        signature = validator.compute_signature(url, {})
        assert validator.validate(url, data, signature)  # what Twilio's own library accepts
        if tamper:
            data = data.replace(body, "tampered " + body)
        status, _ = http_request(url, data.encode(), headers={
            "Content-Type": "application/json", "X-Twilio-Signature": signature})
        return status, sid

    def status(self, record: dict, status: str, error_code: str | None = None) -> int:
        """A status callback for an accepted send, to the StatusCallback it named."""
        fields = {"MessageSid": record["sid"], "SmsSid": record["sid"], "MessageStatus": status,
                  "SmsStatus": status, "AccountSid": record["account"], "From": record["From"],
                  "To": record["To"], "ApiVersion": "2010-04-01"}
        if error_code:
            fields["ErrorCode"] = error_code
        return self._post_signed(record["StatusCallback"], fields, account_sid=record["account"])


def vonage_signature(params: dict, secret: str, method: str = "md5hash") -> str:
    data = "".join(f"&{k}={str(v).replace('&', '_').replace('=', '_')}"
                   for k, v in sorted(params.items()) if k != "sig")
    if method == "md5hash":
        return hashlib.md5((data + secret).encode()).hexdigest()
    return hmac.new(secret.encode(), data.encode(), getattr(hashlib, method)).hexdigest()


def vonage_part_count(text: str, unicode: bool) -> int:
    """How many SMS Vonage splits a text into: 160 GSM-7 characters alone, 153 per part when
    concatenated; 70 and 67 for unicode (UTF-16 code units)."""
    if unicode:
        units = len(text.encode("utf-16-le")) // 2
        return 1 if units <= 70 else -(-units // 67)
    septets = sum(2 if c in "^{}\\[~]|€" else 1 for c in text)
    return 1 if septets <= 160 else -(-septets // 153)


class VonageMock(ProviderMock):
    """POST /sms/json (the SMS API), api_key/api_secret in the form; signed webhooks."""

    def __init__(self, api_key: str = "vonagekey", api_secret: str = "vonagesecret",
                 signature_secret: str = "vonage-signature-secret", method: str = "sha256"):
        self.api_key, self.api_secret = api_key, api_secret
        self.signature_secret, self.method = signature_secret, method
        super().__init__()

    def config(self) -> dict:
        return {"provider": "vonage", "api_url": self.url + "/sms/json", "api_key": self.api_key,
                "api_secret": self.api_secret, "signature_secret": self.signature_secret,
                "signature_method": self.method}

    def handle(self, path, headers, body):
        if path != "/sms/json":
            return 404, {"type": "https://developer.nexmo.com/api-errors#not-found",
                         "title": "Not Found"}, {}
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        if form.get("api_key") != self.api_key or form.get("api_secret") != self.api_secret:
            return 200, {"message-count": "1", "messages": [
                {"status": "4", "error-text": "Bad Credentials"}]}, {}
        scripted = self._scripted()
        if scripted:
            return scripted
        to = form.get("to", "")
        if "+" + to in self.undeliverable or to in self.undeliverable:
            return 200, {"message-count": "1", "messages": [
                {"to": to, "status": "6", "error-text": "Unroutable message - rejected"}]}, {}
        # A long text goes out as several SMS, each with its own id and delivery receipt.
        parts = vonage_part_count(form.get("text", ""), form.get("type") == "unicode")
        ids = [uuid.uuid4().hex[:16].upper() for _ in range(parts)]
        record = {"message-id": ids[0], "part-ids": ids, **form}
        self._accept(record)
        return 200, {"message-count": str(parts), "messages": [
            {"to": to, "message-id": mid, "status": "0", "remaining-balance": "10.00",
             "message-price": "0.0333", "network": "310260"} for mid in ids]}, {}

    def _signed(self, params: dict) -> dict:
        params = dict(params, timestamp=str(int(time.time())), nonce=uuid.uuid4().hex)
        params["sig"] = vonage_signature(params, self.signature_secret, self.method)
        return params

    def inbound(self, junction_url: str, frm: str, to: str, text: str, message_id: str | None = None,
                gateway: str = "sms", forge: bool = False):
        mid = message_id or uuid.uuid4().hex[:16].upper()
        params = self._signed({"msisdn": frm.lstrip("+"), "to": to.lstrip("+"), "messageId": mid,
                               "text": text, "type": "text", "keyword": text.split(" ")[0].upper(),
                               "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S")})
        if forge:
            params["text"] = "forged " + text
        status, _ = http_request(f"{junction_url}/webhooks/{gateway}/inbound",
                                 urllib.parse.urlencode(params).encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        return status, mid

    def inbound_long(self, junction_url: str, frm: str, to: str, parts: list[str], ref: str | None = None,
                     send: list[int] | None = None, gateway: str = "sms") -> list[tuple[int, str]]:
        """A long text as Vonage hands it over: one webhook per part, each with its own
        messageId and concat=true, concat-ref, concat-total, concat-part. `send` picks which
        parts go (1-based, in that order, repeats allowed); returns (status, messageId) each."""
        ref = ref or str(uuid.uuid4().int % 256)
        ids = {n: uuid.uuid4().hex[:16].upper() for n in range(1, len(parts) + 1)}
        out = []
        for n in send or list(ids):
            params = self._signed({"msisdn": frm.lstrip("+"), "to": to.lstrip("+"), "messageId": ids[n],
                                   "text": parts[n - 1], "type": "text",
                                   "keyword": parts[0].split(" ")[0].upper(),
                                   "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S"),
                                   "concat": "true", "concat-ref": ref,
                                   "concat-total": str(len(parts)), "concat-part": str(n)})
            status, _ = http_request(f"{junction_url}/webhooks/{gateway}/inbound",
                                     urllib.parse.urlencode(params).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
            out.append((status, ids[n]))
        return out

    def status(self, record: dict, status: str, err_code: str = "0", part: int = 0) -> int:
        """A delivery receipt for part `part` (0-based) of an accepted send."""
        params = self._signed({"msisdn": record["to"], "to": record["from"],
                               "network-code": "310260", "messageId": record["part-ids"][part],
                               "price": "0.0333", "status": status, "scts": "2401011200",
                               "err-code": err_code, "client-ref": record.get("client-ref", ""),
                               "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S")})
        code, _ = http_request(record["callback"], urllib.parse.urlencode(params).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        return code


class TelnyxMock(ProviderMock):
    """POST /v2/messages with a Bearer key, JSON both ways; Ed25519-signed webhook events."""

    def __init__(self, api_key: str = "KEYtelnyx0123456789"):
        self.api_key = api_key
        self.private_key = Ed25519PrivateKey.generate()
        self.public_key = base64.b64encode(self.private_key.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)).decode()
        super().__init__()

    def config(self) -> dict:
        return {"provider": "telnyx", "api_url": self.url, "api_key": self.api_key,
                "public_key": self.public_key}

    def handle(self, path, headers, body):
        if path != "/v2/messages":
            return 404, {"errors": [{"code": "10005", "title": "Resource not found"}]}, {}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"errors": [{"code": "10009", "title": "Authentication failed",
                                     "detail": "The API key looks malformed."}]}, {}
        scripted = self._scripted()
        if scripted:
            return scripted
        req = json.loads(body)
        if req["to"] in self.undeliverable:
            return 400, {"errors": [{"code": "40310", "title": "Invalid 'to' address",
                                     "detail": "The 'to' address should be a valid phone number."}]}, {}
        mid = str(uuid.uuid4())
        record = {"id": mid, **req}
        self._accept(record)
        return 200, {"data": self._message(record, "queued", "outbound")}, {}

    @staticmethod
    def _message(record: dict, status: str, direction: str) -> dict:
        media = record.get("media_urls") or []
        return {"record_type": "message", "id": record["id"], "direction": direction,
                "type": "MMS" if media else "SMS", "text": record.get("text", ""),
                "from": {"phone_number": record["from"]},
                "to": [{"phone_number": record["to"], "status": status}],
                "media": [{"url": u, "content_type": "image/jpeg"} for u in media],
                "errors": []}

    def _post_event(self, url: str, event_type: str, payload: dict, forge: bool = False,
                    timestamp: int | None = None) -> int:
        body = json.dumps({"data": {"event_type": event_type, "id": str(uuid.uuid4()),
                                    "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00"),
                                    "payload": payload, "record_type": "event"},
                           "meta": {"attempt": 1, "delivered_to": url}})
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = self.private_key.sign(f"{ts}|{body}".encode())
        if forge:
            body = body.replace(payload.get("text", "") or "x", "forged", 1)
        status, _ = http_request(url, body.encode(), headers={
            "Content-Type": "application/json", "telnyx-timestamp": ts,
            "telnyx-signature-ed25519": base64.b64encode(signature).decode()})
        return status

    def inbound(self, junction_url: str, frm: str, to: str, text: str, message_id: str | None = None,
                media: list[str] | None = None, gateway: str = "sms", forge: bool = False,
                timestamp: int | None = None):
        mid = message_id or str(uuid.uuid4())
        payload = self._message({"id": mid, "from": frm, "to": to, "text": text,
                                 "media_urls": media or []}, "webhook_delivered", "inbound")
        return self._post_event(f"{junction_url}/webhooks/{gateway}/inbound", "message.received",
                                payload, forge, timestamp), mid

    def status(self, record: dict, status: str, error: dict | None = None) -> int:
        payload = self._message(record, status, "outbound")
        if error:
            payload["errors"] = [error]
        return self._post_event(record["webhook_url"], "message.finalized", payload)
