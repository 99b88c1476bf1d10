package io.tollgate.common.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * Where Tollgate may send a call a partner configured (a pre-confirmation hook, a webhook endpoint), checked at
 * call time. Outside dev mode only {@code https} to public addresses, so a partner's URL cannot make Tollgate reach
 * its own network or a cloud metadata service. Dev mode also allows {@code http} and loopback, for a receiver
 * running next to the developer's stack.
 */
public final class OutboundAddressRules {

    private static final List<AddressBlock> LOOPBACK = List.of(
            AddressBlock.parse("127.0.0.0/8"),
            AddressBlock.parse("::1/128"));

    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final boolean devMode;

    private OutboundAddressRules(boolean devMode) {
        this.devMode = devMode;
    }

    /** The production rules: {@code https} and public addresses only. */
    public static OutboundAddressRules publicOnly() {
        return new OutboundAddressRules(false);
    }

    /** Dev mode: also {@code http} and loopback. */
    public static OutboundAddressRules devMode() {
        return new OutboundAddressRules(true);
    }

    public static OutboundAddressRules forMode(boolean devMode) {
        return devMode ? devMode() : publicOnly();
    }

    public boolean isDevMode() {
        return devMode;
    }

    public boolean permits(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (devMode && LOOPBACK.stream().anyMatch(block -> block.contains(bytes))) {
            return true;
        }
        return isPublic(address);
    }

    /** Whether the scheme may be used; the address is checked once it is known. */
    public boolean permitsScheme(HttpUrl url) {
        return url.isHttps() || devMode;
    }

    /**
     * Whether the URL's scheme, and its host when that is an IP literal, are allowed. OkHttp connects to IP literals
     * without asking its {@code Dns}, so those are checked here; host names are checked by {@link OutboundDns}.
     */
    public boolean permitsUrl(HttpUrl url) {
        if (!permitsScheme(url)) {
            return false;
        }
        InetAddress literal = ipLiteral(url.host());
        return literal == null || permits(literal);
    }

    /** No private, loopback, link-local, unique-local, CGNAT, multicast, reserved or unspecified address. */
    public static boolean isPublic(InetAddress address) {
        return PublicAddresses.isPublic(address);
    }

    private static InetAddress ipLiteral(String host) {
        // The same test OkHttp uses to skip DNS; any other form goes through OutboundDns.
        boolean looksLiteral = host.indexOf(':') >= 0 || DOTTED_QUAD.matcher(host).matches();
        if (!looksLiteral) {
            return null;
        }
        try {
            // A literal is parsed, never looked up.
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
