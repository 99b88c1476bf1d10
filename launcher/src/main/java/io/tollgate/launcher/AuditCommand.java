package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.orchestrator.checkout.EventChain;
import io.tollgate.schema.CheckoutEvent;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Prints a session's timeline from the journal (checkout.events.v1) and checks its hash chain. "
                + "Exits 0 when the session is found and its chain is intact, 1 otherwise.",
                "Reads a running cluster: --bootstrap-servers (and --schema-registry-url unless the in-process "
                + "registry's _tollgate_schemas topic is on that cluster)."})
final class AuditCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--session", required = true, paramLabel = "ID", description = "The session id.")
    String sessionId;

    @Option(names = "--json", description = "Print the timeline as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (ClusterReader cluster = ClusterReader.connect(options.load(ClusterReader.DEFAULTS))) {
            List<ClusterReader.Read<CheckoutEvent>> reads = cluster.readPartitionOf(cluster.topics().checkoutEvents(), sessionId);
            List<CheckoutEvent> events = reads.stream().map(ClusterReader.Read::value).filter(e -> e != null).toList();
            long undecodable = reads.stream().filter(r -> r.undecodable() != null).count();
            if (events.isEmpty()) {
                spec.commandLine().getErr().println("tollgate audit: no journal events for session " + sessionId
                        + (undecodable > 0 ? " (" + undecodable + " records could not be decoded)" : ""));
                return TollgateCli.FAILURE;
            }
            int brokenAt = EventChain.firstBrokenLink(events);
            if (json) {
                out.println(JSON.writeValueAsString(asJson(events, brokenAt, undecodable)));
            } else {
                CheckoutEvent first = events.get(0);
                out.printf("session %s (agency %s, merchant %s): %d events, hash chain %s%n", sessionId, first.getAgencyId(),
                        first.getMerchantId(), events.size(),
                        brokenAt < 0 ? "intact" : "BROKEN at seq " + events.get(brokenAt).getSeq());
                for (CheckoutEvent e : events) {
                    out.printf("  #%-3d %s  %-22s %-22s caused_by=%s%n      %s%n", e.getSeq(), e.getOccurredAt(),
                            e.getPayload().getClass().getSimpleName(), e.getActor(), e.getCausedBy(), e.getPayload());
                }
                if (undecodable > 0) {
                    out.printf("%d records of this session could not be decoded%n", undecodable);
                }
            }
            out.flush();
            return brokenAt < 0 && undecodable == 0 ? TollgateCli.OK : TollgateCli.FAILURE;
        }
    }

    private JsonNode asJson(List<CheckoutEvent> events, int brokenAt, long undecodable) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("session_id", sessionId);
        root.put("agency_id", events.get(0).getAgencyId());
        root.put("merchant_id", events.get(0).getMerchantId());
        root.put("chain_intact", brokenAt < 0);
        if (brokenAt >= 0) {
            root.put("chain_broken_at_seq", events.get(brokenAt).getSeq());
        }
        root.put("undecodable_records", undecodable);
        ArrayNode list = root.putArray("events");
        for (CheckoutEvent e : events) {
            ObjectNode node = list.addObject();
            node.put("seq", e.getSeq());
            node.put("event_id", e.getEventId());
            node.put("occurred_at", e.getOccurredAt().toString());
            node.put("type", e.getPayload().getClass().getSimpleName());
            node.put("actor", e.getActor());
            node.put("caused_by", e.getCausedBy());
            node.put("prev_hash", e.getPrevHash());
            // Avro renders a record as JSON text; it never holds a secret in clear (client secrets are sealed)
            node.set("payload", JSON.readTree(e.getPayload().toString()));
        }
        return root;
    }
}
