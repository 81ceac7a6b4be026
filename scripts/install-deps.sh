#!/usr/bin/env bash
# scripts/install-deps.sh -- Installs the Debian packages LogStream builds and tests with.
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
# Packages already present are left alone, so a prepared machine needs no network.
set -euo pipefail

packages=(
  g++ pkg-config meson ninja-build
  libfmt-dev libsimdjson-dev libyaml-cpp-dev libcpp-httplib-dev prometheus-cpp-dev
  libre2-dev catch2 libzstd-dev libssl-dev zlib1g-dev
  jq groff-base python3 curl openssl
  bsdutils  # util-linux's logger: the syslog client of tests/e2e/logcollect_listeners.sh
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: this is not a Debian-like system; install these (or your distribution's" >&2
  echo "equivalents) and run again: ${packages[*]}" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing Debian packages; run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
