package io.tollgate.hook;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * Where a hook may point. Outside dev mode only {@code https} to public addresses, so a merchant's URL cannot make
 * Tollgate reach its own network or a cloud metadata service. Dev mode also allows {@code http} and loopback,
 * for a hook running next to the developer's stack.
 */
public final class HookAddressRules {

  private static final List<AddressBlock> NOT_PUBLIC = List.of(
      AddressBlock.parse("0.0.0.0/8"),        // "this network", including 0.0.0.0 which reaches localhost
      AddressBlock.parse("10.0.0.0/8"),       // private
      AddressBlock.parse("100.64.0.0/10"),    // carrier-grade NAT
      AddressBlock.parse("127.0.0.0/8"),      // loopback
      AddressBlock.parse("169.254.0.0/16"),   // link-local, cloud metadata at 169.254.169.254
      AddressBlock.parse("172.16.0.0/12"),    // private
      AddressBlock.parse("192.0.0.0/24"),     // IETF protocol assignments
      AddressBlock.parse("192.168.0.0/16"),   // private
      AddressBlock.parse("198.18.0.0/15"),    // benchmarking
      AddressBlock.parse("224.0.0.0/4"),      // multicast
      AddressBlock.parse("240.0.0.0/4"),      // reserved, and the broadcast address
      AddressBlock.parse("::/128"),           // unspecified
      AddressBlock.parse("::1/128"),          // loopback
      AddressBlock.parse("fc00::/7"),         // unique local
      AddressBlock.parse("fe80::/10"),        // link-local
      AddressBlock.parse("fec0::/10"),        // site-local (deprecated, still routable inside sites)
      AddressBlock.parse("ff00::/8"));        // multicast

  private static final List<AddressBlock> LOOPBACK = List.of(
      AddressBlock.parse("127.0.0.0/8"),
      AddressBlock.parse("::1/128"));

  private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final boolean devMode;

  private HookAddressRules(boolean devMode) {
    this.devMode = devMode;
  }

  /** The production rules: {@code https} and public addresses only. */
  public static HookAddressRules publicOnly() {
    return new HookAddressRules(false);
  }

  /** Dev mode: also {@code http} and loopback. */
  public static HookAddressRules devMode() {
    return new HookAddressRules(true);
  }

  public static HookAddressRules forMode(boolean devMode) {
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
   * without asking its {@code Dns}, so those are checked here; host names are checked by {@link HookDns}.
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
    byte[] bytes = address.getAddress();
    if (NOT_PUBLIC.stream().anyMatch(block -> block.contains(bytes))) {
      return false;
    }
    byte[] embedded = embeddedIpv4(address);
    return embedded == null || NOT_PUBLIC.stream().noneMatch(block -> block.contains(embedded));
  }

  /**
   * IPv6 forms that carry an IPv4 address which the network may end up reaching: IPv4-compatible {@code ::a.b.c.d},
   * NAT64 {@code 64:ff9b::/96} and 6to4 {@code 2002::/16}. (IPv4-mapped addresses already arrive as IPv4.)
   */
  private static byte[] embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return null;
    }
    byte[] b = address.getAddress();
    boolean compatible = Arrays.equals(b, 0, 12, new byte[12], 0, 12);
    boolean nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b
        && Arrays.equals(b, 4, 12, new byte[8], 0, 8);
    if (compatible || nat64) {
      return Arrays.copyOfRange(b, 12, 16);
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
      return Arrays.copyOfRange(b, 2, 6);
    }
    return null;
  }

  private static InetAddress ipLiteral(String host) {
    // The same test OkHttp uses to skip DNS; any other form goes through HookDns.
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
