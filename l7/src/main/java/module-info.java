/** netsieve l7: protocol detection, resumable parsers, bpf_net_l7_log records. */
module io.netsieve.l7 {
    requires transitive io.netsieve.l4;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.codec.http2;
    requires io.netty.transport;

    exports io.netsieve.l7;
}
