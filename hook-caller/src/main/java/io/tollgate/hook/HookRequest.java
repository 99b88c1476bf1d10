package io.tollgate.hook;

import io.tollgate.common.crypto.Sha256;
import io.tollgate.common.trace.TraceContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.schema.Cart;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.LineItem;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One pre-confirmation call as the merchant will receive it. The JSON body is serialized once, here,
 * so the bytes that are signed are exactly the bytes that are sent.
 */
public final class HookRequest {

  public static final String PRE_CONFIRMATION = "checkout.pre_confirmation";
  public static final String PRE_CONFIRMATION_TEST = "checkout.pre_confirmation.test";

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .nodeFactory(NODES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final ObjectReader JSON_READER = MAPPER.reader();
  private static final ObjectWriter JSON_WRITER = MAPPER.writer();

  private final String type;
  private final String sessionId;
  private final int attempt;
  private final MerchantKey merchant;
  private final String webhookId;
  private final String body;
  private final TraceContext trace;

  private HookRequest(String type, String sessionId, int attempt, MerchantKey merchant, String body, TraceContext trace) {
    this.type = type;
    this.sessionId = sessionId;
    this.attempt = attempt;
    this.merchant = merchant;
    this.webhookId = webhookIdFor(sessionId, attempt);
    this.body = body;
    this.trace = trace;
  }

  /** The same call, sending {@code traceparent} so the merchant's own tracing joins the checkout's trace. */
  public HookRequest withTrace(TraceContext trace) {
    return new HookRequest(type, sessionId, attempt, merchant, body, Objects.requireNonNull(trace, "trace"));
  }

  /** The call for a journal event whose payload is {@link CheckoutCommitted}. */
  public static HookRequest preConfirmation(CheckoutEvent event) {
    if (!(event.getPayload() instanceof CheckoutCommitted committed)) {
      throw new IllegalArgumentException("event " + event.getEventId() + " is not a CheckoutCommitted");
    }
    return preConfirmation(event.getSessionId(), new MerchantKey(event.getAgencyId(), event.getMerchantId()), committed);
  }

  public static HookRequest preConfirmation(String sessionId, MerchantKey merchant, CheckoutCommitted committed) {
    return create(PRE_CONFIRMATION, sessionId, committed.getAttempt(), merchant, committed.getCart(),
        committed.getExtensionsJson(), committed.getCustomerJson());
  }

  /**
   * A signed test call ({@code POST …/pre-confirmation/test}). {@code testId} stands in for the session id
   * and should be unique per test, since merchants de-duplicate on {@code webhook-id}.
   */
  public static HookRequest testCall(String testId, MerchantKey merchant, Cart sampleCart) {
    return create(PRE_CONFIRMATION_TEST, testId, 0, merchant, sampleCart, null, null);
  }

  /** A test call with an empty cart. */
  public static HookRequest testCall(String testId, MerchantKey merchant) {
    return testCall(testId, merchant, new Cart(List.of(), 0L, "GBP"));
  }

  /**
   * Stable per attempt, so a redelivered commit carries the same id: receivers use it as an idempotency key.
   * {@code msg_} + the first 32 hex characters of SHA-256(session_id "/" attempt).
   */
  public static String webhookIdFor(String sessionId, int attempt) {
    return "msg_" + Sha256.hex(sessionId + "/" + attempt).substring(0, 32);
  }

  private static HookRequest create(String type, String sessionId, int attempt, MerchantKey merchant, Cart cart,
      String extensionsJson, String customerJson) {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(merchant, "merchant");
    Objects.requireNonNull(cart, "cart");
    ObjectNode root = NODES.objectNode();
    root.put("type", type);
    root.put("session_id", sessionId);
    root.put("attempt", attempt);
    root.put("merchant_id", merchant.merchantId());
    root.set("extensions", embedded("extensions_json", extensionsJson, NODES.objectNode()));
    root.set("cart", cartNode(cart));
    root.set("customer", embedded("customer_json", customerJson, NullNode.getInstance()));
    try {
      return new HookRequest(type, sessionId, attempt, merchant, JSON_WRITER.writeValueAsString(root), null);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain nodes always serializes", e);
    }
  }

  private static ObjectNode cartNode(Cart cart) {
    ObjectNode node = NODES.objectNode();
    ArrayNode items = node.putArray("items");
    for (LineItem item : cart.getItems()) {
      ObjectNode line = items.addObject();
      line.put("id", item.getId());
      line.put("name", item.getName());
      line.put("quantity", item.getQuantity());
      line.put("unit_amount_minor", item.getUnitAmountMinor());
      ObjectNode metadata = line.putObject("metadata");
      // Sorted, so the same attempt always yields the same bytes whatever map the decoder built.
      new TreeMap<>(item.getMetadata() == null ? Map.<String, String>of() : item.getMetadata())
          .forEach(metadata::put);
    }
    node.put("total_minor", cart.getTotalMinor());
    // Repeats total_minor so receivers written for Swft's body keep working.
    node.put("total_pence", cart.getTotalMinor());
    node.put("currency", cart.getCurrency());
    return node;
  }

  /** The API stored these as JSON text; a value that is not JSON is a bug upstream, so it fails loudly. */
  private static JsonNode embedded(String field, String json, JsonNode whenAbsent) {
    if (json == null || json.isBlank()) {
      return whenAbsent;
    }
    try {
      JsonNode node = JSON_READER.readTree(json);
      return node == null || node.isNull() ? whenAbsent : node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(field + " is not valid JSON", e);
    }
  }

  public String type() {
    return type;
  }

  public boolean isTest() {
    return PRE_CONFIRMATION_TEST.equals(type);
  }

  public String sessionId() {
    return sessionId;
  }

  public int attempt() {
    return attempt;
  }

  public MerchantKey merchant() {
    return merchant;
  }

  public String webhookId() {
    return webhookId;
  }

  /** The trace the call sends on, or null (test calls). */
  public TraceContext trace() {
    return trace;
  }

  /** The JSON body, exactly as signed and sent. */
  public String body() {
    return body;
  }

  /** The UTF-8 bytes of {@link #body()}: what goes on the wire. */
  public byte[] bodyBytes() {
    return body.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    // No body: it carries the shopper's details.
    return "HookRequest{type=" + type + ", session_id=" + sessionId + ", attempt=" + attempt
        + ", merchant=" + merchant + ", webhook_id=" + webhookId + "}";
  }
}
