#!/usr/bin/python3
"""Turns the RESULT lines of run_irc_bench.sh into the side-by-side table (min / median / max
over the runs) printed at its end and copied into docs/BENCHMARKS.md."""
import statistics
import sys
from collections import defaultdict

# (label, variant, metric, scale, format)
ROWS = [
    ("users joined (self-presences) in the one-room join", "join", "joined", 1, "{:,.0f}"),
    ("XMPP→IRC CPU per message, history off, no throttle (µs)", "nothrottle-off", "x2i_cpu_us", 1, "{:.1f}"),
    ("XMPP→IRC CPU per message, history on, no throttle (µs)", "nothrottle-on", "x2i_cpu_us", 1, "{:.1f}"),
    ("IRC→XMPP CPU per delivered stanza, history off (µs)", "nothrottle-off", "i2x_cpu_us", 1, "{:.1f}"),
    ("IRC→XMPP CPU per delivered stanza, history on (µs)", "nothrottle-on", "i2x_cpu_us", 1, "{:.1f}"),
    ("IRC→XMPP stanzas delivered in the history-on run", "nothrottle-on", "i2x_stanzas", 1, "{:,.0f}"),
    ("RSS growth per joined user, one room (KiB)", "join", "rss_per_user_kib", 1, "{:.1f}"),
    ("time for N users to join one room: all self-presences (s)", "join", "join_s", 1, "{:.3f}"),
    ("… until the last occupant presence (s)", "join", "join_settled_s", 1, "{:.3f}"),
    ("gateway CPU during that join (s)", "join", "join_cpu_s", 1, "{:.2f}"),
    ("CPU while idle, flood control on, rooms of 100 (core)", "default", "idle_core", 1, "{:.4f}"),
    ("latency XMPP→IRC p50 at the paced rate, history off (ms)", "nothrottle-off", "lat_p50_ms", 1, "{:.2f}"),
    ("latency XMPP→IRC p99, history off (ms)", "nothrottle-off", "lat_p99_ms", 1, "{:.2f}"),
    ("latency XMPP→IRC p50, history on (ms)", "nothrottle-on", "lat_p50_ms", 1, "{:.2f}"),
    ("latency XMPP→IRC p99, history on (ms)", "nothrottle-on", "lat_p99_ms", 1, "{:.2f}"),
    ("paced messages that arrived (of RATE × LATENCY_SECONDS), history on", "nothrottle-on", "lat_arrived", 1, "{:,.0f}"),
    ("XMPP→IRC messages/s (blast), history off", "nothrottle-off", "x2i_per_s", 1, "{:,.0f}"),
    ("IRC→XMPP stanzas/s (blast), history off", "nothrottle-off", "i2x_per_s", 1, "{:,.0f}"),
]
CONNECTION_ROWS = [
    ("connections joined (self-presences)", "joined", "{:,.0f}"),
    ("time until every self-presence (s)", "join_s", "{:.2f}"),
    ("… until the last occupant presence (s)", "join_settled_s", "{:.2f}"),
    ("gateway CPU during the joins (s)", "join_cpu_s", "{:.2f}"),
    ("RSS growth per connection (KiB)", "rss_per_user_kib", "{:.1f}"),
]


# A per-unit figure means nothing when no unit arrived (a backlog that did not drain in time).
DENOMINATOR = {"x2i_cpu_us": "x2i_arrived", "i2x_cpu_us": "i2x_stanzas", "lat_p50_ms": "lat_arrived",
               "lat_p99_ms": "lat_arrived"}


def parse(path):
    runs = defaultdict(list)  # (gateway, users, variant) -> [dict]
    with open(path) as f:
        for line in f:
            if not line.startswith("RESULT"):
                continue
            kv = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
            runs[(kv["gateway"], int(kv["users"]), kv.get("variant", "?"))].append(kv)
    return runs


def cell(values, fmt):
    if not values:
        return "—"
    if len(values) == 1:
        return fmt.format(values[0])
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main():
    runs = parse(sys.argv[1])
    gateways = sorted({g for g, _, _ in runs}, key=lambda g: (g != "junction", g))
    sizes = sorted({n for _, n, v in runs if v != "connections"})
    failed = [(k, r.get("run")) for k, rs in runs.items() for r in rs if r.get("ok") != "1"]
    header = ["measure (min / median / max)"] + [f"{g} N={n}" for n in sizes for g in gateways]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, variant, metric, scale, fmt in ROWS:
        cells = []
        for n in sizes:
            for g in gateways:
                rs = runs.get((g, n, variant), [])
                # A join that timed out still says how far it got.
                usable = [r for r in rs if r.get("ok") == "1" or variant == "join"]
                vals = [float(r[metric]) * scale for r in usable
                        if metric in r and (metric not in DENOMINATOR or float(r.get(DENOMINATOR[metric], 0)) > 0)]
                text = cell(vals, fmt)
                if vals and any(r.get("ok") != "1" for r in usable):
                    text += " (timed out)"
                cells.append(text)
        print("| " + " | ".join([label] + cells) + " |")
    conn = {(g, n): rs for (g, n, v), rs in runs.items() if v == "connections"}
    if conn:
        print()
        keys = sorted(conn, key=lambda k: (k[0] != "junction", k))
        print("| many connections, rooms of 100 | " + " | ".join(f"{g} N={n}" for g, n in keys) + " |")
        print("|" + "---|" * (len(keys) + 1))
        for label, metric, fmt in CONNECTION_ROWS:
            cells = [cell([float(r[metric]) for r in conn[k] if metric in r], fmt) for k in keys]
            print("| " + " | ".join([label] + cells) + " |")
    if failed:
        print("\nruns that did not complete:", ", ".join(f"{g} N={n} {v} run {r}" for (g, n, v), r in failed))


if __name__ == "__main__":
    main()
