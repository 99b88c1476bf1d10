package io.tollgate.payment.standin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Stripe request's parameters in Stripe's bracket notation ({@code metadata[session_id]=s1},
 * {@code payment_method_options[card][request_three_d_secure]=any}), kept flat with decoded keys.
 * Flat is what idempotency compares: two requests are "the same parameters" when these maps are equal,
 * whatever order the client encoded them in.
 */
final class FormParams {

    private final Map<String, String> flat;

    private FormParams(Map<String, String> flat) {
        this.flat = Collections.unmodifiableMap(flat);
    }

    static FormParams parse(String encoded) {
        Map<String, String> flat = new LinkedHashMap<>();
        if (encoded == null || encoded.isBlank()) {
            return new FormParams(flat);
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            flat.put(key, value);
        }
        return new FormParams(flat);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    String get(String key) {
        return flat.get(key);
    }

    /** Direct children of {@code prefix}: {@code metadata[a]=1} under "metadata" gives {a=1}. */
    Map<String, String> children(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        String start = prefix + "[";
        for (Map.Entry<String, String> e : flat.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(start)) {
                int close = key.indexOf(']', start.length());
                if (close == key.length() - 1) {
                    out.put(key.substring(start.length(), close), e.getValue());
                }
            }
        }
        return out;
    }

    /** Values of a list parameter encoded {@code a[0]=x&a[1]=y}, as stripe-java sends lists. */
    List<String> list(String name) {
        return new ArrayList<>(children(name).values());
    }

    /** Top-level parameter names ({@code metadata} for {@code metadata[x]}), for unknown-parameter checks. */
    Set<String> topLevelNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String key : flat.keySet()) {
            int bracket = key.indexOf('[');
            names.add(bracket < 0 ? key : key.substring(0, bracket));
        }
        return names;
    }

    Map<String, String> asMap() {
        return flat;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FormParams other && flat.equals(other.flat);
    }

    @Override
    public int hashCode() {
        return flat.hashCode();
    }

    @Override
    public String toString() {
        return flat.toString();
    }
}
