package io.tollgate.webhooks;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/** Settings of the short-lived, group-less readers of one partition (the delivery log, order events to replay). */
final class Readers {
    private Readers() {
    }

    /** The base settings with a client id of its own, so concurrent readers do not share one in metrics and JMX. */
    static Map<String, Object> named(Map<String, Object> base, int partition) {
        Map<String, Object> config = new HashMap<>(base);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, base.get(ConsumerConfig.CLIENT_ID_CONFIG) + "-p" + partition + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return config;
    }
}
