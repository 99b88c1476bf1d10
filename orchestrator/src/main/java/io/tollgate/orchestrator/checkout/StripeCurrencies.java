package io.tollgate.orchestrator.checkout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The currencies a cart may be in: the ISO 4217 codes Stripe can charge, kept in
 * {@code stripe-currencies.txt} beside this class (its header says where the list comes from and how
 * to keep it). A code ISO knows but Stripe cannot charge (XAU, XTS, XXX, VEF...) would only fail at
 * the payment, after the hook had approved and the merchant had reserved.
 */
public final class StripeCurrencies {
    private static final Pattern CODE = Pattern.compile("[A-Z]{3}");
    static final Set<String> CODES = load();

    private StripeCurrencies() {
    }

    public static boolean contains(String code) {
        return CODES.contains(code);
    }

    private static Set<String> load() {
        try (InputStream in = StripeCurrencies.class.getResourceAsStream("stripe-currencies.txt")) {
            if (in == null) {
                throw new IllegalStateException("stripe-currencies.txt is missing from the classpath");
            }
            Set<String> codes = new TreeSet<>();
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Arrays.stream(line.trim().split("\\s+")).forEach(code -> {
                    if (!CODE.matcher(code).matches()) {
                        throw new IllegalStateException("stripe-currencies.txt: not a currency code: " + code);
                    }
                    codes.add(code);
                });
            }
            return Set.copyOf(codes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
