package ai.originchain.ingest.stream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import ai.originchain.ingest.api.ManifestParser;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.SyncManifest;

/**
 * A stream's manifest: the sync manifest plus an optional {@code publication}. The stored form is
 * the manifest without its password; its fingerprint (SHA-256 of the canonical JSON) tells "the same
 * manifest" (200) from "a different one" (409).
 */
@Component
public class StreamDefinitions {

    static final Pattern PUBLICATION = Pattern.compile("^[A-Za-z_][A-Za-z0-9_$]{0,62}$");

    /** A parsed PUT body, or a stored definition with its password back in. */
    public record Parsed(SyncManifest manifest, String publication, String definition, String fingerprint) {
    }

    private final ManifestParser parser;
    private final ObjectMapper strict = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private final ObjectMapper canonical = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    public StreamDefinitions(ManifestParser parser) {
        this.parser = parser;
    }

    public Parsed parse(byte[] body) {
        JsonNode root = null;
        try {
            root = body == null || body.length == 0 ? null : strict.readTree(body);
        } catch (IOException e) {
            // The manifest parser names where the JSON broke.
        }
        refuseSyncModes(root);
        String publication = null;
        if (root instanceof ObjectNode object && object.has("publication")) {
            JsonNode node = object.remove("publication");
            if (!node.isNull()) {
                if (!node.isTextual() || !PUBLICATION.matcher(node.textValue()).matches()) {
                    throw SyncFailure.invalid("publication", "must be the name of an existing publication at the source "
                            + "(letters, digits, _ and $, at most 63)");
                }
                publication = node.textValue();
            }
            try {
                body = strict.writeValueAsBytes(object);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        SyncManifest manifest = parser.parse(body);
        java.util.Arrays.fill(body, (byte) 0);
        ObjectNode stored = (ObjectNode) root;
        ((ObjectNode) stored.get("source")).remove("password");
        if (publication != null) {
            stored.put("publication", publication);
        }
        try {
            String definition = strict.writeValueAsString(stored);
            @SuppressWarnings("unchecked")
            Map<String, Object> tree = canonical.convertValue(stored, TreeMap.class);
            String fingerprint = sha256(canonical.writeValueAsString(tree));
            return new Parsed(manifest, publication, definition, fingerprint);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A stream always mirrors its tables (inserts, updates, deletes and truncates, the initial copy
     * deleting what the snapshot lacks), so the sync modes' fields have no meaning for it: 400 on each.
     * A {@code filter} would need a row filter in the publication and changes that move rows in and out
     * of it; streams do not have one.
     */
    private static void refuseSyncModes(JsonNode root) {
        JsonNode mappings = root == null ? null : root.get("mappings");
        if (mappings == null || !mappings.isArray()) {
            return;
        }
        java.util.List<ai.originchain.ingest.failure.FieldError> errors = new java.util.ArrayList<>();
        for (int i = 0; i < mappings.size(); i++) {
            JsonNode mapping = mappings.get(i);
            for (String field : SYNC_MODE_FIELDS) {
                if (mapping.isObject() && mapping.has(field)) {
                    errors.add(new ai.originchain.ingest.failure.FieldError("mappings[" + i + "]." + field,
                            "is a sync setting; a stream always mirrors its tables (every insert, update, delete and "
                                    + "truncate) and takes no " + field + ": leave it out"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw SyncFailure.invalid(errors);
        }
    }

    private static final java.util.List<String> SYNC_MODE_FIELDS =
            java.util.List.of("mode", "delete_mode", "max_delete_fraction", "filter", "cursor");

    /** A stored definition with its decrypted password, as the runner needs it. */
    public Parsed restore(String definition, char[] password) {
        try {
            ObjectNode root = (ObjectNode) strict.readTree(definition);
            ((ObjectNode) root.get("source")).set("password", TextNode.valueOf(new String(password)));
            java.util.Arrays.fill(password, '\0');
            return parse(strict.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new IllegalStateException("a stored stream definition does not read back", e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
