package ai.originchain.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestProperties;

class TenantAuthenticatorTest {

    private static String digest(String token) {
        return HexFormat.of().formatHex(TenantAuthenticator.sha256(token));
    }

    private static TenantAuthenticator authenticator() {
        IngestProperties properties = new IngestProperties();
        IngestProperties.Tenant acme = new IngestProperties.Tenant();
        acme.setTokenSha256(digest("old") + ", " + digest("new"));
        IngestProperties.Tenant globex = new IngestProperties.Tenant();
        globex.setTokenSha256(digest("globex"));
        properties.getTenants().put("acme", acme);
        properties.getTenants().put("globex", globex);
        return new TenantAuthenticator(properties);
    }

    private static int status(Runnable call) {
        ApiProblem problem = catchThrowableOfType(ApiProblem.class, call::run);
        return problem == null ? 200 : problem.status();
    }

    @Test
    void acceptsEveryRotatedTokenOfTheTenant() {
        TenantAuthenticator auth = authenticator();
        assertThat(status(() -> auth.authenticate("acme", "Bearer old"))).isEqualTo(200);
        assertThat(status(() -> auth.authenticate("acme", "bearer new"))).isEqualTo(200);
    }

    @Test
    void answers401Or403AsTheContractSays() {
        TenantAuthenticator auth = authenticator();
        assertThat(status(() -> auth.authenticate("acme", null))).isEqualTo(401);
        assertThat(status(() -> auth.authenticate("acme", "Basic b2xkOg=="))).isEqualTo(401);
        assertThat(status(() -> auth.authenticate("acme", "Bearer "))).isEqualTo(401);
        assertThat(status(() -> auth.authenticate("acme", "Bearer wrong"))).isEqualTo(401);
        assertThat(status(() -> auth.authenticate("acme", "Bearer globex"))).isEqualTo(403);
        assertThat(status(() -> auth.authenticate("nobody", "Bearer old"))).isEqualTo(403);
    }

    @Test
    void refusesReservedOrMalformedTenantIdsAndDigestsAtStartup() {
        for (String tenant : new String[] {"public", "information_schema", "pg_toast", "originchain", "Acme", "9lives"}) {
            IngestProperties properties = new IngestProperties();
            IngestProperties.Tenant config = new IngestProperties.Tenant();
            config.setTokenSha256(digest("x"));
            properties.getTenants().put(tenant, config);
            assertThatThrownBy(() -> new TenantAuthenticator(properties)).as(tenant).isInstanceOf(IllegalStateException.class);
        }
        IngestProperties properties = new IngestProperties();
        IngestProperties.Tenant config = new IngestProperties.Tenant();
        config.setTokenSha256("not-hex");
        properties.getTenants().put("acme", config);
        assertThatThrownBy(() -> new TenantAuthenticator(properties)).isInstanceOf(IllegalStateException.class);
    }
}
