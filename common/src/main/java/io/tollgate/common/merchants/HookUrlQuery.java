package io.tollgate.common.merchants;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A hook URL's query string, which merchants use for tokens ({@code ?token=…}), is kept sealed like a
 * secret: topics, the journal and every answer carry the URL with each value replaced by
 * {@value #REDACTED} (the parameter names stay, so it still reads as the merchant's URL), and the
 * hook is called with the query opened again.
 */
public final class HookUrlQuery {
    public static final String REDACTED = "redacted";

    /** The URL as shown, and its query in clear (null when it has none). */
    public record Split(String shownUrl, String query) {
    }

    private HookUrlQuery() {
    }

    /** Splits off the query of a URL that has no fragment (hook URLs may not have one). */
    public static Split split(String url) {
        int mark = url.indexOf('?');
        if (mark < 0 || mark == url.length() - 1) {
            return new Split(mark < 0 ? url : url.substring(0, mark), null);
        }
        String query = url.substring(mark + 1);
        String redacted = Arrays.stream(query.split("&", -1))
                .map(part -> part.contains("=") ? part.substring(0, part.indexOf('=') + 1) + REDACTED : REDACTED)
                .collect(Collectors.joining("&"));
        return new Split(url.substring(0, mark + 1) + redacted, query);
    }

    /** The URL to call: the shown URL with its query in clear again. */
    public static String join(String shownUrl, String query) {
        if (query == null) {
            return shownUrl;
        }
        int mark = shownUrl.indexOf('?');
        return (mark < 0 ? shownUrl : shownUrl.substring(0, mark)) + "?" + query;
    }
}
