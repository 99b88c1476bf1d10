package io.tollgate.payment.standin;

/** A status and JSON body, as the stand-in answers and as idempotency saves it. */
record StandInResponse(int status, String body) {}
