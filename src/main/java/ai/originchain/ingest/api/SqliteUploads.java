package ai.originchain.ingest.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.core.RequestContext;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.SourceSpec;
import ai.originchain.ingest.sync.SyncAdmission;
import ai.originchain.ingest.sync.SyncManifest;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Receives an SQLite sync request ({@code multipart/form-data}): the {@code manifest} part (a form
 * field or a file part) is parsed like a JSON body, the {@code database} part is streamed straight to
 * a temporary file readable by the service only, never held in memory, and checked by its header.
 * 415 unless multipart, 413 over {@code originchain.api.max-upload-bytes}, 422 on {@code database}
 * when it is not an SQLite 3 file. The file is deleted by {@link #discard} when the request ends, or
 * with {@code Prefer: respond-async} when its background run does (the 202 comes once it is stored).
 * Before anything of the file is written the upload takes a slot of its tenant ({@link SyncAdmission#reserve},
 * 429 at the tenant's or the service's concurrent-sync limit), which its run takes over, and every
 * chunk is counted in {@link UploadBytesInFlight} before it is written (429 over it): a tenant stores at
 * most {@code max-concurrent-syncs-per-tenant} uploads at once, the service at most
 * {@code originchain.sqlite.max-upload-bytes-in-flight} bytes.
 */
@Component("sqliteUploads")
public class SqliteUploads implements org.apache.camel.Processor {

    /** Exchange property holding the request's input stream, taken before anything reads the body. */
    static final String STREAM = "originchainUploadStream";
    /** Exchange property holding the uploaded file's path until the request ends. */
    public static final String UPLOAD = "originchainUpload";
    public static final String TEMP_PREFIX = "originchain-upload-";
    /** Exchange property: the bytes of this upload counted in {@link UploadBytesInFlight}. */
    static final String COUNTED = "originchainUploadBytes";

    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private final long maxUploadBytes;
    private final long maxManifestBytes;
    private final ManifestParser parser;
    private final SyncAdmission admission;
    private final UploadBytesInFlight inFlight;

    public SqliteUploads(IngestProperties properties, ManifestParser parser, SyncAdmission admission,
                         UploadBytesInFlight inFlight) {
        this.maxUploadBytes = properties.getApi().getMaxUploadBytes();
        this.maxManifestBytes = properties.getApi().getMaxBodyBytes();
        this.parser = parser;
        this.admission = admission;
        this.inFlight = inFlight;
    }

    /**
     * The route's first step ({@code process}, not {@code bean}: a bean step reads the body to look
     * for a bean invocation): keeps the request's own input stream and leaves an empty body, so no
     * later step makes Camel read the upload into memory.
     */
    @Override
    public void process(Exchange exchange) throws IOException {
        exchange.setProperty(STREAM, requestBody(exchange));
        exchange.getMessage().setBody("");
    }

    public SyncManifest receive(Exchange exchange) throws IOException {
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new ApiProblem(415, "unsupported-media-type", "The request body must be multipart/form-data",
                    "Content-Type " + (contentType == null ? "(none)" : "'" + contentType + "'")
                            + " is not supported; send multipart/form-data with the parts manifest and database",
                    List.of());
        }
        Long declared = exchange.getMessage().getHeader("Content-Length", Long.class);
        if (declared != null && declared > maxUploadBytes) {
            throw ApiProblem.payloadTooLarge(maxUploadBytes);
        }
        InputStream body = exchange.getProperty(STREAM, InputStream.class);
        byte[] manifest = null;
        Path database = null;
        try {
            FileItemInputIterator parts = new StreamingUpload().getItemIterator(new Body(body, contentType, declared));
            while (parts.hasNext()) {
                FileItemInput part = parts.next();
                try (InputStream in = part.getInputStream()) {
                    switch (part.getFieldName() == null ? "" : part.getFieldName()) {
                        case "manifest" -> manifest = readManifest(in);
                        case "database" -> {
                            if (database != null) {
                                throw SyncFailure.invalid("database", "is sent twice; send one SQLite file");
                            }
                            database = store(in, exchange);
                        }
                        default -> throw SyncFailure.invalid(part.getFieldName() == null ? "body" : ManifestParser.truncate(part.getFieldName()),
                                "is not a known part; send the parts manifest and database");
                    }
                }
            }
        } catch (FileUploadException e) {
            throw SyncFailure.invalid("body", "malformed multipart/form-data body");
        }
        if (manifest == null || database == null) {
            throw SyncFailure.invalid(List.of(manifest == null ? new FieldError("manifest", "is required: the sync manifest as JSON")
                    : new FieldError("database", "is required: the SQLite database file")));
        }
        return parser.parseUpload(manifest, SourceSpec.uploadedFile(database.toString()));
    }

    /** The request's own input stream, so the upload never passes through a buffer of the whole body. */
    private static InputStream requestBody(Exchange exchange) throws IOException {
        if (exchange.getMessage() instanceof org.apache.camel.component.platform.http.springboot.PlatformHttpMessage http) {
            HttpServletRequest request = http.getRequest();
            return request.getInputStream();
        }
        InputStream body = exchange.getMessage().getBody(InputStream.class);
        return body == null ? InputStream.nullInputStream() : body;
    }

    private byte[] readManifest(InputStream in) throws IOException {
        byte[] manifest = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxManifestBytes + 1));
        if (manifest.length > maxManifestBytes) {
            throw ApiProblem.payloadTooLarge(maxManifestBytes);
        }
        return manifest;
    }

    private Path store(InputStream in, Exchange exchange) throws IOException {
        admission.reserve(exchange.getMessage().getHeader("tenant", String.class), exchange);
        Path file = Files.createTempFile(TEMP_PREFIX, ".sqlite",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        exchange.setProperty(UPLOAD, file);
        byte[] header = new byte[SQLITE_HEADER.length];
        long total = 0;
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (total < header.length) {
                    System.arraycopy(buffer, 0, header, (int) total, (int) Math.min(n, header.length - total));
                }
                total += n;
                if (total > maxUploadBytes) {
                    throw ApiProblem.payloadTooLarge(maxUploadBytes);
                }
                inFlight.take(n);
                exchange.setProperty(COUNTED, total);
                out.write(buffer, 0, n);
            }
        }
        if (total < header.length || !Arrays.equals(header, SQLITE_HEADER)) {
            throw SyncFailure.mismatch("database", "is not an SQLite 3 database file (its first 16 bytes are not 'SQLite format 3\\0')");
        }
        return file;
    }

    /** Moves the uploaded file, and what it holds, from the request to the run going on in the background. */
    public void handOver(Exchange request, Exchange background) {
        for (String property : List.of(UPLOAD, COUNTED)) {
            Object value = request.removeProperty(property);
            if (value != null) {
                background.setProperty(property, value);
            }
        }
    }

    /** Deletes the uploaded file and gives back what it held, whatever happened to the request (or its background run). */
    public void discard(Exchange exchange) {
        exchange.removeProperty(STREAM);
        admission.unreserve(exchange);
        Path file = exchange.getProperty(UPLOAD, Path.class);
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                file.toFile().deleteOnExit();
            }
            exchange.removeProperty(UPLOAD);
        }
        Object counted = exchange.removeProperty(COUNTED);
        if (counted != null) {
            inFlight.giveBack((Long) counted);
        }
    }

    private record Body(InputStream in, String contentType, Long length) implements RequestContext {
        @Override
        public String getCharacterEncoding() {
            return StandardCharsets.UTF_8.name();
        }

        @Override
        public long getContentLength() {
            return length == null ? -1 : length;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public boolean isMultipartRelated() {
            return false;
        }
    }

    /** commons-fileupload's streaming parser over any body: parts are read as they arrive, nothing is buffered to disk by it. */
    private static final class StreamingUpload extends AbstractFileUpload<Body, DiskFileItem, DiskFileItemFactory> {

        StreamingUpload() {
            setSizeMax(-1);
            setFileSizeMax(-1);
            setFileCountMax(8);
        }

        @Override
        public FileItemInputIterator getItemIterator(Body body) throws FileUploadException, IOException {
            return super.getItemIterator((RequestContext) body);
        }

        @Override
        public Map<String, List<DiskFileItem>> parseParameterMap(Body body) throws FileUploadException {
            return super.parseParameterMap((RequestContext) body);
        }

        @Override
        public List<DiskFileItem> parseRequest(Body body) throws FileUploadException {
            return super.parseRequest((RequestContext) body);
        }
    }
}
