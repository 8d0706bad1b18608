# shellcheck shell=bash
# What the namespace labs share (sourced by lab/netsieve-lab.sh and lab/loss-lab.sh; not run on its own).
# The sourcing script sets LAB_NAME (the prefix of its messages), LAB_NS (the prefix every namespace it creates
# starts with, e.g. "nslab-") and LAB_USAGE (the lines of its header comment that are its usage, e.g. "2,7") before
# it sources this file. Nothing here touches the machine's real interfaces.

# usage: the script's usage (from its header comment), exit 2.
usage() {
  sed -n "${LAB_USAGE}p" "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

# lab_down PREFIX: every namespace whose name starts with PREFIX (which must start with LAB_NS): its processes are
# killed, then it is deleted (with it go its veths and their peers).
lab_down() {
  local prefix="${1:-$LAB_NS}"
  case "$prefix" in "$LAB_NS"*) ;; *) echo "$LAB_NAME: refusing to delete namespaces outside $LAB_NS*" >&2; return 1 ;; esac
  for ns in $(ip netns list | awk '{print $1}' | grep "^${prefix}" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns delete "$ns" 2>/dev/null || true
  done
}

# lab_require TOOL...: exits 3 (with the reason) unless every tool is installed and we are root.
lab_require() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$LAB_NAME: '$tool' is not installed" >&2; exit 3; }
  done
  [ "$(id -u)" = 0 ] || { echo "$LAB_NAME: needs root (network namespaces)" >&2; exit 3; }
}

# n NS COMMAND...: COMMAND in namespace NS.
n() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# ready TRIES COMMAND...: COMMAND every 0.1 s until it succeeds, at most TRIES times.
ready() {
  local tries="$1"; shift
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$LAB_NAME: not ready: $*" >&2; return 1
}

# lab_traps CLEANUP: CLEANUP runs at exit (also after INT/TERM), and a watchdog ends the whole run after 90 s even
# if a tool hangs. The background processes the script starts go into the array "pids" (killed by lab_stop).
pids=()
lab_traps() {
  trap "$1" EXIT
  trap 'exit 1' INT TERM
  # (the watchdog's output goes to /dev/null so a leftover sleep never holds the caller's pipe open)
  ( sleep 90; kill -TERM $$ ) >/dev/null 2>&1 &
  watchdog=$!
}

# lab_stop: for the cleanup: the watchdog and every process in "pids" are ended, then a moment for them to go.
lab_stop() {
  kill "${watchdog:-0}" 2>/dev/null || true
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  sleep 0.2
}

# lab_stop_captures PID...: ends tcpdumps and waits until they have written their files.
# SIGTERM, not SIGINT: background jobs of a script ignore SIGINT; tcpdump flushes its file on either.
lab_stop_captures() {
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
