package io.netsieve.core.capture;

import java.io.IOException;

/** Live capture could not start or failed: the message names the interface (and namespace) and the cause. */
public class LiveCaptureException extends IOException {
    private final String interfaceName;

    public LiveCaptureException(String interfaceName, String message, Throwable cause) {
        super(message, cause);
        this.interfaceName = interfaceName;
    }

    /** The interface the capture was for. */
    public String interfaceName() {
        return interfaceName;
    }
}
