package io.tollgate.hook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import okhttp3.Dns;

/**
 * Resolves a hook's host at call time and keeps only the addresses the rules permit, so a name that later
 * resolves to a private address (DNS rebinding) is refused when it matters: just before connecting.
 */
public final class HookDns implements Dns {

  private final Dns resolver;
  private final HookAddressRules rules;

  public HookDns(Dns resolver, HookAddressRules rules) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.rules = Objects.requireNonNull(rules, "rules");
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> permitted = resolver.lookup(hostname).stream().filter(rules::permits).toList();
    if (permitted.isEmpty()) {
      throw new ForbiddenAddressException("hook host " + hostname + " resolves to no permitted address");
    }
    return permitted;
  }
}
