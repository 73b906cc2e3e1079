"""A real Exim 4 for the email gateway's end-to-end tests and the demo: local Maildirs for
a few users of MAILBOX_DOMAIN, and every mail for the gateway's mail domain handed to
Junction over LMTP (a manualroute router and an smtp transport with protocol = lmtp).

Exim runs in the foreground (`exim4 -C FILE -bdf -q5s`) with its spool, logs and Maildirs in
its own directory, on a free 127.0.0.1 port. See docs in /work/shared/TESTING.md ("Mail").
"""
from __future__ import annotations

import email
import email.policy
import os
import pwd
import subprocess
from pathlib import Path

import servers

MAILBOX_DOMAIN = "example.net"      # Exim's own domain: bob's and eve's Maildirs
EXIM_USER = "Debian-exim"


class Exim:
    def __init__(self, gateway_mail_domain: str, lmtp_port: int,
                 mailboxes=("bob", "eve"), workdir: Path | None = None,
                 protocol: str = "lmtp", verify_callout: bool = False):
        self.dir = workdir or servers.make_workdir("exim-")
        self.port = servers.free_port()
        self.gateway_mail_domain = gateway_mail_domain
        self.lmtp_port = lmtp_port
        self.protocol = protocol
        self.verify_callout = verify_callout
        self.mailboxes = list(mailboxes)
        self.config_path = self.dir / "exim.conf"
        self.proc: subprocess.Popen | None = None
        self.write_config()

    # --- configuration -------------------------------------------------------------------

    def write_config(self):
        d = self.dir
        for sub in ("spool", "log", "Maildir"):
            (d / sub).mkdir(exist_ok=True)
        # The user-list lookup: its value (not the tainted $local_part) names the directory.
        (d / "mailboxes").write_text("".join(f"{m}: {m}\n" for m in self.mailboxes))
        lmtp = "protocol = lmtp\n  " if self.protocol == "lmtp" else ""
        # With a callout Exim asks Junction about each recipient during the SMTP dialogue,
        # so mail for an unknown user is refused before it is accepted.
        callout = ("  deny domains = +relay_to_domains\n"
                   "       !verify = recipient/callout=10s,use_sender\n"
                   if self.verify_callout else "")
        self.config_path.write_text(f"""# generated for Junction tests
exim_path = /usr/sbin/exim4
spool_directory = {d}/spool
log_file_path = {d}/log/%slog
pid_file_path = {d}/exim.pid
primary_hostname = mx.{MAILBOX_DOMAIN}
qualify_domain = {MAILBOX_DOMAIN}
daemon_smtp_ports = {self.port}
local_interfaces = 127.0.0.1
keep_environment =
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
smtp_accept_max = 0
smtp_accept_queue_per_connection = 0
message_size_limit = 50M
# Bounces come back at once rather than after the default retry rules.
delay_warning = 0s
timeout_frozen_after = 1h

domainlist local_domains = {MAILBOX_DOMAIN}
domainlist relay_to_domains = {self.gateway_mail_domain}
hostlist relay_from_hosts = 127.0.0.1

acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data

begin acl

acl_check_rcpt:
  # Loopback only. Without the callout there is no recipient verification, so a mail to a
  # user who does not exist bounces after acceptance (a real delivery status notification).
{callout}  accept hosts = +relay_from_hosts
  deny message = relay not permitted

acl_check_data:
  accept

begin routers

to_junction:
  driver = manualroute
  domains = {self.gateway_mail_domain}
  transport = junction
  route_list = * 127.0.0.1
  self = send

local_maildir:
  driver = accept
  domains = +local_domains
  local_parts = lsearch;{d}/mailboxes
  transport = maildir

begin transports

junction:
  driver = smtp
  {lmtp}port = {self.lmtp_port}
  allow_localhost
  hosts_avoid_tls = *

maildir:
  driver = appendfile
  directory = {d}/Maildir/$local_part_data
  maildir_format
  create_directory
  delivery_date_add
  envelope_to_add
  return_path_add
  user = {EXIM_USER}
  group = {EXIM_USER}
  mode = 0644

begin retry
# Junction answering 4xx: try again soon (the tests restart it).
*   *   F,1h,5s

begin rewrite
""")
        servers.chown_tree(self.dir, EXIM_USER)
        # Exim refuses a configuration that anyone but root could have written.
        if os.geteuid() == 0:
            os.chown(self.config_path, 0, 0)
        os.chmod(self.config_path, 0o644)

    # --- process ---------------------------------------------------------------------------

    def start(self, timeout: float = 20):
        log = open(self.dir / "exim.stdout", "ab")
        self.proc = subprocess.Popen(
            ["/usr/sbin/exim4", "-C", str(self.config_path), "-bdf", "-q5s"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=self.dir)
        log.close()

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError(f"exim exited with {self.proc.returncode}:\n{self.logs()}")
            return servers.port_open(self.port)
        servers.wait_until(up, timeout, 0.1, "exim to listen")
        return self

    def stop(self):
        servers._stop_process(self.proc)

    def logs(self, lines: int = 60) -> str:
        out = []
        for name in ("log/mainlog", "log/paniclog", "log/rejectlog", "exim.stdout"):
            path = self.dir / name
            if path.exists():
                out.append(f"--- {path}\n{servers.tail(path, lines)}")
        return "\n".join(out)

    # --- mail --------------------------------------------------------------------------------

    def swaks(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        env = dict(os.environ, POSIXLY_CORRECT="1")
        return subprocess.run(["swaks", "--server", f"127.0.0.1:{self.port}",
                               "--helo", "client.example.net", *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, env=env)

    def maildir_files(self, mailbox: str) -> list[Path]:
        new = self.dir / "Maildir" / mailbox / "new"
        return sorted(new.iterdir()) if new.exists() else []

    def messages(self, mailbox: str) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in self.maildir_files(mailbox)]

    def wait_messages(self, mailbox: str, count: int = 1, timeout: float = 20):
        return servers.wait_until(
            lambda: (lambda m: m if len(m) >= count else None)(self.messages(mailbox)),
            timeout, 0.2, f"{count} mail(s) in {mailbox}'s Maildir")


def exim_available() -> bool:
    try:
        pwd.getpwnam(EXIM_USER)
    except KeyError:
        return False
    return Path("/usr/sbin/exim4").exists() and subprocess.run(
        ["which", "swaks"], capture_output=True).returncode == 0
