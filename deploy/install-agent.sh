#!/bin/sh
# DevFlow agent installer.
#
#   curl -fsSL <control-plane>/install.sh | sudo sh -s -- --token <enrolment token>
#
# Downloads the agent bundle from the control plane, verifies its checksum, enrols the server
# (first install only), and runs the agent under systemd (or in the background with --no-systemd).
# Running it again upgrades the agent in place without enrolling again.
set -eu

# Filled in by the control plane when it serves this script (GET /install.sh).
DEVFLOW_URL="__DEVFLOW_URL__"

TOKEN=""
NAME=""
LABELS=""
DATA_DIR=""
PREFIX=""
USE_SYSTEMD=1
UNINSTALL=0
PURGE=0
MIN_NODE_MAJOR=20

say() { printf 'devflow: %s\n' "$*"; }
fail() { printf 'devflow: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<USAGE
Usage: install.sh [options]
  --token T        enrolment token from the console or 'devflow servers add' (first install only)
  --url URL        control plane URL (default: $DEVFLOW_URL)
  --name N         server name (default: the host name)
  --labels a,b     labels for the server
  --data-dir D     agent data directory (default: /var/lib/devflow-agent)
  --prefix P       where the agent bundle is installed (default: /usr/local/lib/devflow-agent,
                   or <data-dir>/bin with --no-systemd)
  --no-systemd     do not install systemd units; run the agent in the background with a pid file
  --uninstall      stop and remove the agent (keeps the data directory unless --purge)
  --purge          with --uninstall: also delete the data directory
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --token) [ $# -ge 2 ] || fail "--token needs a value"; TOKEN="$2"; shift 2 ;;
    --url) [ $# -ge 2 ] || fail "--url needs a value"; DEVFLOW_URL="$2"; shift 2 ;;
    --name) [ $# -ge 2 ] || fail "--name needs a value"; NAME="$2"; shift 2 ;;
    --labels) [ $# -ge 2 ] || fail "--labels needs a value"; LABELS="$2"; shift 2 ;;
    --data-dir) [ $# -ge 2 ] || fail "--data-dir needs a value"; DATA_DIR="$2"; shift 2 ;;
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a value"; PREFIX="$2"; shift 2 ;;
    --no-systemd) USE_SYSTEMD=0; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown option: $1" ;;
  esac
done

case "$DEVFLOW_URL" in
  http://*|https://*) ;;
  *) fail "no control plane URL: pass --url https://your-control-plane" ;;
esac
DEVFLOW_URL="${DEVFLOW_URL%/}"
[ -n "$DATA_DIR" ] || DATA_DIR=/var/lib/devflow-agent
if [ -z "$PREFIX" ]; then
  if [ "$USE_SYSTEMD" = 1 ]; then PREFIX=/usr/local/lib/devflow-agent; else PREFIX="$DATA_DIR/bin"; fi
fi
BUNDLE="$PREFIX/devflow-agent.js"
PID_FILE="$DATA_DIR/agent.pid"
LOG_FILE="$DATA_DIR/agent.log"
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

stop_background_agent() {
  if [ -f "$PID_FILE" ]; then
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      i=0
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
  fi
}

if [ "$UNINSTALL" = 1 ]; then
  if [ "$USE_SYSTEMD" = 1 ] && command -v systemctl >/dev/null 2>&1 && [ -f /etc/systemd/system/devflow-agent.service ]; then
    systemctl disable --now devflow-agent.service devflow-proxy.service >/dev/null 2>&1 || true
    rm -f /etc/systemd/system/devflow-agent.service /etc/systemd/system/devflow-proxy.service
    systemctl daemon-reload
    say "removed the systemd units"
  fi
  stop_background_agent
  rm -rf "$PREFIX"
  if [ "$PURGE" = 1 ]; then rm -rf "$DATA_DIR"; say "deleted $DATA_DIR"; fi
  say "uninstalled. Remove the server in the console to forget it there too."
  exit 0
fi

# ---- Node.js ----
if ! command -v node >/dev/null 2>&1; then
  fail "Node.js >= $MIN_NODE_MAJOR is required and 'node' was not found. Install it first, e.g. on Debian/Ubuntu: 'apt-get install -y nodejs' (check 'node -v' is $MIN_NODE_MAJOR or newer), or from https://nodejs.org/en/download"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt "$MIN_NODE_MAJOR" ]; then
  fail "Node.js >= $MIN_NODE_MAJOR is required, found $(node -v). Upgrade Node.js (https://nodejs.org/en/download) and run this again."
fi

# ---- download + verify, before anything on this machine changes ----
if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 2 --connect-timeout 10 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -T 10 -O "$2" "$1"; }
else
  fail "curl or wget is needed to download the agent"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  fail "sha256sum or shasum is needed to verify the download"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fetch "$DEVFLOW_URL/agent/download" "$TMP/devflow-agent.js" \
  || fail "could not download the agent from $DEVFLOW_URL/agent/download (is the control plane reachable from this server?)"
fetch "$DEVFLOW_URL/agent/download.sha256" "$TMP/devflow-agent.js.sha256" \
  || fail "could not download the checksum from $DEVFLOW_URL/agent/download.sha256"
expected=$(cut -d' ' -f1 <"$TMP/devflow-agent.js.sha256")
actual=$(sha256 "$TMP/devflow-agent.js")
[ -n "$expected" ] && [ "$expected" = "$actual" ] \
  || fail "checksum mismatch for the downloaded agent (expected $expected, got $actual); nothing was installed"
version=$(node "$TMP/devflow-agent.js" version 2>/dev/null || echo unknown)
say "downloaded agent $version (sha256 $actual)"

# ---- user + data dir ----
if [ "$USE_SYSTEMD" = 1 ]; then
  [ "$IS_ROOT" = 1 ] || fail "installing the systemd service needs root: run with sudo, or pass --no-systemd"
  command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: pass --no-systemd to run the agent without systemd"
  if ! id devflow >/dev/null 2>&1; then
    useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin devflow \
      || fail "could not create the 'devflow' system user"
    say "created system user devflow"
  fi
fi

created_data_dir=0
if [ ! -d "$DATA_DIR" ]; then
  mkdir -p "$DATA_DIR"
  created_data_dir=1
fi
chmod 0700 "$DATA_DIR"

# ---- enrol (first install only) ----
if [ -f "$DATA_DIR/agent.json" ]; then
  say "already enrolled ($DATA_DIR/agent.json): upgrading in place"
else
  [ -n "$TOKEN" ] || fail "this server is not enrolled yet: pass --token <enrolment token> (Servers > Add server in the console)"
  # --opt=value: a value starting with "-" must not be read as an option.
  set -- enroll "--url=$DEVFLOW_URL" "--token=$TOKEN" "--data-dir=$DATA_DIR"
  [ -n "$NAME" ] && set -- "$@" "--name=$NAME"
  [ -n "$LABELS" ] && set -- "$@" "--labels=$LABELS"
  if ! node "$TMP/devflow-agent.js" "$@"; then
    [ "$created_data_dir" = 1 ] && rm -rf "$DATA_DIR"
    fail "enrolment was refused (see the message above); nothing was installed"
  fi
  say "enrolled with $DEVFLOW_URL"
fi

# ---- install the bundle (atomic replace) ----
mkdir -p "$PREFIX"
cp "$TMP/devflow-agent.js" "$PREFIX/.devflow-agent.js.new"
chmod 0755 "$PREFIX/.devflow-agent.js.new"
mv -f "$PREFIX/.devflow-agent.js.new" "$BUNDLE"
[ "$USE_SYSTEMD" = 1 ] && chown -R devflow:devflow "$DATA_DIR"

# ---- run ----
if [ "$USE_SYSTEMD" = 1 ]; then
  for unit in devflow-agent devflow-proxy; do
    fetch "$DEVFLOW_URL/agent/systemd/$unit.service" "$TMP/$unit.service" || fail "could not download the $unit unit"
    sed -e "s#/usr/local/lib/devflow-agent/devflow-agent.js#$BUNDLE#" -e "s#/var/lib/devflow-agent#$DATA_DIR#g" \
      "$TMP/$unit.service" >"/etc/systemd/system/$unit.service"
  done
  systemctl daemon-reload
  systemctl enable --now devflow-proxy.service >/dev/null
  systemctl enable devflow-agent.service >/dev/null
  # Restarting only the agent: the proxy keeps serving traffic during an upgrade.
  systemctl restart devflow-agent.service
  say "agent running under systemd"
  say "  status: systemctl status devflow-agent devflow-proxy"
  say "  logs:   journalctl -u devflow-agent -f"
else
  stop_background_agent
  nohup node "$BUNDLE" run --data-dir "$DATA_DIR" >>"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  sleep 0.3
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || fail "the agent exited right after starting; see $LOG_FILE"
  say "agent running in the background (pid $(cat "$PID_FILE"))"
  say "  status: kill -0 \$(cat $PID_FILE) && echo running"
  say "  logs:   tail -f $LOG_FILE"
fi
say "installed $BUNDLE (data: $DATA_DIR). The server shows online in the console within a few seconds."
