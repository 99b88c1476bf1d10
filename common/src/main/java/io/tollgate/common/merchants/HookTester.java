package io.tollgate.common.merchants;

import io.tollgate.schema.Cart;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookSnapshot;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a merchant's hook one signed test call ({@code POST …/pre-confirmation/test}). Lives here so
 * the API can hold one without depending on the hook-caller that implements it.
 */
public interface HookTester {

    /**
     * Calls the hook once with a test body (type {@code checkout.pre_confirmation.test}, a fresh test
     * id in place of the session id, so every test has its own {@code webhook-id}) and records the
     * call in merchants.hook-calls.v1.
     *
     * @param hook the merchant's current hook: URL, timeout, mode
     * @param signingSecrets the secrets that sign right now, in clear, newest first
     * @param cart the cart to send; null sends a sample
     * @return the call as recorded, with the problems found; completes (within the hook's timeout)
     *     whatever the hook or the network did
     */
    CompletableFuture<HookCall> test(String agencyId, String merchantId, HookSnapshot hook, List<String> signingSecrets,
            Cart cart);
}
