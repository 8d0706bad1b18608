package io.netsieve.l7;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Objects;

/** Test helper for differential tests that tee one L4 call sequence to two stream handlers. */
public final class HandlerTee {
    private HandlerTee() {
    }

    /**
     * Calls {@code m} on {@code x}, then on {@code y}, each with its own duplicates of the byte buffers in
     * {@code args} (a handler may move a buffer's position), and requires both to return the same value: the hints
     * L4 polls (request direction, protocol) must agree too.
     *
     * @return what both returned
     */
    public static Object invokeBoth(Method m, Object x, Object y, Object[] args)
            throws IllegalAccessException, InvocationTargetException {
        Object[] results = new Object[2];
        for (int k = 0; k < 2; k++) {
            Object[] a = args == null ? null : args.clone();
            for (int i = 0; a != null && i < a.length; i++) {
                if (a[i] instanceof ByteBuffer b) {
                    a[i] = b.duplicate();
                }
            }
            results[k] = m.invoke(k == 0 ? x : y, a);
        }
        if (!Objects.equals(results[0], results[1])) {
            throw new AssertionError(m.getName() + ": " + results[0] + " vs " + results[1]);
        }
        return results[0];
    }
}
