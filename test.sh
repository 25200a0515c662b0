#!/usr/bin/env bash
# The test command: installs what the tests need, then vets and runs every test,
# browser tests included, and a race build of the core packages.
# Usage: ./test.sh [go test flags...]   (the flags go to every go test run)
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v efix >/dev/null 2>&1 || need+=(efax)
command -v iaxmodem >/dev/null 2>&1 || need+=(iaxmodem)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v strace >/dev/null 2>&1 || need+=(strace)
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}"
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

go vet ./...
command -v staticcheck >/dev/null 2>&1 || [[ -x "$(go env GOPATH)/bin/staticcheck" ]] ||
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
PATH="$PATH:$(go env GOPATH)/bin" staticcheck ./...

# Two runs side by side. Tests whose faxes cross a pair of software modems wait on a
# line that real time paces and hardly use the CPU; the rest is CPU-bound and runs at a
# lower priority, so that the modems, which must answer within T.30's windows, are never
# starved. Within each run packages go one after another (-p 1), so browser and
# timing-sensitive tests do not starve each other. Every test runs in exactly one of them.
# (A -run or -skip given to test.sh applies to both; the split below adds its own.)
modem_pkgs=(./hardware/fax ./bridge)
modem_test='^TestFaxGatewayFallsBackToClass1$' # in ./hardware, a CPU-bound package otherwise
mapfile -t rest < <(go list ./... | grep -v -x -e crisisroom/hardware/fax -e crisisroom/bridge)
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
(
  go test -p 1 -count=1 -timeout 20m "$@" "${modem_pkgs[@]}" &&
    go test -p 1 -count=1 -timeout 20m "$@" -run "$modem_test" ./hardware
) >"$logdir/modem.log" 2>&1 &
modem_pid=$!
rc=0
nice -n 10 go test -p 1 -count=1 -timeout 20m "$@" -skip "$modem_test" "${rest[@]}" || rc=$?
modem_rc=0
wait "$modem_pid" || modem_rc=$?
echo "--- tests over software modem lines (${modem_pkgs[*]}, ./hardware $modem_test):"
cat "$logdir/modem.log"
if ((rc != 0 || modem_rc != 0)); then
  echo "test.sh: FAIL (exit $rc; modem-line tests exit $modem_rc)"
  exit 1
fi

# The race detector where goroutines share state: tenancy, messaging and its fan-out,
# the MQTT bus, the serial port, and the journal's concurrent writers (one seq each, no
# gap, no double). Everything else ran above without it; under the race build's tenfold
# slowdown real-time tests (fax calls over modem lines, browsers) measure the machine,
# not the code.
race() { go test -race -count=1 -timeout 10m "$@"; }
race ./hooks/tenancy ./hooks/messaging/... ./hardware/mqttbus ./hardware/serialport
race -run '^TestJournalConcurrentWritesGapless$' ./hooks/journal
