package io.netsieve.core.bpf.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** 802.11 frame type, subtype and direction names of the pcap-filter language (case-insensitive). */
final class Wlan {
    static final int MGT = 0x00, CTL = 0x04, DATA = 0x08;

    private static final Map<String, Integer> TYPES = Map.of(
            "mgt", MGT, "management", MGT, "ctl", CTL, "control", CTL, "data", DATA);

    /** Per type, in the order libpcap searches them for a bare {@code subtype NAME}: subtype bits by name. */
    private static final Map<Integer, Map<String, Integer>> SUBTYPES = new LinkedHashMap<>();

    static {
        SUBTYPES.put(MGT, byName("assoc-req|assocreq", "assoc-resp|assocresp", "reassoc-req|reassocreq",
                "reassoc-resp|reassocresp", "probe-req|probereq", "probe-resp|proberesp", null, null, "beacon", "atim",
                "disassoc|disassociation", "auth|authentication", "deauth|deauthentication"));
        SUBTYPES.put(CTL, byName(null, null, null, null, null, null, null, null, "bar", "ba", "ps-poll", "rts", "cts",
                "ack", "cf-end", "cf-end-ack"));
        SUBTYPES.put(DATA, byName("data", "data-cf-ack", "data-cf-poll", "data-cf-ack-poll", "null", "cf-ack",
                "cf-poll", "cf-ack-poll", "qos-data", "qos-data-cf-ack", "qos-data-cf-poll", "qos-data-cf-ack-poll",
                "qos", null, "qos-cf-poll", "qos-cf-ack-poll"));
    }

    /**
     * The subtype bits of each name; {@code names} has them at their subtype numbers (frame control bits 4-7), null
     * where none is defined, "a|b" for two spellings of one.
     */
    private static Map<String, Integer> byName(String... names) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int subtype = 0; subtype < names.length; subtype++) {
            if (names[subtype] != null) {
                for (String name : names[subtype].split("\\|")) {
                    m.put(name, subtype << 4);
                }
            }
        }
        return m;
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
