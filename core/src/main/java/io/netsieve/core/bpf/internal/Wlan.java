package io.netsieve.core.bpf.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** 802.11 frame type, subtype and direction names of the pcap-filter language (case-insensitive). */
final class Wlan {
    static final int MGT = 0x00, CTL = 0x04, DATA = 0x08;

    private static final Map<String, Integer> TYPES = Map.of(
            "mgt", MGT, "management", MGT, "ctl", CTL, "control", CTL, "data", DATA);

    /** Per type, in the order libpcap searches them for a bare {@code subtype NAME}. */
    private static final Map<Integer, Map<String, Integer>> SUBTYPES = new LinkedHashMap<>();

    static {
        Map<String, Integer> mgt = new LinkedHashMap<>();
        mgt.put("assoc-req", 0x00);
        mgt.put("assocreq", 0x00);
        mgt.put("assoc-resp", 0x10);
        mgt.put("assocresp", 0x10);
        mgt.put("reassoc-req", 0x20);
        mgt.put("reassocreq", 0x20);
        mgt.put("reassoc-resp", 0x30);
        mgt.put("reassocresp", 0x30);
        mgt.put("probe-req", 0x40);
        mgt.put("probereq", 0x40);
        mgt.put("probe-resp", 0x50);
        mgt.put("proberesp", 0x50);
        mgt.put("beacon", 0x80);
        mgt.put("atim", 0x90);
        mgt.put("disassoc", 0xa0);
        mgt.put("disassociation", 0xa0);
        mgt.put("auth", 0xb0);
        mgt.put("authentication", 0xb0);
        mgt.put("deauth", 0xc0);
        mgt.put("deauthentication", 0xc0);
        Map<String, Integer> ctl = new LinkedHashMap<>();
        ctl.put("bar", 0x80);
        ctl.put("ba", 0x90);
        ctl.put("ps-poll", 0xa0);
        ctl.put("rts", 0xb0);
        ctl.put("cts", 0xc0);
        ctl.put("ack", 0xd0);
        ctl.put("cf-end", 0xe0);
        ctl.put("cf-end-ack", 0xf0);
        Map<String, Integer> data = new LinkedHashMap<>();
        data.put("data", 0x00);
        data.put("data-cf-ack", 0x10);
        data.put("data-cf-poll", 0x20);
        data.put("data-cf-ack-poll", 0x30);
        data.put("null", 0x40);
        data.put("cf-ack", 0x50);
        data.put("cf-poll", 0x60);
        data.put("cf-ack-poll", 0x70);
        data.put("qos-data", 0x80);
        data.put("qos-data-cf-ack", 0x90);
        data.put("qos-data-cf-poll", 0xa0);
        data.put("qos-data-cf-ack-poll", 0xb0);
        data.put("qos", 0xc0);
        data.put("qos-cf-poll", 0xe0);
        data.put("qos-cf-ack-poll", 0xf0);
        SUBTYPES.put(MGT, mgt);
        SUBTYPES.put(CTL, ctl);
        SUBTYPES.put(DATA, data);
    }

    private Wlan() {
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** A type name's value, or -1. */
    static int type(String name) {
        return TYPES.getOrDefault(lower(name), -1);
    }

    /** {@code type T subtype NAME}: NAME among T's subtypes. */
    static int subtype(int type, String name, int pos) {
        Map<String, Integer> names = SUBTYPES.get(type);
        if (names == null) {
            throw new CompileError("unknown 802.11 type").at(pos);
        }
        Integer v = names.get(lower(name));
        if (v == null) {
            throw new CompileError("unknown 802.11 subtype name \"" + name + "\"").at(pos);
        }
        return v;
    }

    /** {@code subtype NAME}: type and subtype bits of the first type that has a subtype of that name. */
    static int typeSubtype(String name) {
        for (Map.Entry<Integer, Map<String, Integer>> e : SUBTYPES.entrySet()) {
            Integer v = e.getValue().get(lower(name));
            if (v != null) {
                return v | e.getKey();
            }
        }
        throw new CompileError("unknown 802.11 type name");
    }

    /** {@code nods, tods, fromds, dstods}, or -1. */
    static int direction(String name) {
        switch (lower(name)) {
            case "nods": return 0;
            case "tods": return 1;
            case "fromds": return 2;
            case "dstods": return 3;
            default: return -1;
        }
    }
}
