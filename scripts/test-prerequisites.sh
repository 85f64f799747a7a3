#!/usr/bin/env bash
# Installs what the tests need beyond `npm ci`, when it is missing; `npm test` runs it first, and each
# tier's script the part that tier needs. When everything is there it only checks (well under a second).
#   ferretdb        FerretDB v1.24.2 built with Go (fetched from the Go module proxy when missing): the
#                   MongoDB adapter's tests (integration tier)
#   chromium        Debian's chromium and fonts-liberation: the browser tier (never a downloaded browser)
#   redis-server    Debian's redis-server: the shared rate limits' tests (integration tier; test/helpers/redis.ts)
#   docker-compose  Debian's docker-compose: validates the compose files (processes tier; no Docker engine)
# Usage: bash scripts/test-prerequisites.sh [ferretdb] [chromium] [redis-server] [docker-compose]   (none: all four)
set -euo pipefail

fail() {
  echo "test-prerequisites: $*" >&2
  exit 1
}
say() { echo "test-prerequisites: $*"; }

known=(ferretdb chromium redis-server docker-compose)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${known[@]}")
for name in "${wanted[@]}"; do
  [[ " ${known[*]} " == *" $name "* ]] || fail "unknown prerequisite '$name' (known: ${known[*]})"
done
wants() { [[ " ${wanted[*]} " == *" $1 "* ]]; }

# --- Debian packages -------------------------------------------------------------------------------
# test/helpers/browser.ts drives exactly /usr/bin/chromium; test/helpers/redis.ts starts /usr/bin/redis-server.
packages=()
if wants chromium && [ ! -x /usr/bin/chromium ]; then packages+=(chromium fonts-liberation); fi
if wants redis-server && [ ! -x /usr/bin/redis-server ]; then packages+=(redis-server); fi
if wants docker-compose && ! command -v docker-compose >/dev/null; then packages+=(docker-compose); fi
if [ ${#packages[@]} -gt 0 ]; then
  command -v apt-get >/dev/null ||
    fail "${packages[*]} missing, and there is no apt-get to install them: install Debian's ${packages[*]} (or your system's equivalents)"
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    fail "${packages[*]} missing; installing them needs root: run  apt-get install -y ${packages[*]}  as root"
  fi
  say "installing ${packages[*]} with apt-get"
  ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    fail "apt-get update failed (above)"
  ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${packages[@]}" || fail "apt-get could not install ${packages[*]} (above)"
fi
found=()
if wants chromium; then
  [ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is still missing after installing chromium"
  found+=("chromium /usr/bin/chromium")
fi
if wants redis-server; then
  [ -x /usr/bin/redis-server ] || fail "/usr/bin/redis-server is still missing after installing redis-server"
  found+=("redis-server /usr/bin/redis-server")
fi
if wants docker-compose; then
  command -v docker-compose >/dev/null || fail "docker-compose is still missing after installing it"
  found+=("docker-compose $(command -v docker-compose)")
fi

# --- FerretDB --------------------------------------------------------------------------------------
# Where test/helpers/ferretdb.ts looks: FERRETDB_BIN, else bin/ under the first entry of `go env GOPATH`
# (without Go on PATH, under Go's default GOPATH ~/go, which the helper also tries). Built there if absent.
ferretdb_version=v1.24.2
# Without Go, the Go that FerretDB's go.mod names is fetched once from the Go module proxy: it is the
# module golang.org/toolchain that Go's own toolchain switching downloads (only registries are reachable).
go_toolchain=go1.24.3
bootstrap_go() {
  local arch go_root zip unpacked proxy
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "Go is not installed and no Go toolchain is fetched for $(uname -m): install Go 1.21 or newer" ;;
  esac
  go_root="${HOME:?HOME is not set}/.cache/rateline/$go_toolchain.linux-$arch"
  if [ ! -x "$go_root/bin/go" ]; then
    command -v python3 >/dev/null || fail "Go is not installed, and unpacking the fetched one needs python3"
    proxy="${GOPROXY:-https://proxy.golang.org}"
    proxy="${proxy%%[,|]*}"
    [[ "$proxy" == http* ]] || proxy=https://proxy.golang.org
    say "Go is not installed: fetching $go_toolchain from $proxy into $go_root (once)"
    unpacked=$(mktemp -d)
    zip="$unpacked/toolchain.zip"
    node -e '
      const [url, file] = process.argv.slice(1);
      fetch(url).then(async (r) => {
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        require("node:fs").writeFileSync(file, Buffer.from(await r.arrayBuffer()));
      }).catch((e) => { console.error(e.cause?.message ?? e.message); process.exit(1); });
    ' "$proxy/golang.org/toolchain/@v/v0.0.1-$go_toolchain.linux-$arch.zip" "$zip" ||
      fail "could not fetch Go $go_toolchain (above): install Go 1.21 or newer, or set FERRETDB_BIN"
    python3 -m zipfile -e "$zip" "$unpacked/x" || fail "could not unpack Go $go_toolchain (above)"
    mkdir -p "$(dirname "$go_root")"
    rm -rf "$go_root"
    mv "$unpacked/x/golang.org/toolchain@v0.0.1-$go_toolchain.linux-$arch" "$go_root"
    rm -rf "$unpacked"
    # Module zips keep no file modes: make the toolchain's programs executable, as Go does after a switch.
    chmod +x "$go_root"/bin/* "$go_root"/pkg/tool/*/*
  fi
  export PATH="$go_root/bin:$PATH" GOTOOLCHAIN=local
}

if wants ferretdb; then
  if [ -n "${FERRETDB_BIN:-}" ]; then
    ferretdb_bin=$FERRETDB_BIN
  elif command -v go >/dev/null; then
    gopath=$(go env GOPATH) || fail "\`go env GOPATH\` failed (above)"
    ferretdb_bin="${gopath%%:*}/bin/ferretdb"
  else
    ferretdb_bin="${HOME:?HOME is not set}/go/bin/ferretdb"
  fi
  if ! "$ferretdb_bin" --version >/dev/null 2>&1; then
    command -v go >/dev/null || bootstrap_go
    # A bare `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics
    # at start: build/version/version.txt is generated by FerretDB's own build and is not in the module.
    # So fetch the module as `go install` would, write that file, and build the same package from it.
    say "building FerretDB $ferretdb_version with Go into $ferretdb_bin (once; a few minutes)"
    download=$(go mod download -json "github.com/FerretDB/FerretDB@$ferretdb_version") ||
      fail "Go could not download FerretDB $ferretdb_version: $download"
    module_dir=$(node -e 'const m = JSON.parse(process.argv[1]); if (!m.Dir) process.exit(1); console.log(m.Dir)' "$download") ||
      fail "Go's answer names no module directory: $download"
    build_dir=$(mktemp -d)
    trap 'rm -rf "$build_dir"' EXIT
    cp -r "$module_dir/." "$build_dir/src"
    chmod -R u+w "$build_dir/src"
    echo "$ferretdb_version" >"$build_dir/src/build/version/version.txt"
    (cd "$build_dir/src" && go build -o "$build_dir/ferretdb" ./cmd/ferretdb) ||
      fail "go build of FerretDB $ferretdb_version failed (above); it needs Go 1.24, which Go 1.21 or newer fetches by itself"
    mkdir -p "$(dirname "$ferretdb_bin")"
    mv "$build_dir/ferretdb" "$ferretdb_bin"
  fi
  version=$("$ferretdb_bin" --version 2>&1) || fail "$ferretdb_bin does not run: $version"
  found+=("FerretDB $(sed -n 's/^version: //p' <<<"$version") $ferretdb_bin")
fi
say "$(IFS=,; echo "${found[*]}" | sed 's/,/, /g')"
