#!/usr/bin/env bash
# netsieve trouble lab: a client, a router and a server namespace whose traffic goes wrong in the ways the findings analyzer
# looks for, made by the real stacks and servers (nothing is written by hand):
#
#   lab/trouble-lab.sh record OUTDIR    build it, run the traffic, write OUTDIR/*.pcap + captures.tsv + lab.env,
#                                       tear it down (usually 15-20 s; a watchdog ends it after 90 s)
#   lab/trouble-lab.sh down [PREFIX]    tear down (default: every nstrbl-* namespace)
#
# Topology (IPv4 from 198.18.0.0/15 only; nothing is connected to the machine's real interfaces):
#
#   client eth0 ══ c0  router  s0 ══ eth0 server
#   198.18.40.10   198.18.40.1   198.18.41.1   198.18.41.20   HTTP :8080 (lab/http_server.py and /reset),
#                                                             the same on :8081
#
# What goes wrong, and how:
#   slow hop           25 quick GETs, then a token bucket (tbf, 4 Mbit/s) on the router's s0 and a 1.5 MB upload
#                      fill that queue while 3 more GETs (/?phase=slow) wait in it: their requests take hundreds of
#                      ms from router c0 to router s0 instead of tens of microseconds; then the tbf goes
#   reset mid-stream   GET /reset on :8080: the server sends the response head and part of the body, then closes
#                      with SO_LINGER 0 (the kernel sends an RST); done twice
#   loss               downloads from :8081; the router drops 5 % of what :8081 sends at random (iptables statistic
#                      in FORWARD), so router s0 and the server see every segment and its retransmission, router c0
#                      and the client the gaps; and while a keep-alive client asks :8081 every 100 ms the router
#                      drops all of it for 0.5 s (retransmissions after a timeout, whatever the random drops did)
#   zero window        a client with a 4 KB receive buffer asks :8080 for 1 MB and reads nothing for 1.5 s
#   DNS timeout        3 DNS queries to the server's port 53, whose INPUT drops UDP port 53
#
# Captures (tcpdump -w, nanosecond timestamps): client-eth0, router-c0, router-s0, server-eth0 (.pcap), captures.tsv (the
# manifest: each NIC's addresses, MAC and listening sockets) and lab.env. Needs root, iproute2, iptables (with the
# statistic match), tcpdump, python3, curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_NAME=trouble-lab LAB_NS=nstrbl- LAB_USAGE=2,7 # messages, namespace prefix, usage lines of this header
# shellcheck source=lab-lib.sh
. "$here/lab-lib.sh"

lab_record_args "$@"
lab_require ip iptables tcpdump python3 curl ss
lab_begin
lab_routed 40 41 20

# the lab's HTTP server (lab/http_server.py, with /blob?bytes=N), plus /reset (head and part of the body, then an RST)
cat >"$tmp/server.py" <<'EOF'
import runpy
import socket
import struct
import sys
from urllib.parse import urlparse

lab = runpy.run_path(sys.argv[1])
Base = lab["Handler"]
BLOCK = lab["BLOCK"]


class Handler(Base):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/reset":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(BLOCK[:3000])
            self.wfile.flush()
            # SO_LINGER on, 0 s: close() discards what is unsent and sends an RST
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:
            super().do_GET()

    do_HEAD = do_GET


server = lab["DualStackServer"]((sys.argv[2], int(sys.argv[3])), Handler)
server.serve_forever()
EOF
for port in 8080 8081; do
  n "$S" python3 "$tmp/server.py" "$here/http_server.py" 198.18.41.20 "$port" >"$tmp/server-$port.log" 2>&1 &
  pids+=($!)
done
ready 50 n "$C" curl -s -m 1 -o /dev/null http://198.18.41.20:8080/
ready 50 n "$C" curl -s -m 1 -o /dev/null http://198.18.41.20:8081/
sleep 0.3 # let the readiness connections finish closing before the captures start

n "$R" iptables -A FORWARD -o c0 -p tcp --sport 8081 -m statistic --mode random --probability 0.05 -j DROP
n "$S" iptables -A INPUT -p udp --dport 53 -j DROP

cap_pids=()
for entry in "$C eth0 client-eth0" "$R c0 router-c0" "$R s0 router-s0" "$S eth0 server-eth0"; do
  read -r ns ifc stem <<<"$entry"
  ip netns exec "$ns" tcpdump -i "$ifc" -n --immediate-mode -s 2048 -B 65536 --time-stamp-precision=nano \
    -w "$out/$stem.pcap" 'ip' 2>"$tmp/$stem.err" &
  cap_pids+=($!); pids+=($!)
done
for stem in client-eth0 router-c0 router-s0 server-eth0; do ready 100 grep -q "listening on" "$tmp/$stem.err"; done
sleep 0.3

web=http://198.18.41.20
# slow hop: a history of quick exchanges, then requests queued behind an upload in a token bucket on router s0
for i in $(seq 25); do n "$C" curl -s -m 2 -o /dev/null "$web:8080/?phase=quick&n=$i" || true; done
n "$R" tc qdisc add dev s0 root tbf rate 4mbit burst 16kb latency 2s
head -c 1500000 /dev/zero | tr '\0' u >"$tmp/upload.bin"
n "$C" curl -s -m 10 -o /dev/null -H 'Expect:' --data-binary @"$tmp/upload.bin" "$web:8080/upload" & up_pid=$!
pids+=($up_pid)
sleep 0.6
for i in 1 2 3; do n "$C" curl -s -m 5 -o /dev/null "$web:8080/?phase=slow&n=$i" || true; sleep 0.3; done
wait "$up_pid" || true
n "$R" tc qdisc del dev s0 root
# two resets mid-stream (curl reports the reset: exit status 56)
for i in 1 2; do n "$C" curl -s -m 5 -o /dev/null "$web:8080/reset?n=$i" || true; done
# loss: three downloads of 2 MB from :8081, every one bounded by --max-time
for i in 1 2 3; do n "$C" curl -sS -m 15 -o /dev/null "$web:8081/blob?bytes=2000000&n=$i" || true; done
# a blackout on :8081's answers while a keep-alive client sends a request every 100 ms
n "$C" timeout 20 python3 - <<'EOF' &
import socket
import time

s = socket.create_connection(("198.18.41.20", 8081), timeout=10)
for i in range(12):
    s.sendall(b"GET /?keepalive=%d HTTP/1.1\r\nHost: 198.18.41.20:8081\r\n\r\n" % i)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
    body = head.split(b"\r\n\r\n", 1)[1]
    while len(body) < length:
        body += s.recv(4096)
    time.sleep(0.1)
s.close()
EOF
ka_pid=$!; pids+=($ka_pid)
sleep 0.35
n "$R" iptables -I FORWARD 1 -o c0 -p tcp --sport 8081 -j DROP
sleep 0.5
n "$R" iptables -D FORWARD 1
wait "$ka_pid" || true
# zero window: a client with a small receive buffer that reads nothing for 1.5 s
n "$C" timeout 20 python3 - <<'EOF'
import socket
import time

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(10)
s.connect(("198.18.41.20", 8080))
s.sendall(b"GET /blob?bytes=1000000 HTTP/1.1\r\nHost: 198.18.41.20:8080\r\nConnection: close\r\n\r\n")
time.sleep(1.5)
got = 0
while True:
    data = s.recv(65536)
    if not data:
        break
    got += len(data)
s.close()
print("zero-window client read %d bytes" % got)
EOF
# DNS timeouts: three queries nobody answers (the query script gives up after 3 s each)
for name in web.lab redis.lab lab; do
  n "$C" timeout 5 python3 "$here/dns_query.py" 198.18.41.20 "$name" A >/dev/null 2>&1 || true
done
sleep 0.5

lab_stop_captures "${cap_pids[@]}"
dropped="$(n "$R" iptables -L FORWARD -v -x -n | awk '/DROP/ {d += $1} END {print d + 0}')"

mac() { n "$1" ip -o link show dev "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }
listening() {
  { n "$1" ss -Hltn | awk '{print "tcp/" $4}'; n "$1" ss -Hlun | awk '{print "udp/" $4}'; } \
    | sed -E 's/%[^:]*:/:/; s#/\*:#/#' | sort -u | paste -sd, -
}
{
  printf 'file\thost\tnic_name\tnic_kind\tpod_name\tk8s_namespace\tk8s_container_name\tip\tnic_mac\tnetns\tlistening\n'
  row() { # file host nic ip ns iface
    printf '%s\t%s\t%s\tphysical\t\t\t\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(mac "$5" "$6")" "$2" "$(listening "$5")"
  }
  row client-eth0.pcap client eth0 198.18.40.10 "$C" eth0
  row router-c0.pcap router c0 198.18.40.1 "$R" c0
  row router-s0.pcap router s0 198.18.41.1 "$R" s0
  row server-eth0.pcap server eth0 198.18.41.20 "$S" eth0
} >"$out/captures.tsv"

cat >"$out/lab.env" <<EOF
# addresses of the trouble lab that recorded these captures (see lab/trouble-lab.sh)
CLIENT=198.18.40.10
SERVER=198.18.41.20
ROUTER_IN=198.18.40.1
ROUTER_OUT=198.18.41.1
HTTP_PORT=8080
LOSS_PORT=8081
DROPPED_PACKETS=${dropped:-0}
EOF
echo "trouble-lab: recorded client-eth0, router-c0, router-s0 and server-eth0 into $out (the router dropped ${dropped:-0} packets at random)"
