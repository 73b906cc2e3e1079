#!/bin/bash
# IRC gateways side by side: Junction's IRC gateway and biboumi, driven by the same load
# generator (bench/irc/irc_loadgen), which plays both the XMPP server and the IRC server.
# Builds nothing. Prints a table of min / median / max over the runs (docs/BENCHMARKS.md).
#
#   bench/irc/run_irc_bench.sh [users="100 1000"] [runs=3]
#
# Environment:
#   BUILD=dir            build tree with src/junction and bench/irc/irc_loadgen (build-bench)
#   GATEWAYS="junction biboumi"
#   BIBOUMI=/usr/bin/biboumi
#   IDLE_SECONDS=60 PHASE_SECONDS=5 LATENCY_SECONDS=10 RATE=1000
#   CONNECTIONS=10000    the many-connections run (rooms of 100); 0 skips it
#   JOIN_TIMEOUT=600     seconds the one-room join may take
#   VARIANTS="join nothrottle-off nothrottle-on default"   a subset to run
#   KEEP=1               keep the temporary directory (configs, logs, databases)
#   RESULTS=file         append the RESULT lines there (and summarise all of them)
#   JUNCTION, LOADGEN    binaries other than those under BUILD
#
# Per gateway, number of users N and run, four gateway processes with fresh databases:
#   join            shipped defaults, history off, all N users in one room: join time, RSS
#   nothrottle-off  flood control off, history off, rooms of 100: XMPP->IRC, IRC->XMPP, latency
#   nothrottle-on   flood control off, history on, rooms of 100: the same
#   default         shipped defaults, history off, rooms of 100: idle CPU
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-bench}
JUNCTION=${JUNCTION:-$BUILD/src/junction}
LOADGEN=${LOADGEN:-$BUILD/bench/irc/irc_loadgen}
BIBOUMI=${BIBOUMI:-/usr/bin/biboumi}
USERS=${1:-100 1000}
RUNS=${2:-3}
GATEWAYS=${GATEWAYS:-junction biboumi}
IDLE_SECONDS=${IDLE_SECONDS:-60}
PHASE_SECONDS=${PHASE_SECONDS:-5}
LATENCY_SECONDS=${LATENCY_SECONDS:-10}
RATE=${RATE:-1000}
CONNECTIONS=${CONNECTIONS:-10000}
JOIN_TIMEOUT=${JOIN_TIMEOUT:-600}
VARIANTS=${VARIANTS:-join nothrottle-off nothrottle-on default}

need=$LOADGEN
case " $GATEWAYS " in *" junction "*) need="$need $JUNCTION" ;; esac
for f in $need; do
  [ -x "$f" ] || { echo "missing $f; build with: cmake --build $BUILD --target junction irc_loadgen" >&2; exit 2; }
done
command -v sqlite3 >/dev/null || { echo "sqlite3 (the CLI) is needed to prepare biboumi's database" >&2; exit 2; }

# 10,000 connections: the loadgen raises its own soft limit too; the gateway inherits it.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d /tmp/irc-bench.XXXXXX)
# RESULTS=file appends to (and summarises) an earlier run's lines, e.g. one gateway at a time.
RESULTS=${RESULTS:-$WORK/results.txt}
touch "$RESULTS"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# junction_config DIR XMPP_PORT IRC_PORT HISTORY(true|false) THROTTLE(0|1)
junction_config() {
  local flood=""
  [ "$5" = 1 ] || flood=$'flood_burst = 1000\nflood_interval_ms = 0'
  cat > "$1/junction.toml" <<EOF
[xmpp]
host = "127.0.0.1"
port = $2

[storage]
path = "$1/junction.db"

[http]
listen = "127.0.0.1:$(free_port)"

[log]
level = "warn"

[gateways.irc]
kind = "irc"
domain = "irc.localhost"
secret = "bench"
history_enabled = $4

[gateways.irc.networks.bench]
host = "127.0.0.1"
port = $3
$flood
EOF
}

# biboumi reads its options per user and IRC server from its database (what the ad-hoc
# commands write): the port (no TLS ports, so it does not try 6697/6670 first), the throttle
# limit (negative = off) and, globally per user, whether to record history.
# biboumi_config DIR XMPP_PORT IRC_PORT HISTORY(1|0) THROTTLE(0|1) USERS
biboumi_config() {
  local dir=$1 db=$1/biboumi.sqlite
  cat > "$dir/biboumi.cfg" <<EOF
hostname=irc.localhost
password=bench
xmpp_server_ip=127.0.0.1
port=$2
db_name=$db
identd_port=0
log_level=3
realname_customization=true
EOF
  # Let biboumi create its own schema (it exits when no XMPP server answers).
  BIBOUMI_PORT=1 timeout 10 "$BIBOUMI" "$dir/biboumi.cfg" > "$dir/schema.log" 2>&1 || true
  local throttle=10
  [ "$5" = 1 ] || throttle=-1
  {
    echo "BEGIN;"
    for ((u = 0; u < $6; u++)); do
      echo "INSERT INTO globaloptions_ (owner_,maxhistorylength_,recordhistory_,persistent_) VALUES ('user$u@localhost',20,$4,0);"
      echo "INSERT INTO ircserveroptions_ (owner_,server_,pass_,tlsports_,ports_,username_,realname_,verifycert_,trustedfingerprint_,encodingout_,encodingin_,maxhistorylength_,address_,nick_,saslpassword_,throttlelimit_) VALUES ('user$u@localhost','127.0.0.1','','','$3','','',0,'','ISO-8859-1','ISO-8859-1',20,'','','',$throttle);"
    done
    echo "COMMIT;"
  } | sqlite3 "$db"
}

# run_one GATEWAY USERS VARIANT RUN [extra loadgen args...]
run_one() {
  local gw=$1 n=$2 variant=$3 run=$4
  shift 4
  local dir=$WORK/$gw-$n-$variant-$run
  mkdir -p "$dir"
  local xp ip
  xp=$(free_port)
  ip=$(free_port)
  local history=0 throttle=0 scenarios="join,x2i,i2x,latency" idle=0 rooms=(--room-size 100)
  # Only the join variant puts everyone in one room: at N = 1,000 that is N·(N+1) presences,
  # which takes biboumi many minutes; per-message costs, idle CPU and connection counts do not
  # depend on the room size, so the other variants use rooms of 100.
  case $variant in
    join) throttle=1 scenarios="join" rooms=(--join-timeout "$JOIN_TIMEOUT") ;;
    nothrottle-off) ;;
    nothrottle-on) history=1 ;;
    default) throttle=1 scenarios="join,idle" idle=$IDLE_SECONDS ;;
    connections) throttle=1 scenarios="join" ;;
  esac
  local cmd server
  if [ "$gw" = junction ]; then
    local h=false
    [ $history = 1 ] && h=true
    junction_config "$dir" "$xp" "$ip" $h $throttle
    cmd=("$JUNCTION" --config "$dir/junction.toml")
    server=bench
  else
    biboumi_config "$dir" "$xp" "$ip" $history $throttle "$n"
    cmd=("$BIBOUMI" "$dir/biboumi.cfg")
    server=127.0.0.1
  fi
  echo "# $(date -u +%T) $gw N=$n $variant run $run" >&2
  local line
  line=$("$LOADGEN" --name "$gw" --xmpp-port "$xp" --irc-port "$ip" --room-server "$server" --users "$n" \
    --phase-seconds "$PHASE_SECONDS" --idle-seconds "$idle" --rate "$RATE" --latency-seconds "$LATENCY_SECONDS" \
    --scenarios "$scenarios" --log "$dir/gateway.log" "${rooms[@]}" "$@" -- "${cmd[@]}" | grep '^RESULT' || true)
  [ -n "$line" ] || line="RESULT gateway=$gw users=$n ok=0"
  echo "$line variant=$variant run=$run" | tee -a "$RESULTS"
}

echo "# $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); biboumi $(dpkg-query -W -f '${Version}' biboumi 2>/dev/null || echo '?')"
for n in $USERS; do
  for run in $(seq 1 "$RUNS"); do
    for gw in $GATEWAYS; do
      for variant in $VARIANTS; do
        run_one "$gw" "$n" "$variant" "$run"
      done
    done
  done
done
if [ "$CONNECTIONS" -gt 0 ]; then
  for gw in $GATEWAYS; do
    run_one "$gw" "$CONNECTIONS" connections 1 --join-timeout 900
  done
fi
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$(dirname "$0")/summarize.py" "$RESULTS"
