package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.config.TollgateConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TollgateCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = TollgateCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void keysNewPrintsAKeyAndTheEntryThatEnablesIt() throws Exception {
        assertThat(run("keys", "new", "--agency", "acme", "--json")).isZero();

        JsonNode answer = new ObjectMapper().readTree(out.toString());
        String key = answer.get("key").asText();
        assertThat(key).matches("tg_[A-Za-z0-9_-]{43}");
        assertThat(answer.get("entry").asText()).isEqualTo("acme:" + TollgateConfig.partnerKeyHash(key));
        // the entry is exactly what TOLLGATE_PARTNER_KEYS accepts
        TollgateConfig config = TollgateConfig.builder().devMode(true).build()
                .withOverrides(Map.of("partner.keys", answer.get("entry").asText()));
        assertThat(config.partnerKeys().get("acme")).containsExactly(TollgateConfig.partnerKeyHash(key));
    }

    @Test
    void keysNewGivesADifferentKeyEachTimeAndShowsItOnce() {
        run("keys", "new", "--agency", "acme");
        run("keys", "new", "--agency", "acme");

        String[] keys = out.toString().lines().map(String::trim).filter(l -> l.startsWith("tg_")).toArray(String[]::new);
        assertThat(keys).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void keysNewRefusesAnIllegalAgency() {
        assertThat(run("keys", "new", "--agency", "a:b")).isEqualTo(TollgateCli.USAGE);
        assertThat(err.toString()).contains("--agency");
        assertThat(out.toString()).doesNotContain("tg_");
    }

    @Test
    void dlqNeedsASubcommandAQueueItKnowsAndForResendAChoice() {
        assertThat(run("dlq")).isEqualTo(TollgateCli.USAGE);
        assertThat(err.toString()).contains("list or resend");
        assertThat(run("dlq", "list", "--topic", "orders")).isEqualTo(TollgateCli.USAGE);
        assertThat(err.toString()).contains("--topic must be one of checkout, merchants, webhooks, all");
        assertThat(run("dlq", "resend")).isEqualTo(TollgateCli.USAGE);
        assertThat(err.toString()).contains("--offset").contains("--all");
    }

    @Test
    void theAuditToolsNeedACluster() {
        assertThat(run("audit", "--session", "s1")).isEqualTo(TollgateCli.INVALID_CONFIG);
        assertThat(run("replay")).isEqualTo(TollgateCli.INVALID_CONFIG);
        assertThat(run("dlq", "list")).isEqualTo(TollgateCli.INVALID_CONFIG);
        assertThat(run("dlq", "resend", "--all")).isEqualTo(TollgateCli.INVALID_CONFIG);

        assertThat(err.toString()).contains("TOLLGATE_BOOTSTRAP_SERVERS").contains("ready file");
    }

    @Test
    void aMissingConfigFileExitsThreeBeforeAnythingStarts() {
        assertThat(run("orchestrator", "--config", "does-not-exist.properties")).isEqualTo(TollgateCli.INVALID_CONFIG);
        assertThat(err.toString()).contains("does-not-exist.properties").contains("does not exist");
    }

    @Test
    void anInvalidSettingExitsThreeNamingTheFlag() {
        assertThat(run("demo", "--port", "eighty")).isEqualTo(TollgateCli.INVALID_CONFIG);
        assertThat(err.toString()).contains("--port").contains("eighty");
    }

    @Test
    void plainPartnerKeysNeedDevMode() {
        assertThat(run("demo", "--no-dev", "--partner-key", "acme=tg_secret")).isEqualTo(TollgateCli.INVALID_CONFIG);
        assertThat(err.toString()).contains("--partner-key").doesNotContain("tg_secret");
    }

    @Test
    void anUnknownSettingIsAUsageError() {
        assertThat(run("demo", "--set", "partition=3")).isEqualTo(TollgateCli.USAGE);
        assertThat(err.toString()).contains("partition");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).isEqualTo(TollgateCli.USAGE);
    }
}
