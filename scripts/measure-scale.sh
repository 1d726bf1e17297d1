#!/usr/bin/env bash
# 1000 queues on the notifications feed, each changing at most once a
# second, into a headless client for 10 minutes: resident memory and CPU.
# Usage: scripts/measure-scale.sh [QUEUES] [SECONDS]   (defaults 1000 600)
set -euo pipefail
queues=${1:-1000}; secs=${2:-600}
bin=$(cd "$(dirname "$0")/.." && pwd)/target/release/queuetop
dir=$(mktemp -d)
"$bin" sim --scenario calm --queues "$queues" > "$dir/sim.txt" 2>/dev/null &
sim=$!
sleep 3
sed '/^\[\[queue\]\]/,$d' "$dir/sim.txt" > "$dir/c.toml"
printf 'all_queues = true\n\n[log]\naudit_file = "%s/audit.log"\n' "$dir" >> "$dir/c.toml"
chmod 600 "$dir/c.toml"
"$bin" --headless --config "$dir/c.toml" --export /dev/null 2>/dev/null &
client=$!
trap 'kill -TERM $client 2>/dev/null; kill -INT $sim 2>/dev/null; rm -rf "$dir"' EXIT
sleep 30
t0=$(awk '{print $14+$15}' "/proc/$client/stat"); s0=$(date +%s)
sleep $((secs - 30))
t1=$(awk '{print $14+$15}' "/proc/$client/stat"); s1=$(date +%s)
hz=$(getconf CLK_TCK)
grep -E 'VmRSS|VmHWM' "/proc/$client/status"
echo "client CPU: $(echo "scale=2; ($t1-$t0)*100/$hz/($s1-$s0)" | bc)% of one core"
grep 'latency and delivery figures' "$dir/audit.log" | tail -1
