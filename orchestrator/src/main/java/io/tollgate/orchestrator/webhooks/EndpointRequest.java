package io.tollgate.orchestrator.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.common.merchants.HookUrlQuery;
import io.tollgate.common.net.OutboundUrlRules;
import io.tollgate.common.webhooks.OrderEventTypes;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.BodyFields;
import io.tollgate.orchestrator.checkout.CartRequest;
import io.tollgate.orchestrator.checkout.StripeCurrencies;
import io.tollgate.schema.CreateEndpoint;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.UpdateEndpoint;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookSigning;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The body of {@code POST …/webhook-endpoints} (every field but {@code url} and {@code triggers}
 * optional) and of {@code PATCH …/webhook-endpoints/{id}} (any field, at least one; {@code null}
 * clears {@code description} and {@code conditions}). A null field here means "not given".
 */
record EndpointRequest(String url, String description, boolean clearDescription, List<String> triggers,
        WebhookConditions conditions, Boolean enabled, WebhookSigning signing) {
    static final Set<String> FIELDS = Set.of("url", "description", "triggers", "conditions", "enabled", "signing");
    static final Set<String> CONDITIONS = Set.of("merchant_ids", "currencies", "amount_minor_over", "amount_minor_under",
            "decisions");
    static final List<String> SIGNINGS = List.of("standard_webhooks", "jwt");
    static final int MAX_DESCRIPTION = 256;
    static final int MAX_MERCHANTS = 100;
    static final int MAX_CURRENCIES = 50;
    private static final Pattern MERCHANT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    static EndpointRequest create(JsonNode body, boolean devMode) {
        BodyFields fields = BodyFields.of(body, FIELDS);
        EndpointRequest request = parse(fields, devMode);
        if (request.url() == null) {
            throw ApiError.invalid("url", "is required");
        }
        if (request.triggers() == null) {
            throw ApiError.invalid("triggers", "is required: one or more of " + String.join(", ", OrderEventTypes.ALL));
        }
        return new EndpointRequest(request.url(), request.description(), false, request.triggers(),
                request.conditions() == null ? none() : request.conditions(),
                request.enabled() == null ? Boolean.TRUE : request.enabled(),
                request.signing() == null ? WebhookSigning.STANDARD_WEBHOOKS : request.signing());
    }

    static EndpointRequest patch(JsonNode body, boolean devMode) {
        BodyFields fields = BodyFields.of(body, FIELDS);
        if (!body.fieldNames().hasNext()) {
            throw new ApiError(400, "invalid_request", "the body must change at least one of "
                    + String.join(", ", FIELDS.stream().sorted().toList()));
        }
        for (String field : List.of("url", "triggers", "enabled", "signing")) {
            if (body.has(field) && body.get(field).isNull()) {
                throw ApiError.invalid(field, "cannot be null; leave it out to keep it as it is");
            }
        }
        EndpointRequest request = parse(fields, devMode);
        boolean clearDescription = fields.has("description") && request.description() == null;
        boolean clearConditions = fields.has("conditions") && request.conditions() == null;
        return new EndpointRequest(request.url(), request.description(), clearDescription, request.triggers(),
                clearConditions ? none() : request.conditions(), request.enabled(), request.signing());
    }

    private static EndpointRequest parse(BodyFields fields, boolean devMode) {
        String url = fields.text("url").orElse(null);
        if (url != null) {
            OutboundUrlRules.problem(url, devMode).ifPresent(problem -> {
                throw ApiError.invalid("url", problem);
            });
        }
        String description = fields.text("description").orElse(null);
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw ApiError.invalid("description", "must be at most " + MAX_DESCRIPTION + " characters");
        }
        List<String> triggers = fields.textList("triggers", OrderEventTypes.ALL.size() * 2,
                BodyFields.among(OrderEventTypes.ALL)).map(EndpointRequest::normalized).orElse(null);
        if (triggers != null && triggers.isEmpty()) {
            throw ApiError.invalid("triggers", "must name at least one of " + String.join(", ", OrderEventTypes.ALL));
        }
        WebhookConditions conditions = fields.object("conditions", CONDITIONS).map(EndpointRequest::conditions).orElse(null);
        Boolean enabled = fields.bool("enabled").orElse(null);
        WebhookSigning signing = fields.oneOf("signing", SIGNINGS)
                .map(s -> WebhookSigning.valueOf(s.toUpperCase(Locale.ROOT))).orElse(null);
        return new EndpointRequest(url, description, false, triggers, conditions, enabled, signing);
    }

    private static WebhookConditions conditions(BodyFields fields) {
        List<String> merchants = fields.textList("merchant_ids", MAX_MERCHANTS, id -> MERCHANT_ID.matcher(id).matches()
                ? Optional.empty() : Optional.of("must be 1-64 of letters, digits, '_' or '-'")).orElse(List.of());
        List<String> currencies = fields.textList("currencies", MAX_CURRENCIES,
                code -> CURRENCY.matcher(code).matches() && StripeCurrencies.contains(code) ? Optional.empty()
                        : Optional.of("must be an ISO 4217 code Stripe can charge, in upper case, e.g. GBP")).orElse(List.of());
        Long over = fields.longInteger("amount_minor_over", 0, CartRequest.MAX_AMOUNT_MINOR).orElse(null);
        Long under = fields.longInteger("amount_minor_under", 1, CartRequest.MAX_AMOUNT_MINOR).orElse(null);
        if (over != null && under != null && over + 1 >= under) {
            throw ApiError.invalid("conditions.amount_minor_under", "must leave room above amount_minor_over: no amount is"
                    + " over " + over + " and under " + under);
        }
        List<String> decisions = fields.textList("decisions", OrderEventTypes.DECISIONS.size(),
                BodyFields.among(OrderEventTypes.DECISIONS)).orElse(List.of());
        return WebhookConditions.newBuilder().setMerchantIds(distinct(merchants)).setCurrencies(distinct(currencies))
                .setAmountMinorOver(over).setAmountMinorUnder(under).setDecisions(distinct(decisions)).build();
    }

    static WebhookConditions none() {
        return WebhookConditions.newBuilder().setMerchantIds(new ArrayList<>()).setCurrencies(new ArrayList<>())
                .setAmountMinorOver(null).setAmountMinorUnder(null).setDecisions(new ArrayList<>()).build();
    }

    /** Known types only, each once, in the order a session meets them: so two spellings of one set are one request. */
    private static List<String> normalized(List<String> triggers) {
        return OrderEventTypes.ALL.stream().filter(triggers::contains).toList();
    }

    private static List<String> distinct(List<String> values) {
        return new ArrayList<>(values.stream().distinct().sorted().toList());
    }

    /**
     * @param query seals the URL's query (where a partner keeps its token); the command carries the URL with the
     *     query's values redacted
     */
    CreateEndpoint toCreate(Encrypted secret, Function<String, Encrypted> query) {
        HookUrlQuery.Split split = HookUrlQuery.split(url);
        return CreateEndpoint.newBuilder().setUrl(split.shownUrl()).setSealedQuery(sealed(split, query))
                .setDescription(description).setTriggers(triggers).setConditions(conditions).setEnabled(enabled)
                .setSigning(signing).setSecret(secret).build();
    }

    UpdateEndpoint toUpdate(Function<String, Encrypted> query) {
        HookUrlQuery.Split split = url == null ? null : HookUrlQuery.split(url);
        return UpdateEndpoint.newBuilder().setUrl(split == null ? null : split.shownUrl())
                .setSealedQuery(split == null ? null : sealed(split, query))
                .setDescription(clearDescription ? "" : description)
                .setTriggers(triggers).setConditions(conditions).setEnabled(enabled).setSigning(signing).build();
    }

    private static Encrypted sealed(HookUrlQuery.Split split, Function<String, Encrypted> query) {
        return split.query() == null ? null : query.apply(split.query());
    }

    /** The request as the hash sees it, defaults applied: leaving out a default is the same request. */
    Map<String, Object> canonical() {
        Map<String, Object> canonical = new TreeMap<>();
        canonical.put("url", url);
        canonical.put("description", clearDescription ? "" : description);
        canonical.put("triggers", triggers);
        canonical.put("conditions", conditions == null ? null : EndpointAnswers.conditions(conditions));
        canonical.put("enabled", enabled);
        canonical.put("signing", signing == null ? null : signing.name());
        return canonical;
    }
}
