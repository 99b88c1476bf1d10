package io.tollgate.orchestrator.merchants;

import io.javalin.http.Context;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.schema.MerchantConfig;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who asks about which merchant: the caller, authenticated and owning the path's agency (another
 * agency's merchant is 404), and a well-formed merchant id. The merchant routes start here.
 */
record MerchantTarget(PartnerAuth.Caller caller, String agency, String merchant) {
    private static final Pattern MERCHANT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The target of a {@code /v2/agencies/{agency}/merchants/{merchant}…} request. */
    static MerchantTarget of(Context ctx, PartnerAuth auth, MerchantDirectory directory) {
        PartnerAuth.Caller caller = auth.requireAgency(ctx, ctx.pathParam("agency"));
        String merchant = ctx.pathParam("merchant");
        if (!MERCHANT_ID.matcher(merchant).matches()) {
            throw ApiError.invalid("merchant_id", "must be 1-64 of letters, digits, '_' or '-'");
        }
        if (!directory.isReady()) {
            throw new ApiError(503, "unavailable", "merchant configuration is still loading; retry shortly",
                    Map.of("retryable", true));
        }
        return new MerchantTarget(caller, caller.agency(), merchant);
    }

    String path(String suffix) {
        return "/v2/agencies/" + agency + "/merchants/" + merchant + suffix;
    }

    /** The merchant's key in the merchant topics. */
    String key() {
        return MerchantDirectory.key(agency, merchant);
    }

    /** The merchant's configuration, or 404. */
    MerchantConfig existing(MerchantDirectory directory) {
        return directory.find(agency, merchant).orElseThrow(() -> ApiError.notFound("merchant " + merchant));
    }
}
