package ai.originchain.ingest.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.embedded.PasswordProtectedServer;

/**
 * The service on its embedded defaults, as {@code ./mvnw spring-boot:run} starts it: the printed
 * verify-full curl works against the demo's CA written next to the data, and shutting down is quiet
 * and leaves no server or folder behind.
 */
@ExtendWith(OutputCaptureExtension.class)
class DemoLifecycleTest {

    private static final Pattern TOKEN = Pattern.compile("-H \"Authorization: Bearer ([A-Za-z0-9_-]+)\"");
    private static final Pattern VERIFY_FULL_BODY = Pattern.compile("-d '(\\{[^']*\"sslmode\":\"verify-full\"[^']*)'");

    @TempDir
    Path work;

    @Test
    void thePrintedVerifyFullCurlWorksAndShutdownIsQuietAndClean(CapturedOutput output) throws Exception {
        Path data = work.resolve("data");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(IngestApplication.class)
                .registerShutdownHook(false)
                .run("--server.port=0", "--originchain.target.embedded-data-dir=" + data.resolve("target-store"),
                        "--originchain.demo.rows=50");
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        DemoSource demo = context.getBean(DemoSource.class);
        int demoPort = demo.port();
        PasswordProtectedServer store = context.getBean(PasswordProtectedServer.class);
        int storePort = store.server().getPort();

        Path ca = data.resolve("demo-source-ca.pem");
        assertThat(Files.readString(ca)).startsWith("-----BEGIN CERTIFICATE-----").doesNotContain("PRIVATE KEY")
                .isEqualTo(demo.caPem());
        Matcher token = TOKEN.matcher(output.getAll());
        Matcher body = VERIFY_FULL_BODY.matcher(output.getAll());
        assertThat(token.find()).isTrue();
        assertThat(body.find()).isTrue();

        HttpResponse<String> synced = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/demo/ingest/postgres/sync"))
                .header("Authorization", "Bearer " + token.group(1))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.group(1))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(synced.statusCode()).as(synced.body()).isEqualTo(200);
        try (Connection target = DriverManager.getConnection("jdbc:postgresql://localhost:" + storePort + "/postgres",
                "postgres", store.password()); Statement st = target.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM demo.orders")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(50);
        }

        int before = output.getAll().length();
        context.close();

        String shutdown = output.getAll().substring(before);
        assertThat(shutdown).doesNotContain(" ERROR ").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(data.resolve("demo-source")).doesNotExist();
        assertThat(ca).exists();
        assertThat(listening(demoPort)).as("demo source stopped").isFalse();
        assertThat(listening(storePort)).as("target store stopped").isFalse();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
