#!/usr/bin/env bash
# CPU and memory of the monitor (TUI) over 60 s against the simulator.
# Usage: scripts/measure-idle.sh SCENARIO QUEUES   (e.g. quiet 6, calm 20)
# Needs tmux and a release build (cargo build --release).
set -euo pipefail
scenario=${1:-quiet}; queues=${2:-6}
bin=$(cd "$(dirname "$0")/.." && pwd)/target/release/queuetop
dir=$(mktemp -d)
"$bin" sim --scenario "$scenario" --queues "$queues" > "$dir/sim.txt" 2>/dev/null &
sim=$!
trap 'kill -INT $sim 2>/dev/null; tmux kill-session -t qt-idle 2>/dev/null; rm -rf "$dir"' EXIT
sleep 2
sed '/^\[\[queue\]\]/,$d' "$dir/sim.txt" > "$dir/c.toml"
printf 'all_queues = true\n\n[log]\naudit_file = "%s/audit.log"\n' "$dir" >> "$dir/c.toml"
chmod 600 "$dir/c.toml"
tmux new-session -d -s qt-idle -x 120 -y 40 "$bin --config $dir/c.toml"
sleep 5
pid=$(pgrep -f "^$bin --config $dir/c.toml" | head -1)
t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
sleep ${IDLE_SECONDS:-60}
t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
hz=$(getconf CLK_TCK)
echo "$scenario, $queues queues: $(echo "scale=2; ($t1-$t0)*100/$hz/${IDLE_SECONDS:-60}" | bc)% of one core over ${IDLE_SECONDS:-60} s, $(grep VmRSS "/proc/$pid/status")"
tmux send-keys -t qt-idle q
