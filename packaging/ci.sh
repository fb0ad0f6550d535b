#!/usr/bin/env bash
# What CI runs for packaging, as root on Debian (.ci/run calls it):
#   1. desktop-file-validate on every desktop entry;
#   2. the cross-builds and the packages (packaging/build.sh);
#   3. the .deb installed with dpkg -i: /usr/bin/biot-agent --version runs
#      and prints the stamped version; systemd-analyze verify on the
#      installed user unit and the servers' system unit, where
#      systemd-analyze can run here;
#   4. dpkg -r removes the package, and none of its files is left.
# It installs desktop-file-utils and systemd itself when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== packaging: %s (%ss)\n' "$*" "$SECONDS"; }
fail() { echo "packaging: FAIL: $*" >&2; exit 1; }

step "tools"
missing=
command -v desktop-file-validate >/dev/null || missing="$missing desktop-file-utils"
command -v systemd-analyze >/dev/null || missing="$missing systemd"
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
command -v dpkg >/dev/null || fail "dpkg is missing: this script is for Debian"

step "desktop-file-validate"
for f in packaging/*.desktop; do
	# It exits 0 on hints but not on errors; warnings are failures here too.
	out=$(desktop-file-validate "$f" 2>&1) || fail "$f: $out"
	if grep -q ' error: \| warning: ' <<<"$out"; then fail "$f: $out"; fi
	[ -n "$out" ] && echo "$out"
	echo "ok  $f"
done

step "build.sh"
export VERSION=${VERSION:-0.0.0-ci.$(git rev-parse --short=12 HEAD 2>/dev/null || echo local)}
bash packaging/build.sh "$VERSION"
debversion=${VERSION/-/\~}
host=$(dpkg --print-architecture)
deb=dist/biot-agent_${debversion}_${host}.deb
[ -f "$deb" ] || fail "no $deb among: $(ls dist)"
for t in linux_amd64 linux_arm64 windows_amd64.exe darwin_amd64 darwin_arm64; do
	[ -s "dist/biot-agent_${VERSION}_$t" ] || fail "no binary for $t"
done
for a in x86_64 aarch64; do
	[ -s "dist/biot-agent-${debversion}-1.$a.rpm" ] || fail "no rpm for $a"
done

step "dpkg -i"
if dpkg-query -W -f='${db:Status-Status}' biot-agent 2>/dev/null | grep -q '^installed$'; then
	fail "biot-agent is already installed on this machine; remove it first (dpkg -r biot-agent)"
fi
dpkg -i "$deb"
files=$(dpkg-query -L biot-agent)
for want in /usr/bin/biot-agent /usr/share/applications/biot-agent.desktop \
	/etc/xdg/autostart/biot-agent.desktop /usr/lib/systemd/user/biot-agent.service \
	/usr/lib/systemd/system/biot-agent-service.service \
	/usr/share/icons/hicolor/16x16/apps/biot-agent.png /usr/share/icons/hicolor/256x256/apps/biot-agent.png; do
	grep -qx "$want" <<<"$files" || fail "the package lacks $want"
	[ -e "$want" ] || fail "$want was not installed"
done
remove() { dpkg -r biot-agent >/dev/null 2>&1 || true; }
trap remove EXIT

step "/usr/bin/biot-agent --version"
out=$(/usr/bin/biot-agent --version)
echo "$out"
grep -q "^biot-agent $VERSION (commit " <<<"$out" || fail "--version does not print the stamped version $VERSION"
grep -q ", built [0-9]" <<<"$out" || fail "--version does not print the build date"
for f in /usr/share/applications/biot-agent.desktop /etc/xdg/autostart/biot-agent.desktop; do
	desktop-file-validate "$f" || fail "$f"
done

step "systemd-analyze verify"
# The container may have no systemd running. Try the variants on a unit
# known to be good first: the first one that runs is the one that counts.
probe_dir=$(mktemp -d)
export XDG_RUNTIME_DIR=$probe_dir/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=default.target\n' >"$probe_dir/probe.service"
# verify UNIT VARIANT...: systemd-analyze verify of UNIT with the first
# variant that can run here; prints SKIP when none can.
verify() {
	local unit=$1 variant probe out
	shift
	for variant in "$@"; do
		# shellcheck disable=SC2086 # the variant's flags
		if ! probe=$(systemd-analyze $variant verify "$probe_dir/probe.service" 2>&1) || [ -n "$probe" ]; then
			echo "systemd-analyze $variant verify cannot run here: ${probe:-no reason given}"
			continue
		fi
		# shellcheck disable=SC2086
		out=$(systemd-analyze $variant verify "$unit" 2>&1) || fail "systemd-analyze $variant verify $unit: $out"
		[ -z "$out" ] || fail "systemd-analyze $variant verify $unit warns: $out"
		echo "ok  systemd-analyze $variant verify $unit"
		return
	done
	echo "SKIP systemd-analyze verify of $unit: no variant can run in this container (see above)"
}
verify /usr/lib/systemd/user/biot-agent.service "--user" "--user --man=no" "" "--man=no"
# The servers' unit is a system unit: the system variants only.
verify /usr/lib/systemd/system/biot-agent-service.service "" "--man=no"
rm -rf "$probe_dir"
unset XDG_RUNTIME_DIR

step "dpkg -r"
trap - EXIT
dpkg -r biot-agent
state=$(dpkg-query -W -f='${db:Status-Status}' biot-agent 2>/dev/null || echo not-installed)
[ "$state" = not-installed ] || fail "after dpkg -r the package is \"$state\", want not-installed (conffiles left?)"
left=
while read -r f; do
	[ -n "$f" ] || continue
	if [ -e "$f" ] && [ ! -d "$f" ]; then left="$left $f"; fi
done <<<"$files"
[ -z "$left" ] || fail "dpkg -r left:$left"
echo "ok  no file of the package is left"

step "done"
