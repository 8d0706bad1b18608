#!/usr/bin/env bash
# netsieve loss lab: TCP transfers through a router that drops packets at random, captured before and after the
# drop point. The retransmissions, duplicate ACKs and out-of-order arrivals come from the real TCP stacks.
#
#   lab/loss-lab.sh record OUTDIR    build it, run the transfers, write OUTDIR/*.pcap + lab.env, tear it down
#                                    (usually 6-15 s; a watchdog ends it after 90 s)
#   lab/loss-lab.sh down [PREFIX]    tear down (default: every nsloss-* namespace)
#
# Topology (IPv4 from 198.18.0.0/15 only; nothing is connected to the machine's real interfaces):
#
#   client eth0 ══ c0  router  s0 ══ eth0 server
#   198.18.30.10   198.18.30.1   198.18.31.1   198.18.31.10 (HTTP :8080)
#                  iptables FORWARD: -m statistic --mode random --probability 0.05 -j DROP (both directions),
#                  and the client's first SYN
#
# Captures (tcpdump -w, nanosecond timestamps), all on the router, where the DROP rule sits between them:
#   router-c0.pcap   the router's client-side veth: client -> server before the drop, server -> client after it
#   router-s0.pcap   the router's server-side veth: server -> client before the drop, client -> server after it
# Downloads (server -> client data) therefore lose segments between router-s0 and router-c0, uploads between
# router-c0 and router-s0.
#
# Traffic: 3 downloads of 3 MB and 2 uploads of 2 MB by two curl clients at once (one keep-alive connection with
# two downloads; every transfer bounded by curl --max-time). Needs root, iproute2, iptables (with the statistic
# match), tcpdump, python3, curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_NAME=loss-lab LAB_NS=nsloss- LAB_USAGE=2,7 # messages, namespace prefix, usage lines of this header
# shellcheck source=lab-lib.sh
. "$here/lab-lib.sh"

lab_record_args "$@"
lab_require ip iptables tcpdump python3 curl
lab_begin
lab_routed 30 31 10

# server: the lab's HTTP server: GET /blob?bytes=N sends N bytes, POST * reads the body and answers with its length
n "$S" python3 "$here/http_server.py" 198.18.31.10 8080 >"$tmp/server.log" 2>&1 & pids+=($!)
ready 50 n "$C" curl -s -m 1 -o /dev/null http://198.18.31.10:8080/blob?bytes=10
sleep 0.3 # let the readiness connection finish closing before the capture starts

# the drop point: every forwarded packet (both directions) is dropped with probability 0.05; and, so that every
# run has a retransmitted SYN, the client's first SYN (60 bytes; the 100-byte quota is then spent)
n "$R" iptables -A FORWARD -i c0 -p tcp --syn -m quota --quota 100 -j DROP
n "$R" iptables -A FORWARD -m statistic --mode random --probability 0.05 -j DROP

cap_pids=()
for entry in "c0 router-c0" "s0 router-s0"; do
  read -r ifc stem <<<"$entry"
  # ip netns exec execs tcpdump: $! is tcpdump itself, so SIGTERM below reaches it and it writes its statistics
  # (-s 2048: frames fit the 1514-byte packets and the 64 MB ring holds thousands of them; immediate mode: the last
  # packets are read before SIGTERM, not left in an unfinished ring block)
  ip netns exec "$R" tcpdump -i "$ifc" -n --immediate-mode -s 2048 -B 65536 --time-stamp-precision=nano \
    -w "$out/$stem.pcap" 'ip and tcp port 8080' 2>"$tmp/$stem.err" &
  cap_pids+=($!); pids+=($!)
done
for stem in router-c0 router-s0; do ready 100 grep -q "listening on" "$tmp/$stem.err"; done
sleep 0.3

# transfers (every one bounded by --max-time; a failed one is reported, the captures are still written)
web=http://198.18.31.10:8080
head -c 2000000 /dev/zero | tr '\0' u >"$tmp/upload.bin"
# two clients at once, each sequential: at most 2 x 15 s and 3 x 10 s
client_a() {
  n "$C" curl -sS --max-time 15 -o /dev/null -o /dev/null "$web/blob?bytes=3000000" "$web/blob?bytes=3000000&n=2"
}
client_b() {
  n "$C" curl -sS --max-time 10 -o /dev/null "$web/blob?bytes=3000000&n=3" &&
  n "$C" curl -sS --max-time 10 -o /dev/null -H 'Expect:' --data-binary @"$tmp/upload.bin" "$web/upload" &&
  n "$C" curl -sS --max-time 10 -o /dev/null -H 'Expect:' --data-binary @"$tmp/upload.bin" "$web/upload?n=2"
}
client_a & a_pid=$!; pids+=($a_pid)
client_b & b_pid=$!; pids+=($b_pid)
status=0
wait "$a_pid" || status=$?
wait "$b_pid" || status=$?
sleep 0.5

lab_stop_captures "${cap_pids[@]}"
dropped="$(n "$R" iptables -L FORWARD -v -x -n | awk '/DROP/ {d += $1} END {print d + 0}')"
# tcpdump's own losses would be confused with the router's: count them (dropped by the kernel, or received by the
# filter but not written)
capture_drops=0
for stem in router-c0 router-s0; do
  d="$(awk '/packets captured/ {c = $1} /received by filter/ {r = $1} /dropped by kernel/ {k = $1}
            END {print (r - c) + k}' "$tmp/$stem.err")"
  capture_drops=$((capture_drops + ${d:-0}))
done

cat >"$out/lab.env" <<EOF
# addresses of the loss lab that recorded these captures (see lab/loss-lab.sh)
CLIENT=198.18.30.10
SERVER=198.18.31.10
HTTP_PORT=8080
DROP_PROBABILITY=0.05
DROPPED_PACKETS=${dropped:-0}
CAPTURE_DROPS=$capture_drops
CURL_STATUS=$status
EOF
echo "loss-lab: recorded router-c0.pcap and router-s0.pcap into $out (router dropped ${dropped:-0} packets, tcpdump dropped $capture_drops, curl status $status)"
