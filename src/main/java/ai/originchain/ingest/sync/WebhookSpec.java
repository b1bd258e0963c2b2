package ai.originchain.ingest.sync;

/**
 * The manifest's optional completion webhook: the run's final report is POSTed to {@code url}
 * (https only, no user info) once the run ends; {@code host} and {@code port} are the URL's, for
 * the egress policy.
 */
public record WebhookSpec(String url, String host, int port) {
}
