#!/usr/bin/env bash
# Regenerates the captured screens in assets/: `queuetop demo` (its fixed
# seed) in a private tmux server, one capture per screen and size, each as
# assets/NAME.txt (with colour: `cat` it in a terminal) and assets/NAME.svg
# (for the README and docs/SCREEN.md).
#
# Usage: scripts/capture-screens.sh      (needs tmux and python3)
#
# The demo runs until its interval totals arrived (up to QUEUETOP_SETTLE_S,
# 200 s), so the screens show service levels and speeds of answer. It runs
# with a fresh HOME: no alert history from an earlier demo, no config.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source scripts/lib/demo-tmux.sh capture
home=$scratch
out=$root/assets
settle=${QUEUETOP_SETTLE_S:-200}

screen() { tmx capture-pane -p -t capture; }

# Waits up to $2 seconds for the screen to match the extended regex $1.
wait_for() {
    local pattern=$1 limit=${2:-20} waited=0
    until screen | grep -Eq -- "$pattern"; do
        if ((waited >= limit * 10)); then
            echo "capture-screens: no /$pattern/ on screen after ${limit}s:" >&2
            screen >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # One more frame, so what matched is drawn whole.
    sleep 1.2
}

# Captures the pane as assets/$1.{txt,svg}.
capture() {
    local name=$1 size cols rows
    size=$(tmx display-message -p -t capture '#{window_width} #{window_height}')
    read -r cols rows <<< "$size"
    tmx capture-pane -e -p -t capture > "$out/$name.txt"
    python3 "$root/scripts/ansi2svg.py" "$out/$name.txt" "$out/$name.svg" "$cols" "$rows"
    echo "assets/$name.txt, assets/$name.svg ($cols x $rows)"
}

resize() {
    tmx resize-window -t capture -x "$1" -y "$2"
    wait_for "$3"
}

rm -f "$out"/*.txt "$out"/*.svg
mkdir -p "$out"
tmx new-session -d -s capture -x 120 -y 40 \
    env -u QUEUETOP_CONFIG -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_STATE_HOME \
    HOME="$home" TERM=xterm-256color TZ=UTC "$bin" demo
wait_for 'connected' 30
# The detail's speed line has a figure once the selected queue's interval
# totals came in.
wait_for 'ASA [0-9]' "$settle" || echo "capture-screens: capturing without totals" >&2

capture main-120x40
tmx send-keys -t capture Enter
wait_for 'Enter( or Esc)?: back'
capture zoom-120x40
tmx send-keys -t capture Enter
wait_for 'Queues \('
tmx send-keys -t capture a
wait_for '\(a or Esc: back\)'
capture alerts-120x40
tmx send-keys -t capture Escape
wait_for 'Queues \('
tmx send-keys -t capture '?'
wait_for 'Keys \(\? or Esc: close\)'
capture help-120x40
tmx send-keys -t capture Escape

resize 80 24 'Queues \('
capture main-80x24
resize 200 50 'Waiting, 8 min'
capture main-200x50

tmx send-keys -t capture w
wait_for 'Queues in alert'
capture wallboard-200x50
resize 120 40 'Queues in alert'
capture wallboard-120x40

tmx send-keys -t capture q
