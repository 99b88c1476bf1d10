package io.tollgate.common.net;

import java.net.Proxy;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The HTTP client for calls to partner-configured URLs (hooks, webhook endpoints): the address rules
 * applied to every resolved address, no proxy, no redirects, no retries of its own. Written once so the
 * hook-caller and the webhook dispatcher cannot drift apart on what keeps a URL from reaching inside.
 */
public final class OutboundHttp {
    private OutboundHttp() {
    }

    /**
     * @param maxConcurrentCalls calls in flight before OkHttp queues them, across all hosts; the per-host limit is
     *     the same, since partners on one host (a shared SaaS receiver) must not queue behind each other there
     *     (per-partner limits are the callers')
     */
    public static OkHttpClient.Builder client(OutboundAddressRules rules, Dns resolver, int maxConcurrentCalls) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(maxConcurrentCalls);
        dispatcher.setMaxRequestsPerHost(maxConcurrentCalls);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(64, 5, TimeUnit.MINUTES))
                .dns(new OutboundDns(resolver, rules))
                // A proxy would make the DNS check see the proxy's address instead of the receiver's.
                .proxy(Proxy.NO_PROXY)
                .followRedirects(false)
                .followSslRedirects(false)
                // One attempt is one POST: OkHttp would otherwise repeat it on its own after a 408, a 503 with
                // Retry-After: 0 or a dropped connection. New attempts are the caller's decision.
                .retryOnConnectionFailure(false);
    }

    /**
     * A receiver's URL as shown to partners and kept in logs and topics: no userinfo, query or fragment, where
     * tokens live.
     */
    public static String redacted(String url) {
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            return "(not an http or https URL)";
        }
        return parsed.newBuilder().username("").password("").query(null).fragment(null).build().toString();
    }

    /** Lets calls in flight finish (each is bounded by its own timeout), then releases threads and connections. */
    public static void close(OkHttpClient http) {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
