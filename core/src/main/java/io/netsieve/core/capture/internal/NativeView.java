package io.netsieve.core.capture.internal;

import com.sun.jna.Pointer;

/** A JNA pointer that can be moved to another address, so native memory is read without a new object per read. */
public final class NativeView extends Pointer {
    public NativeView() {
        super(0);
    }

    public NativeView at(long address) {
        this.peer = address;
        return this;
    }
}
