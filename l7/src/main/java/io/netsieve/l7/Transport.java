package io.netsieve.l7;

/** The transport an {@link L7Protocol} runs on: a reassembled TCP stream or single UDP datagrams. */
public enum Transport {
    TCP, UDP;

    /** The reference's {@code l4_proto} value. */
    public String l4Proto() {
        return this == TCP ? "tcp" : "udp";
    }
}
