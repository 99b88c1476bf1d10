package io.tollgate.orchestrator.api;

import java.util.Optional;

/**
 * Text a partner gives that others will display or log: item names and ids, merchant names. Control
 * characters would break logs and hook receivers' parsers; bidirectional overrides (U+202A–U+202E,
 * U+2066–U+2069 and the marks) make a name read differently from what it is ("Trojan Source").
 */
public final class DisplayText {
    private DisplayText() {
    }

    /** Why {@code text} cannot be shown as it is, or empty when it can. */
    public static Optional<String> problem(String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (Character.getType(c) == Character.CONTROL) {
                return Optional.of(String.format("must not contain control characters (U+%04X at %d)", c, i));
            }
            if (isBidiControl(c)) {
                return Optional.of(String.format("must not contain bidirectional controls (U+%04X at %d)", c, i));
            }
            i += Character.charCount(c);
        }
        return Optional.empty();
    }

    /** Refuses (400, naming {@code field}) a text with a {@link #problem}. */
    public static void require(String field, String text) {
        if (text != null) {
            problem(text).ifPresent(p -> {
                throw ApiError.invalid(field, p);
            });
        }
    }

    private static boolean isBidiControl(int c) {
        return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069 || c == 0x200E || c == 0x200F || c == 0x061C;
    }
}
