"""A real Kannel (bearerbox + smsbox) with its fake SMS centre, as plain processes on loopback.

fakesmsc reads mobile-originated messages ("sender receiver text message") from stdin, which is
a FIFO we keep open read-write (it exits at end of input), and prints what the SMSC receives
in the same format on stdout. The fake SMSC answers a send with delivery reports 8 (SMSC
accepted) and 1 (delivered).
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import servers

USERNAME, PASSWORD = "junction", "kannel-pass"


class Kannel:
    def __init__(self, workdir: Path, token: str, gateway: str = "sms"):
        self.dir = workdir
        self.admin_port = servers.free_port()
        self.smsbox_port = servers.free_port()
        self.smsc_port = servers.free_port()
        self.sendsms_port = servers.free_port()
        self.token = token
        self.procs: list[subprocess.Popen] = []
        self.fifo = self.dir / "fakesmsc.in"
        self.out_path = self.dir / "fakesmsc.out"
        self.conf = self.dir / "kannel.conf"
        self.gateway = gateway

    def write_config(self, webhook_base: str):
        """`webhook_base` is Junction's [http] URL; the sms-service calls its inbound webhook."""
        token, gateway = self.token, self.gateway
        get_url = (f"{webhook_base}/webhooks/{gateway}/inbound?token={token}"
                   "&from=%p&to=%P&text=%a&id=%I")
        self.conf.write_text(f"""group = core
admin-port = {self.admin_port}
admin-password = admin
smsbox-port = {self.smsbox_port}
admin-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "{self.dir}/bearerbox.log"
log-level = 0
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.smsbox_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{self.dir}/smsbox.log"
log-level = 0

group = sendsms-user
username = {USERNAME}
password = {PASSWORD}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{get_url}"
""")

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def gateway_config(self) -> dict:
        return {"provider": "kannel", "api_url": self.sendsms_url, "username": USERNAME,
                "password": PASSWORD, "webhook_token": self.token}

    def _spawn(self, args, stdin=subprocess.DEVNULL, stdout=None):
        log = stdout or open(self.dir / f"{Path(args[0]).name}.stdout", "ab")
        p = subprocess.Popen(args, stdin=stdin, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True, cwd=self.dir)
        self.procs.append(p)
        return p

    def start(self):
        self._spawn(["bearerbox", "-v", "1", str(self.conf)])
        servers.wait_until(lambda: servers.port_open(self.smsbox_port) and servers.port_open(self.smsc_port),
                           15, 0.1, "bearerbox to listen")
        self._spawn(["smsbox", "-v", "1", str(self.conf)])
        servers.wait_until(lambda: servers.port_open(self.sendsms_port), 15, 0.1, "smsbox to listen")
        os.mkfifo(self.fifo)
        self._fifo_fd = os.open(self.fifo, os.O_RDWR)
        out = open(self.out_path, "ab")
        self._spawn(["/usr/lib/kannel/test/fakesmsc", "-H", "127.0.0.1", "-r", str(self.smsc_port),
                     "-i", "0", "-v", "0"], stdin=self._fifo_fd, stdout=out)
        out.close()
        # The SMSC link is up once bearerbox reports it online.
        servers.wait_until(lambda: "online" in self.status(), 15, 0.2, "the fake SMSC to connect")

    def status(self) -> str:
        import urllib.request
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/status.txt?password=admin",
                                        timeout=2) as r:
                return r.read().decode(errors="replace")
        except OSError:
            return ""

    def send_mo(self, sender: str, receiver: str, text: str):
        """A text from a phone (sender) to one of our numbers (receiver)."""
        os.write(self._fifo_fd, f"{sender} {receiver} text {text}\n".encode())
        time.sleep(0.2)  # fakesmsc reads line by line; spacing keeps it from merging input

    def received(self) -> list[str]:
        """Lines fakesmsc printed for messages the SMSC got (sender receiver type text)."""
        try:
            return [l for l in self.out_path.read_text(errors="replace").splitlines() if l.strip()]
        except OSError:
            return []

    def stop(self):
        for p in reversed(self.procs):
            servers._stop_process(p, 10)
        self.procs.clear()
        if getattr(self, "_fifo_fd", None) is not None:
            os.close(self._fifo_fd)
            self._fifo_fd = None

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{servers.tail(self.dir / n, 30)}"
                         for n in ("bearerbox.log", "smsbox.log", "fakesmsc.out"))
