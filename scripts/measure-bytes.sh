#!/usr/bin/env bash
# Bytes the monitor writes to its terminal per minute (what an SSH link
# carries) on the steady demo at 120x40: the main screen, then the
# wallboard. Frames are counted by the cursor-hide sequence ratatui sends
# once per drawn frame.
#
# Usage: scripts/measure-bytes.sh      (needs tmux and python3)
#        MEASURE_SECONDS=60 SETTLE_SECONDS=10 to change the windows.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

secs=${MEASURE_SECONDS:-60}
settle=${SETTLE_SECONDS:-10}
source scripts/lib/demo-tmux.sh bytes
dir=$scratch

# measure NAME DEMO-ARGS...: one demo run, its output for $secs seconds
# after start-up and $settle seconds more.
measure() {
    local name=$1
    shift
    local log=$dir/$name.out
    tmx new-session -d -s bytes -x 120 -y 40 \
        env -u QUEUETOP_CONFIG -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_STATE_HOME \
        HOME="$dir/home" TERM=xterm-256color TZ=UTC "$bin" demo "$@"
    local waited=0
    until tmx capture-pane -p -t bytes | grep -q connected; do
        ((waited < 300)) || { echo "measure-bytes: the demo did not connect" >&2; exit 1; }
        sleep 0.1
        waited=$((waited + 1))
    done
    sleep "$settle"
    tmx pipe-pane -o -t bytes "cat >> '$log'"
    sleep "$secs"
    tmx pipe-pane -t bytes
    tmx send-keys -t bytes q
    sleep 1
    tmx kill-session -t bytes 2>/dev/null || true
    python3 - "$log" "$name" "$secs" <<'EOF'
import sys
path, name, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = open(path, "rb").read()
frames = data.count(b"\x1b[?25l")
per_min = len(data) * 60 / secs
line = f"{name}: {per_min:,.0f} bytes/min, {frames * 60 / secs:.0f} frames/min"
if frames:
    line += f", {len(data) / frames:,.0f} bytes/frame"
print(line)
EOF
}

echo "queuetop demo at 120x40, ${secs} s after ${settle} s of start-up"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure main
measure wallboard --wallboard
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
