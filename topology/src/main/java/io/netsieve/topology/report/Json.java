package io.netsieve.topology.report;

import io.netsieve.topology.internal.JsonText;

/** A minimal JSON writer for the report's embedded data (the library has no JSON dependency). */
final class Json {
    private final StringBuilder b;
    private boolean first = true;

    Json(StringBuilder b) {
        this.b = b;
    }

    Json open(char c) {
        comma();
        b.append(c);
        first = true;
        return this;
    }

    Json close(char c) {
        b.append(c);
        first = false;
        return this;
    }

    Json key(String k) {
        comma();
        string(k);
        b.append(':');
        first = true;
        return this;
    }

    Json value(String s) {
        comma();
        if (s == null) {
            b.append("null");
        } else {
            string(s);
        }
        first = false;
        return this;
    }

    Json value(long v) {
        comma();
        b.append(v);
        first = false;
        return this;
    }

    Json value(double v) {
        comma();
        b.append(Double.isFinite(v) ? Double.toString(v) : "null");
        first = false;
        return this;
    }

    private void comma() {
        if (!first) {
            b.append(',');
        }
        first = false;
    }

    /** A string literal that is also safe inside an HTML script element. */
    private void string(String s) {
        JsonText.quote(b, s, true);
    }
}
