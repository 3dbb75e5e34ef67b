#!/usr/bin/env bash
# Installs what Backstop needs on a fresh Debian machine that has only Node 20:
# the npm packages (when missing or stale) and redis-server (unless REDIS_URL points elsewhere);
# with --with-browser (what the tests need) also Debian's chromium, for the dashboard's browser
# tests, and Debian's prometheus, whose promtool checks every metrics exposition and alert rule.
set -euo pipefail
cd "$(dirname "$0")/.."
with_browser=false
[ "${1:-}" = "--with-browser" ] && with_browser=true

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    [ -n "${apt_updated:-}" ] || { apt-get update -qq; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
    [ -n "${apt_updated:-}" ] || { sudo apt-get update -qq; apt_updated=1; }
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    return 1
  fi
}

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # `npm ci` first. Where the registry serves only this platform's optional builds (as the mirror
  # here does), the lockfile cannot list the others and `npm ci` refuses it; `npm install
  # --no-save` then installs the same locked versions without rewriting the lockfile.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null ||
    npm install --no-audit --no-fund --no-save --loglevel=error
fi

if [ -n "${REDIS_URL:-}" ]; then
  echo "setup: using REDIS_URL; not installing redis-server"
elif command -v redis-server >/dev/null 2>&1; then
  :
else
  echo "setup: redis-server not found; installing Debian's redis-server"
  if ! apt_install redis-server; then
    echo "setup: cannot install redis-server without root. Run: sudo apt-get update && sudo apt-get install -y redis-server" >&2
    echo "setup: or point Backstop at a running Redis 7: export REDIS_URL=redis://127.0.0.1:6379" >&2
    exit 1
  fi
fi

# The Sentinel tests start sentinels with `redis-server --sentinel` (or `redis-sentinel`): Debian's
# redis-server has sentinel mode built in; where a build lacks it, Debian's redis-sentinel adds it.
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-sentinel >/dev/null 2>&1 &&
  ! { redis-server --sentinel 2>&1 || true; } | grep -qi sentinel; then
  echo "setup: redis-server has no sentinel mode; installing Debian's redis-sentinel"
  if ! apt_install redis-sentinel; then
    echo "setup: cannot install redis-sentinel without root. Run: sudo apt-get install -y redis-sentinel" >&2
    exit 1
  fi
fi

if $with_browser && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium for the dashboard's browser tests"
  if ! apt_install chromium; then
    echo "setup: cannot install chromium without root. Run: sudo apt-get update && sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi

if $with_browser && ! command -v promtool >/dev/null 2>&1; then
  echo "setup: installing Debian's prometheus (promtool) for the metrics and alert-rule tests"
  if ! apt_install prometheus; then
    echo "setup: cannot install prometheus without root. Run: sudo apt-get update && sudo apt-get install -y prometheus" >&2
    exit 1
  fi
fi
