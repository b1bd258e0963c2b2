package ai.originchain.ingest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Everything under {@code originchain.*}; docs/operations.md documents each key. */
@ConfigurationProperties(prefix = "originchain")
public class IngestProperties {

    /** Tenant id to its accepted bearer-token digests. */
    private Map<String, Tenant> tenants = new LinkedHashMap<>();
    private final Api api = new Api();
    private final Sync sync = new Sync();
    private final Source source = new Source();
    private final Target target = new Target();
    private final Demo demo = new Demo();
    private final History history = new History();
    private final Streams streams = new Streams();
    private final Secrets secrets = new Secrets();
    private final Webhooks webhooks = new Webhooks();
    private final Sqlite sqlite = new Sqlite();
    private final TargetPool targetPool = new TargetPool();

    public Map<String, Tenant> getTenants() { return tenants; }
    public void setTenants(Map<String, Tenant> tenants) { this.tenants = tenants; }
    public Api getApi() { return api; }
    public Sync getSync() { return sync; }
    public Source getSource() { return source; }
    public Target getTarget() { return target; }
    public Demo getDemo() { return demo; }
    public History getHistory() { return history; }
    public Streams getStreams() { return streams; }
    public Secrets getSecrets() { return secrets; }
    public Webhooks getWebhooks() { return webhooks; }
    public Sqlite getSqlite() { return sqlite; }
    public TargetPool getTargetPool() { return targetPool; }

    public static class Tenant {
        /** Comma-separated lowercase hex SHA-256 digests of the tokens accepted for this tenant. */
        private String tokenSha256 = "";
        public String getTokenSha256() { return tokenSha256; }
        public void setTokenSha256(String tokenSha256) { this.tokenSha256 = tokenSha256; }
        /** The key completion webhooks of this tenant's runs are signed with (HMAC-SHA256); empty: none allowed. */
        private String webhookSecret = "";
        public String getWebhookSecret() { return webhookSecret; }
        public void setWebhookSecret(String webhookSecret) { this.webhookSecret = webhookSecret; }
    }

    public static class Api {
        private long maxBodyBytes = 1024 * 1024;
        private int maxConcurrentSyncsPerTenant = 4;
        private int maxConcurrentSyncs = 16;
        public long getMaxBodyBytes() { return maxBodyBytes; }
        public void setMaxBodyBytes(long maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }
        public int getMaxConcurrentSyncsPerTenant() { return maxConcurrentSyncsPerTenant; }
        public void setMaxConcurrentSyncsPerTenant(int max) { this.maxConcurrentSyncsPerTenant = max; }
        public int getMaxConcurrentSyncs() { return maxConcurrentSyncs; }
        public void setMaxConcurrentSyncs(int max) { this.maxConcurrentSyncs = max; }
        /** Async syncs ({@code Prefer: respond-async}) running at once on this instance; 429 beyond. */
        private int asyncPoolSize = 16;
        public int getAsyncPoolSize() { return asyncPoolSize; }
        public void setAsyncPoolSize(int asyncPoolSize) { this.asyncPoolSize = asyncPoolSize; }
        /** Largest SQLite upload (the whole multipart body), in bytes. */
        private long maxUploadBytes = 1024L * 1024 * 1024;
        public long getMaxUploadBytes() { return maxUploadBytes; }
        public void setMaxUploadBytes(long maxUploadBytes) { this.maxUploadBytes = maxUploadBytes; }
    }

    public static class Sync {
        private int batchRows = 20_000;
        private int batchBytes = 8 * 1024 * 1024;
        private int writers = 2;
        private int parallelMappings = 2;
        private int readers = 1;
        private long readPartMinBytes = 64L * 1024 * 1024;
        public int getReaders() { return readers; }
        public void setReaders(int readers) { this.readers = readers; }
        public long getReadPartMinBytes() { return readPartMinBytes; }
        public void setReadPartMinBytes(long readPartMinBytes) { this.readPartMinBytes = readPartMinBytes; }
        private int rangeRows = 64;
        private int rangeHashConnections = 2;
        private int maxRanges = 200_000;
        private int mergeParts = 2;
        private long mergePartMinRows = 65_536;
        public int getMergeParts() { return mergeParts; }
        public void setMergeParts(int mergeParts) { this.mergeParts = mergeParts; }
        public long getMergePartMinRows() { return mergePartMinRows; }
        public void setMergePartMinRows(long mergePartMinRows) { this.mergePartMinRows = mergePartMinRows; }
        public int getBatchRows() { return batchRows; }
        public void setBatchRows(int batchRows) { this.batchRows = batchRows; }
        public int getBatchBytes() { return batchBytes; }
        public void setBatchBytes(int batchBytes) { this.batchBytes = batchBytes; }
        public int getWriters() { return writers; }
        public void setWriters(int writers) { this.writers = writers; }
        public int getParallelMappings() { return parallelMappings; }
        public void setParallelMappings(int parallelMappings) { this.parallelMappings = parallelMappings; }
        public int getRangeRows() { return rangeRows; }
        public void setRangeRows(int rangeRows) { this.rangeRows = rangeRows; }
        public int getRangeHashConnections() { return rangeHashConnections; }
        public void setRangeHashConnections(int connections) { this.rangeHashConnections = connections; }
        public int getMaxRanges() { return maxRanges; }
        public void setMaxRanges(int maxRanges) { this.maxRanges = maxRanges; }
    }

    public static class Source {
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration socketTimeout = Duration.ofMinutes(5);
        public Duration getConnectTimeout() { return connectTimeout; }
        public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
        public Duration getSocketTimeout() { return socketTimeout; }
        public void setSocketTimeout(Duration socketTimeout) { this.socketTimeout = socketTimeout; }

        /** Egress policy (docs/security.md, Egress policy): CIDRs a source may resolve to, and those it never may (they win). */
        private List<String> allowedNetworks = List.of("0.0.0.0/0", "::/0");
        private List<String> deniedNetworks = List.of("127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/10",
                "224.0.0.0/4", "ff00::/8");
        /** Exact {@code host:port} endpoints allowed even inside a denied network (a local proxy, the demo). */
        private List<String> allowedEndpoints = List.of();
        private Duration lockTimeout = Duration.ofSeconds(10);
        private Duration statementTimeout = Duration.ofSeconds(60);
        private Duration idleInTransactionTimeout = Duration.ofMinutes(10);
        private Duration maxSyncDuration = Duration.ofHours(6);
        /** The largest source row (or stream message) a sync or stream takes, in bytes; 422 above it. */
        private long maxRowBytes = 64L * 1024 * 1024;
        public long getMaxRowBytes() { return maxRowBytes; }
        public void setMaxRowBytes(long maxRowBytes) { this.maxRowBytes = maxRowBytes; }
        public List<String> getAllowedNetworks() { return allowedNetworks; }
        public void setAllowedNetworks(List<String> allowedNetworks) { this.allowedNetworks = allowedNetworks; }
        public List<String> getDeniedNetworks() { return deniedNetworks; }
        public void setDeniedNetworks(List<String> deniedNetworks) { this.deniedNetworks = deniedNetworks; }
        public List<String> getAllowedEndpoints() { return allowedEndpoints; }
        public void setAllowedEndpoints(List<String> allowedEndpoints) { this.allowedEndpoints = allowedEndpoints; }
        public Duration getLockTimeout() { return lockTimeout; }
        public void setLockTimeout(Duration lockTimeout) { this.lockTimeout = lockTimeout; }
        public Duration getStatementTimeout() { return statementTimeout; }
        public void setStatementTimeout(Duration statementTimeout) { this.statementTimeout = statementTimeout; }
        public Duration getIdleInTransactionTimeout() { return idleInTransactionTimeout; }
        public void setIdleInTransactionTimeout(Duration idleInTransactionTimeout) { this.idleInTransactionTimeout = idleInTransactionTimeout; }
        public Duration getMaxSyncDuration() { return maxSyncDuration; }
        public void setMaxSyncDuration(Duration maxSyncDuration) { this.maxSyncDuration = maxSyncDuration; }
    }

    public static class Target {
        /** Where the embedded target store keeps its data when no spring.datasource.url is set. */
        private String embeddedDataDir = "data/target-store";
        private int embeddedPort = 0;
        public String getEmbeddedDataDir() { return embeddedDataDir; }
        public void setEmbeddedDataDir(String embeddedDataDir) { this.embeddedDataDir = embeddedDataDir; }
        public int getEmbeddedPort() { return embeddedPort; }
        public void setEmbeddedPort(int embeddedPort) { this.embeddedPort = embeddedPort; }
    }

    /** The run history: retention, and how often progress is written and dead instances' runs are swept. */
    public static class History {
        private Duration retention = Duration.ofDays(90);
        private String purgeCron = "0 17 3 * * ?";
        private Duration progressInterval = Duration.ofSeconds(5);
        private Duration sweepInterval = Duration.ofSeconds(30);
        public Duration getRetention() { return retention; }
        public void setRetention(Duration retention) { this.retention = retention; }
        public String getPurgeCron() { return purgeCron; }
        public void setPurgeCron(String purgeCron) { this.purgeCron = purgeCron; }
        public Duration getProgressInterval() { return progressInterval; }
        public void setProgressInterval(Duration progressInterval) { this.progressInterval = progressInterval; }
        public Duration getSweepInterval() { return sweepInterval; }
        public void setSweepInterval(Duration sweepInterval) { this.sweepInterval = sweepInterval; }
    }

    public static class Demo {
        private int rows = 5_000;
        public int getRows() { return rows; }
        public void setRows(int rows) { this.rows = rows; }
    }

    public static class Streams {
        /** How often an instance looks for streams nobody runs (takeover), and retries a failed connection. */
        private Duration pollInterval = Duration.ofSeconds(5);
        /** How often a runner reads the source's WAL position and the slot's state (lag, wal_status). */
        private Duration statusInterval = Duration.ofSeconds(5);
        /** A warning is logged while a stream lags more than this many bytes of WAL. */
        private long lagWarningBytes = 1024L * 1024 * 1024;
        /** Changes of one source transaction handed to the apply step at a time (memory bound). */
        private int batchChanges = 20_000;
        /**
         * Let pgjdbc confirm a keepalive's LSN when the stream has confirmed every message it received
         * (nothing unapplied in between): idle streams then free WAL and the source's shutdown is not held up.
         */
        private boolean flushOnKeepalive = true;
        public boolean isFlushOnKeepalive() { return flushOnKeepalive; }
        public void setFlushOnKeepalive(boolean flushOnKeepalive) { this.flushOnKeepalive = flushOnKeepalive; }
        public Duration getPollInterval() { return pollInterval; }
        public void setPollInterval(Duration pollInterval) { this.pollInterval = pollInterval; }
        public Duration getStatusInterval() { return statusInterval; }
        public void setStatusInterval(Duration statusInterval) { this.statusInterval = statusInterval; }
        public long getLagWarningBytes() { return lagWarningBytes; }
        public void setLagWarningBytes(long lagWarningBytes) { this.lagWarningBytes = lagWarningBytes; }
        public int getBatchChanges() { return batchChanges; }
        public void setBatchChanges(int batchChanges) { this.batchChanges = batchChanges; }
        /** Streams one tenant may have (any status, deleting included); a PUT that would create more is a 429. */
        private int maxPerTenant = 4;
        /** Streams in all, every tenant, counted in the target store (shared by every instance); above it a 429. */
        private int max = 32;
        /** Target connections of the streams' own pool on each instance; syncs never draw from it. */
        private int targetPoolSize = 6;
        /** How long the background drop of a deleting stream's slot waits at most between attempts. */
        private Duration dropRetryMax = Duration.ofMinutes(5);
        public int getMaxPerTenant() { return maxPerTenant; }
        public void setMaxPerTenant(int maxPerTenant) { this.maxPerTenant = maxPerTenant; }
        public int getMax() { return max; }
        public void setMax(int max) { this.max = max; }
        public int getTargetPoolSize() { return targetPoolSize; }
        public void setTargetPoolSize(int targetPoolSize) { this.targetPoolSize = targetPoolSize; }
        public Duration getDropRetryMax() { return dropRetryMax; }
        public void setDropRetryMax(Duration dropRetryMax) { this.dropRetryMax = dropRetryMax; }
    }

    public static class Secrets {
        /** Base64 of a 256-bit key that encrypts stored stream credentials; empty: streams are refused. */
        private String streamKey = "";
        public String getStreamKey() { return streamKey; }
        public void setStreamKey(String streamKey) { this.streamKey = streamKey; }
    }

    /** Completion webhooks: their TLS trust and timeouts (retries are read by routes/run-webhook.yaml). */
    public static class Webhooks {
        /** PEM text of the CA(s) a webhook's certificate must chain to; empty: the JVM's default trust store. */
        private String trustPem = "";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration responseTimeout = Duration.ofSeconds(30);
        private int retries = 4;
        private long retryDelayMs = 2000;
        public String getTrustPem() { return trustPem; }
        public void setTrustPem(String trustPem) { this.trustPem = trustPem; }
        public Duration getConnectTimeout() { return connectTimeout; }
        public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
        public Duration getResponseTimeout() { return responseTimeout; }
        public void setResponseTimeout(Duration responseTimeout) { this.responseTimeout = responseTimeout; }
        public int getRetries() { return retries; }
        public void setRetries(int retries) { this.retries = retries; }
        public long getRetryDelayMs() { return retryDelayMs; }
        public void setRetryDelayMs(long retryDelayMs) { this.retryDelayMs = retryDelayMs; }
    }

    /** SQLite uploads: the time limit on their queries, and the bytes stored at once. */
    public static class Sqlite {
        /** Longest a query against an upload may run, from its start to its last row (422 above). */
        private Duration maxQueryDuration = Duration.ofMinutes(10);
        /** Bytes of uploads stored at once in the whole service (their requests not yet ended); 429 above. */
        private long maxUploadBytesInFlight = 4L * 1024 * 1024 * 1024;
        public Duration getMaxQueryDuration() { return maxQueryDuration; }
        public void setMaxQueryDuration(Duration maxQueryDuration) { this.maxQueryDuration = maxQueryDuration; }
        public long getMaxUploadBytesInFlight() { return maxUploadBytesInFlight; }
        public void setMaxUploadBytesInFlight(long maxUploadBytesInFlight) { this.maxUploadBytesInFlight = maxUploadBytesInFlight; }
    }

    /** The target store's connection pool, sized from the sync limits (docs/operations.md, "Target connections and threads"). */
    public static class TargetPool {
        /** Connections kept for the service's own work beside the syncs' budgets: run history, progress, runs API, scheduler, digest refresh. */
        private int serviceConnections = 8;
        public int getServiceConnections() { return serviceConnections; }
        public void setServiceConnections(int serviceConnections) { this.serviceConnections = serviceConnections; }
    }
}
