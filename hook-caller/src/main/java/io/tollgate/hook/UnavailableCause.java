package io.tollgate.hook;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Why a hook was unavailable; {@link #reason()} is what {@code HookDecision.reason} carries. */
public enum UnavailableCause {
  TIMEOUT,
  HTTP_5XX,
  HTTP_STATUS,
  REDIRECT,
  BAD_RESPONSE,
  BODY_TOO_LARGE,
  CONNECTION_REFUSED,
  TLS_ERROR,
  DNS_ERROR,
  IO_ERROR,
  FORBIDDEN_ADDRESS,
  CIRCUIT_OPEN,
  BULKHEAD_FULL,
  DEADLINE_EXCEEDED;

  public String reason() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The cause of a failed exchange, as OkHttp reported it. */
  public static UnavailableCause of(IOException failure) {
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
