package io.tollgate.orchestrator.merchants;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.BodyFields;
import io.tollgate.orchestrator.api.DisplayText;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The body of {@code PUT /v2/agencies/{agency}/merchants/{merchant}}: {@code {display_name, stripe_account?}}. */
record MerchantRequest(String displayName, String stripeAccount) {
    static final int MAX_DISPLAY_NAME = 200;
    private static final Pattern STRIPE_ACCOUNT = Pattern.compile("acct_[A-Za-z0-9]{1,250}");

    static MerchantRequest parse(JsonNode body) {
        BodyFields fields = BodyFields.of(body, Set.of("display_name", "stripe_account"));
        String displayName = fields.requiredText("display_name");
        if (displayName.isBlank()) {
            throw ApiError.invalid("display_name", "must not be blank");
        }
        if (displayName.length() > MAX_DISPLAY_NAME) {
            throw ApiError.invalid("display_name", "must be at most " + MAX_DISPLAY_NAME + " characters");
        }
        DisplayText.require("display_name", displayName);
        String stripeAccount = fields.text("stripe_account").orElse(null);
        if (stripeAccount != null && !STRIPE_ACCOUNT.matcher(stripeAccount).matches()) {
            throw ApiError.invalid("stripe_account", "must be a Stripe account id (acct_...)");
        }
        return new MerchantRequest(displayName, stripeAccount);
    }

    /** The request as the hash sees it, defaults applied. */
    Map<String, Object> canonical() {
        Map<String, Object> canonical = new TreeMap<>();
        canonical.put("display_name", displayName);
        canonical.put("stripe_account", stripeAccount);
        return canonical;
    }
}
