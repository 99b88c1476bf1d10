package io.tollgate.hook;

import io.tollgate.common.kafka.Topic;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.common.net.OutboundHttp;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.kafka.KafkaClientMeters;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends a {@link HookCall} to merchants.hook-calls.v1 for every call, real or test, so merchants can see what their
 * hook did. The record is a courtesy, never a condition: appending happens on its own thread behind a bounded queue,
 * so a slow or absent broker neither delays nor fails a decision; a record that cannot be written is dropped with a
 * warning.
 */
public final class HookCallRecorder implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HookCallRecorder.class);
  private static final int MAX_QUEUED = 10_000;

  private final Topic<String, HookCall> topic;
  private final KafkaProducer<String, HookCall> producer;
  private final ExecutorService appender;
  private final Clock clock;

  /**
   * @param topic merchants.hook-calls.v1 ({@code topics.hookCalls()})
   * @param producerConfig the producer's settings; it is closed with this recorder
   */
  public HookCallRecorder(Topic<String, HookCall> topic, Map<String, Object> producerConfig, Clock clock) {
    this.topic = topic;
    this.clock = clock;
    Map<String, Object> config = new HashMap<>(producerConfig);
    // Bounds how long the appender thread waits for metadata or buffer space, so close() cannot hang on it.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    this.producer = new KafkaProducer<>(config, topic.keySerde().serializer(), topic.valueSerde().serializer());
    this.appender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED),
        runnable -> {
          Thread thread = new Thread(runnable, "hook-call-recorder");
          thread.setDaemon(true);
          return thread;
        },
        (dropped, executor) -> log.warn("hook call not recorded topic={} cause={}", topic.name(),
            executor.isShutdown() ? "closing" : "queue_full"));
  }

  /**
   * Records a call that has just finished (or was refused) and returns the record. Never blocks; a failure to append
   * is logged, not thrown.
   */
  public HookCall record(HookRequest request, HookSnapshot hook, HookDecision decision) {
    HookCall call = HookCall.newBuilder()
        .setCallId(request.webhookId())
        .setAgencyId(request.merchant().agencyId())
        .setMerchantId(request.merchant().merchantId())
        .setSessionId(request.sessionId())
        .setAttempt(request.attempt())
        .setTest(request.isTest())
        // duration_ms is measured from the start of the call, or is ~0 for a refusal
        .setCalledAt(clock.instant().minusMillis(decision.getDurationMs()))
        .setUrl(OutboundHttp.redacted(hook.getUrl()))
        .setHookVersion(hook.getVersion())
        .setDecision(decision)
        .setProblems(HookCallProblems.of(decision, hook))
        .build();
    // a full queue or a closing recorder drops the record (the rejection handler says so) rather than throw
    appender.execute(() -> append(call));
    return call;
  }

  private void append(HookCall call) {
    String key = MerchantDirectory.key(call.getAgencyId(), call.getMerchantId());
    try {
      producer.send(new ProducerRecord<>(topic.name(), key, call), (metadata, error) -> {
        if (error != null) {
          warnNotRecorded(call, error);
        }
      });
    } catch (RuntimeException e) {
      warnNotRecorded(call, e);
    }
  }

  private static void warnNotRecorded(HookCall call, Throwable error) {
    log.warn("hook call not recorded agency_id={} merchant_id={} session_id={} webhook_id={} error={}",
        call.getAgencyId(), call.getMerchantId(), call.getSessionId(), call.getCallId(), error.toString());
  }

  /** Binds the producer's client metrics; close the result to unbind. */
  public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
    return KafkaClientMeters.bind(producer, registry);
  }

  /** Appends what is queued (for a few seconds at most), then closes the producer. */
  @Override
  public void close() {
    appender.shutdown();
    try {
      if (!appender.awaitTermination(5, TimeUnit.SECONDS)) {
        appender.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
