#!/usr/bin/env bash
# Draws the README's pictures of the desktop, from the real biot-agent in a
# real panel:
#
#   packaging/screenshots.sh [OUT_DIR]      (default: docs/screenshots)
#
# It starts, all private to this run and gone when it ends: an X server
# (Xvfb), a D-Bus session bus that starts nothing by itself, gnome-keyring,
# xfconfd and xfce4-panel (whose tray plugin hosts StatusNotifierItems),
# dunst for notifications, and a simulated BioT (internal/shots/sim.go). It
# runs `biot-agent run` against the simulator, drives it through every
# state, clicks the icon and its menu with xdotool, and saves:
#
#   tray-signed-out.png tray-signed-in.png tray-offline.png
#   tray-needs-login.png     the end of the panel, light and dark theme,
#                            three times its size
#   menu-signed-in.png menu-offline.png
#                            the menu, opened by a click on the icon, with
#                            two environments (dev and prod)
#   signin-page.png          the page that "Sign in…" opened (chromium)
#   signin-code.png signin-phone.png signin-error.png signin-add.png
#                            the SMS code step, a refused password and the
#                            first run's "Add a BioT environment" page, from
#                            tray/signin's browser tests
#   notification.png         "Sign-in needed" as dunst shows it
#
# Needs (Debian): xvfb xauth dbus gnome-keyring xfce4-panel dunst xdotool
# imagemagick chromium, and Go. Never dbus-x11.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { printf '=== %s\n' "$*" >&2; }
fail() { printf 'screenshots: %s\n' "$*" >&2; exit 1; }

for tool in Xvfb dbus-daemon dbus-send gnome-keyring-daemon xfce4-panel xfconf-query dunst xdotool import convert display chromium go; do
	command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install --no-install-recommends xvfb xauth dbus gnome-keyring xfce4-panel dunst xdotool imagemagick chromium)"
done
xfconfd=
for f in /usr/lib/*/xfce4/xfconf/xfconfd /usr/lib/xfce4/xfconf/xfconfd /usr/libexec/xfconfd; do
	[ -x "$f" ] && xfconfd=$f && break
done
[ -n "$xfconfd" ] || fail "xfconfd is missing (apt-get install xfconf)"

work=$(mktemp -d /tmp/biot-shots.XXXXXX)
pids=()
cleanup() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
# keep PID: stop it at the end, the last started first.
keep() { pids+=("$1"); }

# until_ok SECONDS WHAT CMD...: run CMD every 0.1 s until it succeeds.
until_ok() {
	local max=$1 what=$2 i
	shift 2
	for ((i = 0; i < max * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "still waiting after ${max}s for $what"
}

say "build"
go build -o "$work/biot-agent" .
go build -o "$work/sim" internal/shots/sim.go
PATH=$work:$PATH

# One home for every program of this run; nothing of the person's is read.
mkdir -p "$work"/{home,config,data,cache,state,run} "$work/config/dunst" \
	"$work/config/xfce4/xfconf/xfce-perchannel-xml"
chmod 700 "$work/run"
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data \
	XDG_CACHE_HOME=$work/cache XDG_STATE_HOME=$work/state XDG_RUNTIME_DIR=$work/run
export NO_AT_BRIDGE=1 LANG=C.UTF-8 TZ=${TZ:-UTC}
unset SESSION_MANAGER DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY

say "X server"
W=720 H=400
exec 5>"$work/display"
Xvfb -displayfd 5 -screen 0 ${W}x${H}x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
keep $!
exec 5>&-
until_ok 10 "Xvfb to pick a display" test -s "$work/display"
export DISPLAY=:$(head -1 "$work/display")
# A plain desktop colour behind the menu and the notification.
convert -size ${W}x${H} xc:'#5b6b7c' "$work/bg.png"
display -window root "$work/bg.png" || true # it paints, then exits 1

say "D-Bus session bus"
# Like internal/desktoptest's: one socket, no service activation, so every
# name is owned by a program this script started.
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$work/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=1 >"$work/bus.addr" 2>"$work/bus.log" &
keep $!
until_ok 10 "the bus" test -s "$work/bus.addr"
DBUS_SESSION_BUS_ADDRESS=$(head -1 "$work/bus.addr")
export DBUS_SESSION_BUS_ADDRESS

owned() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.NameHasOwner "string:$1" | grep -q 'boolean true'
}

say "gnome-keyring"
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/keyring-password"
gnome-keyring-daemon --foreground --unlock --components=secrets <"$work/keyring-password" >"$work/keyring.log" 2>&1 &
keep $!
until_ok 10 "gnome-keyring" owned org.freedesktop.secrets

say "xfce4-panel"
# One panel along the top: a clock, then the tray plugin ("systray"), which
# shows StatusNotifierItems and owns org.kde.StatusNotifierWatcher, and a
# little space.
cat >"$work/config/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="icon-size" type="uint" value="24"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
        <value type="int" value="2"/>
        <value type="int" value="3"/>
        <value type="int" value="4"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="separator">
      <property name="expand" type="bool" value="true"/>
      <property name="style" type="uint" value="0"/>
    </property>
    <property name="plugin-2" type="string" value="clock">
      <property name="mode" type="uint" value="2"/>
      <property name="digital-layout" type="uint" value="3"/>
      <property name="digital-time-format" type="string" value="%H:%M"/>
    </property>
    <property name="plugin-3" type="string" value="systray"/>
    <property name="plugin-4" type="string" value="separator">
      <property name="style" type="uint" value="0"/>
    </property>
  </property>
</channel>
EOF
"$xfconfd" >"$work/xfconfd.log" 2>&1 &
keep $!
until_ok 10 "xfconfd" owned org.xfce.Xfconf
# start_panel [THEME]: start the panel, in GTK's THEME if given.
start_panel() {
	env ${1:+GTK_THEME=$1} xfce4-panel --disable-wm-check >>"$work/panel.log" 2>&1 &
	panel_pid=$!
	keep $panel_pid
	until_ok 20 "the panel's tray" owned org.kde.StatusNotifierWatcher
}
start_panel

say "dunst"
cat >"$work/config/dunst/dunstrc" <<'EOF'
[global]
    font = DejaVu Sans 10
    width = 360
    height = 140
    origin = top-right
    offset = 8x44
    frame_width = 1
    frame_color = "#9aa4b0"
    separator_color = frame
    corner_radius = 6
    padding = 12
    horizontal_padding = 12
    text_icon_padding = 12
    icon_position = left
    min_icon_size = 40
    max_icon_size = 40
    markup = full
    format = "<b>%s</b>\n%b"
    word_wrap = yes
    show_indicators = no
    mouse_left_click = do_action
[urgency_low]
    background = "#ffffff"
    foreground = "#1b1f24"
    timeout = 0
[urgency_normal]
    background = "#ffffff"
    foreground = "#1b1f24"
    timeout = 0
[urgency_critical]
    background = "#ffffff"
    foreground = "#1b1f24"
    frame_color = "#c62828"
    timeout = 0
EOF
dunst >"$work/dunst.log" 2>&1 &
keep $!
until_ok 10 "dunst" owned org.freedesktop.Notifications

say "simulated BioT"
coproc SIM { exec sim -dir "$work" 2>"$work/sim.log"; }
keep "$SIM_PID"
# sim CMD...: send a command, print what it answers up to "ok".
sim() {
	local line
	[ $# -eq 0 ] || echo "$*" >&"${SIM[1]}"
	while IFS= read -r -t 10 line <&"${SIM[0]}"; do
		case $line in
		ok) return 0 ;;
		error:*) fail "sim: $line" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
	fail "the simulator did not answer $*"
}
sim # it says ok once it serves
url=$(head -1 "$work/url")
export SSL_CERT_FILE=$work/ca.pem

say "biot-agent run"
# The "browser" hands the sign-in page's URL to this script.
cat >"$work/browser" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >>"$work/pages"
EOF
chmod +x "$work/browser"
# Two environments on the simulator, one account each; dev is the default,
# which the commands below act on unless they say -e prod.
mkdir -p "$work/config/biot-agent"
printf 'default = "dev"\n\n[environments.dev]\nurl = "%s"\n\n[environments.prod]\nurl = "%s"\n' \
	"$url" "$url" >"$work/config/biot-agent/config.toml"
BROWSER=$work/browser biot-agent run >"$work/agent.log" 2>&1 &
keep $!
state() { biot-agent status --json 2>/dev/null | sed -n 's/.*"state": *"\([a-z_]*\)".*/\1/p'; }
serving() { [ -n "$(state)" ]; }
until_ok 20 "the agent's socket" serving
registered() {
	dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
		org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher \
		string:RegisteredStatusNotifierItems | grep -q 'string "'
}
until_ok 20 "the icon to register" registered

# await STATE: wait until the agent is in STATE, poking it with requests for
# a token that must last longer than the one it has (so it refreshes), as a
# script would.
await() {
	local want=$1 i
	for ((i = 0; i < 150; i++)); do
		[ "$(state)" = "$want" ] && return 0
		biot-agent token --min-valid 100s >/dev/null 2>&1 || true
		sleep 0.2
	done
	fail "the agent never reached $want (it is $(state))"
}

# The tray sits at the right end of the panel.
panel_h=33
crop_w=104
# icon_x and icon_y: the middle of the icon, found once it shows (the only
# thing in the panel's last 48 pixels that is not the panel).
find_icon() {
	local bbox w h x y
	import -window root -crop "48x$((panel_h - 2))+$((W - 48))+0" +repage "$work/end.png"
	bbox=$(convert "$work/end.png" -fuzz 5% -format '%@' info:)
	IFS='x+' read -r w h x y <<<"$bbox"
	icon_x=$((W - 48 + x + w / 2)) icon_y=$((y + h / 2))
}
# panel FILE: the right end of the panel once it is drawn: two shots in a
# row must agree, so none is taken mid-redraw.
panel() {
	local i geometry=${crop_w}x${panel_h}+$((W - crop_w))+0
	import -window root -crop "$geometry" +repage "$work/prev.png"
	for ((i = 0; i < 30; i++)); do
		sleep 0.3
		import -window root -crop "$geometry" +repage "$1"
		cmp -s "$1" "$work/prev.png" && return 0
		cp "$1" "$work/prev.png"
	done
}
# menu FILE: click the icon, shoot what changed on the screen (the menu)
# with the icon above it, and close the menu.
menu() {
	local bbox w h x y
	import -window root "$work/closed.png"
	xdotool mousemove $icon_x $icon_y click 1
	sleep 1
	import -window root "$work/open.png"
	xdotool key Escape
	xdotool mousemove $((W / 2)) $((H / 2))
	# WxH+X+Y of the pixels that differ.
	bbox=$(convert "$work/closed.png" "$work/open.png" -compose difference -composite \
		-threshold 0 -format '%@' info:)
	IFS='x+' read -r w h x y <<<"$bbox"
	x=$((x > 8 ? x - 8 : 0))
	convert "$work/open.png" -crop "$((W - x))x$((y + h + 8))+$x+0" +repage -strip "$1"
	sleep 0.5
}
# card IN OUT: a page's screenshot cut to its card, with a margin.
card() {
	convert "$1" -trim +repage -bordercolor '#f3f4f6' -border 20 -strip "$2"
}

say "signed out"
await signed_out
find_icon
say "the icon is at $icon_x,$icon_y"
panel "$work/light-signed-out.png"

say "sign-in page, opened from the menu"
xdotool mousemove $icon_x $icon_y click 1
sleep 1
# "Sign in…" is the second line of the menu, under the status line.
xdotool mousemove $((W - 120)) 74 click 1
until_ok 20 "the browser to be given the page" test -s "$work/pages"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
	--user-data-dir="$work/chromium" --window-size=720,600 \
	--screenshot="$work/page.png" "$(head -1 "$work/pages")" >"$work/chromium.log" 2>&1
card "$work/page.png" "$out/signin-page.png"

say "signed in"
printf %s demo-password | biot-agent login --username demo@example.com --password-stdin
printf %s demo-password | biot-agent login -e prod --username qa@example.com --password-stdin
await signed_in
panel "$work/light-signed-in.png"
menu "$out/menu-signed-in.png"

say "offline"
sim down
await offline
panel "$work/light-offline.png"
menu "$out/menu-offline.png"

say "sign-in needed, and the notification"
sim up
sim revoke demo@example.com
await needs_login
panel "$work/light-needs-login.png"
dunst_window() { xdotool search --onlyvisible --classname dunst | head -1; }
until_ok 10 "dunst to show the notification" test -n "$(dunst_window)"
sleep 0.5
import -window "$(dunst_window)" -strip "$out/notification.png"

say "the same states on a dark panel"
# The panel takes GTK's dark theme only at start: it is restarted, and the
# icon comes back to it, as it does when a person's panel restarts.
kill "$panel_pid"
wait "$panel_pid" 2>/dev/null || true
start_panel Adwaita:dark
until_ok 20 "the icon to register again" registered
biot-agent logout
await signed_out
panel "$work/dark-signed-out.png"
printf %s demo-password | biot-agent login --username demo@example.com --password-stdin
await signed_in
panel "$work/dark-signed-in.png"
sim down
await offline
panel "$work/dark-offline.png"
sim up
sim revoke demo@example.com
await needs_login
panel "$work/dark-needs-login.png"
for s in signed-out signed-in offline needs-login; do
	convert "$work/light-$s.png" "$work/dark-$s.png" +append -filter point -resize 300% -strip "$out/tray-$s.png"
done

say "the sign-in page's other steps (tray/signin's browser test)"
shots=$work/signin-shots
BIOT_AGENT_SCREENSHOTS=$shots go test -count=1 -run '^(TestBrowserSignIn|TestBrowserSignInWithACode|TestBrowserAddEnvironment)$' ./tray/signin >"$work/signin-test.log" 2>&1 ||
	{ cat "$work/signin-test.log" >&2; fail "the browser test failed"; }
for f in signin-code.png signin-phone.png signin-error.png signin-add.png; do
	card "$shots/$f" "$out/$f"
done

say "done"
ls -l "$out"
