#!/usr/bin/env bash
# Checks contrib/hichat.service: `systemd-analyze verify` (syntax, known
# settings, the ExecStart binary), `systemd-analyze security --offline`
# (the exposure score must stay at most 2.0 of 10), and that the hardening
# README promises is really there. Skips, saying so, where systemd-analyze
# is missing. The unit is not started: that needs systemd as PID 1.
#
#   HICHAT_BIN=target/debug/hichat bash contrib/check-service.sh
set -euo pipefail
cd "$(dirname "$0")/.."
unit=${1:-contrib/hichat.service}
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed (apt-get install systemd); $unit not checked"
  exit 0
fi
bin=${HICHAT_BIN:-$PWD/target/debug/hichat}
[ -x "$bin" ] || { echo "FAIL: no hichat binary at $bin (cargo build -p hichat)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart's program exists: point it at the build.
sed "s|/usr/local/bin/hichat|$bin|" "$unit" > "$tmp/hichat.service"
if ! out=$(systemd-analyze verify "$tmp/hichat.service" 2>&1) || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify:"; echo "$out"; exit 1
fi
for want in '^User=hichat$' '^ProtectSystem=strict$' '^NoNewPrivileges=yes$' '^PrivateTmp=yes$' \
  '^ProtectHome=yes$' '^StateDirectory=hichat$' '^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX$' \
  '^CapabilityBoundingSet=$' '^AmbientCapabilities=$' '^ExecReload=/bin/kill -HUP \$MAINPID$'; do
  grep -Eq "$want" "$unit" || { echo "FAIL: $unit has no line matching $want"; exit 1; }
done
# The ExecStart line must be one `hichat serve` accepts.
args=$(sed -n 's|^ExecStart=/usr/local/bin/hichat ||p' "$unit")
# shellcheck disable=SC2086
"$bin" $args --help >/dev/null || { echo "FAIL: hichat does not accept: $args"; exit 1; }
score=$(systemd-analyze security --offline=yes "$tmp/hichat.service" 2>&1 |
  sed -n 's/.*Overall exposure level for hichat.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "FAIL: no exposure score from systemd-analyze security"; exit 1; }
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { echo "FAIL: exposure $score is over 2.0"; exit 1; }
echo "ok: $unit verifies; exposure $score of 10 (systemd-analyze security)"
