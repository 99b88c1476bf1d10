package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.SessionCanceled;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The worker loop on a real broker, where it can meet what no test double would send it. */
@ExtendWith(SharedKafka.class)
class JournalWorkerTest {
    private final KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());

    @Test
    void aJournalRecordThatDoesNotDecodeIsPassedOverAndCommittedPast() throws Exception {
        Topics topics = new Topics(new InMemorySchemaRegistry(), 1, SharedKafka.uniqueName("worker") + ".");
        Topic<String, CheckoutEvent> journal = topics.checkoutEvents();
        String group = SharedKafka.uniqueName("worker-group");
        CheckoutEvent good = Samples.checkoutEvent(SessionCanceled.newBuilder().setReason("session_expired").build());
        try (Admin admin = SharedKafka.admin();
             KafkaProducer<String, byte[]> raw = new KafkaProducer<>(kafka.producer("worker-raw"),
                     Serdes.String().serializer(), Serdes.ByteArray().serializer())) {
            TopicProvisioner.ensure(admin, List.of(journal.spec()));
            raw.send(new ProducerRecord<>(journal.name(), "s_bad", new byte[] {0, 0, 0, 0, 99, 1})).get();
            raw.send(new ProducerRecord<>(journal.name(), good.getSessionId(),
                    journal.valueSerde().serializer().serialize(journal.name(), good))).get();
        }
        List<CheckoutEvent> handled = new CopyOnWriteArrayList<>();

        try (JournalWorker worker = new JournalWorker("worker-test", journal, kafka.consumer("worker-test", group), Set.of(SessionCanceled.class), (event, trace) -> {
            handled.add(event);
            return CompletableFuture.completedFuture(null);
        }, 10).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !handled.isEmpty());
            TopicPartition partition = new TopicPartition(journal.name(), 0);
            try (Admin admin = SharedKafka.admin()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(partition);
                    return committed != null && committed.offset() == 2;
                });
            }
        }
        assertThat(handled).containsExactly(good);
    }
}
