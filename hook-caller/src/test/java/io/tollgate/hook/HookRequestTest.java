package io.tollgate.hook;

import static io.tollgate.hook.HookFixtures.MERCHANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schema.Cart;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.SessionCanceled;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class HookRequestTest {

  @Test
  void bodyIsTheDesignsShapeWithTheEventsJsonEmbedded() {
    HookRequest request = HookFixtures.request("sess_1", 1);

    assertThat(request.body()).isEqualTo("{\"type\":\"checkout.pre_confirmation\",\"session_id\":\"sess_1\","
        + "\"attempt\":1,\"merchant_id\":\"mer_studio\","
        + "\"extensions\":{\"booking\":{\"class_schedule_id\":\"sch_7\",\"seats\":2}},"
        + "\"cart\":{\"items\":[{\"id\":\"cls_42\",\"name\":\"Vinyasa — Café Studio ☕\",\"quantity\":2,"
        + "\"unit_amount_minor\":1250,\"metadata\":{\"class_schedule_id\":\"sch_7\",\"slot\":\"2024-06-01T09:00\"}}],"
        + "\"total_minor\":2500,\"total_pence\":2500,\"currency\":\"GBP\"},"
        + "\"customer\":{\"email\":\"ada@example.com\"}}");
    assertThat(request.bodyBytes()).isEqualTo(request.body().getBytes(StandardCharsets.UTF_8));
    assertThat(request.sessionId()).isEqualTo("sess_1");
    assertThat(request.merchant()).isEqualTo(MERCHANT);
    assertThat(request.isTest()).isFalse();
  }

  @Test
  void absentExtensionsAreAnEmptyObjectAndAbsentCustomerIsNull() {
    CheckoutCommitted bare = HookFixtures.committed(1, null, null);

    HookRequest request = HookRequest.preConfirmation("sess_1", MERCHANT, bare);

    assertThat(request.body()).contains("\"extensions\":{},").endsWith(",\"customer\":null}");
  }

  @Test
  void embeddedJsonKeepsExactNumbers() {
    CheckoutCommitted precise = HookFixtures.committed(1,
        "{\"weight\":0.1,\"big\":123456789012345678901234567890.000000001}", null);

    HookRequest request = HookRequest.preConfirmation("sess_1", MERCHANT, precise);

    assertThat(request.body()).contains("{\"weight\":0.1,\"big\":123456789012345678901234567890.000000001}");
  }

  @Test
  void extensionsThatAreNotJsonFailLoudly() {
    CheckoutCommitted broken = HookFixtures.committed(1, "{not json", null);

    assertThatThrownBy(() -> HookRequest.preConfirmation("sess_1", MERCHANT, broken))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("extensions_json");
  }

  @Test
  void webhookIdIsStablePerAttemptAndDerivedFromSessionAndAttempt() throws Exception {
    String expected = "msg_" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest("sess_1/2".getBytes(StandardCharsets.UTF_8))).substring(0, 32);

    assertThat(HookFixtures.request("sess_1", 2).webhookId())
        .isEqualTo(expected)
        .isEqualTo(HookFixtures.request("sess_1", 2).webhookId())
        .isNotEqualTo(HookFixtures.request("sess_1", 3).webhookId())
        .isNotEqualTo(HookFixtures.request("sess_2", 2).webhookId())
        .hasSize(4 + 32);
  }

  @Test
  void testCallHasItsOwnType() {
    HookRequest request = HookRequest.testCall("test_9", MERCHANT);

    assertThat(request.isTest()).isTrue();
    assertThat(request.body()).startsWith("{\"type\":\"checkout.pre_confirmation.test\",\"session_id\":\"test_9\",")
        .contains("\"cart\":{\"items\":[],\"total_minor\":0,\"total_pence\":0,\"currency\":\"GBP\"}");
    assertThat(HookRequest.testCall("test_9", MERCHANT, new Cart(List.of(), 100L, "EUR")).body())
        .contains("\"currency\":\"EUR\"");
  }

  @Test
  void onlyACheckoutCommittedEventMakesARequest() {
    CheckoutEvent canceled = HookFixtures.event("sess_1", new SessionCanceled("expired", null));

    assertThatThrownBy(() -> HookRequest.preConfirmation(canceled)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toStringLeavesTheShoppersDetailsOut() {
    assertThat(HookFixtures.request("sess_1", 1).toString()).doesNotContain("ada@example.com").contains("sess_1");
  }
}
