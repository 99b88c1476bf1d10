package io.tollgate.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundUrlRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "https://hooks.example.com/check",
            "https://api.unstack.co.uk/swft/capacity-check?x=1",
            "https://hooks.example.com:8443/h",
            "https://hooks.example.com:65535/h",
            "https://8.8.8.8/h",
            "https://[2001:4860:4860::8888]/h",
            "https://xn--80ak6aa92e.com/h"})
    void publicHttpsUrlsAreAccepted(String url) {
        assertThat(OutboundUrlRules.problem(url, false)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://hooks.example.com/h", "ftp://hooks.example.com/h", "hooks.example.com/h", "https:///h",
            "https://user@hooks.example.com/h", "https://hooks.example.com/h#frag", "https://localhost/h",
            "https://LOCALHOST./h", "https://app.localhost/h", "https://printer.local/h", "https://intranet/h",
            "https://0.0.0.0/h", "https://127.0.0.1/h", "https://10.0.0.1/h", "https://172.16.5.4/h", "https://192.168.0.1/h",
            "https://100.64.0.1/h", "https://169.254.169.254/latest", "https://224.0.0.1/h", "https://255.255.255.255/h",
            "https://010.0.0.1/h", "https://300.1.1.1/h", "https://2130706433/h", "https://0x7f.1/h", "https://[::1]/h",
            "https://[::]/h", "https://[fe80::1]/h", "https://[fd00::1]/h", "https://[::ffff:127.0.0.1]/h",
            "https://[::ffff:a9fe:a9fe]/h", "https://metadata.google.internal/h", "https://router.home.arpa/h",
            "https://hooks.example.com:99999/h", "https://hooks.example.com:0/h", "https://hooks.example.com:65536/h"})
    void otherUrlsAreRefusedOutsideDevMode(String url) {
        assertThat(OutboundUrlRules.problem(url, false)).as(url).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:9999/h", "http://127.0.0.1:8080/hook", "https://localhost/h",
            "http://merchant-hook:8080/h"})
    void devModeAlsoAllowsHttpAndLocalHosts(String url) {
        assertThat(OutboundUrlRules.problem(url, true)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://localhost/h", "http://user:pw@localhost/h", "localhost:8080", "http://localhost:99999/h"})
    void devModeStillNeedsAnHttpUrlWithoutCredentials(String url) {
        assertThat(OutboundUrlRules.problem(url, true)).as(url).isPresent();
    }

    @org.junit.jupiter.api.Test
    void theLengthLimitIs2048Characters() {
        String base = "https://hooks.example.com/";
        assertThat(OutboundUrlRules.problem(base + "a".repeat(2048 - base.length()), false)).isEmpty();
        assertThat(OutboundUrlRules.problem(base + "a".repeat(2049 - base.length()), false)).isPresent();
    }
}
