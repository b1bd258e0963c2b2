package ai.originchain.ingest.source.postgres;

import java.time.Duration;
import java.util.Properties;

import org.postgresql.PGProperty;

import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.egress.PinnedSocketFactory;

/**
 * The egress policy's pinned socket factory as pgjdbc instantiates it: from the connection's
 * properties, with the checked addresses in {@code socketFactoryArg}. pgjdbc keeps the host name of
 * the URL for TLS (SNI and {@code verify-full}'s host-name check) while the socket goes to a checked address.
 */
public class PgPinnedSocketFactory extends PinnedSocketFactory {

    public PgPinnedSocketFactory(Properties info) {
        super(CheckedEndpoint.fromText(PGProperty.PG_HOST.getOrDefault(info), PGProperty.SOCKET_FACTORY_ARG.getOrDefault(info)),
                Duration.ofSeconds(Integer.parseInt(PGProperty.CONNECT_TIMEOUT.getOrDefault(info))));
    }
}
