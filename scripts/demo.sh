#!/usr/bin/env bash
# Junction on your machine in one command: Prosody on 127.0.0.1 with two demo accounts, and
# Junction connected to it with its gateways. Everything lives in .demo/ (gitignored).
#
#   scripts/demo.sh          set up, build, start, print how to log in
#   scripts/demo.sh stop     stop Junction, Prosody and Exim
#   scripts/demo.sh status   what is running
#   scripts/demo.sh logs     follow both logs
#
# Ports: XMPP clients 127.0.0.1:5222, components 127.0.0.1:5347, Junction HTTP 127.0.0.1:8480
# (override with C2S_PORT, COMPONENT_PORT, HTTP_PORT). JUNCTION_BIN runs that binary unbuilt.
# Mail: a local Exim on 127.0.0.1:2525 (EXIM_PORT) delivers carol@mail.test to a Maildir in
# .demo/exim/Maildir/carol and hands xmpp.localhost to Junction's LMTP port 2424 (LMTP_PORT).
# SMS: a local Kannel (bearerbox, smsbox on 127.0.0.1:13013) with its fake SMS centre; alice
# owns +15550001111, bob +15550002222. `scripts/demo.sh text FROM TO MESSAGE` texts as a phone.
# IRC: a local ngIRCd on 127.0.0.1:6667 (IRC_PORT), reachable from XMPP as the network alias
# "local" of the IRC gateway at irc.localhost: join #demo%local@irc.localhost/YourNick.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
DEMO=$ROOT/.demo
C2S_PORT=${C2S_PORT:-5222}
COMPONENT_PORT=${COMPONENT_PORT:-5347}
HTTP_PORT=${HTTP_PORT:-8480}
SECRET_FILE=$DEMO/component-secret
JUNCTION=${JUNCTION_BIN:-$ROOT/build/src/junction}
USERS=(alice bob)
PASSWORD=demo
EXIM_PORT=${EXIM_PORT:-2525}
LMTP_PORT=${LMTP_PORT:-2424}
MAIL_DOMAIN=xmpp.localhost   # users' mail addresses: alice@xmpp.localhost
MAILBOX_DOMAIN=mail.test     # Exim's own domain, with a Maildir for carol
KANNEL_ADMIN_PORT=${KANNEL_ADMIN_PORT:-13000}
KANNEL_SMSBOX_PORT=${KANNEL_SMSBOX_PORT:-13001}
KANNEL_SENDSMS_PORT=${KANNEL_SENDSMS_PORT:-13013}
KANNEL_SMSC_PORT=${KANNEL_SMSC_PORT:-13010}
KANNEL_TOKEN=demo-kannel-token
ALICE_NUMBER=+15550001111
BOB_NUMBER=+15550002222
IRC_PORT=${IRC_PORT:-6667}

# The gateways the demo runs: "name domain". Each gateway adds its line here and its
# config table in gateway_config below; Prosody gets one Component per domain.
GATEWAYS=(
  "echo echo.localhost"
  "mail mail.localhost"
  "sms sms.localhost"
  "irc irc.localhost"
)

gateway_config() { # name domain secret
  local name=$1 domain=$2 secret=$3
  case $name in
    mail)
      printf '\n[gateways.mail]\nkind = "email"\ndomain = "%s"\nsecret = "%s"\nuser_domains = ["localhost"]\n' \
        "$domain" "$secret"
      printf 'mail_domain = "%s"\nsmtp_url = "smtp://127.0.0.1:%s"\n' "$MAIL_DOMAIN" "$EXIM_PORT"
      printf 'inbound_listen = "127.0.0.1:%s"\ninbound_protocol = "lmtp"\n' "$LMTP_PORT"
      ;;
    sms)
      printf '\n[gateways.sms]\nkind = "sms"\ndomain = "%s"\nsecret = "%s"\nuser_domains = ["localhost"]\n' \
        "$domain" "$secret"
      printf 'default_country = "US"\nprovider = "kannel"\napi_url = "http://127.0.0.1:%s/cgi-bin/sendsms"\n' \
        "$KANNEL_SENDSMS_PORT"
      printf 'username = "junction"\npassword = "demo"\nwebhook_token = "%s"\n' "$KANNEL_TOKEN"
      printf '\n[gateways.sms.numbers]\n"%s" = "alice@localhost"\n"%s" = "bob@localhost"\n' \
        "$ALICE_NUMBER" "$BOB_NUMBER"
      ;;
    irc)
      printf '\n[gateways.irc]\nkind = "irc"\ndomain = "%s"\nsecret = "%s"\nuser_domains = ["localhost"]\n' \
        "$domain" "$secret"
      printf '\n[gateways.irc.networks.local]\nhost = "127.0.0.1"\nport = %s\ntls = false\n' "$IRC_PORT"
      ;;
    echo)
      printf '\n[gateways.echo]\nkind = "echo"\ndomain = "%s"\nsecret = "%s"\nuser_domains = ["localhost"]\n' \
        "$domain" "$secret"
      ;;
  esac
}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() { # pidfile name
  local pidfile=$1 name=$2 pid
  if pid_alive "$pidfile"; then
    pid=$(cat "$pidfile")
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_stop() {
  stop_pid "$DEMO/junction.pid" junction
  stop_pid "$DEMO/prosody.pid" prosody
  stop_pid "$DEMO/exim.pid" exim
  stop_pid "$DEMO/fakesmsc.pid" fakesmsc
  stop_pid "$DEMO/smsbox.pid" smsbox
  stop_pid "$DEMO/bearerbox.pid" bearerbox
  stop_pid "$DEMO/ngircd.pid" ngircd
}

# ngIRCd for the IRC gateway, on loopback only: no PAM, ident or DNS lookups, no per-IP
# connection limit (the gateway opens one connection per XMPP user). As root it drops to
# user irc, so its own PID file lives in a directory that user may write.
write_ngircd_config() {
  local d=$DEMO/ngircd uid=""
  mkdir -p "$d/run"
  if [[ $(id -u) -eq 0 ]] && id irc >/dev/null 2>&1; then
    uid=$'ServerUID = irc\nServerGID = irc'
    chown irc:irc "$d/run"
  fi
  cat >"$d/ngircd.conf" <<EOF
# generated by scripts/demo.sh
[Global]
Name = irc.demo.localhost
Info = Junction demo IRC server
Listen = 127.0.0.1
Ports = $IRC_PORT
PidFile = $d/run/ngircd.pid
MotdPhrase = "Junction demo: join #demo"
$uid

[Limits]
MaxConnectionsIP = 0
MaxNickLength = 30

[Options]
PAM = no
Ident = no
DNS = no
EOF
  chmod 644 "$d/ngircd.conf"
}

start_ngircd() {
  if ! command -v ngircd >/dev/null; then
    say "ngircd is not installed: the IRC gateway runs without a local IRC server"
    return 0
  fi
  write_ngircd_config
  say "starting ngIRCd on 127.0.0.1:$IRC_PORT"
  nohup ngircd --nodaemon --passive -f "$DEMO/ngircd/ngircd.conf" >"$DEMO/ngircd/ngircd.log" 2>&1 </dev/null &
  echo $! >"$DEMO/ngircd.pid"
  for _ in $(seq 1 50); do port_busy "$IRC_PORT" && break; sleep 0.1; done
}

# Exim for the email gateway: carol@mail.test is a local Maildir (found through a user
# list, since Exim refuses paths built from the tainted recipient), and everything for
# $MAIL_DOMAIN goes to Junction over LMTP.
write_exim_config() {
  local d=$DEMO/exim
  mkdir -p "$d/spool" "$d/log" "$d/Maildir"
  echo "carol: carol" >"$d/mailboxes"
  cat >"$d/exim.conf" <<EOF
# generated by scripts/demo.sh
exim_path = /usr/sbin/exim4
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/exim-daemon.pid
primary_hostname = mx.$MAILBOX_DOMAIN
qualify_domain = $MAILBOX_DOMAIN
daemon_smtp_ports = $EXIM_PORT
local_interfaces = 127.0.0.1
keep_environment =
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
smtp_accept_max = 0
smtp_accept_queue_per_connection = 0
domainlist local_domains = $MAILBOX_DOMAIN
domainlist relay_to_domains = $MAIL_DOMAIN
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  accept hosts = 127.0.0.1
  deny message = relay not permitted

begin routers
to_junction:
  driver = manualroute
  domains = $MAIL_DOMAIN
  transport = junction_lmtp
  route_list = * 127.0.0.1
  self = send
local_maildir:
  driver = accept
  domains = +local_domains
  local_parts = lsearch;$d/mailboxes
  transport = maildir

begin transports
junction_lmtp:
  driver = smtp
  protocol = lmtp
  port = $LMTP_PORT
  allow_localhost
  hosts_avoid_tls = *
maildir:
  driver = appendfile
  directory = $d/Maildir/\$local_part_data
  maildir_format
  create_directory
  delivery_date_add
  envelope_to_add
  return_path_add
  user = Debian-exim
  group = Debian-exim
  mode = 0644

begin retry
*   *   F,1h,10s
EOF
  if [[ $(id -u) -eq 0 ]]; then
    chown -R Debian-exim:Debian-exim "$d"
    chown root:root "$d/exim.conf"  # Exim refuses a config others could have written
  fi
  chmod 644 "$d/exim.conf"
}

start_exim() {
  if ! command -v exim4 >/dev/null; then
    say "exim4 is not installed: the mail gateway runs without a local MTA"
    return 0
  fi
  write_exim_config
  say "starting Exim on 127.0.0.1:$EXIM_PORT (LMTP to Junction on $LMTP_PORT)"
  nohup /usr/sbin/exim4 -C "$DEMO/exim/exim.conf" -bdf -q10s >"$DEMO/exim/stdout.log" 2>&1 </dev/null &
  echo $! >"$DEMO/exim.pid"
}

# Kannel for the SMS gateway: bearerbox with a fake SMS centre, smsbox for sendsms, and the
# sms-service that hands every text from a "phone" to Junction's inbound webhook.
write_kannel_config() {
  local d=$DEMO/kannel
  mkdir -p "$d"
  cat >"$d/kannel.conf" <<EOF
# generated by scripts/demo.sh
group = core
admin-port = $KANNEL_ADMIN_PORT
admin-password = demo
admin-interface = 127.0.0.1
smsbox-port = $KANNEL_SMSBOX_PORT
box-allow-ip = 127.0.0.1
log-file = "$d/bearerbox.log"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = $KANNEL_SMSC_PORT
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $KANNEL_SMSBOX_PORT
sendsms-port = $KANNEL_SENDSMS_PORT
sendsms-interface = 127.0.0.1
log-file = "$d/smsbox.log"

group = sendsms-user
username = junction
password = demo
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:$HTTP_PORT/webhooks/sms/inbound?token=$KANNEL_TOKEN&from=%p&to=%P&text=%a&id=%I"
EOF
}

start_kannel() {
  local d=$DEMO/kannel fake=/usr/lib/kannel/test/fakesmsc
  if ! command -v bearerbox >/dev/null || [[ ! -x $fake ]]; then
    say "kannel/kannel-extras are not installed: the SMS gateway runs without an SMS centre"
    return 0
  fi
  write_kannel_config
  say "starting Kannel (sendsms on 127.0.0.1:$KANNEL_SENDSMS_PORT) with its fake SMS centre"
  nohup bearerbox -v 1 "$d/kannel.conf" >"$d/bearerbox.stdout" 2>&1 </dev/null &
  echo $! >"$DEMO/bearerbox.pid"
  for _ in $(seq 1 50); do port_busy "$KANNEL_SMSC_PORT" && break; sleep 0.1; done
  nohup smsbox -v 1 "$d/kannel.conf" >"$d/smsbox.stdout" 2>&1 </dev/null &
  echo $! >"$DEMO/smsbox.pid"
  # fakesmsc reads texts from its stdin and exits at end of input: a FIFO held open read-write.
  rm -f "$d/phones"
  mkfifo "$d/phones"
  nohup "$fake" -H 127.0.0.1 -r "$KANNEL_SMSC_PORT" -i 0 -v 0 <>"$d/phones" >"$d/fakesmsc.out" 2>&1 &
  echo $! >"$DEMO/fakesmsc.pid"
}

# A text from a phone, through the fake SMS centre: scripts/demo.sh text FROM TO MESSAGE
cmd_text() {
  if [[ $# -lt 3 ]]; then
    echo "usage: scripts/demo.sh text +15557654321 $ALICE_NUMBER 'hello alice'" >&2
    exit 2
  fi
  pid_alive "$DEMO/fakesmsc.pid" || { echo "the fake SMS centre is not running" >&2; exit 1; }
  local from=$1 to=$2
  shift 2
  printf '%s %s text %s\n' "$from" "$to" "$*" >"$DEMO/kannel/phones"
}

cmd_status() {
  pid_alive "$DEMO/prosody.pid" && echo "prosody:  running (pid $(cat "$DEMO/prosody.pid"))" \
    || echo "prosody:  stopped"
  pid_alive "$DEMO/junction.pid" && echo "junction: running (pid $(cat "$DEMO/junction.pid"))" \
    || echo "junction: stopped"
  pid_alive "$DEMO/ngircd.pid" && echo "ngircd:   running (pid $(cat "$DEMO/ngircd.pid"))" \
    || echo "ngircd:   stopped"
  if command -v curl >/dev/null; then
    echo "healthz:  $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/healthz" || true)"
  fi
}

# Run Prosody as its own user when it can reach .demo; otherwise (a checkout under /root,
# say) let it run as root, which is fine for a loopback demo.
prosody_as_user() {
  local p=$DEMO
  while [[ $p != / ]]; do
    [[ $(stat -c %A "$p") == *x ]] || return 1
    p=$(dirname "$p")
  done
  id prosody >/dev/null 2>&1
}

write_prosody_config() {
  local run_as_root=$1 components="" entry name domain
  for entry in "${GATEWAYS[@]}"; do
    read -r name domain <<<"$entry"
    components+="Component \"$domain\""$'\n'"    component_secret = \"$(cat "$SECRET_FILE")\""$'\n'
  done
  cat >"$DEMO/prosody/prosody.cfg.lua" <<EOF
-- generated by scripts/demo.sh
data_path = "$DEMO/prosody/data"
run_as_root = $run_as_root
log = { { levels = { min = "info" }, to = "file", filename = "$DEMO/prosody/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $C2S_PORT }
c2s_interfaces = { "127.0.0.1" }
component_ports = { $COMPONENT_PORT }
component_interfaces = { "127.0.0.1" }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "register", "offline",
                    "version", "time", "carbons", "blocklist", "vcard_legacy", "limits" }
modules_disabled = { "s2s" }
authentication = "internal_hashed"
-- TLS is offered with a self-signed certificate (accept it in your client); plain
-- connections are allowed too since everything stays on 127.0.0.1.
ssl = { certificate = "$DEMO/certs/localhost.crt", key = "$DEMO/certs/localhost.key" }
certificates = "$DEMO/certs"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = true
limits = { c2s = { rate = "100mb/s" } }

VirtualHost "localhost"

$components
EOF
}

write_junction_config() {
  local entry name domain
  {
    cat <<EOF
# generated by scripts/demo.sh
admins = ["alice@localhost"]

[xmpp]
host = "127.0.0.1"
port = $COMPONENT_PORT

[storage]
path = "$DEMO/junction/junction.db"

[http]
listen = "127.0.0.1:$HTTP_PORT"
public_url = "http://127.0.0.1:$HTTP_PORT"

[log]
level = "debug"
EOF
    for entry in "${GATEWAYS[@]}"; do
      read -r name domain <<<"$entry"
      gateway_config "$name" "$domain" "$(cat "$SECRET_FILE")"
    done
  } >"$DEMO/junction/junction.toml"
}

cmd_start() {
  say "installing packages (skipped when present)"
  bash "$ROOT/scripts/setup.sh"

  if [[ -z ${JUNCTION_BIN:-} ]]; then
    say "building junction"
    cmake -S "$ROOT" -B "$ROOT/build" -G Ninja >/dev/null
    cmake --build "$ROOT/build" -j "${JOBS:-2}" --target junction
  fi

  cmd_stop
  for port in "$C2S_PORT" "$COMPONENT_PORT" "$HTTP_PORT" "$EXIM_PORT" "$LMTP_PORT" \
    "$KANNEL_ADMIN_PORT" "$KANNEL_SMSBOX_PORT" "$KANNEL_SENDSMS_PORT" "$KANNEL_SMSC_PORT" \
    "$IRC_PORT"; do
    if port_busy "$port"; then
      echo "port $port on 127.0.0.1 is taken; stop what uses it or set C2S_PORT/COMPONENT_PORT/HTTP_PORT" >&2
      exit 1
    fi
  done

  mkdir -p "$DEMO/prosody/data" "$DEMO/certs" "$DEMO/junction"
  [[ -s $SECRET_FILE ]] || openssl rand -hex 16 >"$SECRET_FILE"
  if [[ ! -s $DEMO/certs/localhost.crt ]]; then
    say "making a self-signed certificate for localhost"
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,DNS:*.localhost" \
      -keyout "$DEMO/certs/localhost.key" -out "$DEMO/certs/localhost.crt" 2>/dev/null
  fi

  local prosody=(prosody -F) prosodyctl=(prosodyctl) run_as_root=false
  if [[ $(id -u) -eq 0 ]]; then
    if prosody_as_user; then
      chown -R prosody:prosody "$DEMO/prosody" "$DEMO/certs"
      prosody=(setpriv --reuid=prosody --regid=prosody --init-groups prosody -F)
      prosodyctl=(setpriv --reuid=prosody --regid=prosody --init-groups prosodyctl)
    else
      run_as_root=true
    fi
  fi
  write_prosody_config "$run_as_root"
  [[ $(id -u) -eq 0 && $run_as_root == false ]] && chown prosody:prosody "$DEMO/prosody/prosody.cfg.lua"
  local cfg=$DEMO/prosody/prosody.cfg.lua

  say "starting Prosody on 127.0.0.1:$C2S_PORT"
  nohup "${prosody[@]}" --config "$cfg" >"$DEMO/prosody/stdout.log" 2>&1 </dev/null &
  echo $! >"$DEMO/prosody.pid"
  for _ in $(seq 1 100); do
    port_busy "$C2S_PORT" && port_busy "$COMPONENT_PORT" && break
    sleep 0.1
  done
  if ! port_busy "$C2S_PORT"; then
    echo "Prosody did not start; see $DEMO/prosody/prosody.log and stdout.log" >&2
    tail -n 20 "$DEMO/prosody/stdout.log" "$DEMO/prosody/prosody.log" >&2 || true
    exit 1
  fi
  for user in "${USERS[@]}"; do
    "${prosodyctl[@]}" --config "$cfg" register "$user" localhost "$PASSWORD" >/dev/null
  done

  start_exim
  start_kannel
  start_ngircd

  say "starting Junction (HTTP on 127.0.0.1:$HTTP_PORT)"
  write_junction_config
  nohup "$JUNCTION" --config "$DEMO/junction/junction.toml" >"$DEMO/junction/junction.log" 2>&1 </dev/null &
  echo $! >"$DEMO/junction.pid"
  local code=000
  for _ in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/healthz" || true)
    [[ $code == 200 ]] && break
    pid_alive "$DEMO/junction.pid" || break
    sleep 0.1
  done
  if [[ $code != 200 ]]; then
    echo >&2
    echo "Junction is not healthy (GET /healthz -> $code). Its log, $DEMO/junction/junction.log:" >&2
    tail -n 30 "$DEMO/junction/junction.log" >&2 || true
    echo "Prosody is still running; 'scripts/demo.sh stop' stops it." >&2
    exit 1
  fi

  local domains="" entry name domain
  for entry in "${GATEWAYS[@]}"; do
    read -r name domain <<<"$entry"
    domains+="    $domain  ($name)"$'\n'
  done
  cat <<EOF

Junction is running.

Log in with any XMPP client (Gajim, Dino, Conversations on an emulator, profanity...):
    JID:       alice@localhost   (or bob@localhost)
    password:  $PASSWORD
    server:    127.0.0.1, port $C2S_PORT  (set it by hand: localhost has no DNS records)
    TLS:       STARTTLS with a self-signed certificate: accept/pin it when asked
               ($DEMO/certs/localhost.crt). Plain connections work too.
alice is a Junction admin: try the ad-hoc commands of a gateway (Gajim: right-click
the gateway > Execute command).

Gateways:
$domains
Try: send a message to anything@echo.localhost and it comes back prefixed "echo: ".
Or inject a message as the legacy side would:
    curl -d to=alice@localhost -d from=carol -d body=hello -d id=\$RANDOM \\
         http://127.0.0.1:$HTTP_PORT/webhooks/echo/inbound

SMS (Kannel with a fake SMS centre): alice texts from $ALICE_NUMBER, bob from $BOB_NUMBER.
Message +15557654321@sms.localhost; what the "phone network" got is in
$DEMO/kannel/fakesmsc.out. Text alice back as that phone:
    scripts/demo.sh text +15557654321 $ALICE_NUMBER 'hi alice'

Mail: register with mail.localhost (your address is alice@$MAIL_DOMAIN), then write to
carol\\40$MAILBOX_DOMAIN@mail.localhost; it lands in $DEMO/exim/Maildir/carol/new. Answer as carol:
    swaks --server 127.0.0.1:$EXIM_PORT --from carol@$MAILBOX_DOMAIN --to alice@$MAIL_DOMAIN \\
          --header "Subject: Re: hello" --body "Hi Alice"

IRC (ngIRCd on 127.0.0.1:$IRC_PORT, network alias "local"): join the room
#demo%local@irc.localhost with any nick; write to an IRC user as nick%local@irc.localhost.
Meet yourself from an IRC client, e.g.  irssi -c 127.0.0.1 -p $IRC_PORT  then  /join #demo

Health:  curl http://127.0.0.1:$HTTP_PORT/healthz     Metrics: /metrics
Logs:    scripts/demo.sh logs     ($DEMO/junction/junction.log, $DEMO/prosody/prosody.log)
Stop:    scripts/demo.sh stop
EOF
}

case ${1:-start} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  text) cmd_text "${@:2}" ;;
  logs) tail -F "$DEMO/junction/junction.log" "$DEMO/prosody/prosody.log" "$DEMO/exim/log/mainlog" "$DEMO/ngircd/ngircd.log" ;;
  *)
    echo "usage: scripts/demo.sh [start|stop|status|logs|text FROM TO MESSAGE]" >&2
    exit 2
    ;;
esac
