#!/usr/bin/env bash
# What the browser tests need from the system: Debian's Chromium (driven by Playwright) and CJK fonts
# (the screenshots show Chinese). Silent when both are there. Otherwise, as root with apt-get, installs
# them (after waiting for an apt-get already running, which may be installing them); elsewhere stops
# with the one command that fixes it. Called by ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

missing_packages() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  if ! fc-list :lang=zh family 2>/dev/null | grep -q . &&
    ! [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
    missing+=(fonts-noto-cjk)
  fi
  echo "${missing[*]}"
}

missing="$(missing_packages)"
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "The browser tests need: $missing. Install them once with:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y $missing" >&2
  exit 1
fi

# Another apt-get or dpkg (a machine's first boot, an install started in the background) holds the
# package lock and may be installing these very packages: wait for it (at most 15 minutes).
apt_running() {
  local name
  for name in apt apt-get aptitude dpkg unattended-upgr; do
    pgrep -x "$name" >/dev/null && return 0
  done
  return 1
}
waited=0
while apt_running; do
  [ "$waited" -gt 0 ] || echo "== waiting for the apt-get already running ==" >&2
  if [ "$waited" -ge 900 ]; then
    echo "apt-get has been busy for 15 minutes; when it is done run: apt-get install -y $missing" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done
missing="$(missing_packages)"
[ -n "$missing" ] || exit 0

echo "== installing $missing for the browser tests (apt-get) ==" >&2
mkdir -p var
log=var/apt-get.log
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "Installing failed (full output in $log). Fix the cause above, then run:" >&2
  echo "    apt-get update && apt-get install -y $missing" >&2
  exit 1
fi
missing="$(missing_packages)"
if [ -n "$missing" ]; then
  echo "apt-get ran but $missing is still missing (see $log)" >&2
  exit 1
fi
