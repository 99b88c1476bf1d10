package io.tollgate.orchestrator.api;

import io.javalin.http.Context;
import java.util.Map;

/** The {@code ?limit=N} of a list route: a whole number from 1 to the route's maximum, or 400 naming {@code limit}. */
public final class ListLimit {
    private ListLimit() {
    }

    public static int of(Context ctx, int defaultLimit, int max) {
        String raw = ctx.queryParam("limit");
        if (raw == null) {
            return defaultLimit;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException notANumber) {
            // answered below, like an out-of-range number
        }
        throw new ApiError(400, "invalid_request", "limit: must be a whole number from 1 to " + max,
                Map.of("field", "limit", "min", 1, "max", max));
    }
}
