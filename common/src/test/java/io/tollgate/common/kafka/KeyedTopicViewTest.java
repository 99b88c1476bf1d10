package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
class KeyedTopicViewTest {
    private final KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());
    private final Topic<String, String> topic = new Topic<>(TopicSpec.of(SharedKafka.uniqueName("keyed-view"), 2),
            Serdes.String(), Serdes.String());
    private final KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producer("keyed-view-test"),
            Serdes.String().serializer(), Serdes.String().serializer());
    private KeyedTopicView<?, ?> view;

    @AfterEach
    void stop() {
        if (view != null) {
            view.close();
        }
        producer.close();
    }

    @Test
    void newestKeepsTheLastRecordsOfEachKeyOldestFirst() throws Exception {
        provision();
        IntStream.rangeClosed(1, 5).forEach(i -> send("a", "a" + i));
        send("b", "b1");
        KeyedTopicView<String, List<String>> newest = KeyedTopicView.newest(topic, kafka.consumer("keyed-view-newest", null), 3);
        view = newest.start();
        assertThat(newest.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();

        assertThat(newest.get("a")).contains(List.of("a3", "a4", "a5"));
        assertThat(newest.get("b")).contains(List.of("b1"));
        assertThat(newest.get("c")).isEmpty();

        // a tombstone is not a record of the history; later records keep coming in
        send("a", null);
        send("a", "a6");
        await().atMost(Duration.ofSeconds(10)).until(() -> newest.get("a").orElseThrow().contains("a6"));
        assertThat(newest.get("a")).contains(List.of("a4", "a5", "a6"));
    }

    @Test
    void awaitCurrentCompletesOnlyOnceTheViewHoldsWhatWasWrittenBeforeIt() throws Exception {
        provision();
        CompactedTopicView<String> latest = new CompactedTopicView<>(topic, kafka.consumer("keyed-view-current", null));
        view = latest.start();
        assertThat(latest.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();

        for (int i = 0; i < 50; i++) {
            send("k", "v" + i);

            latest.awaitCurrent().get(10, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(latest.get("k")).as("write %d", i).contains("v" + i);
        }
    }

    @Test
    void aRequestWaitsForTheStateItNeeds() throws Exception {
        provision();
        KeyedTopicView<String, List<String>> newest = KeyedTopicView.newest(topic, kafka.consumer("keyed-view-await", null), 10);
        view = newest.start();
        assertThat(newest.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();

        CompletableFuture<List<String>> waiting = newest.await("k", calls -> calls.size() == 2, Duration.ofSeconds(10));
        send("k", "first");
        send("k", "second");

        assertThat(waiting.get()).containsExactly("first", "second");
        assertThat(newest.pendingWaiters()).isZero();
    }

    @Test
    void theCompactedViewKeepsTheLatestValueAndATombstoneForgetsTheKey() throws Exception {
        provision();
        send("k", "v1");
        send("k", "v2");
        send("gone", "x");
        send("gone", null);
        CompactedTopicView<String> latest = new CompactedTopicView<>(topic, kafka.consumer("keyed-view-latest", null)).start();
        view = latest;
        assertThat(latest.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();

        assertThat(latest.get("k")).contains("v2");
        assertThat(latest.get("gone")).isEqualTo(Optional.empty());
    }

    @Test
    void aRecordThatDoesNotDecodeIsPassedOverAndTheViewGoesOn() throws Exception {
        Topic<String, Integer> ints = new Topic<>(TopicSpec.of(SharedKafka.uniqueName("keyed-view-ints"), 1),
                Serdes.String(), Serdes.Integer());
        try (Admin admin = SharedKafka.admin();
             KafkaProducer<String, byte[]> raw = new KafkaProducer<>(kafka.producer("keyed-view-raw"),
                     Serdes.String().serializer(), Serdes.ByteArray().serializer())) {
            TopicProvisioner.ensure(admin, List.of(ints.spec()));
            raw.send(new ProducerRecord<>(ints.name(), "bad", new byte[] {1, 2, 3})).get();
            raw.send(new ProducerRecord<>(ints.name(), "good", Serdes.Integer().serializer().serialize(ints.name(), 7))).get();
        }
        CompactedTopicView<Integer> latest = new CompactedTopicView<>(ints, kafka.consumer("keyed-view-ints", null)).start();
        view = latest;

        assertThat(latest.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
        assertThat(latest.get("good")).contains(7);
        assertThat(latest.get("bad")).isEmpty();
    }

    private void provision() {
        try (Admin admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, List.of(topic.spec()));
        }
    }

    private void send(String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
