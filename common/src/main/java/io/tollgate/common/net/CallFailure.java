package io.tollgate.common.net;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why an outbound HTTP exchange failed without an answer, as OkHttp reported it: one reading of the
 * exception chain for the hook-caller and the webhook dispatcher. {@link #reason()} is the snake-case
 * name both record.
 */
public enum CallFailure {
    TIMEOUT,
    FORBIDDEN_ADDRESS,
    DNS_ERROR,
    CONNECTION_REFUSED,
    TLS_ERROR,
    BAD_RESPONSE,
    IO_ERROR;

    public String reason() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static CallFailure of(IOException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // OkHttp reports an expired call timeout as InterruptedIOException("timeout"), whatever it interrupted.
            if (t instanceof InterruptedIOException) {
                return TIMEOUT;
            }
            if (t instanceof ForbiddenAddressException) {
                return FORBIDDEN_ADDRESS;
            }
            if (t instanceof UnknownHostException) {
                return DNS_ERROR;
            }
            if (t instanceof ConnectException) {
                return CONNECTION_REFUSED;
            }
            if (t instanceof SSLException) {
                return TLS_ERROR;
            }
            if (t instanceof ProtocolException) {
                return BAD_RESPONSE;
            }
        }
        return IO_ERROR;
    }
}
