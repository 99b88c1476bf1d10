package io.tollgate.common.merchants;

/**
 * No secret to sign a hook call with, and why: {@code version_not_reached} (this process has not yet
 * read the config a confirm refers to), {@code no_hook}, {@code no_active_secret}, {@code cannot_open}
 * (sealed under another master key, or tampered), {@code interrupted}. Never carries a secret.
 */
public final class HookSecretsUnavailableException extends RuntimeException {
    private final String reason;

    public HookSecretsUnavailableException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
