package ai.originchain.ingest.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.function.Consumer;

/**
 * pg_hba.conf for embedded sources: the local superuser (used to seed) is trusted on loopback;
 * every other role must come over TLS ({@code hostssl}) with a SCRAM password, as a real source would.
 */
public final class PasswordAuthentication implements Consumer<File> {

    private final boolean tls;

    public PasswordAuthentication(boolean tls) {
        this.tls = tls;
    }

    @Override
    public void accept(File dataDir) {
        String host = tls ? "hostssl" : "host";
        String hba = """
                local all all trust
                host all postgres 127.0.0.1/32 trust
                host all postgres ::1/128 trust
                %1$s all all 127.0.0.1/32 scram-sha-256
                %1$s all all ::1/128 scram-sha-256
                """.formatted(host);
        try {
            Files.writeString(dataDir.toPath().resolve("pg_hba.conf"), hba);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
