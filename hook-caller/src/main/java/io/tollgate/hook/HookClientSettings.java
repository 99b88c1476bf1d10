package io.tollgate.hook;

import java.util.Objects;
import okhttp3.Dns;

/**
 * @param devMode allow {@code http} and loopback hooks ({@code TOLLGATE_DEV_MODE})
 * @param maxAnswerBytes the most of an answer that is read; a longer one is {@code body_too_large}
 * @param maxConcurrentCalls calls in flight across all merchants before OkHttp queues them (per-merchant limits
 *     are {@link HookGuardSettings#maxConcurrentCalls()})
 * @param resolver resolves hook hosts before {@link io.tollgate.common.net.OutboundAddressRules} check the addresses
 */
public record HookClientSettings(boolean devMode, int maxAnswerBytes, int maxConcurrentCalls, Dns resolver) {

  public static final int DEFAULT_MAX_ANSWER_BYTES = 64 * 1024;

  public HookClientSettings {
    if (maxAnswerBytes < 1 || maxConcurrentCalls < 1) {
      throw new IllegalArgumentException("maxAnswerBytes and maxConcurrentCalls must be at least 1");
    }
    Objects.requireNonNull(resolver, "resolver");
  }

  public static HookClientSettings defaults() {
    return new HookClientSettings(false, DEFAULT_MAX_ANSWER_BYTES, 1024, Dns.SYSTEM);
  }

  public HookClientSettings withDevMode(boolean devMode) {
    return new HookClientSettings(devMode, maxAnswerBytes, maxConcurrentCalls, resolver);
  }

  public HookClientSettings withResolver(Dns resolver) {
    return new HookClientSettings(devMode, maxAnswerBytes, maxConcurrentCalls, resolver);
  }
}
