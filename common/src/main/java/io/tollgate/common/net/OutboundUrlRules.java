package io.tollgate.common.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a partner-configured URL (a pre-confirmation hook, a webhook endpoint) may be when it is
 * configured: at most 2,048 characters, absolute, {@code https} (also {@code http} in dev mode), a
 * host, a port (if any) from 1 to 65535, no user info, no fragment. Outside dev mode the host must
 * look public: no {@code localhost}, no single-label or local-only names, no IP literal in a private,
 * loopback, link-local (metadata), shared, multicast or reserved range. These checks resolve nothing;
 * whoever calls it checks the resolved address again at call time ({@link OutboundAddressRules},
 * {@link OutboundDns}), which is what stops DNS tricks.
 */
public final class OutboundUrlRules {
    public static final int MAX_LENGTH = 2048;

    private static final List<String> LOCAL_SUFFIXES = List.of(".localhost", ".local", ".internal", ".home.arpa",
            ".localdomain", ".lan");
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?i)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?\\.?");
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private OutboundUrlRules() {
    }

    /** Why the URL cannot be called, or empty when it can. */
    public static Optional<String> problem(String url, boolean devMode) {
        if (url.length() > MAX_LENGTH) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters, got " + url.length());
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("is not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(devMode && scheme.equals("http"))) {
            return Optional.of(devMode ? "must be an http or https URL" : "must be an https URL");
        }
        if (uri.isOpaque() || uri.getRawAuthority() == null) {
            return Optional.of("must be an absolute URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("must not contain user info (credentials before '@')");
        }
        if (uri.getHost() == null) {
            return Optional.of("must have a valid host name");
        }
        if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
            // java.net.URI takes any digits as a port; no connection could ever be made to this one
            return Optional.of("has an invalid port " + uri.getPort() + " (1 to 65535)");
        }
        if (uri.getRawFragment() != null) {
            return Optional.of("must not have a fragment ('#...')");
        }
        return devMode ? Optional.empty() : publicHostProblem(uri.getHost());
    }

    private static Optional<String> publicHostProblem(String rawHost) {
        String host = rawHost.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            return literalProblem(host.substring(1, host.length() - 1), ipv6Bytes(host.substring(1, host.length() - 1)));
        }
        if (IPV4_LITERAL.matcher(host).matches()) {
            return literalProblem(host, ipv4Bytes(host));
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.equals("localhost") || LOCAL_SUFFIXES.stream().anyMatch(name::endsWith)) {
            return Optional.of("must point to a public host, not " + rawHost);
        }
        if (!DNS_NAME.matcher(host).matches()) {
            // single labels resolve through search domains to internal hosts; numeric forms such as
            // 2130706433 or 0x7f.1 are addresses in disguise
            return Optional.of("must point to a public host name (a.b.tld) or a public IP address, got " + rawHost);
        }
        return Optional.empty();
    }

    private static Optional<String> literalProblem(String literal, byte[] bytes) {
        if (bytes == null) {
            return Optional.of("has an invalid IP address " + literal);
        }
        if (!isPublicLiteral(bytes)) {
            return Optional.of("must point to a public address, not " + literal
                    + " (private, loopback, link-local and reserved ranges are refused)");
        }
        return Optional.empty();
    }

    /** The four octets, or null; parsed here so that nothing is ever looked up. */
    private static byte[] ipv4Bytes(String dotted) {
        String[] parts = dotted.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (parts[i].length() > 1 && parts[i].startsWith("0")) {
                return null; // 010 is octal to some resolvers and decimal to others
            }
            int octet = Integer.parseInt(parts[i]);
            if (octet > 255) {
                return null;
            }
            bytes[i] = (byte) octet;
        }
        return bytes;
    }

    /** IPv4-mapped forms come back as their IPv4 address, so the IPv4 ranges apply to them. */
    private static byte[] ipv6Bytes(String literal) {
        if (literal.indexOf(':') < 0) {
            return null;
        }
        try {
            // a string with ':' is parsed as an IPv6 literal, never looked up
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * The call-time rules, and stricter: an IPv6 form that carries an IPv4 address (NAT64, 6to4,
     * IPv4-compatible) is refused even when that address is public, since such a literal in a config
     * is almost always a way around the IPv4 ranges.
     */
    private static boolean isPublicLiteral(byte[] bytes) {
        try {
            InetAddress address = InetAddress.getByAddress(bytes);
            return PublicAddresses.isPublic(address) && !PublicAddresses.embedsIpv4(address);
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
