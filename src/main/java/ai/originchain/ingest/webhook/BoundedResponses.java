package ai.originchain.ingest.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;

/**
 * First in a webhook delivery's HttpClient exec chain: the whole attempt (connect, TLS, request,
 * answer) is given {@code deadline}, after which its connection is closed under it; of the
 * receiver's answer only the status counts, so at most {@code maxBodyBytes} of the body are read and
 * dropped (nothing is inflated), and a body longer than that closes the connection instead of being
 * drained.
 */
final class BoundedResponses implements ExecChainHandler {

    private final int maxBodyBytes;
    private final Duration deadline;
    private final ScheduledExecutorService timer;

    BoundedResponses(int maxBodyBytes, Duration deadline, ScheduledExecutorService timer) {
        this.maxBodyBytes = maxBodyBytes;
        this.deadline = deadline;
        this.timer = timer;
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        ScheduledFuture<?> expiry = timer.schedule(scope.execRuntime::discardEndpoint, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            ClassicHttpResponse response = chain.proceed(request, scope);
            HttpEntity entity = response.getEntity();
            if (entity != null) {
                if (!readsToEndWithin(entity, maxBodyBytes)) {
                    scope.execRuntime.discardEndpoint();
                }
                response.setEntity(null);
                response.removeHeaders(HttpHeaders.CONTENT_ENCODING);
            }
            return response;
        } catch (IOException | HttpException | RuntimeException e) {
            scope.execRuntime.discardEndpoint();
            throw e;
        } finally {
            expiry.cancel(false);
        }
    }

    /** Reads and drops the body; whether it ended within {@code limit} bytes. */
    private static boolean readsToEndWithin(HttpEntity entity, int limit) throws IOException {
        InputStream in = entity.getContent();
        if (in == null) {
            return true;
        }
        byte[] buffer = new byte[Math.min(limit + 1, 8192)];
        long read = 0;
        while (read <= limit) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit + 1 - read));
            if (n < 0) {
                return true;
            }
            read += n;
        }
        return false;
    }
}
