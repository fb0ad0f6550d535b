#!/usr/bin/env bash
# Runs every benchmark of biot-agent, side by side with its references, and
# writes docs/PERFORMANCE.md, docs/fleet.png and docs/results.json:
#
#   bench/run.sh            # about 5 minutes on 2 CPUs
#
# It needs Go, and Debian's dbus, gnome-keyring, openssh-client and curl (the
# idle and start-up benchmarks start a private D-Bus session bus and
# gnome-keyring of their own; the socket and the script's view are compared
# with ssh-agent and ssh-add). Extra arguments go to the harness (e.g.
# -only socket,cli).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for prog in go dbus-daemon gnome-keyring-daemon ssh-agent ssh-add ssh-keygen curl; do
	command -v "$prog" >/dev/null || missing+=("$prog")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench/run.sh: not found: ${missing[*]} (Debian: apt-get install dbus gnome-keyring openssh-client curl)" >&2
	exit 1
fi
export GOFLAGS=${GOFLAGS:--buildvcs=false}
exec go run ./bench/cmd/biot-bench -out docs "$@"
