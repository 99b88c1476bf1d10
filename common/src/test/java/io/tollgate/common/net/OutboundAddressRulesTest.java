package io.tollgate.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundAddressRulesTest {

    private final OutboundAddressRules production = OutboundAddressRules.publicOnly();
    private final OutboundAddressRules dev = OutboundAddressRules.devMode();

    @ParameterizedTest
    @ValueSource(strings = {
            "10.0.0.1", "10.255.255.255",
            "172.16.0.1", "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1", "127.8.9.10",
            "169.254.169.254", "169.254.0.1",
            "100.64.0.1", "100.127.255.254",
            "0.0.0.0", "0.1.2.3",
            "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
            "::1", "::",
            "fe80::1", "febf::1",
            "fc00::1", "fd12:3456:789a::1",
            "fec0::1",
            "ff02::1",
            "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe", "2002:c0a8:0101::1", "::7f00:1"})
    void refusesAddressesThatAreNotPublic(String address) throws UnknownHostException {
        InetAddress inet = InetAddress.getByName(address);

        assertThat(OutboundAddressRules.isPublic(inet)).as(address).isFalse();
        assertThat(production.permits(inet)).as(address).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "8.8.8.8", "1.1.1.1", "93.184.216.34",
            "172.15.255.255", "172.32.0.1",
            "100.63.255.255", "100.128.0.1",
            "169.253.255.255", "11.0.0.1", "192.169.0.1",
            "2606:4700:4700::1111", "2a00:1450:4009:80b::200e", "fbff::1", "fe7f::1",
            "64:ff9b::808:808", "2002:0808:0808::1"})
    void permitsPublicAddresses(String address) throws UnknownHostException {
        InetAddress inet = InetAddress.getByName(address);

        assertThat(OutboundAddressRules.isPublic(inet)).as(address).isTrue();
        assertThat(production.permits(inet)).as(address).isTrue();
    }

    @Test
    void devModeAllowsLoopbackButNothingElsePrivate() throws UnknownHostException {
        assertThat(dev.permits(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(dev.permits(InetAddress.getByName("::1"))).isTrue();
        assertThat(dev.permits(InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(dev.permits(InetAddress.getByName("169.254.169.254"))).isFalse();
        assertThat(dev.permits(InetAddress.getByName("0.0.0.0"))).isFalse();
    }

    @Test
    void onlyHttpsOutsideDevMode() {
        assertThat(production.permitsUrl(HttpUrl.get("https://hooks.example.com/check"))).isTrue();
        assertThat(production.permitsUrl(HttpUrl.get("http://hooks.example.com/check"))).isFalse();
        assertThat(dev.permitsUrl(HttpUrl.get("http://hooks.example.com/check"))).isTrue();
    }

    @Test
    void ipLiteralsAreCheckedBecauseOkHttpDoesNotResolveThem() {
        assertThat(production.permitsUrl(HttpUrl.get("https://169.254.169.254/latest/meta-data"))).isFalse();
        assertThat(production.permitsUrl(HttpUrl.get("https://[::1]:8443/"))).isFalse();
        assertThat(production.permitsUrl(HttpUrl.get("https://10.1.2.3/"))).isFalse();
        assertThat(production.permitsUrl(HttpUrl.get("https://8.8.8.8/"))).isTrue();
        assertThat(dev.permitsUrl(HttpUrl.get("http://127.0.0.1:8080/"))).isTrue();
    }

    @Test
    void dnsKeepsOnlyPermittedAddressesAndRefusesWhenNoneIsLeft() throws UnknownHostException {
        InetAddress publicAddress = InetAddress.getByName("93.184.216.34");
        InetAddress metadata = InetAddress.getByName("169.254.169.254");
        OutboundDns dns = new OutboundDns(host -> List.of(metadata, publicAddress), production);
        OutboundDns rebound = new OutboundDns(host -> List.of(metadata), production);

        assertThat(dns.lookup("hooks.example.com")).containsExactly(publicAddress);
        assertThatThrownBy(() -> rebound.lookup("hooks.example.com"))
                .isInstanceOf(ForbiddenAddressException.class)
                .isInstanceOf(UnknownHostException.class);
    }
}
