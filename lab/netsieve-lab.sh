#!/usr/bin/env bash
# netsieve lab: a small "cluster" in network namespaces, recorded on every NIC at once.
#
#   lab/netsieve-lab.sh record OUTDIR     build it, run the traffic, write OUTDIR/*.pcap + captures.tsv + lab.env,
#                                         tear it down (bounded: about 7 s)
#   lab/netsieve-lab.sh up STATEDIR       build it and start the servers, leave it running (prefix in STATEDIR/prefix)
#   lab/netsieve-lab.sh traffic STATEDIR OUTDIR   on a lab that is up: capture every NIC while the clients run
#   lab/netsieve-lab.sh down [PREFIX|STATEDIR]    tear down (default: every nslab-* namespace)
#
# Topology (IPv4 from 198.18.0.0/15 only; IPv6 ULA fd00:198:18::/48):
#
#   pod-a (client) ─┐                                 ┌─ pod-c (web: HTTP/1.1 :8080, h2c :80)
#   198.18.1.10     ├ br0 node1 eth0 ══ eth0 node2 br0 ┤   198.18.2.10, over VXLAN only: 198.18.4.10
#   pod-b (client) ─┘ 198.18.1.1  198.18.0.1/30 .2     └─ pod-d (redis :6379, dnsmasq :53)
#   198.18.1.11          │    vxlan0 ┄┄┄┄┄┄┄ vxlan0        198.18.2.11, over VXLAN only: 198.18.4.11
#                        │    198.18.5.1/30  .2 (VNI 42, UDP 4789, underlay: the eth0 link above)
#                        │ eth1 198.19.0.1 (SNAT, MASQUERADE)
#                        └── ext eth0 198.19.0.10 (HTTP :8080; no route back to the pod networks)
#
# Pods hang off their node's bridge by veth pairs (pod side eth0, node side veth-<pod>); the nodes route the pod
# networks to each other over the node link; traffic from pods to the external host is masqueraded by node1.
# VXLAN node link: vxlan0 on each node (VNI 42, UDP 4789, local/remote the node link's 198.18.0.1/.2) carries a
# second pod network of node2, 198.18.4.0/24 and fd00:198:18:4::/64 (pod-c .10, pod-d .11, node2 br0 .1): node1
# routes it via vxlan0, node2 routes the answers from it back via vxlan0 (source policy routing, table 42). A
# request to it crosses pod NIC, veth, br0, vxlan0 (plain frame), eth0 (VXLAN-encapsulated), eth0, vxlan0, br0,
# veth, pod NIC; everything else keeps the plain routed node link.
# pod-c's h2c server is nghttpx (HTTP/2 over cleartext: prior knowledge and the HTTP/1.1 Upgrade) in front of its
# HTTP/1.1 server, so its answers are those of lab/http_server.py.
# Captures: all 16 NICs (pods' eth0, node veths, bridges, eth0, node1 eth1, vxlan0 of both nodes, ext eth0) with
# nanosecond timestamps.
# Nothing is connected to the machine's real interfaces. Needs root, iproute2, iptables, tcpdump, python3, curl,
# redis-server, redis-cli, dnsmasq, nghttp and nghttpx (Debian: nghttp2-client, nghttp2-proxy).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_NAME=netsieve-lab LAB_NS=nslab- LAB_USAGE=2,10 # messages, namespace prefix, usage lines of this header
# shellcheck source=lab-lib.sh
. "$here/lab-lib.sh"

[ $# -ge 1 ] || usage
mode="$1"
case "$mode" in
  down)
    if [ -n "${2:-}" ] && [ -f "$2/prefix" ]; then
      prefix="$(cat "$2/prefix")"
      for pid in $(cat "$2/pids" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
      lab_down "$prefix-"
    else
      lab_down "${2:-nslab-}"
    fi
    exit 0 ;;
  record|up) [ $# -ge 2 ] || usage ;;
  traffic) [ $# -ge 3 ] || usage ;;
  *) usage ;;
esac

lab_require ip iptables tcpdump python3 curl redis-server redis-cli dnsmasq nghttp nghttpx

case "$mode" in
  record) state=""; out="$2" ;;
  up) state="$2"; out="" ;;
  traffic) state="$2"; out="$3" ;;
esac
if [ -n "$out" ]; then mkdir -p "$out"; out="$(cd "$out" && pwd)"; fi
if [ -n "$state" ]; then mkdir -p "$state"; state="$(cd "$state" && pwd)"; fi
if [ "$mode" = traffic ]; then
  P="$(cat "$state/prefix")"
else
  P="nslab-$(printf '%04x' $((RANDOM % 65536)))"
fi
N1="$P-node1"; N2="$P-node2"; A="$P-pod-a"; B="$P-pod-b"; C="$P-pod-c"; D="$P-pod-d"; X="$P-ext"
tmp="$(mktemp -d /tmp/netsieve-lab.XXXXXX)"

cleanup() {
  lab_stop
  if [ "$mode" = record ] || { [ "$mode" = up ] && [ "$failed" = 1 ]; }; then lab_down "$P-"; fi
  rm -rf "$tmp"
}
failed=1
lab_traps cleanup
logs="${state:-$tmp}"

if [ "$mode" != traffic ]; then

for ns in "$N1" "$N2" "$A" "$B" "$C" "$D" "$X"; do
  ip netns add "$ns"
  n "$ns" ip link set lo up
  n "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
for node in "$N1" "$N2"; do
  n "$node" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  n "$node" ip link add br0 type bridge
  n "$node" ip link set br0 up
done

# pod <ns> <node ns> <node-side veth> <v4> <v6> <gw4> <gw6>
pod() {
  local ns="$1" node="$2" hostif="$3" v4="$4" v6="$5" gw4="$6" gw6="$7"
  ip link add eth0 netns "$ns" type veth peer name "$hostif" netns "$node"
  n "$node" ip link set "$hostif" master br0 up
  n "$ns" ip addr add "$v4/24" dev eth0
  n "$ns" ip addr add "$v6/64" dev eth0 nodad
  n "$ns" ip link set eth0 up
  n "$ns" ip route add default via "$gw4"
  n "$ns" ip -6 route add default via "$gw6"
}
n "$N1" ip addr add 198.18.1.1/24 dev br0
n "$N1" ip addr add fd00:198:18:1::1/64 dev br0 nodad
n "$N2" ip addr add 198.18.2.1/24 dev br0
n "$N2" ip addr add fd00:198:18:2::1/64 dev br0 nodad
pod "$A" "$N1" veth-a 198.18.1.10 fd00:198:18:1::10 198.18.1.1 fd00:198:18:1::1
pod "$B" "$N1" veth-b 198.18.1.11 fd00:198:18:1::11 198.18.1.1 fd00:198:18:1::1
pod "$C" "$N2" veth-c 198.18.2.10 fd00:198:18:2::10 198.18.2.1 fd00:198:18:2::1
pod "$D" "$N2" veth-d 198.18.2.11 fd00:198:18:2::11 198.18.2.1 fd00:198:18:2::1

# node link
ip link add eth0 netns "$N1" type veth peer name eth0 netns "$N2"
n "$N1" ip addr add 198.18.0.1/30 dev eth0
n "$N1" ip addr add fd00:198:18::1/64 dev eth0 nodad
n "$N2" ip addr add 198.18.0.2/30 dev eth0
n "$N2" ip addr add fd00:198:18::2/64 dev eth0 nodad
n "$N1" ip link set eth0 up
n "$N2" ip link set eth0 up
n "$N1" ip route add 198.18.2.0/24 via 198.18.0.2
n "$N1" ip -6 route add fd00:198:18:2::/64 via fd00:198:18::2
n "$N2" ip route add 198.18.1.0/24 via 198.18.0.1
n "$N2" ip -6 route add fd00:198:18:1::/64 via fd00:198:18::1

# VXLAN node link over the node link above (underlay 198.18.0.1 <-> 198.18.0.2), carrying node2's second pod
# network 198.18.4.0/24, fd00:198:18:4::/64 (secondary addresses of pod-c and pod-d)
for node in "$N1" "$N2"; do
  if [ "$node" = "$N1" ]; then local4=198.18.0.1 remote4=198.18.0.2 o=1; else local4=198.18.0.2 remote4=198.18.0.1 o=2; fi
  n "$node" ip link add vxlan0 type vxlan id 42 local "$local4" remote "$remote4" dstport 4789 dev eth0
  n "$node" ip addr add "198.18.5.$o/30" dev vxlan0
  n "$node" ip addr add "fd00:198:18:5::$o/64" dev vxlan0 nodad
  n "$node" ip link set vxlan0 up
done
n "$N2" ip addr add 198.18.4.1/24 dev br0
n "$N2" ip addr add fd00:198:18:4::1/64 dev br0 nodad
n "$C" ip addr add 198.18.4.10/24 dev eth0
n "$C" ip addr add fd00:198:18:4::10/64 dev eth0 nodad
n "$D" ip addr add 198.18.4.11/24 dev eth0
n "$D" ip addr add fd00:198:18:4::11/64 dev eth0 nodad
n "$N1" ip route add 198.18.4.0/24 via 198.18.5.2 dev vxlan0
n "$N1" ip -6 route add fd00:198:18:4::/64 via fd00:198:18:5::2 dev vxlan0
# answers from the VXLAN pod network go back the way their requests came (not over the plain node link)
n "$N2" ip rule add from 198.18.4.0/24 lookup 42 pref 100
n "$N2" ip -6 rule add from fd00:198:18:4::/64 lookup 42 pref 100
n "$N2" ip route add 198.18.1.0/24 via 198.18.5.1 dev vxlan0 table 42
n "$N2" ip -6 route add fd00:198:18:1::/64 via fd00:198:18:5::1 dev vxlan0 table 42

# external host behind SNAT
ip link add eth1 netns "$N1" type veth peer name eth0 netns "$X"
n "$N1" ip addr add 198.19.0.1/24 dev eth1
n "$X" ip addr add 198.19.0.10/24 dev eth0
n "$N1" ip link set eth1 up
n "$X" ip link set eth0 up
n "$N1" iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE

# servers
n "$C" python3 "$here/http_server.py" :: 8080 >"$logs/http-c.log" 2>&1 & pids+=($!)
n "$X" python3 "$here/http_server.py" 198.19.0.10 8080 >"$logs/http-ext.log" 2>&1 & pids+=($!)
n "$D" redis-server --bind 198.18.2.11 198.18.4.11 --port 6379 --save '' --appendonly no --protected-mode no \
  --dir "$logs" --logfile "$logs/redis.log" >/dev/null 2>&1 & pids+=($!)
n "$D" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=198.18.2.11,198.18.4.11 \
  --port=53 --no-dhcp-interface=eth0 --pid-file="$logs/dnsmasq.pid" --user=root --log-facility="$logs/dnsmasq.log" \
  --address=/web.lab/198.18.2.10 --host-record=redis.lab,198.18.2.11,fd00:198:18:2::11 \
  --host-record=web-vxlan.lab,198.18.4.10,fd00:198:18:4::10 \
  --txt-record=lab,"netsieve lab" >/dev/null 2>&1 & pids+=($!)
# h2c (prior knowledge and HTTP/1.1 Upgrade) on :80, IPv4 and IPv6, proxied to the HTTP/1.1 server on the pod's lo
n "$C" nghttpx --conf=/dev/null --frontend='*,80;no-tls' --backend='127.0.0.1,8080' --workers=1 --single-process \
  --errorlog-file="$logs/nghttpx-error.log" --accesslog-file="$logs/nghttpx-access.log" >/dev/null 2>&1 & pids+=($!)
n "$C" iptables -A INPUT -p tcp --dport 9999 -j DROP   # a port whose SYNs vanish: connect timeout

ready 50 n "$A" curl -s -m 1 -o /dev/null http://198.18.2.10:8080/
ready 50 n "$A" curl -s -m 1 -o /dev/null http://198.19.0.10:8080/
ready 50 n "$A" curl -sf -m 1 --http2-prior-knowledge -o /dev/null http://198.18.2.10/
ready 50 n "$A" redis-cli -h 198.18.2.11 ping
ready 50 n "$A" python3 "$here/dns_query.py" 198.18.2.11 web.lab
ready 50 n "$B" curl -s -m 1 -o /dev/null http://198.18.4.10:8080/                  # over VXLAN
ready 50 n "$B" curl -s -m 1 -g -o /dev/null "http://[fd00:198:18:4::10]:8080/"
ready 50 n "$A" python3 "$here/dns_query.py" 198.18.4.11 web-vxlan.lab
ready 50 n "$B" redis-cli -h 198.18.4.11 ping
sleep 0.5 # let the readiness connections finish closing before the capture starts
fi

if [ "$mode" = up ]; then
  echo "$P" >"$state/prefix"
  printf '%s\n' "${pids[@]}" >"$state/pids"
  pids=()
  failed=0
  echo "netsieve-lab: up, namespaces $P-*; tear down with: $0 down $state"
  exit 0
fi

# capture every NIC: <ns> <iface> <file stem>
nics=(
  "$A eth0 pod-a-eth0" "$B eth0 pod-b-eth0" "$C eth0 pod-c-eth0" "$D eth0 pod-d-eth0"
  "$N1 veth-a node1-veth-a" "$N1 veth-b node1-veth-b" "$N1 br0 node1-br0" "$N1 eth0 node1-eth0"
  "$N1 eth1 node1-eth1" "$N2 veth-c node2-veth-c" "$N2 veth-d node2-veth-d" "$N2 br0 node2-br0"
  "$N2 eth0 node2-eth0" "$X eth0 ext-eth0" "$N1 vxlan0 node1-vxlan0" "$N2 vxlan0 node2-vxlan0"
)
cap_pids=()
for entry in "${nics[@]}"; do
  read -r ns ifc stem <<<"$entry"
  n "$ns" tcpdump -i "$ifc" -n -U --immediate-mode --time-stamp-precision=nano -w "$out/$stem.pcap" 2>"$tmp/$stem.err" &
  cap_pids+=($!); pids+=($!)
done
for entry in "${nics[@]}"; do
  read -r ns ifc stem <<<"$entry"
  ready 100 grep -q "listening on" "$tmp/$stem.err"
done
sleep 0.3

# clients (every one bounded by a timeout)
web=http://198.18.2.10:8080
n "$A" curl -s -m 10 -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
  "$web/" "$web/chunked" "$web/slow?ms=300" "$web/error" "$web/missing"          # one keep-alive connection
head -c 3000 /dev/zero | tr '\0' x | n "$A" curl -s -m 5 -o /dev/null --data-binary @- "$web/upload"
n "$A" curl -s -m 5 -g -o /dev/null "http://[fd00:198:18:2::10]:8080/"           # IPv6, across nodes
n "$B" curl -s -m 5 -o /dev/null "$web/?from=pod-b"
n "$A" curl -s -m 5 -o /dev/null http://198.19.0.10:8080/external                # through SNAT
# HTTP/2 over cleartext to nghttpx on pod-c :80, one connection per line, several streams on each where the client
# allows (nghttp's requests are streams 13, 15, ...: it opens 3..11 as PRIORITY-only anchors first)
h2c=http://198.18.2.10
n "$A" timeout 5 nghttp -n -t 4 "$h2c/?h2=prior" "$h2c/chunked?h2=prior" "$h2c/error?h2=prior" \
  "$h2c/h2-prior-missing"                                                        # prior knowledge
n "$B" timeout 5 nghttp -n -u -t 4 "$h2c/?h2=upgrade" "$h2c/h2-upgrade-missing"  # Upgrade: h2c (stream 1), then h2
n "$A" curl -s -m 5 --http2 -o /dev/null -o /dev/null "$h2c/?h2=curl-upgrade" "$h2c/h2-curl-missing"  # the same
# (one request: curl 7.88 sends no second request on a reused prior-knowledge connection)
n "$B" curl -s -m 5 -g --http2-prior-knowledge -o /dev/null "http://[fd00:198:18:2::10]/?h2=curl-prior6"  # IPv6
# over the VXLAN node link (node2's second pod network): HTTP/1.1 over IPv4 and IPv6, DNS, Redis
n "$B" curl -s -m 5 -o /dev/null "http://198.18.4.10:8080/?via=vxlan"
n "$B" curl -s -m 5 -g -o /dev/null "http://[fd00:198:18:4::10]:8080/?via=vxlan6"
n "$A" python3 "$here/dns_query.py" 198.18.4.11 web-vxlan.lab A
n "$B" redis-cli -h 198.18.4.11 ping >/dev/null
n "$B" redis-cli -h 198.18.2.11 set lab:key netsieve >/dev/null
n "$B" redis-cli -h 198.18.2.11 get lab:key >/dev/null
printf '*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$7\r\nlab:cnt\r\n$1\r\n0\r\n*2\r\n$4\r\nINCR\r\n$7\r\nlab:cnt\r\n*2\r\n$3\r\nGET\r\n$7\r\nlab:cnt\r\n' \
  | n "$B" timeout 5 redis-cli -h 198.18.2.11 --pipe >/dev/null                   # pipelined
n "$A" python3 "$here/dns_query.py" 198.18.2.11 web.lab A
n "$A" python3 "$here/dns_query.py" 198.18.2.11 redis.lab AAAA
n "$B" python3 "$here/dns_query.py" 198.18.2.11 lab TXT --tcp
n "$B" python3 "$here/dns_query.py" 198.18.2.11 nowhere.invalid A || true
n "$A" curl -s -m 2 -o /dev/null http://198.18.2.10:8081/ || true                   # refused (RST)
n "$A" curl -s --connect-timeout 2 -o /dev/null http://198.18.2.10:9999/ || true    # timed out (SYNs dropped)
sleep 0.5

lab_stop_captures "${cap_pids[@]}"

mac() { n "$1" ip -o link show dev "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }
# the namespace's server sockets as the kernel lists them (TCP LISTEN, unconnected UDP), in the manifest's
# "listening" form: tcp/0.0.0.0:8080, udp/[::]:53 (a "%iface" scope is dropped, "*" means every address)
listening() {
  { n "$1" ss -Hltn | awk '{print "tcp/" $4}'; n "$1" ss -Hlun | awk '{print "udp/" $4}'; } \
    | sed -E 's/%[^:]*:/:/; s#/\*:#/#' | sort -u | paste -sd, -
}
{
  printf 'file\thost\tnic_name\tnic_kind\tpod_name\tk8s_namespace\tk8s_container_name\tip\tnic_mac\tnetns\tlistening\n'
  row() { # file host nic kind pod container ip ns iface netns-label
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${5:+lab}" "$6" "$7" \
      "$(mac "$8" "$9")" "${10}" "$(listening "$8")"
  }
  row pod-a-eth0.pcap node1 eth0 virtual pod-a client 198.18.1.10,fd00:198:18:1::10 "$A" eth0 pod-a
  row pod-b-eth0.pcap node1 eth0 virtual pod-b client 198.18.1.11,fd00:198:18:1::11 "$B" eth0 pod-b
  row pod-c-eth0.pcap node2 eth0 virtual pod-c web 198.18.2.10,fd00:198:18:2::10,198.18.4.10,fd00:198:18:4::10 \
    "$C" eth0 pod-c
  row pod-d-eth0.pcap node2 eth0 virtual pod-d redis 198.18.2.11,fd00:198:18:2::11,198.18.4.11,fd00:198:18:4::11 \
    "$D" eth0 pod-d
  row node1-veth-a.pcap node1 veth-a virtual "" "" "" "$N1" veth-a node1
  row node1-veth-b.pcap node1 veth-b virtual "" "" "" "$N1" veth-b node1
  row node1-br0.pcap node1 br0 bridge "" "" 198.18.1.1,fd00:198:18:1::1 "$N1" br0 node1
  row node1-eth0.pcap node1 eth0 physical "" "" 198.18.0.1,fd00:198:18::1 "$N1" eth0 node1
  row node1-eth1.pcap node1 eth1 physical "" "" 198.19.0.1 "$N1" eth1 node1
  row node2-veth-c.pcap node2 veth-c virtual "" "" "" "$N2" veth-c node2
  row node2-veth-d.pcap node2 veth-d virtual "" "" "" "$N2" veth-d node2
  row node2-br0.pcap node2 br0 bridge "" "" 198.18.2.1,fd00:198:18:2::1,198.18.4.1,fd00:198:18:4::1 "$N2" br0 node2
  row node2-eth0.pcap node2 eth0 physical "" "" 198.18.0.2,fd00:198:18::2 "$N2" eth0 node2
  row ext-eth0.pcap ext eth0 physical "" "" 198.19.0.10 "$X" eth0 ext
  row node1-vxlan0.pcap node1 vxlan0 virtual "" "" 198.18.5.1,fd00:198:18:5::1 "$N1" vxlan0 node1
  row node2-vxlan0.pcap node2 vxlan0 virtual "" "" 198.18.5.2,fd00:198:18:5::2 "$N2" vxlan0 node2
} >"$out/captures.tsv"

cat >"$out/lab.env" <<EOF
# addresses of the lab that recorded this capture set (see lab/netsieve-lab.sh)
POD_A=198.18.1.10
POD_A6=fd00:198:18:1::10
POD_B=198.18.1.11
POD_B6=fd00:198:18:1::11
POD_C=198.18.2.10
POD_C6=fd00:198:18:2::10
POD_D=198.18.2.11
NODE1_LINK=198.18.0.1
NODE2_LINK=198.18.0.2
NODE1_SNAT=198.19.0.1
EXT=198.19.0.10
HTTP_PORT=8080
H2C_PORT=80
REFUSED_PORT=8081
TIMEOUT_PORT=9999
REDIS_PORT=6379
DNS_PORT=53
POD_C_VXLAN=198.18.4.10
POD_C6_VXLAN=fd00:198:18:4::10
POD_D_VXLAN=198.18.4.11
NODE1_VXLAN=198.18.5.1
NODE2_VXLAN=198.18.5.2
VXLAN_VNI=42
VXLAN_PORT=4789
EOF
failed=0
echo "netsieve-lab: recorded ${#nics[@]} NICs into $out"
