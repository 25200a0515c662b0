#!/usr/bin/env bash
# Installs crisisroom as a hardened systemd service: its own system user in the dialout
# group (serial fax modems and signs), data under /var/lib/crisisroom, restarted always.
# Running it again brings an installation up to date and changes nothing else.
#
# Usage: sudo ./install.sh [options]
#   --binary PATH   install this binary (default: build one with `go build` from this folder)
#   --http ADDR     HTTP listen address            (default 0.0.0.0:8090)
#   --https ADDR    HTTPS listen address or "off"  (default: the binary's, 0.0.0.0:8443)
#   --mqtt ADDR     MQTT listen address or "off"   (default 0.0.0.0:1883)
#   --public-url U  base URL printed in links and QR codes (default: derived)
#   --prefix DIR    write every file under DIR instead of / (for packaging and tests);
#                   users and systemd are then left alone and their commands printed
#   --dry-run       print what would be written and run, change nothing outside --prefix
#   --uninstall     stop and remove the service and the binary; the data stays
#   --purge         with --uninstall: also remove the data and the user
set -euo pipefail

HTTP_ADDR="0.0.0.0:8090"
HTTPS_ADDR=""
MQTT_ADDR="0.0.0.0:1883"
PUBLIC_URL=""
BINARY=""
PREFIX=""
DRY_RUN=0
UNINSTALL=0
PURGE=0

USER_NAME="crisisroom"
BIN_PATH="/usr/local/bin/crisisroom"
UNIT_PATH="/etc/systemd/system/crisisroom.service"
DATA_DIR="/var/lib/crisisroom"

die() { echo "install.sh: $*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --binary) BINARY="${2:?--binary needs a path}"; shift 2 ;;
    --http) HTTP_ADDR="${2:?--http needs an address}"; shift 2 ;;
    --https) HTTPS_ADDR="${2:?--https needs an address}"; shift 2 ;;
    --mqtt) MQTT_ADDR="${2:?--mqtt needs an address}"; shift 2 ;;
    --public-url) PUBLIC_URL="${2:?--public-url needs a URL}"; shift 2 ;;
    --prefix) PREFIX="${2:?--prefix needs a folder}"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

if [[ -n $PREFIX ]]; then
  mkdir -p "$PREFIX"
  PREFIX="$(cd "$PREFIX" && pwd)"
fi
if ((!DRY_RUN)) && [[ -z $PREFIX ]] && [[ $(id -u) -ne 0 ]]; then
  die "run as root (or with --dry-run / --prefix)"
fi

# WRITE: files are written (under the prefix, or for real). SYSTEM: commands that change
# users, ownership and services are run; otherwise they are printed.
WRITE=1 SYSTEM=1
((DRY_RUN)) && [[ -z $PREFIX ]] && WRITE=0
((DRY_RUN)) || [[ -n $PREFIX ]] && SYSTEM=0

run() {
  if ((!SYSTEM)); then
    printf 'would run:'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

# put writes a file under the prefix, only when its content differs; it says what changed.
CHANGED=0
put() { # put MODE PATH < content
  local mode="$1" dest="$PREFIX$2" tmp
  tmp="$(mktemp)"
  cat >"$tmp"
  if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    echo "unchanged: $2"
    return
  fi
  CHANGED=1
  if ((!WRITE)); then
    rm -f "$tmp"
    echo "would write: $2 (mode $mode)"
    return
  fi
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$tmp" "$dest"
  rm -f "$tmp"
  echo "written:   $2"
}

port_of() { local a="$1"; [[ $a == off || -z $a ]] && { echo 65535; return; }; echo "${a##*:}"; }

systemd_here() { [[ -z $PREFIX ]] && command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; }

if ((UNINSTALL)); then
  if systemd_here || ((!SYSTEM)); then
    run systemctl disable --now crisisroom.service || true
  fi
  for f in "$UNIT_PATH" "$BIN_PATH"; do
    if [[ -e $PREFIX$f ]]; then
      if ((WRITE)); then rm -f "$PREFIX$f"; echo "removed:   $f"; else echo "would remove: $f"; fi
    fi
  done
  if systemd_here || ((!SYSTEM)); then run systemctl daemon-reload; fi
  if ((PURGE)); then
    if ((WRITE)); then rm -rf "${PREFIX}${DATA_DIR:?}" && echo "removed:   $DATA_DIR"; else echo "would remove: $DATA_DIR"; fi
    if [[ -z $PREFIX ]] && getent passwd "$USER_NAME" >/dev/null; then run userdel "$USER_NAME"; fi
  else
    echo "kept:      $DATA_DIR (the data; remove it with --uninstall --purge)"
  fi
  exit 0
fi

# The binary: the one given, or one built from this checkout.
if [[ -z $BINARY ]]; then
  command -v go >/dev/null 2>&1 || die "no --binary given and no Go toolchain to build one"
  src="$(cd "$(dirname "$0")" && pwd)"
  # -tags no_ui: both web UIs go into the binary deflated (uizip), 2.1 MB smaller; the
  # generate step zips pb_public as it is now (uizip/public.zip, not kept in git).
  gen=(go generate -run public ./uizip)
  build=(env CGO_ENABLED=0 go build -ldflags '-s -w' -trimpath -tags no_ui -o)
  if ((WRITE)); then
    BINARY="$(mktemp -d)/crisisroom"
    trap 'rm -rf "$(dirname "$BINARY")"' EXIT
    echo "building:  ${build[*]} $BINARY (in $src, after ${gen[*]})"
    (cd "$src" && "${gen[@]}" && "${build[@]}" "$BINARY" .)
  else
    echo "would build: ${build[*]} BINARY (in $src, after ${gen[*]})"
    BINARY=/dev/null
  fi
fi
[[ $BINARY == /dev/null || -x $BINARY ]] || die "$BINARY is not an executable file"

# The service account: no login, no home of its own, dialout for the serial devices.
if [[ -z $PREFIX ]] && getent passwd "$USER_NAME" >/dev/null; then
  echo "exists:    user $USER_NAME"
else
  run useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
if [[ -n $PREFIX ]] || ! id -nG "$USER_NAME" 2>/dev/null | tr ' ' '\n' | grep -qx dialout; then
  run usermod --append --groups dialout "$USER_NAME"
fi

if ((WRITE)); then
  mkdir -p "$PREFIX$DATA_DIR/data"
  chmod 0750 "$PREFIX$DATA_DIR" "$PREFIX$DATA_DIR/data"
else
  echo "would create: $DATA_DIR/data (mode 0750)"
fi
run chown -R "$USER_NAME:$USER_NAME" "$PREFIX$DATA_DIR"

put 0755 "$BIN_PATH" <"$BINARY"

# Binding a port below 1024 needs one capability; otherwise the service gets none.
caps="CapabilityBoundingSet="
lowest=65535
for a in "$HTTP_ADDR" "$HTTPS_ADDR" "$MQTT_ADDR"; do
  p="$(port_of "$a")"
  [[ $p =~ ^[0-9]+$ ]] || die "cannot read the port of $a"
  ((p < lowest)) && lowest=$p
done
if ((lowest < 1024)); then
  caps=$'AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE'
fi

args="serve --dir $DATA_DIR/data --http $HTTP_ADDR --mqtt $MQTT_ADDR"
[[ -n $HTTPS_ADDR ]] && args+=" --https $HTTPS_ADDR"
[[ -n $PUBLIC_URL ]] && args+=" --public-url $PUBLIC_URL"

put 0644 "$UNIT_PATH" <<EOF
# Written by install.sh; running it again rewrites this file.
[Unit]
Description=crisisroom appliance (messaging, MQTT broker, room hardware)
Documentation=file://$DATA_DIR
After=network.target
Wants=network.target

[Service]
Type=simple
User=$USER_NAME
Group=$USER_NAME
SupplementaryGroups=dialout
WorkingDirectory=$DATA_DIR
ExecStart=$BIN_PATH $args
Restart=always
RestartSec=2
TimeoutStopSec=20
LimitNOFILE=65536

# Hardening. No PrivateDevices: the fax modems and signs are serial devices in /dev.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$DATA_DIR
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
UMask=0027
$caps

[Install]
WantedBy=multi-user.target
EOF

if systemd_here || ((!SYSTEM)); then
  run systemctl daemon-reload
  run systemctl enable crisisroom.service
  if ((CHANGED)); then
    run systemctl restart crisisroom.service
  else
    run systemctl start crisisroom.service
  fi
else
  echo "note:      systemd is not running here; start the service on the target with: systemctl enable --now crisisroom"
fi
echo "done:      crisisroom listens on http://$HTTP_ADDR (MQTT $MQTT_ADDR); data in $DATA_DIR"
echo "           first start: 'journalctl -u crisisroom' shows the one-time setup link"
