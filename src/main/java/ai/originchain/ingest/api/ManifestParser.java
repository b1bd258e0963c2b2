package ai.originchain.ingest.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.SchemaDeclaration;
import ai.originchain.ingest.sync.SchemaDeclaration.DeclaredColumn;
import ai.originchain.ingest.sync.SourceSpec;
import ai.originchain.ingest.sync.SourceSpec.SslMode;
import ai.originchain.ingest.sync.SyncManifest;
import ai.originchain.ingest.sync.WebhookSpec;

/**
 * Reads a sync request body into a {@link SyncManifest}, or fails with a 400 that names every field
 * at fault. Only the shape is checked here; names are checked against the source catalog later.
 */
@Component("manifestParser")
public class ManifestParser {

    /** Target names are ours to choose: plain lowercase identifiers, quoted anyway when used. */
    static final Pattern TARGET_NAME = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");
    /** A declared type: a name with an optional modifier and array suffix, never SQL. */
    static final Pattern DECLARED_TYPE = Pattern.compile(
            "^[a-z_][a-z0-9_]*( [a-z_][a-z0-9_]*){0,3}( ?\\(\\d{1,4}(, ?\\d{1,4})?\\))?( with(out)? time zone)?(\\[\\])*$");
    /** Object-identifier alias types (regclass, regtype, regrole…): reading a value looks it up in the target's catalog. */
    static final Pattern CATALOG_LOOKUP_TYPE = Pattern.compile(
            "^(regclass|regcollation|regconfig|regdictionary|regnamespace|regoper|regoperator|regproc|regprocedure"
                    + "|regrole|regtype)\\b.*");
    /** PostgreSQL's limit on the columns of a table. */
    static final int MAX_DECLARED_COLUMNS = 1600;
    static final Pattern HOST = Pattern.compile("^[A-Za-z0-9._:\\-\\[\\]%]{1,253}$");
    static final int MAX_MAPPINGS = 200;
    static final int MAX_IDENTIFIER_BYTES = 63;

    private static final Set<String> ROOT_FIELDS = Set.of("source", "mappings", "schemas", "webhook");
    private static final Set<String> UPLOAD_ROOT_FIELDS = Set.of("mappings", "schemas");
    private static final Set<String> WEBHOOK_FIELDS = Set.of("url");
    private static final Set<String> SOURCE_FIELDS =
            Set.of("host", "port", "database", "user", "password", "sslmode", "sslrootcert");
    private static final Set<String> MAPPING_FIELDS = union(Set.of("source_table", "target_schema", "primary_key", "columns"),
            MappingModeParser.FIELDS);
    private static final Set<String> SCHEMA_FIELDS = Set.of("name", "columns");
    private static final Set<String> DECLARED_COLUMN_FIELDS = Set.of("name", "type");

    private final ObjectMapper strictJson = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    /** Per engine: the port when none is given, and the schema a bare {@code table} is in (null: {@code source.database}). */
    private record EngineDefaults(String engine, int port, String schema) {
    }

    private static final EngineDefaults POSTGRES = new EngineDefaults("postgres", 5432, "public");
    private static final EngineDefaults MYSQL = new EngineDefaults("mysql", 3306, null);
    private static final EngineDefaults SQLITE = new EngineDefaults("sqlite", 0, "main");

    public SyncManifest parse(byte[] body) {
        return parse(body, POSTGRES, null);
    }

    /** A manifest for the route's engine ({@code postgres} or {@code mysql}; null means postgres). */
    public SyncManifest parseFor(byte[] body, String engine) {
        return parse(body, "mysql".equals(engine) ? MYSQL : POSTGRES, null);
    }

    /** The manifest part of an SQLite upload: {@code mappings} and {@code schemas}, no {@code source} (the upload is). */
    public SyncManifest parseUpload(byte[] body, SourceSpec upload) {
        return parse(body, SQLITE, upload);
    }

    private SyncManifest parse(byte[] body, EngineDefaults defaults, SourceSpec upload) {
        if (body == null || body.length == 0) {
            throw SyncFailure.invalid("body", "the request body is empty; send the sync manifest as JSON");
        }
        JsonNode root;
        try {
            root = strictJson.readTree(body);
        } catch (IOException e) {
            throw SyncFailure.invalid("body", "malformed JSON: " + jsonProblem(e));
        }
        if (root == null || !root.isObject()) {
            throw SyncFailure.invalid("body", "must be a JSON object");
        }
        Errors errors = new Errors();
        unknownFields(root, upload == null ? ROOT_FIELDS : UPLOAD_ROOT_FIELDS, "", errors);
        SourceSpec source = upload == null ? source(root.get("source"), defaults, errors) : upload;
        String defaultSchema = defaults.schema() != null ? defaults.schema() : source == null ? null : source.database();
        List<MappingSpec> mappings = mappings(root.get("mappings"), defaultSchema, errors);
        List<SchemaDeclaration> schemas = schemas(root.get("schemas"), errors);
        WebhookSpec webhook = webhook(root.get("webhook"), errors);
        if (!errors.list.isEmpty()) {
            if (source != null && upload == null) {
                source.wipePassword();
            }
            throw SyncFailure.invalid(errors.list);
        }
        return new SyncManifest(source, mappings, schemas, webhook);
    }

    /** {@code webhook.url}: an absolute https URL with a host, without user info (never a password in it). */
    private static WebhookSpec webhook(JsonNode node, Errors errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            errors.add("webhook", "must be an object: {\"url\": \"https://...\"}");
            return null;
        }
        unknownFields(node, WEBHOOK_FIELDS, "webhook.", errors);
        String url = requiredText(node, "url", "webhook.url", errors);
        if (url == null) {
            return null;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            errors.add("webhook.url", "is not a URL");
            return null;
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            errors.add("webhook.url", "must be an https:// URL; plaintext is rejected");
            return null;
        }
        if (uri.getRawUserInfo() != null) {
            errors.add("webhook.url", "must not carry user info; the delivery is signed instead");
            return null;
        }
        String host = uri.getHost();
        if (host == null || url.length() > 2048 || hasControlCharacter(url)) {
            errors.add("webhook.url", "must be an https URL with a host, at most 2048 characters");
            return null;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new WebhookSpec(uri.toString(), host, uri.getPort() == -1 ? 443 : uri.getPort());
    }

    /** Where the JSON broke, never what it said there: the body holds the password. */
    private static String jsonProblem(IOException e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null) {
            return "invalid JSON at line " + jpe.getLocation().getLineNr() + ", column " + jpe.getLocation().getColumnNr();
        }
        return "the body is not valid JSON";
    }

    private SourceSpec source(JsonNode node, EngineDefaults defaults, Errors errors) {
        if (node == null || node.isNull()) {
            errors.add("source", "is required");
            return null;
        }
        if (!node.isObject()) {
            errors.add("source", "must be an object");
            return null;
        }
        unknownFields(node, SOURCE_FIELDS, "source.", errors);
        String host = requiredText(node, "host", "source.host", errors);
        if (host != null && !HOST.matcher(host).matches()) {
            errors.add("source.host", "must be a host name or an IP address");
        }
        int port = defaults.port();
        JsonNode portNode = node.get("port");
        if (portNode != null && !portNode.isNull()) {
            if (!portNode.canConvertToInt() || !portNode.isIntegralNumber()
                    || portNode.asInt() < 1 || portNode.asInt() > 65535) {
                errors.add("source.port", "must be an integer from 1 to 65535");
            } else {
                port = portNode.asInt();
            }
        }
        String database = requiredText(node, "database", "source.database", errors);
        identifierLength(database, "source.database", errors);
        String user = requiredText(node, "user", "source.user", errors);
        identifierLength(user, "source.user", errors);
        char[] password = null;
        JsonNode passwordNode = node.get("password");
        if (passwordNode == null || passwordNode.isNull()) {
            errors.add("source.password", "is required");
        } else if (!passwordNode.isTextual()) {
            errors.add("source.password", "must be a string");
        } else if (hasControlCharacter(passwordNode.textValue())) {
            errors.add("source.password", "must not contain NUL or other control characters");
        } else {
            password = passwordNode.textValue().toCharArray();
        }
        SslMode sslMode = null;
        JsonNode sslNode = node.get("sslmode");
        if (sslNode == null || sslNode.isNull()) {
            errors.add("source.sslmode", "is required: \"require\" or \"verify-full\"; plaintext is rejected");
        } else if (!sslNode.isTextual()) {
            errors.add("source.sslmode", "must be \"require\" or \"verify-full\"");
        } else {
            switch (sslNode.textValue()) {
                case "require" -> sslMode = SslMode.REQUIRE;
                case "verify-full" -> sslMode = SslMode.VERIFY_FULL;
                default -> errors.add("source.sslmode", "'" + truncate(sslNode.textValue())
                        + "' is not accepted: use \"require\" or \"verify-full\"; plaintext and unverified modes are rejected");
            }
        }
        String rootCert = null;
        JsonNode certNode = node.get("sslrootcert");
        if (certNode != null && !certNode.isNull()) {
            if (!certNode.isTextual() || !certNode.textValue().contains("-----BEGIN CERTIFICATE-----")) {
                errors.add("source.sslrootcert", "must be PEM text holding at least one CERTIFICATE block");
            } else {
                rootCert = certNode.textValue();
            }
        }
        if (host == null || database == null || user == null || password == null || sslMode == null) {
            return password == null ? null : new SourceSpec(host, port, database, user, password, sslMode, rootCert);
        }
        return new SourceSpec(host, port, database, user, password, sslMode, rootCert);
    }

    private List<MappingSpec> mappings(JsonNode node, String defaultSchema, Errors errors) {
        List<MappingSpec> mappings = new ArrayList<>();
        if (node == null || node.isNull()) {
            errors.add("mappings", "is required: at least one mapping");
            return mappings;
        }
        if (!node.isArray() || node.isEmpty()) {
            errors.add("mappings", "must be a non-empty array");
            return mappings;
        }
        if (node.size() > MAX_MAPPINGS) {
            errors.add("mappings", "at most " + MAX_MAPPINGS + " mappings in one sync");
            return mappings;
        }
        Set<String> targets = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "mappings[" + i + "].";
            JsonNode m = node.get(i);
            if (!m.isObject()) {
                errors.add("mappings[" + i + "]", "must be an object");
                continue;
            }
            unknownFields(m, MAPPING_FIELDS, at, errors);
            String sourceTable = requiredText(m, "source_table", at + "source_table", errors);
            String[] qualified = sourceTable == null ? null : splitTableName(sourceTable, defaultSchema, at + "source_table", errors);
            String targetSchema = requiredText(m, "target_schema", at + "target_schema", errors);
            if (targetSchema != null && !TARGET_NAME.matcher(targetSchema).matches()) {
                errors.add(at + "target_schema", "must match " + TARGET_NAME.pattern());
                targetSchema = null;
            }
            if (targetSchema != null && !targets.add(targetSchema)) {
                errors.add(at + "target_schema", "'" + targetSchema + "' is the target of another mapping in this sync");
            }
            List<String> primaryKey = nameList(m.get("primary_key"), at + "primary_key", true, errors);
            List<String> columns = null;
            if (m.has("columns") && !m.get("columns").isNull()) {
                columns = nameList(m.get("columns"), at + "columns", true, errors);
                if (columns != null && primaryKey != null) {
                    for (int k = 0; k < primaryKey.size(); k++) {
                        if (!columns.contains(primaryKey.get(k))) {
                            errors.add(at + "primary_key[" + k + "]", "'" + truncate(primaryKey.get(k))
                                    + "' is not among the mapping's columns; the columns must contain the primary key");
                        }
                    }
                }
            }
            ai.originchain.ingest.sync.MappingMode mode = MappingModeParser.parse(m, at, errors.list);
            if (qualified != null && targetSchema != null && primaryKey != null && mode != null) {
                mappings.add(new MappingSpec(i, qualified[0], qualified[1], targetSchema, primaryKey, columns, mode));
            }
        }
        return mappings;
    }

    private List<SchemaDeclaration> schemas(JsonNode node, Errors errors) {
        List<SchemaDeclaration> schemas = new ArrayList<>();
        if (node == null || node.isNull()) {
            return schemas;
        }
        if (!node.isArray()) {
            errors.add("schemas", "must be an array");
            return schemas;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "schemas[" + i + "].";
            JsonNode s = node.get(i);
            if (!s.isObject()) {
                errors.add("schemas[" + i + "]", "must be an object");
                continue;
            }
            unknownFields(s, SCHEMA_FIELDS, at, errors);
            String name = requiredText(s, "name", at + "name", errors);
            if (name != null && !TARGET_NAME.matcher(name).matches()) {
                errors.add(at + "name", "must match " + TARGET_NAME.pattern());
                name = null;
            }
            if (name != null && !names.add(name)) {
                errors.add(at + "name", "'" + name + "' is declared twice");
            }
            JsonNode cols = s.get("columns");
            List<DeclaredColumn> columns = new ArrayList<>();
            if (cols == null || !cols.isArray() || cols.isEmpty()) {
                errors.add(at + "columns", "must be a non-empty array of {\"name\", \"type\"}");
            } else if (cols.size() > MAX_DECLARED_COLUMNS) {
                errors.add(at + "columns", "declares " + cols.size() + " columns; a table has at most "
                        + MAX_DECLARED_COLUMNS + " (PostgreSQL's limit)");
            } else {
                Set<String> seen = new HashSet<>();
                for (int c = 0; c < cols.size(); c++) {
                    String cat = at + "columns[" + c + "].";
                    JsonNode col = cols.get(c);
                    if (!col.isObject()) {
                        errors.add(at + "columns[" + c + "]", "must be an object with name and type");
                        continue;
                    }
                    unknownFields(col, DECLARED_COLUMN_FIELDS, cat, errors);
                    String colName = requiredText(col, "name", cat + "name", errors);
                    identifierLength(colName, cat + "name", errors);
                    String type = requiredText(col, "type", cat + "type", errors);
                    if (type != null) {
                        type = type.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
                        if (!DECLARED_TYPE.matcher(type).matches()) {
                            errors.add(cat + "type", "'" + truncate(type) + "' is not a PostgreSQL type name such as numeric(12,2), text or bigint[]");
                            type = null;
                        } else if (CATALOG_LOOKUP_TYPE.matcher(type).matches()) {
                            errors.add(cat + "type", "'" + truncate(type) + "' is an object identifier type, whose values "
                                    + "are looked up in the target store's catalog; declare oid, text or bigint instead");
                            type = null;
                        }
                    }
                    if (colName != null && !seen.add(colName)) {
                        errors.add(cat + "name", "'" + truncate(colName) + "' is declared twice");
                    }
                    if (colName != null && type != null) {
                        columns.add(new DeclaredColumn(colName, type));
                    }
                }
            }
            if (name != null) {
                schemas.add(new SchemaDeclaration(i, name, columns));
            }
        }
        return schemas;
    }

    private static String[] splitTableName(String value, String defaultSchema, String field, Errors errors) {
        int dot = value.indexOf('.');
        String schema = dot < 0 ? defaultSchema : value.substring(0, dot);
        String table = dot < 0 ? value : value.substring(dot + 1);
        if (schema == null) {
            return null;
        }
        if (schema.isEmpty() || table.isEmpty() || table.indexOf('.') >= 0) {
            errors.add(field, "must be 'schema.table' or 'table' (meaning " + defaultSchema + ".table)");
            return null;
        }
        if (!identifierLength(schema, field, errors) || !identifierLength(table, field, errors)) {
            return null;
        }
        return new String[] {schema, table};
    }

    private static List<String> nameList(JsonNode node, String field, boolean required, Errors errors) {
        if (node == null || node.isNull()) {
            if (required) {
                errors.add(field, "is required: a non-empty array of column names");
            }
            return null;
        }
        if (!node.isArray() || node.isEmpty()) {
            errors.add(field, "must be a non-empty array of column names");
            return null;
        }
        Set<String> names = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            JsonNode n = node.get(i);
            if (!n.isTextual() || n.textValue().isEmpty()) {
                errors.add(field + "[" + i + "]", "must be a non-empty column name");
                ok = false;
            } else if (!identifierLength(n.textValue(), field + "[" + i + "]", errors)) {
                ok = false;
            } else if (!names.add(n.textValue())) {
                errors.add(field + "[" + i + "]", "'" + truncate(n.textValue()) + "' is listed twice");
                ok = false;
            }
        }
        return ok ? List.copyOf(names) : null;
    }

    private static boolean identifierLength(String name, String field, Errors errors) {
        if (name == null) {
            return false;
        }
        if (hasControlCharacter(name)) {
            errors.add(field, "must not contain NUL or other control characters");
            return false;
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
            errors.add(field, "must be a PostgreSQL name of at most " + MAX_IDENTIFIER_BYTES + " bytes");
            return false;
        }
        return true;
    }

    /** NUL cannot travel to PostgreSQL at all; other control characters only hide what a name says. */
    static boolean hasControlCharacter(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static String requiredText(JsonNode parent, String name, String field, Errors errors) {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) {
            errors.add(field, "is required");
            return null;
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            errors.add(field, "must be a non-empty string");
            return null;
        }
        return node.textValue();
    }

    private static void unknownFields(JsonNode node, Set<String> allowed, String prefix, Errors errors) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                errors.add(prefix + truncate(name), "is not a known field");
            }
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    static String truncate(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "…";
    }

    private static final class Errors {
        final List<FieldError> list = new ArrayList<>();

        void add(String field, String message) {
            list.add(new FieldError(field, message));
        }
    }
}
