package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.nic.NicKind;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Test helper for the live lab tests: a lab interface's {@link Nic}, and waiting for a condition with a deadline. */
final class LiveLab {
    private LiveLab() {
    }

    /** A virtual lab interface with one local address. */
    static Nic nic(String name, String address) throws Exception {
        return Nic.builder().host("lab").nicName(name).kind(NicKind.VIRTUAL)
                .localAddresses(List.of(InetAddress.getByName(address))).build();
    }

    /** Polls {@code condition} every 20 ms; fails naming {@code what} after {@code millis}. */
    static void await(long millis, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
