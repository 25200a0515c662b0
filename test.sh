#!/usr/bin/env bash
# The test command: installs what the tests need, then vets and runs every test,
# browser tests included. Usage: ./test.sh [go test flags...]
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
# Two cores: run packages one after another so browser and timing-sensitive tests
# do not starve each other.
go test -p 1 -count=1 -timeout 20m "$@" ./...
