package io.netsieve.l7.internal.dns;

import io.netsieve.l7.Detection;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;

/** DNS over UDP (one message per datagram) and TCP (2-byte length prefix, RFC 1035 §4.2.2), any port. */
public final class DnsProtocol implements L7Protocol {
    public static final DnsProtocol INSTANCE = new DnsProtocol();
    private static final int[] PORTS = {53, 5353, 5355};

    private DnsProtocol() {
    }

    @Override
    public String name() {
        return "dns";
    }

    @Override
    public boolean supports(Transport transport) {
        return true;
    }

    @Override
    public int[] portHints() {
        return PORTS.clone();
    }

    @Override
    public Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length) {
        int skip = transport == Transport.TCP ? 2 : 0;
        if (length < skip + DnsReader.HEADER) {
            return transport == Transport.TCP ? Detection.NEED_MORE : Detection.NO_MATCH;
        }
        int declared = transport == Transport.TCP
                ? ((data.get(offset) & 0xff) << 8) | (data.get(offset + 1) & 0xff) : length;
        if (declared < DnsReader.HEADER) {
            return Detection.NO_MATCH;
        }
        int have = Math.min(declared, length - skip);
        byte[] b = new byte[have];
        data.get(offset + skip, b);
        if (DnsReader.plausibleHeader(b, 0, have)) {
            return Detection.MATCH;
        }
        // over TCP the question may not have arrived yet; the header alone must already be plausible
        return have < declared && DnsReader.plausibleHeader(headerOnly(b), 0, DnsReader.HEADER + 5)
                ? Detection.NEED_MORE : Detection.NO_MATCH;
    }

    /** The 12 header bytes followed by a root question, to check the header alone. */
    private static byte[] headerOnly(byte[] b) {
        byte[] h = new byte[DnsReader.HEADER + 5];
        System.arraycopy(b, 0, h, 0, DnsReader.HEADER);
        return h;
    }

    @Override
    public L7Parser newParser(L7Context context) {
        return new DnsParser(context);
    }
}
