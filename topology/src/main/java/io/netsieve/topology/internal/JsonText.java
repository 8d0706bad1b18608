package io.netsieve.topology.internal;

/** JSON string literals for the topology's hand-written exports (the library has no JSON dependency). */
public final class JsonText {
    private JsonText() {
    }

    /**
     * {@code s} as a JSON string literal; with {@code scriptSafe} also {@code <}, {@code >} and {@code &} escaped,
     * so that the JSON can sit inside an HTML script element.
     */
    public static void quote(StringBuilder b, String s, boolean scriptSafe) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029'
                            || (scriptSafe && (c == '<' || c == '>' || c == '&'))) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
