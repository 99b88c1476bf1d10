package io.tollgate.common.signing;

/**
 * The Standard Webhooks headers of one signed call. {@code signature} holds one {@code v1,<base64>} per active
 * secret, separated by a single space.
 */
public record SignatureHeaders(String webhookId, long timestamp, String signature) {

    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";

    @Override
    public String toString() {
        return "SignatureHeaders{webhook_id=" + webhookId + ", timestamp=" + timestamp + "}";
    }
}
