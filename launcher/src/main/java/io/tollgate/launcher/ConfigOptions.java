package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.config.TollgateConfig.Setting;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The flags every service command shares; they become the top layer of {@link TollgateConfig}.
 * Values stay text here so that TollgateConfig checks them and names the flag in its message.
 */
final class ConfigOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--config", paramLabel = "FILE", description = "Java properties file with settings (keys as in docs/configuration.md).")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,…]", description = "Kafka; unset: an embedded broker.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Confluent-API registry; unset: in-process.")
    String schemaRegistryUrl;

    @Option(names = "--port", paramLabel = "PORT", description = "API port (default 8080; 0 = any free port).")
    String port;

    @Option(names = "--management-port", paramLabel = "PORT",
            description = "Port of /health and /metrics (default 9090, on 127.0.0.1; 0 = any free port).")
    String managementPort;

    @Option(names = "--partner-key", paramLabel = "AGENCY=KEY", description = "Dev mode only: accept this plain partner key (repeatable).")
    List<String> partnerKeys;

    @Option(names = "--dev", negatable = true, description = "Dev mode: http and loopback hook URLs, no master key needed.")
    Boolean devMode;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the embedded broker and the dev master key keep data; unset: temp.")
    String dataDir;

    @Option(names = "--stripe-api-base", paramLabel = "URL", description = "Stripe base URL (stand-in, stripe-mock or Stripe).")
    String stripeApiBase;

    @Option(names = "--ready-file", paramLabel = "FILE", description = "Write {api, bootstrap_servers, schema_registry_url, metrics, pid} here once ready.")
    String readyFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any setting by its key, e.g. --set partitions=3 (repeatable).")
    Map<String, String> settings;

    /** Loads the configuration with the environment of this process and these flags on top. */
    TollgateConfig load(Map<String, String> commandDefaults) {
        return TollgateConfig.load(commandDefaults, configFile, System.getenv(), flagOverrides());
    }

    Map<String, String> flagOverrides() {
        Map<String, String> overrides = new LinkedHashMap<>();
        if (settings != null) {
            settings.forEach((key, value) -> {
                if (Setting.forKey(key).isEmpty()) {
                    throw new CommandLine.ParameterException(mixee.commandLine(),
                            "--set: unknown setting '" + key + "' (see docs/configuration.md)");
                }
                overrides.put(key, value);
            });
        }
        put(overrides, Setting.BOOTSTRAP_SERVERS, bootstrapServers);
        put(overrides, Setting.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        put(overrides, Setting.PORT, port);
        put(overrides, Setting.MANAGEMENT_PORT, managementPort);
        put(overrides, Setting.DEV_PARTNER_KEYS, partnerKeys == null ? null : String.join(",", partnerKeys));
        put(overrides, Setting.DEV_MODE, devMode == null ? null : devMode.toString());
        put(overrides, Setting.DATA_DIR, dataDir);
        put(overrides, Setting.STRIPE_API_BASE, stripeApiBase);
        put(overrides, Setting.READY_FILE, readyFile);
        return overrides;
    }

    private static void put(Map<String, String> overrides, Setting setting, String value) {
        if (value != null) {
            overrides.put(setting.key(), value);
        }
    }
}
