package io.tollgate.common.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * A Kafka client's own metrics (request rates and latencies, records sent, fetch lag per partition...)
 * as Micrometer meters, through Micrometer's {@link KafkaClientMetrics}: meters read the client's
 * metrics when scraped, so nothing is added to sending or polling. Close the binder to remove them.
 */
public final class KafkaClientMeters {
    private KafkaClientMeters() {
    }

    public static KafkaClientMetrics bind(Producer<?, ?> producer, MeterRegistry registry) {
        return bound(new KafkaClientMetrics(producer), registry);
    }

    public static KafkaClientMetrics bind(Consumer<?, ?> consumer, MeterRegistry registry) {
        return bound(new KafkaClientMetrics(consumer), registry);
    }

    /** An admin client as {@link Admin#create} makes it (Micrometer takes the {@link AdminClient} class). */
    public static KafkaClientMetrics bind(Admin admin, MeterRegistry registry) {
        if (!(admin instanceof AdminClient client)) {
            throw new IllegalArgumentException("not an AdminClient: " + admin.getClass().getName());
        }
        return bound(new KafkaClientMetrics(client), registry);
    }

    private static KafkaClientMetrics bound(KafkaClientMetrics binder, MeterRegistry registry) {
        binder.bindTo(registry);
        return binder;
    }
}
