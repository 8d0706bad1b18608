# shellcheck shell=bash
# What the namespace labs share (sourced by lab/netsieve-lab.sh, lab/loss-lab.sh and lab/trouble-lab.sh; not run on
# its own).
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

# lab_begin: the run's namespace prefix P (LAB_NS and 4 random hex digits) and scratch folder tmp; at exit (also after
# INT/TERM or the watchdog) the background processes end, the namespaces under P go, and tmp is removed.
lab_begin() {
  P="${LAB_NS}$(printf '%04x' $((RANDOM % 65536)))"
  tmp="$(mktemp -d "/tmp/netsieve-$LAB_NAME.XXXXXX")"
  lab_traps lab_cleanup
}
lab_cleanup() {
  lab_stop
  lab_down "$P-"
  rm -rf "$tmp"
}

# lab_routed CLIENT_NET SERVER_NET SERVER_HOST: namespaces $P-client, $P-router, $P-server (their names in C, R, S):
#   client eth0 198.18.CLIENT_NET.10/24 == c0 198.18.CLIENT_NET.1  router  s0 198.18.SERVER_NET.1 == eth0 server
#   198.18.SERVER_NET.SERVER_HOST/24; the router forwards, client and server route through it.
lab_routed() {
  C="$P-client"; R="$P-router"; S="$P-server"
  for ns in "$C" "$R" "$S"; do
    ip netns add "$ns"
    n "$ns" ip link set lo up
  done
  n "$R" sysctl -q -w net.ipv4.ip_forward=1
  ip link add eth0 netns "$C" type veth peer name c0 netns "$R"
  ip link add eth0 netns "$S" type veth peer name s0 netns "$R"
  n "$C" ip addr add "198.18.$1.10/24" dev eth0
  n "$R" ip addr add "198.18.$1.1/24" dev c0
  n "$R" ip addr add "198.18.$2.1/24" dev s0
  n "$S" ip addr add "198.18.$2.$3/24" dev eth0
  for link in "$C eth0" "$R c0" "$R s0" "$S eth0"; do
    read -r ns ifc <<<"$link"
    # one MSS per packet (no ethtool needed): the stacks send, and the router drops, real MTU-sized segments
    # instead of 64 KB GSO super-packets
    n "$ns" ip link set "$ifc" gso_max_segs 1 gso_max_size 1500 2>/dev/null || n "$ns" ip link set "$ifc" gso_max_segs 1
    n "$ns" ip link set "$ifc" up
  done
  n "$C" ip route add default via "198.18.$1.1"
  n "$S" ip route add default via "198.18.$2.1"
}

# lab_record_args "$@": the command line of a lab with the modes "record OUTDIR" and "down [PREFIX]": "down" tears
# down (default: every LAB_NS* namespace) and exits; "record" sets out to OUTDIR, created and made absolute; anything
# else prints the usage.
lab_record_args() {
  [ $# -ge 1 ] || usage
  case "$1" in
    down) lab_down "${2:-$LAB_NS}"; exit 0 ;;
    record) [ $# -ge 2 ] || usage ;;
    *) usage ;;
  esac
  out="$2"
  mkdir -p "$out"; out="$(cd "$out" && pwd)"
}
