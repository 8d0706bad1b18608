package io.netsieve.core.bpf.internal;

/** A token of the pcap-filter language. */
public record Token(Kind kind, String text, long value, int start, int end) {
    public enum Kind {
        NUM, HID, HID6, EID, AID, ID, KEYWORD, OP, EOF
    }

    public boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    public boolean isKeyword(String t) {
        return kind == Kind.KEYWORD && text.equals(t);
    }

    public boolean isOp(String t) {
        return kind == Kind.OP && text.equals(t);
    }
}
