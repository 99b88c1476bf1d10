package io.tollgate.hook;

import io.tollgate.common.signing.SigningSecrets;
import io.tollgate.schema.Cart;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.LineItem;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders for the values hook tests need: commits, snapshots, secrets. */
final class HookFixtures {

  static final MerchantKey MERCHANT = new MerchantKey("agency_a", "mer_studio");

  private HookFixtures() {
  }

  static String newSecret() {
    return new SigningSecrets().next();
  }

  static Cart yogaCart() {
    LineItem yoga = LineItem.newBuilder()
        .setId("cls_42")
        .setName("Vinyasa — Café Studio ☕")
        .setQuantity(2)
        .setUnitAmountMinor(1250)
        .setMetadata(Map.of("slot", "2024-06-01T09:00", "class_schedule_id", "sch_7"))
        .build();
    return Cart.newBuilder().setItems(List.of(yoga)).setTotalMinor(2500).setCurrency("GBP").build();
  }

  static final String EXTENSIONS = "{\"booking\":{\"class_schedule_id\":\"sch_7\",\"seats\":2}}";
  static final String CUSTOMER = "{\"email\":\"ada@example.com\"}";

  static CheckoutCommitted committed(int attempt) {
    return committed(attempt, EXTENSIONS, CUSTOMER);
  }

  // Fresh builders only: Avro 1.12 refuses to deep-copy io.tollgate.schema records (newBuilder(existing)) unless
  // the package is trusted via org.apache.avro.SERIALIZABLE_PACKAGES.
  static CheckoutCommitted committed(int attempt, String extensionsJson, String customerJson) {
    return CheckoutCommitted.newBuilder()
        .setAttempt(attempt)
        .setIdempotencyKey("idem_1")
        .setDeadline(Instant.parse("2024-06-01T08:00:05Z"))
        .setHook(null)
        .setCart(yogaCart())
        .setExtensionsJson(extensionsJson)
        .setCustomerJson(customerJson)
        .build();
  }

  static CheckoutEvent committedEvent(String sessionId, int attempt) {
    return event(sessionId, committed(attempt));
  }

  static CheckoutEvent event(String sessionId, Object payload) {
    return CheckoutEvent.newBuilder()
        .setEventId("evt_" + sessionId)
        .setSessionId(sessionId)
        .setAgencyId(MERCHANT.agencyId())
        .setMerchantId(MERCHANT.merchantId())
        .setSeq(2)
        .setOccurredAt(Instant.parse("2024-06-01T08:00:00Z"))
        .setCausedBy("cmd_1")
        .setActor("partner")
        .setPrevHash("0".repeat(64))
        .setPayload(payload)
        .build();
  }

  static HookRequest request(String sessionId, int attempt) {
    return HookRequest.preConfirmation(committedEvent(sessionId, attempt));
  }

  static HookSnapshot hook(String url, int timeoutMs) {
    return hook(url, timeoutMs, HookMode.SYNC);
  }

  static HookSnapshot hook(String url, int timeoutMs, HookMode mode) {
    return HookSnapshot.newBuilder()
        .setVersion(3)
        .setUrl(url)
        .setFailMode(FailMode.CLOSED)
        .setTimeoutMs(timeoutMs)
        .setMode(mode)
        .setPartnerWaitMinutes(240)
        .build();
  }
}
