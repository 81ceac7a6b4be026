#!/usr/bin/env bash
# tests/e2e/systemd_units.sh -- The systemd units that meson generates from systemd/*.in:
#   - no @variable@ is left, and ExecStart= runs the tool from the configured BINDIR;
#   - each unit keeps its hardening (DynamicUser=yes, ProtectSystem=strict, ...) and its state
#     directory (logstream for the store services, logcollect for logcollect, which also
#     reads /var/log through the group adm, read-only);
#   - `systemd-analyze verify` accepts them without a word: it exits 0 even for an unknown
#     key or a bad value and only prints a warning, so any output is a failure (a unit with
#     a misspelt key is checked first, to show that this version does print one).
# verify insists that ExecStart='s program exists, so it reads a copy of each unit whose
# ExecStart= points at the built binary ($LOGSTORE, $LOGSERVE, $LOGCOLLECT), or at a stand-in when this
# build has no such tool (logserve before it is merged); --man=no, because the man pages are
# not installed. Without systemd-analyze the test is skipped (exit 77).
#
#   LOGSTORE=build/tools/logstore/logstore [LOGSERVE=...] [LOGCOLLECT=...] \
#     bash tests/e2e/systemd_units.sh BINDIR build/systemd/*.service
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 2 ]] || fail "usage: systemd_units.sh BINDIR UNIT..."
bindir=$1
shift
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "skip: systemd-analyze is not installed (Debian package systemd)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-units.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
export LC_ALL=C SYSTEMD_LOG_COLOR=0 SYSTEMD_PAGER=
mkdir -p "$work/bin" "$work/units" "$work/control"

# verify FILE...: sets $rc and leaves everything systemd-analyze printed in $work/verify.
verify() {
  systemd-analyze verify --man=no "$@" >"$work/verify" 2>&1
  rc=$?
}

check "systemd-analyze verify reports a misspelt key (the check below can fail)"
printf '[Unit]\nDescription=control\n[Service]\nExecStart=/bin/sh -c true\nProtectSytem=strict\n' \
  >"$work/control/control.service"
verify "$work/control/control.service"
[[ -s $work/verify ]] || fail "systemd-analyze verify printed nothing for a unit with the key 'ProtectSytem=': this test could not see a bad unit"

required=(
  "DynamicUser=yes" "ProtectSystem=strict" "ProtectHome=yes"
  "PrivateTmp=yes" "NoNewPrivileges=yes" "PrivateDevices=yes"
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "SystemCallFilter=@system-service"
  "CapabilityBoundingSet=" "MemoryDenyWriteExecute=yes" "KillSignal=SIGTERM"
  "Restart=on-failure"
)
# What differs by unit: the stores' services share /var/lib/logstream; logcollect has its own
# state and reads the system's logs.
declare -A unit_lines=(
  [logserve.service]="StateDirectory=logstream"
  [logstore.service]="StateDirectory=logstream"
  [logcollect.service]="StateDirectory=logcollect|SupplementaryGroups=adm|ReadOnlyPaths=/var/log"
)
for unit in "$@"; do
  name=$(basename "$unit")
  check "$name: generated, ExecStart from $bindir, hardened"
  [[ -f $unit ]] || fail "$unit does not exist"
  grep -n '@[a-z_]*@' "$unit" && fail "$name: a @variable@ was not replaced"
  exec_start=$(grep '^ExecStart=' "$unit")
  [[ $(grep -c '^ExecStart=' "$unit") == 1 ]] || fail "$name: expected one ExecStart= line"
  program=${exec_start#ExecStart=}
  program=${program%% *}
  [[ $program == "$bindir/"log* ]] || fail "$name: ExecStart runs '$program', not a tool in $bindir"
  [[ -n ${unit_lines[$name]:-} ]] || fail "$name: a unit this test does not know (add it to unit_lines)"
  IFS='|' read -r -a own_lines <<<"${unit_lines[$name]}"
  for line in "${required[@]}" "${own_lines[@]}"; do
    grep -qxF "$line" "$unit" || fail "$name: no line '$line'"
  done
  grep -qE '^TimeoutStopSec=[0-9]+' "$unit" || fail "$name: no TimeoutStopSec="
  grep -qE '^LimitNOFILE=[0-9]+' "$unit" || fail "$name: no LimitNOFILE="

  # The copy for verify: ExecStart= runs $work/bin/TOOL.
  tool=$(basename "$program")
  var=$(echo "$tool" | tr '[:lower:]' '[:upper:]')
  built=${!var:-}
  if [[ -n $built && -x $built ]]; then
    ln -sf "$built" "$work/bin/$tool"
  else
    echo "  note: no built $tool (\$$var unset): ExecStart= checked against a stand-in"
    printf '#!/bin/sh\nexit 0\n' >"$work/bin/$tool"
    chmod +x "$work/bin/$tool"
  fi
  sed "s|^ExecStart=$program |ExecStart=$work/bin/$tool |" "$unit" >"$work/units/$name"
done

check "systemd-analyze verify accepts the units and prints nothing"
verify "$work"/units/*
[[ $rc == 0 && ! -s $work/verify ]] \
  || fail "systemd-analyze verify: exit status $rc, output:"$'\n'"$(cat "$work/verify")"

echo "PASS: systemd_units ($# units)"
