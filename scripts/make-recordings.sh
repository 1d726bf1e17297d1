#!/usr/bin/env bash
# Regenerates tests/recordings/*.ndjson: a few seconds of the simulator's
# steady and busy scenarios, recorded by `queuetop record` over loopback.
# tests/cli/recordings.rs replays them and compares the export with its
# snapshots: after regenerating, review the snapshot changes
# (`cargo insta review`, or INSTA_UPDATE=always cargo test --test cli recordings).
#
#   scripts/make-recordings.sh            # both
#   scripts/make-recordings.sh busy       # one
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin queuetop
bin=$PWD/target/debug/queuetop
out=$PWD/tests/recordings
tmp=$(mktemp -d)
sim=
cleanup() {
    if [ -n "$sim" ]; then kill "$sim" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# Seconds of each scenario: enough for a start-up and some changes, small
# enough to keep each file well under 200 KB.
minutes_of() {
    case "$1" in
        steady) echo 0.1 ;;
        busy) echo 0.025 ;;
        *) echo "unknown scenario $1: steady or busy" >&2; exit 2 ;;
    esac
}

for scenario in "${@:-steady busy}"; do
  for s in $scenario; do
    minutes=$(minutes_of "$s")
    cfg=$tmp/$s.toml
    # The steady recording is of the fast model: the working day that
    # `--scenario steady` now plays changes too little in a few seconds.
    model=$s
    if [ "$s" = steady ]; then model=fast; fi
    "$bin" sim --scenario "$model" --seed 7 >"$cfg" 2>"$tmp/$s.sim.log" &
    sim=$!
    for _ in $(seq 100); do
        grep -q '^\[\[queue\]\]' "$cfg" 2>/dev/null && break
        sleep 0.1
    done
    printf '\n[log]\naudit_file = "%s"\n' "$tmp/$s.audit.log" >>"$cfg"
    chmod 600 "$cfg"
    rm -f "$out/$s.ndjson"
    HOME=$tmp "$bin" --config "$cfg" record --minutes "$minutes" --out "$out/$s.ndjson"
    kill "$sim"
    wait "$sim" 2>/dev/null || true
    sim=
    echo "$out/$s.ndjson: $(wc -c <"$out/$s.ndjson") bytes"
  done
done
