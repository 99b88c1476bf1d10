package io.tollgate.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PublicAddressesTest {

    @ParameterizedTest
    @CsvSource({
            "8.8.8.8, true", "2606:4700::1111, true",
            "10.1.2.3, false", "172.31.255.255, false", "192.168.0.1, false", "127.0.0.1, false", "0.0.0.0, false",
            "169.254.169.254, false", "100.64.0.1, false", "192.0.2.10, false", "198.51.100.7, false",
            "203.0.113.9, false", "224.0.0.1, false", "255.255.255.255, false",
            "::1, false", "::, false", "fe80::1, false", "fd00::1, false", "ff02::1, false",
            "2002:0a00:0001::, false", "64:ff9b::a00:1, false", "::a00:1, false", "64:ff9b::808:808, true"})
    void classifiesAddresses(String literal, boolean expected) throws Exception {
        assertThat(PublicAddresses.isPublic(InetAddress.getByName(literal))).as(literal).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"64:ff9b::808:808, true", "2002:0808:0808::, true", "::808:808, true", "2606:4700::1111, false", "8.8.8.8, false"})
    void recognisesIpv6FormsCarryingIpv4(String literal, boolean expected) throws Exception {
        assertThat(PublicAddresses.embedsIpv4(InetAddress.getByName(literal))).as(literal).isEqualTo(expected);
    }
}
