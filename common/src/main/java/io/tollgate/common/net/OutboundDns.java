package io.tollgate.common.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import okhttp3.Dns;

/**
 * Resolves a receiver's host at call time and keeps only the addresses the rules permit, so a name that later
 * resolves to a private address (DNS rebinding) is refused when it matters: just before connecting.
 */
public final class OutboundDns implements Dns {

    private final Dns resolver;
    private final OutboundAddressRules rules;

    public OutboundDns(Dns resolver, OutboundAddressRules rules) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        List<InetAddress> permitted = resolver.lookup(hostname).stream().filter(rules::permits).toList();
        if (permitted.isEmpty()) {
            throw new ForbiddenAddressException("host " + hostname + " resolves to no permitted address");
        }
        return permitted;
    }
}
