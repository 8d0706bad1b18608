package io.netsieve.core.bpf;

/**
 * A filter expression that does not compile. {@link #getMessage()} is the reason, the expression and a caret
 * under the column where the problem was found, e.g.
 * <pre>
 * port number 70000 greater than maximum 65535
 *   tcp port 70000
 *            ^
 * </pre>
 */
public final class FilterCompileException extends IllegalArgumentException {
    private final String reason;
    private final String expression;
    private final int column;

    public FilterCompileException(String reason, String expression, int column) {
        super(format(reason, expression, column));
        this.reason = reason;
        this.expression = expression;
        this.column = column;
    }

    private static String format(String reason, String expression, int column) {
        if (column < 0) {
            return reason;
        }
        return reason + "\n  " + expression + "\n  " + " ".repeat(Math.min(column, expression.length())) + "^";
    }

    /** The reason alone, with libpcap's wording where libpcap has one. */
    public String reason() {
        return reason;
    }

    public String expression() {
        return expression;
    }

    /** 0-based column of the token where the error was found, or -1 if it concerns the whole expression. */
    public int column() {
        return column;
    }
}
