package io.tollgate.common.kafka;

import java.util.Map;

/**
 * The latest value of every key of a compacted topic (a tombstone forgets the key): the
 * latest-wins case of {@link KeyedTopicView}.
 */
public final class CompactedTopicView<V> extends KeyedTopicView<V, V> {

    public CompactedTopicView(Topic<String, V> topic, Map<String, Object> consumerConfig) {
        super(topic, consumerConfig, (current, value) -> value);
    }

    @Override
    public CompactedTopicView<V> start() {
        super.start();
        return this;
    }
}
