package ai.originchain.ingest.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;

/**
 * Checks the bearer token of a request against the SHA-256 digests configured for each tenant.
 * Digests are compared in constant time, and every configured digest is compared on every request,
 * so the answer's timing does not tell which tenant, if any, a token belongs to.
 */
@Component("tenantAuthenticator")
public class TenantAuthenticator {

    public static final Pattern TENANT_ID = Pattern.compile("^[a-z][a-z0-9_]{0,62}$");
    /** The service's own metadata lives in this schema of the target store. */
    public static final String METADATA_SCHEMA = "originchain";
    static final Set<String> RESERVED = Set.of("public", "information_schema", METADATA_SCHEMA);
    private static final Pattern DIGEST = Pattern.compile("^[0-9a-f]{64}$");

    private final Map<String, List<byte[]>> digestsByTenant = new java.util.concurrent.ConcurrentHashMap<>();

    public TenantAuthenticator(IngestProperties properties) {
        properties.getTenants().forEach((tenant, config) -> {
            if (!isValidTenantId(tenant)) {
                throw new IllegalStateException("originchain.tenants." + tenant
                        + ": a tenant id must match " + TENANT_ID.pattern() + " and not be a reserved schema name");
            }
            List<byte[]> digests = java.util.Arrays.stream(config.getTokenSha256().split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .peek(d -> {
                        if (!DIGEST.matcher(d).matches()) {
                            throw new IllegalStateException("originchain.tenants." + tenant
                                    + ".token-sha256: each digest must be 64 lowercase hex characters");
                        }
                    })
                    .map(HexFormat.of()::parseHex)
                    .toList();
            digestsByTenant.put(tenant, digests);
        });
    }

    /** Accepts one more token digest for a tenant (the demo's, generated at start). */
    public synchronized void accept(String tenant, String sha256Hex) {
        if (!isValidTenantId(tenant) || !DIGEST.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("invalid tenant or digest");
        }
        java.util.List<byte[]> digests = new java.util.ArrayList<>(digestsByTenant.getOrDefault(tenant, List.of()));
        digests.add(HexFormat.of().parseHex(sha256Hex));
        digestsByTenant.put(tenant, List.copyOf(digests));
    }

    /** Whether the tenant is configured here (some token is accepted for it). */
    public boolean configured(String tenant) {
        List<byte[]> digests = digestsByTenant.get(tenant);
        return digests != null && !digests.isEmpty();
    }

    public static boolean isValidTenantId(String tenant) {
        return tenant != null && TENANT_ID.matcher(tenant).matches() && !RESERVED.contains(tenant)
                && !tenant.startsWith("pg_");
    }

    /** Passes when the token is accepted for the tenant; otherwise throws 401 or 403. */
    public void authenticate(@Header("tenant") String tenant, @Header("Authorization") String authorization) {
        String token = bearerToken(authorization);
        if (token == null) {
            throw ApiProblem.unauthorized("send 'Authorization: Bearer <token>'");
        }
        byte[] presented = sha256(token);
        boolean acceptedHere = false;
        boolean acceptedElsewhere = false;
        for (Map.Entry<String, List<byte[]>> entry : digestsByTenant.entrySet()) {
            boolean match = false;
            for (byte[] digest : entry.getValue()) {
                match |= MessageDigest.isEqual(digest, presented);
            }
            if (entry.getKey().equals(tenant)) {
                acceptedHere |= match;
            } else {
                acceptedElsewhere |= match;
            }
        }
        if (acceptedHere) {
            return;
        }
        if (acceptedElsewhere) {
            throw ApiProblem.forbidden("the token is not accepted for tenant '" + ManifestParser.truncate(String.valueOf(tenant)) + "'");
        }
        throw ApiProblem.unauthorized("the bearer token is not accepted");
    }

    private static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = value.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
