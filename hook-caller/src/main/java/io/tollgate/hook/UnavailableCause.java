package io.tollgate.hook;

import io.tollgate.common.net.CallFailure;
import java.io.IOException;
import java.util.Locale;

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
    // every CallFailure has a cause of the same name here
    return valueOf(CallFailure.of(failure).name());
  }
}
