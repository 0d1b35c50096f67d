# Shared by scripts/test, scripts/demo and scripts/bench: install what is
# missing on Debian 12 (with bookworm-backports) or Debian 13, then build.
# Idempotent: a machine that has everything is left alone.

CABIN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CABIN_BUILD=${CABIN_BUILD:-$CABIN_ROOT/build}
CABIN_SANITIZE_BUILD=${CABIN_SANITIZE_BUILD:-$CABIN_ROOT/build-sanitize}

cabin_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
cabin_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

cabin_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else cabin_die "need root to run: $*"
  fi
}

# Packages that come from Debian itself on every supported release.
# clang and libclang-rt-dev (its sanitizer and libFuzzer runtimes) build the
# sanitizer build and the fuzz targets; both follow the release's default LLVM.
CABIN_BASE_PACKAGES=(g++ ninja-build pkg-config python3 libgtest-dev libasound2-dev
  libsystemd-dev libglib2.0-dev libpng-dev clang-format jq alsa-utils pulseaudio-utils
  clang libclang-rt-dev)
# Packages that need bookworm-backports on Debian 12 (PipeWire >= 1.4,
# WirePlumber >= 0.5.8, Meson >= 1.7).
CABIN_NEW_PACKAGES=(pipewire pipewire-bin wireplumber libpipewire-0.3-dev libspa-0.2-dev
  libwireplumber-0.5-dev meson pipewire-pulse pipewire-alsa)

cabin_version_ok() { # command, minimum version
  local have
  have=$("$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | tail -n1)
  [ -n "$have" ] && dpkg --compare-versions "$have" ge "$2"
}

cabin_have_everything() {
  local pkg
  for pkg in "${CABIN_BASE_PACKAGES[@]}" "${CABIN_NEW_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || return 1
  done
  cabin_version_ok pipewire 1.4 && cabin_version_ok wireplumber 0.5.8 && cabin_version_ok meson 1.7
}

cabin_install_deps() {
  if cabin_have_everything; then
    return 0
  fi
  [ -r /etc/os-release ] || cabin_die "cannot tell the distribution (/etc/os-release missing)"
  . /etc/os-release
  local release=()
  case "${ID:-}:${VERSION_CODENAME:-}" in
    debian:bookworm)
      if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        cabin_log "enabling bookworm-backports"
        cabin_as_root tee /etc/apt/sources.list.d/cabin-bookworm-backports.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
      fi
      release=(-t bookworm-backports)
      ;;
    debian:trixie|debian:forky|debian:sid) ;;
    *) cabin_die "unsupported system ${PRETTY_NAME:-unknown}: Cabin needs Debian 12 or 13" ;;
  esac
  cabin_log "installing build and test dependencies"
  cabin_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  cabin_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${release[@]}" "${CABIN_NEW_PACKAGES[@]}"
  cabin_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${CABIN_BASE_PACKAGES[@]}"
  cabin_have_everything || cabin_die "dependencies still missing or too old after installing"
}

cabin_build() {
  if [ -f "$CABIN_BUILD/build.ninja" ]; then
    meson setup --reconfigure "$CABIN_BUILD" "$CABIN_ROOT" >/dev/null
  else
    cabin_log "configuring $CABIN_BUILD"
    meson setup "$CABIN_BUILD" "$CABIN_ROOT"
  fi
  cabin_log "building"
  ninja -C "$CABIN_BUILD"
}

# The clang build with AddressSanitizer and UBSan and the libFuzzer targets
# (docs/testing.md#sanitizers-and-fuzzing), apart from the g++ build.
cabin_build_sanitize() {
  if [ -f "$CABIN_SANITIZE_BUILD/build.ninja" ]; then
    meson setup --reconfigure "$CABIN_SANITIZE_BUILD" "$CABIN_ROOT" >/dev/null
  else
    cabin_log "configuring $CABIN_SANITIZE_BUILD (clang++, ASan, UBSan, libFuzzer)"
    CXX=clang++ meson setup "$CABIN_SANITIZE_BUILD" "$CABIN_ROOT" \
      -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=enabled \
      -Dintegration-tests=disabled
  fi
  cabin_log "building $CABIN_SANITIZE_BUILD"
  ninja -C "$CABIN_SANITIZE_BUILD"
}

# Runs each fuzz target for $1 seconds, one at a time and niced, on a
# scratch copy of its corpus, so that the tree is never written. Returns
# non-zero when a target crashed, leaked or timed out, and then keeps the
# scratch directory with the input and the log.
CABIN_FUZZ_TARGETS=(fuzz-json fuzz-config fuzz-seat-request)
cabin_fuzz() {
  local seconds=$1 scratch target log found status=0
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/cabin-fuzz.XXXXXX")
  for target in "${CABIN_FUZZ_TARGETS[@]}"; do
    cabin_log "fuzzing $target for $seconds s"
    cp -r "$CABIN_ROOT/tests/fuzz/corpus/$target" "$scratch/$target"
    log=$scratch/$target.log
    if ASAN_OPTIONS=halt_on_error=1:print_stacktrace=1:detect_leaks=1 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      nice -n 19 "$CABIN_SANITIZE_BUILD/tests/fuzz/$target" "$scratch/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$scratch/$target-" >"$log" 2>&1; then
      # The closing stats: runs, coverage, corpus, exec/s.
      grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1 | sed "s/^/$target: /" >&2
    else
      status=1
      tail -n 60 "$log" >&2
      printf 'error: %s failed; its log: %s\n' "$target" "$log" >&2
      for found in "$scratch/$target-"*; do
        [ -e "$found" ] || continue
        printf 'error: %s input: %s (again: %s %s)\n' "$target" "$found" \
          "$CABIN_SANITIZE_BUILD/tests/fuzz/$target" "$found" >&2
      done
    fi
  done
  [ "$status" != 0 ] || rm -rf "$scratch"
  return "$status"
}

# The groups and users of the example car: the sockets of
# conf.d/examples/sedan name the groups, and the daemons refuse to start
# without them. `cabin-audio` is the system services' user; the two test
# users sit in rear-left and rear-right (clients run under their uids).
CABIN_GROUPS=(cabin-audio cabin-admin cabin-announcer cabin-seat-driver
  cabin-seat-front-passenger cabin-seat-rear-left cabin-seat-rear-right)
cabin_ensure_users_and_groups() {
  [ "$(id -u)" = 0 ] || { cabin_log "not root: groups and uid-based tests are skipped"; return 0; }
  local group
  for group in "${CABIN_GROUPS[@]}"; do
    getent group "$group" >/dev/null || groupadd --system "$group"
  done
  id cabin-audio >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin -g cabin-audio cabin-audio
  id cabin-passenger >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin cabin-passenger
  id cabin-guest >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin cabin-guest
  # The daemon gives each socket its group, so its user must be in all of them.
  usermod -a -G "$(IFS=,; echo "${CABIN_GROUPS[*]:1}")" cabin-audio
  usermod -a -G cabin-seat-rear-left cabin-passenger
  usermod -a -G cabin-seat-rear-right cabin-guest
}
