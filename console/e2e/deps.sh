#!/usr/bin/env bash
# Gets what the browser tests need, or fails saying what is missing: they
# are never skipped, because a skip would hide a missing dependency.
#   - Node.js 20 or newer with npm (playwright-core needs 20);
#   - Debian's Chromium at /usr/bin/chromium (LGSP_CHROMIUM to use another),
#     installed with apt-get when missing and this runs as root outside CI;
#     in CI (CI set) .ci/run installs it, and its absence is an error;
#   - node_modules as package-lock.json pins it (npm ci when node_modules is
#     missing or older than the lock file).
# No browser is ever downloaded: playwright-core drives the system Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

CHROMIUM=${LGSP_CHROMIUM:-/usr/bin/chromium}
die() { printf 'test-browser: %s\n' "$*" >&2; exit 1; }
in_ci() { [[ -n ${CI:-} && ${CI:-} != false && ${CI:-} != 0 ]]; }

command -v node >/dev/null 2>&1 ||
	die "Node.js is not installed; the browser tests need Node.js 20 or newer with npm (on Debian: apt-get install nodejs npm, from a source that has Node.js 20)."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
	die "Node.js $(node --version) is too old; the browser tests need Node.js 20 or newer."
command -v npm >/dev/null 2>&1 || die "npm is not installed; the browser tests need it to install playwright-core (apt-get install npm)."

if [[ ! -x $CHROMIUM ]]; then
	if in_ci; then
		die "Chromium is missing at $CHROMIUM in CI: .ci/run must install the chromium package."
	elif [[ $CHROMIUM == /usr/bin/chromium && $(id -u) -eq 0 ]]; then
		printf 'test-browser: installing Chromium (apt-get install -y chromium)\n' >&2
		apt-get -qq update
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends chromium </dev/null >/dev/null ||
			die "could not install Chromium with apt-get."
		[[ -x $CHROMIUM ]] || die "apt-get installed chromium but $CHROMIUM is still missing."
	else
		die "Chromium is missing at $CHROMIUM. Install it with: sudo apt-get install -y chromium (or set LGSP_CHROMIUM to a Chromium binary)."
	fi
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json || package.json -nt node_modules/.package-lock.json ]]; then
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json
fi
