package io.tollgate.launcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.config.TollgateConfig;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Makes a partner key. Tollgate stores only its SHA-256, so the key itself is printed here once and
 * nowhere else; the printed entry goes into {@code TOLLGATE_PARTNER_KEYS}.
 */
@Command(name = "new", mixinStandardHelpOptions = true,
        description = "Prints a fresh partner key once, and the TOLLGATE_PARTNER_KEYS entry (agency:sha256) that enables it.")
final class KeysNewCommand implements Callable<Integer> {
    private static final int KEY_BYTES = 32;

    @Spec
    CommandSpec spec;

    @Option(names = "--agency", required = true, paramLabel = "AGENCY", description = "The agency the key acts for.")
    String agency;

    @Option(names = "--json", description = "Print {agency, key, entry} as JSON.")
    boolean json;

    /** A fresh partner key: {@code tg_} + base64url of random bytes. */
    static String newKey() {
        byte[] random = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(random);
        return "tg_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    @Override
    public Integer call() throws JsonProcessingException {
        String key = newKey();
        String entry;
        try {
            entry = TollgateConfig.partnerKeyEntry(agency, key);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--agency: " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, String> answer = new LinkedHashMap<>();
            answer.put("agency", agency);
            answer.put("key", key);
            answer.put("entry", entry);
            out.println(new ObjectMapper().writeValueAsString(answer));
        } else {
            out.println("Partner key for agency " + agency + " (shown only now; give it to the agency and keep no copy):");
            out.println();
            out.println("  " + key);
            out.println();
            out.println("Enable it with this entry in TOLLGATE_PARTNER_KEYS (comma-separated; an agency may have several):");
            out.println();
            out.println("  " + entry);
        }
        out.flush();
        return TollgateCli.OK;
    }
}
