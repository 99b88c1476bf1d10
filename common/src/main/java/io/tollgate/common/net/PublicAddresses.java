package io.tollgate.common.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * Which IP addresses are on the public internet. One list for the two places that ask: the config
 * API checking a hook URL's IP literal, and the hook-caller checking the resolved address at call
 * time — so a URL accepted by one is never refused by the other for being private.
 */
public final class PublicAddresses {
    private static final List<AddressBlock> NOT_PUBLIC = List.of(
            AddressBlock.parse("0.0.0.0/8"),        // "this network", including 0.0.0.0 which reaches localhost
            AddressBlock.parse("10.0.0.0/8"),       // private
            AddressBlock.parse("100.64.0.0/10"),    // carrier-grade NAT
            AddressBlock.parse("127.0.0.0/8"),      // loopback
            AddressBlock.parse("169.254.0.0/16"),   // link-local, cloud metadata at 169.254.169.254
            AddressBlock.parse("172.16.0.0/12"),    // private
            AddressBlock.parse("192.0.0.0/24"),     // IETF protocol assignments
            AddressBlock.parse("192.0.2.0/24"),     // documentation (TEST-NET-1)
            AddressBlock.parse("192.168.0.0/16"),   // private
            AddressBlock.parse("198.18.0.0/15"),    // benchmarking
            AddressBlock.parse("198.51.100.0/24"),  // documentation (TEST-NET-2)
            AddressBlock.parse("203.0.113.0/24"),   // documentation (TEST-NET-3)
            AddressBlock.parse("224.0.0.0/4"),      // multicast
            AddressBlock.parse("240.0.0.0/4"),      // reserved, and the broadcast address
            AddressBlock.parse("::/128"),           // unspecified
            AddressBlock.parse("::1/128"),          // loopback
            AddressBlock.parse("fc00::/7"),         // unique local
            AddressBlock.parse("fe80::/10"),        // link-local
            AddressBlock.parse("fec0::/10"),        // site-local (deprecated, still routable inside sites)
            AddressBlock.parse("ff00::/8"));        // multicast

    private PublicAddresses() {
    }

    /** No private, loopback, link-local, unique-local, CGNAT, documentation, multicast, reserved or unspecified address. */
    public static boolean isPublic(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (NOT_PUBLIC.stream().anyMatch(block -> block.contains(bytes))) {
            return false;
        }
        byte[] embedded = embeddedIpv4(address);
        return embedded == null || NOT_PUBLIC.stream().noneMatch(block -> block.contains(embedded));
    }

    /** Whether the address is an IPv6 form that carries an IPv4 address (see {@link #embeddedIpv4}). */
    public static boolean embedsIpv4(InetAddress address) {
        return embeddedIpv4(address) != null;
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
}
