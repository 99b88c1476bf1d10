package io.tollgate.hook;

import static io.tollgate.hook.UnavailableCause.BAD_RESPONSE;
import static io.tollgate.hook.UnavailableCause.HTTP_5XX;
import static io.tollgate.hook.UnavailableCause.HTTP_STATUS;
import static io.tollgate.hook.UnavailableCause.REDIRECT;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tollgate.schema.HookMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import okhttp3.Headers;
import okhttp3.MediaType;

/**
 * Reads a hook's answer the way design.md's "Answer" list describes it. A pure function of status, headers, body
 * and mode, so every answer class is one table row in the tests.
 *
 * <p>Approvals are strict: a malformed approval is {@code bad_response}, never an approval. Rejections are lenient:
 * a merchant that clearly said no is not turned into an unavailable hook (which fail-open would approve) because
 * its {@code reason} had the wrong type.
 */
public final class HookAnswerClassifier {

  public static final int MAX_REASON_CHARS = 256;
  public static final int MAX_MESSAGE_CHARS = 1024;
  static final int MAX_EXEMPTIONS = 16;
  static final int MAX_EXEMPTION_CHARS = 64;

  /** 4xx statuses that mean "no" (Hi.Events blocks on 4xx); other 4xx mean the hook itself is broken. */
  private static final Set<Integer> REJECTING_STATUSES = Set.of(400, 403, 409, 410, 422);

  // Duplicate keys and trailing garbage make an answer ambiguous; ambiguity must never approve.
  private static final ObjectReader JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build()
      .reader();

  private HookAnswerClassifier() {
  }

  /** Whether the body can change the verdict for this status; for other statuses it need not be read. */
  public static boolean readsBody(int status) {
    return isSuccess(status) || REJECTING_STATUSES.contains(status);
  }

  public static HookVerdict classify(int status, Headers headers, byte[] body, HookMode mode) {
    if (status >= 300 && status < 400) {
      return HookVerdict.unavailable(REDIRECT, status);
    }
    if (REJECTING_STATUSES.contains(status)) {
      return rejectionWithOptionalDetails(status, headers, body);
    }
    if (status >= 500 && status < 600) {
      return HookVerdict.unavailable(HTTP_5XX, status);
    }
    if (!isSuccess(status)) {
      return HookVerdict.unavailable(HTTP_STATUS, status);
    }
    return classifySuccess(status, body, mode);
  }

  private static HookVerdict classifySuccess(int status, byte[] body, HookMode mode) {
    boolean deferredMode = mode == HookMode.DEFERRED;
    if (isBlank(body)) {
      if (deferredMode) {
        return HookVerdict.defer(status);
      }
      return status == 200 || status == 204 ? HookVerdict.approve(status) : HookVerdict.unavailable(BAD_RESPONSE, status);
    }
    JsonNode json = parseOrNull(body);
    if (json == null || !json.isObject()) {
      return deferredMode ? HookVerdict.defer(status) : HookVerdict.unavailable(BAD_RESPONSE, status);
    }
    JsonNode available = json.get("available");
    JsonNode reject = json.get("reject");
    boolean saysNo = isFalse(available) || isTrue(reject);
    if (saysNo) {
      return rejection(status, json);
    }
    if (json.path("status").asText("").equalsIgnoreCase("deferred") || deferredMode) {
      return HookVerdict.defer(status);
    }
    boolean saysYes = isTrue(available) || isFalse(reject);
    boolean wellTyped = isBooleanOrAbsent(available) && isBooleanOrAbsent(reject);
    if (!saysYes || !wellTyped) {
      return HookVerdict.unavailable(BAD_RESPONSE, status);
    }
    return approval(status, json.get("update"));
  }

  /**
   * Our {@code update: {sca: "force", exemptions}} and ePay's {@code update: {scaMode: "FORCE", exemptions}}.
   */
  private static HookVerdict approval(int status, JsonNode update) {
    if (update == null || update.isNull()) {
      return HookVerdict.approve(status);
    }
    if (!update.isObject()) {
      return HookVerdict.unavailable(BAD_RESPONSE, status);
    }
    JsonNode sca = update.get("sca");
    JsonNode scaMode = update.get("scaMode");
    JsonNode exemptions = update.get("exemptions");
    if (!isTextOrAbsent(sca) || !isTextOrAbsent(scaMode) || !isTextArrayOrAbsent(exemptions)) {
      return HookVerdict.unavailable(BAD_RESPONSE, status);
    }
    boolean scaForce = (sca != null && sca.isTextual() && sca.asText().equalsIgnoreCase("force"))
        || (scaMode != null && scaMode.isTextual() && scaMode.asText().equalsIgnoreCase("FORCE"));
    return HookVerdict.approveWithUpdate(status, scaForce, exemptionsOf(exemptions));
  }

  private static HookVerdict rejectionWithOptionalDetails(int status, Headers headers, byte[] body) {
    if (isBlank(body)) {
      return HookVerdict.reject(status, null, null);
    }
    JsonNode json = parseOrNull(body);
    if (json != null && json.isObject()) {
      return rejection(status, json);
    }
    // Hi.Events shows the webhook's message to the buyer; a plain-text 4xx body is that message. HTML error pages
    // (from proxies, say) are not meant for shoppers and are ignored.
    MediaType type = contentType(headers);
    if (type != null && type.type().equals("text") && type.subtype().equals("plain")) {
      String text = new String(body, type.charset(StandardCharsets.UTF_8));
      return HookVerdict.reject(status, null, AnswerText.clean(text, MAX_MESSAGE_CHARS));
    }
    return HookVerdict.reject(status, null, null);
  }

  private static HookVerdict rejection(int status, JsonNode json) {
    String reason = AnswerText.clean(textOrNull(json.get("reason")), MAX_REASON_CHARS);
    String message = AnswerText.clean(textOrNull(json.get("message")), MAX_MESSAGE_CHARS);
    return HookVerdict.reject(status, reason, message);
  }

  private static List<String> exemptionsOf(JsonNode exemptions) {
    List<String> out = new ArrayList<>();
    if (exemptions == null || exemptions.isNull()) {
      return out;
    }
    for (JsonNode exemption : exemptions) {
      String cleaned = AnswerText.clean(exemption.asText(), MAX_EXEMPTION_CHARS);
      if (cleaned != null && !out.contains(cleaned) && out.size() < MAX_EXEMPTIONS) {
        out.add(cleaned);
      }
    }
    return out;
  }

  private static JsonNode parseOrNull(byte[] body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static MediaType contentType(Headers headers) {
    String value = headers == null ? null : headers.get("Content-Type");
    return value == null ? null : MediaType.parse(value);
  }

  private static String textOrNull(JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }

  private static boolean isSuccess(int status) {
    return status >= 200 && status < 300;
  }

  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private static boolean isTrue(JsonNode node) {
    return node != null && node.isBoolean() && node.booleanValue();
  }

  private static boolean isFalse(JsonNode node) {
    return node != null && node.isBoolean() && !node.booleanValue();
  }

  private static boolean isBooleanOrAbsent(JsonNode node) {
    return node == null || node.isBoolean();
  }

  private static boolean isTextOrAbsent(JsonNode node) {
    return node == null || node.isNull() || node.isTextual();
  }

  private static boolean isTextArrayOrAbsent(JsonNode node) {
    if (node == null || node.isNull()) {
      return true;
    }
    if (!node.isArray()) {
      return false;
    }
    for (JsonNode element : node) {
      if (!element.isTextual()) {
        return false;
      }
    }
    return true;
  }
}
