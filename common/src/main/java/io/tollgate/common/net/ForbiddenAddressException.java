package io.tollgate.common.net;

import java.net.UnknownHostException;

/**
 * A receiver's host resolved only to addresses the rules forbid. An {@link UnknownHostException} because that is
 * what OkHttp's {@code Dns} may throw, and to OkHttp the host is as good as unresolvable.
 */
public final class ForbiddenAddressException extends UnknownHostException {

    public ForbiddenAddressException(String message) {
        super(message);
    }
}
