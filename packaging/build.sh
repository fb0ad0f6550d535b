#!/usr/bin/env bash
# Builds biot-agent's release binaries and its Linux packages into dist/.
#
#   packaging/build.sh [VERSION]
#
# VERSION defaults to $VERSION, else the git tag (git describe), else
# 0.0.0-dev.<commit>; a leading "v" is dropped. Every binary is built with
# CGO_ENABLED=0 and stamped with the version, commit and date that
# "biot-agent --version" prints:
#
#   dist/biot-agent_<version>_linux_amd64        dist/biot-agent_<version>_amd64.deb
#   dist/biot-agent_<version>_linux_arm64        dist/biot-agent_<version>_arm64.deb
#   dist/biot-agent_<version>_windows_amd64.exe  dist/biot-agent-<version>-1.x86_64.rpm
#   dist/biot-agent_<version>_darwin_amd64       dist/biot-agent-<version>-1.aarch64.rpm
#   dist/biot-agent_<version>_darwin_arm64       dist/SHA256SUMS
#
# The macOS binaries have no tray icon: fyne.io/systray needs cgo and Apple's
# SDK there, so a build tag keeps the tray out and the agent runs headless.
# For the tray on macOS, build on a Mac: CGO_ENABLED=1 go build .
#
# The packages come from packaging/nfpm.yaml through nfpm, run with
# "go run" at a fixed version (it is not a dependency of the module).
set -euo pipefail
cd "$(dirname "$0")/.."

NFPM_VERSION=v2.45.2
TARGETS="linux/amd64 linux/arm64 windows/amd64 darwin/amd64 darwin/arm64"

VERSION=${1:-${VERSION:-}}
if [ -z "$VERSION" ]; then
	VERSION=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || true)
fi
if [ -z "$VERSION" ]; then
	VERSION=0.0.0-dev.$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
fi
VERSION=${VERSION#v}
case $VERSION in
[0-9]*) ;;
*) echo "build.sh: version \"$VERSION\" must start with a digit (deb requires it)" >&2; exit 2 ;;
esac
COMMIT=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
# The commit's date, not the clock's: the same commit builds the same bytes.
DATE=${DATE:-$(git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || true)}
DATE=${DATE:-$(TZ=UTC date +%Y-%m-%dT%H:%M:%SZ)}
export MAINTAINER=${MAINTAINER:-"biot-agent developers <noreply@localhost>"}

pkg=biot-agent/internal/cli
LDFLAGS="-s -w -X $pkg.version=$VERSION -X $pkg.commit=$COMMIT -X $pkg.date=$DATE"

rm -rf dist
mkdir -p dist
echo "build.sh: biot-agent $VERSION (commit $COMMIT, $DATE)"
for target in $TARGETS; do
	goos=${target%/*} goarch=${target#*/}
	ext=
	[ "$goos" = windows ] && ext=.exe
	out=dist/biot-agent_${VERSION}_${goos}_${goarch}$ext
	echo "  go build $target -> $out"
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
		go build -trimpath -ldflags "$LDFLAGS" -o "$out" .
done

for goarch in amd64 arm64; do
	for format in deb rpm; do
		echo "  nfpm $format linux/$goarch"
		ARCH=$goarch VERSION=$VERSION BINARY=dist/biot-agent_${VERSION}_linux_${goarch} \
			go run "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" package \
			--config packaging/nfpm.yaml --packager "$format" --target dist/ >/dev/null
	done
done

(cd dist && sha256sum -- * >SHA256SUMS)
ls -l dist
