package io.dreamscape.service;

import java.util.List;
import java.util.function.Supplier;

/**
 * Who may list jobs ({@code GET /jobs}); opening one job needs only its id, which is the capability. The cloud and a
 * workstation differ only in what "no token configured" means and in the sentence a refused caller reads:
 * <ul>
 *   <li>{@link #cloud}: no token = listing disabled (403), since an open list on the internet would hand out every
 *   job's id;</li>
 *   <li>{@link #workstation}: no token = open (the user chose to run without one on their own machine).</li>
 * </ul>
 * Either way a present token is compared by {@link AccessToken#matches}, and a refusal is 401 with
 * {@code www-authenticate: Bearer}.
 *
 * @param token asked on each list request (it may be a cached secret that rotates); null: no token configured
 */
public record ListingAccess(Supplier<String> token, boolean openWithoutToken, String refusal) {

    public static ListingAccess cloud(Supplier<String> token) {
        return new ListingAccess(token, false, "listing jobs needs 'Authorization: Bearer <token>'");
    }

    public static ListingAccess workstation(String token, String refusal) {
        return new ListingAccess(token == null ? null : () -> token, true, refusal);
    }

    /** Null when {@code presented} (the tokens the request carries, nulls allowed) may list; else the answer. */
    StatusApi.Response check(List<String> presented) {
        if (token == null) {
            return openWithoutToken ? null : StatusApi.Response.error(403,
                    "listing jobs is disabled (no status token configured); open a job by its id");
        }
        return allows(presented) ? null : StatusApi.Response.error(401, refusal).with("www-authenticate", "Bearer");
    }

    /** Whether one of {@code presented} is the token; the token source is asked only when something was presented. */
    public boolean allows(List<String> presented) {
        if (token == null) {
            return openWithoutToken;
        }
        List<String> given = presented.stream().filter(java.util.Objects::nonNull).toList();
        if (given.isEmpty()) {
            return false;
        }
        String expected = token.get();
        return given.stream().anyMatch(g -> AccessToken.matches(g, expected));
    }
}
