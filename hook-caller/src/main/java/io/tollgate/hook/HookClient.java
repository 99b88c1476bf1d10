package io.tollgate.hook;

import io.tollgate.common.net.OutboundAddressRules;
import io.tollgate.common.net.OutboundHttp;
import io.tollgate.common.signing.SignatureHeaders;
import io.tollgate.common.signing.WebhookSigner;
import io.tollgate.common.trace.LogFields;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Makes the signed, blocking pre-confirmation call and says what it came to. Calls are asynchronous, so calls for
 * different sessions run side by side on one pooled client; the returned future completes on an OkHttp thread
 * (chain with the {@code *Async} methods to leave it).
 *
 * <p>Every failure is a {@link HookDecision} with outcome {@code UNAVAILABLE} and a named cause: the future does
 * not complete exceptionally for anything the merchant or the network does.
 */
public final class HookClient implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HookClient.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final String USER_AGENT = "Tollgate-Hook/1";
  private static final byte[] NO_BODY = new byte[0];

  private final OkHttpClient http;
  private final OutboundAddressRules rules;
  private final WebhookSigner signer = new WebhookSigner();
  private final HookGuards guards;
  private final HookMetrics metrics;
  private final Clock clock;
  private final int maxAnswerBytes;

  public HookClient(HookClientSettings settings, HookGuards guards, HookMetrics metrics, Clock clock) {
    this.rules = OutboundAddressRules.forMode(settings.devMode());
    this.guards = Objects.requireNonNull(guards, "guards");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxAnswerBytes = settings.maxAnswerBytes();
    // OkHttp's default of 5 calls per host would queue a busy merchant's calls behind each other; the bulkhead
    // is the per-merchant limit.
    this.http = OutboundHttp.client(rules, settings.resolver(), settings.maxConcurrentCalls()).build();
  }

  /**
   * Calls the hook for one attempt.
   *
   * @param request the body and ids to send
   * @param hook the hook as the commit snapshotted it: URL, timeout, mode
   * @param activeSecrets every secret that signs right now (two during a rotation), {@code whsec_…}
   * @param deadline the attempt's absolute deadline; the call never runs past it, and a passed one means no call
   * @return the decision; never completes exceptionally. A test call ({@link HookRequest#testCall}) bypasses the
   *     merchant's breaker and bulkhead and is left out of the metrics.
   * @throws IllegalArgumentException when there is no active secret or one is not a {@code whsec_} key
   */
  public CompletableFuture<HookDecision> call(
      HookRequest request, HookSnapshot hook, List<String> activeSecrets, Instant deadline) {
    long startedNanos = System.nanoTime();
    Instant now = clock.instant();
    long budgetMillis = Math.min(hook.getTimeoutMs(), now.until(deadline, ChronoUnit.MILLIS));
    if (budgetMillis <= 0) {
      return refused(request, UnavailableCause.DEADLINE_EXCEEDED, startedNanos);
    }
    HttpUrl url = HttpUrl.parse(hook.getUrl());
    if (url == null || !rules.permitsUrl(url)) {
      return refused(request, UnavailableCause.FORBIDDEN_ADDRESS, startedNanos);
    }
    SignatureHeaders signature = signer.sign(request.webhookId(), now, request.body(), activeSecrets);
    Admission admission = request.isTest() ? Admission.unguarded() : guards.admit(request.merchant());
    if (!admission.isGranted()) {
      return refused(request, admission.refusal(), startedNanos);
    }
    CompletableFuture<HookDecision> decision = new CompletableFuture<>();
    Call call = http.newCall(post(url, request, signature));
    // A deadline rather than a timeout: it also covers time spent queued in OkHttp's dispatcher.
    call.timeout().deadline(budgetMillis, TimeUnit.MILLISECONDS);
    call.enqueue(new AnswerCallback(request, hook.getMode(), admission, startedNanos, decision));
    return decision;
  }

  /** Lets calls in flight finish (they are bounded by their deadlines), then releases threads and connections. */
  @Override
  public void close() {
    OutboundHttp.close(http);
  }

  private static Request post(HttpUrl url, HookRequest request, SignatureHeaders signature) {
    Request.Builder post = new Request.Builder()
        .url(url)
        .header(SignatureHeaders.ID, signature.webhookId())
        .header(SignatureHeaders.TIMESTAMP, Long.toString(signature.timestamp()))
        .header(SignatureHeaders.SIGNATURE, signature.signature())
        .header("User-Agent", USER_AGENT)
        .post(RequestBody.create(request.bodyBytes(), JSON));
    if (request.trace() != null) {
      // not signed: tracing is the merchant's observability, not part of what it decides on
      post.header(TraceContext.HEADER, request.trace().traceparent());
    }
    return post.build();
  }

  /** The call's fields on the log lines written while its answer is handled (an OkHttp thread, not the caller's). */
  private static LogFields.Scope logFields(HookRequest request) {
    return LogFields.of(request.sessionId(), request.merchant().agencyId(), request.merchant().merchantId(), request.trace());
  }

  private CompletableFuture<HookDecision> refused(HookRequest request, UnavailableCause cause, long startedNanos) {
    long elapsedNanos = System.nanoTime() - startedNanos;
    HookDecision decision = HookVerdict.unavailable(cause).toDecision(TimeUnit.NANOSECONDS.toMillis(elapsedNanos));
    try (LogFields.Scope fields = logFields(request)) {
      report(request, decision, -1);
    }
    return CompletableFuture.completedFuture(decision);
  }

  private void report(HookRequest request, HookDecision decision, long calledNanos) {
    if (!request.isTest()) {
      metrics.recordDecision(request.merchant(), decision, calledNanos);
    }
    // one line per call at debug: the hook-caller logs each decision with its session
    Level level = decision.getOutcome() == HookOutcome.UNAVAILABLE ? Level.WARN : Level.DEBUG;
    log.atLevel(level).log(
        "hook decided session_id={} attempt={} agency_id={} merchant_id={} webhook_id={} type={} outcome={} "
            + "reason={} http_status={} duration_ms={} timed_out={} sca_force={}",
        request.sessionId(), request.attempt(), request.merchant().agencyId(), request.merchant().merchantId(),
        request.webhookId(), request.type(), decision.getOutcome(), decision.getReason(), decision.getHttpStatus(),
        decision.getDurationMs(), decision.getTimedOut(), decision.getScaForce());
  }

  /** Reads the answer on OkHttp's thread, then completes the future exactly once. */
  private final class AnswerCallback implements Callback {

    private final HookRequest request;
    private final HookMode mode;
    private final Admission admission;
    private final long startedNanos;
    private final CompletableFuture<HookDecision> decision;

    AnswerCallback(HookRequest request, HookMode mode, Admission admission, long startedNanos,
        CompletableFuture<HookDecision> decision) {
      this.request = request;
      this.mode = mode;
      this.admission = admission;
      this.startedNanos = startedNanos;
      this.decision = decision;
    }

    @Override
    public void onFailure(Call call, IOException failure) {
      UnavailableCause cause = UnavailableCause.of(failure);
      log.debug("hook call failed session_id={} webhook_id={} cause={} error={}",
          request.sessionId(), request.webhookId(), cause.reason(), failure.toString());
      finish(HookVerdict.unavailable(cause));
    }

    @Override
    public void onResponse(Call call, Response response) {
      HookVerdict verdict;
      try (response) {
        verdict = read(call, response);
      } catch (IOException failure) {
        verdict = HookVerdict.unavailable(UnavailableCause.of(failure), response.code());
      } catch (RuntimeException bug) {
        log.error("hook answer could not be read session_id={} webhook_id={}",
            request.sessionId(), request.webhookId(), bug);
        verdict = HookVerdict.unavailable(UnavailableCause.IO_ERROR, response.code());
      }
      finish(verdict);
    }

    private HookVerdict read(Call call, Response response) throws IOException {
      int status = response.code();
      ResponseBody body = response.body();
      long declaredLength = body.contentLength();
      if (!HookAnswerClassifier.readsBody(status)) {
        if (declaredLength < 0 || declaredLength > maxAnswerBytes) {
          // Closing would drain the unwanted body to reuse the connection; dropping the connection is cheaper.
          call.cancel();
        }
        return HookAnswerClassifier.classify(status, response.headers(), NO_BODY, mode);
      }
      if (declaredLength > maxAnswerBytes) {
        call.cancel();
        return HookVerdict.unavailable(UnavailableCause.BODY_TOO_LARGE, status);
      }
      BufferedSource source = body.source();
      if (source.request(maxAnswerBytes + 1L)) {
        call.cancel();
        return HookVerdict.unavailable(UnavailableCause.BODY_TOO_LARGE, status);
      }
      byte[] answer = source.getBuffer().readByteArray();
      return HookAnswerClassifier.classify(status, response.headers(), answer, mode);
    }

    private void finish(HookVerdict verdict) {
      long calledNanos = System.nanoTime() - startedNanos;
      HookDecision result = verdict.toDecision(TimeUnit.NANOSECONDS.toMillis(calledNanos));
      // what runs on from the future here (recording, the report) logs with the call's fields too
      try (LogFields.Scope fields = logFields(request)) {
        try {
          // The breaker learns the outcome before anyone waiting on the future can make the next call.
          admission.complete(result, calledNanos);
          report(request, result, calledNanos);
        } finally {
          decision.complete(result);
        }
      }
    }
  }
}
