#!/usr/bin/env python3
"""Sends one DNS query (UDP, or TCP with --tcp) and prints the answer count. Lab client: no dig needed.

Usage: dns_query.py SERVER NAME [TYPE] [--tcp]     TYPE: A (default), AAAA, TXT
"""
import random
import socket
import struct
import sys

TYPES = {"A": 1, "AAAA": 28, "TXT": 16}


def query(name, qtype):
    ident = random.randint(0, 0xFFFF)
    header = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)  # recursion desired, one question
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".")) + b"\0"
    return header + labels + struct.pack("!HH", TYPES[qtype], 1)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tcp = "--tcp" in sys.argv
    server, name = args[0], args[1]
    qtype = args[2] if len(args) > 2 else "A"
    message = query(name, qtype)
    if tcp:
        with socket.create_connection((server, 53), timeout=3) as s:
            s.sendall(struct.pack("!H", len(message)) + message)
            length = struct.unpack("!H", s.recv(2))[0]
            reply = b""
            while len(reply) < length:
                reply += s.recv(length - len(reply))
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            s.sendto(message, (server, 53))
            reply, _ = s.recvfrom(4096)
    answers = struct.unpack("!H", reply[6:8])[0]
    print("%s %s: rcode %d, %d answers" % (name, qtype, reply[3] & 0x0F, answers))


if __name__ == "__main__":
    main()
