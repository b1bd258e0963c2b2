package ai.originchain.ingest.api;

import java.io.BufferedReader;
import java.io.Reader;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * An SQLite upload request as Camel sees it: Camel's HTTP binding takes every body as a Reader when
 * the request arrives, which would decode a binary file as text; this request offers it an empty
 * Reader, so the body stays on the socket untouched until the upload bean streams it to disk from
 * {@link #getInputStream()}.
 */
final class UploadRequest extends HttpServletRequestWrapper {

    UploadRequest(HttpServletRequest request) {
        super(request);
    }

    @Override
    public BufferedReader getReader() {
        return new BufferedReader(Reader.nullReader());
    }
}
