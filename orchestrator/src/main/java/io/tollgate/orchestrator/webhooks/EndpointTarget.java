package io.tollgate.orchestrator.webhooks;

import io.javalin.http.Context;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.schema.WebhookEndpoint;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who asks about which webhook endpoint: the caller, authenticated and owning the path's agency
 * (another agency's endpoints are 404), and a well-formed endpoint id. The endpoint routes start here.
 */
record EndpointTarget(PartnerAuth.Caller caller, String agency, String endpoint) {
    static final String AGENCY_PATH = "/v2/agencies/{agency}/webhook-endpoints";
    static final String ENDPOINT_PATH = AGENCY_PATH + "/{endpoint}";
    private static final Pattern ENDPOINT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The caller of a {@code /v2/agencies/{agency}/webhook-endpoints} request, once the view can answer. */
    static PartnerAuth.Caller agency(Context ctx, PartnerAuth auth, EndpointDirectory directory) {
        PartnerAuth.Caller caller = auth.requireAgency(ctx, ctx.pathParam("agency"));
        if (!directory.isReady()) {
            throw new ApiError(503, "unavailable", "webhook endpoints are still loading; retry shortly",
                    Map.of("retryable", true));
        }
        return caller;
    }

    /** The target of a {@code …/webhook-endpoints/{endpoint}…} request. */
    static EndpointTarget of(Context ctx, PartnerAuth auth, EndpointDirectory directory) {
        PartnerAuth.Caller caller = agency(ctx, auth, directory);
        String endpoint = ctx.pathParam("endpoint");
        if (!ENDPOINT_ID.matcher(endpoint).matches()) {
            throw ApiError.invalid("endpoint_id", "must be 1-64 of letters, digits, '_' or '-'");
        }
        return new EndpointTarget(caller, caller.agency(), endpoint);
    }

    static String collectionPath(String agency) {
        return "/v2/agencies/" + agency + "/webhook-endpoints";
    }

    String path(String suffix) {
        return collectionPath(agency) + "/" + endpoint + suffix;
    }

    String key() {
        return EndpointDirectory.key(agency, endpoint);
    }

    /** The endpoint unless deleted, or 404. */
    WebhookEndpoint existing(EndpointDirectory directory) {
        return directory.live(agency, endpoint).orElseThrow(() -> notFound(endpoint));
    }

    static ApiError notFound(String endpoint) {
        return new ApiError(404, "not_found", "webhook endpoint " + endpoint + " not found",
                Map.of("reason", WebhookEndpointFold.ENDPOINT_NOT_FOUND));
    }

    /** Whose request it is, for the log. */
    String describe() {
        return "agency_id=" + agency + " endpoint_id=" + endpoint + " actor=" + caller.actor();
    }
}
