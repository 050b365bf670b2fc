#!/usr/bin/env bash
# Installs what the integration tests need and is missing: Debian packages for the
# real clients (psql, pgjdbc, psycopg2) and node-postgres in integration/node.
# Idempotent and fast when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=(postgresql libpostgresql-jdbc-java python3-psycopg2)
missing=()
for p in "${apt_pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "install-test-deps: apt-get install ${missing[*]}" >&2
	sudo=()
	if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_dir=integration/node
if command -v npm >/dev/null 2>&1; then
	if [ ! -d "$node_dir/node_modules/pg" ] || [ ! -d "$node_dir/node_modules/pg-cursor" ]; then
		echo "install-test-deps: npm install in $node_dir" >&2
		if [ -f "$node_dir/package-lock.json" ]; then
			(cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
		else
			(cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error pg pg-cursor)
		fi
	fi
else
	echo "install-test-deps: npm not found; node-postgres tests will skip" >&2
fi
