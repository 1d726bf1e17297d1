# Sourced by the scripts that run the demo in tmux (capture-screens.sh,
# measure-bytes.sh): the binary, a private tmux server and a scratch folder,
# both gone on exit. Needs `root` (the repository) and names the server
# after $1 and our pid, so killing it touches no one else's sessions.
#
# Sets: bin (QUEUETOP_BIN, or a release build), scratch (a temporary
# folder), tmx (tmux on our own server).

# QUEUETOP_BIN names a binary built already (skips the release build).
bin=${QUEUETOP_BIN:-}
if [[ -z $bin ]]; then
    cargo build --release --quiet
    bin=$root/target/release/queuetop
fi

sock=queuetop-$1-$$
scratch=$(mktemp -d)
tmx() { tmux -L "$sock" "$@"; }
cleanup() {
    tmx kill-server 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
