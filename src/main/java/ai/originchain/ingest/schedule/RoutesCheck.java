package ai.originchain.ingest.schedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.quartz.CronExpression;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.api.ManifestParser;
import ai.originchain.ingest.api.TenantAuthenticator;

/**
 * Checks a routes folder the way the service will load it, without starting anything: every YAML
 * file must load as Camel routes, and every schedule must have a valid cron expression, tenant id
 * and manifest (placeholders stand in for their secrets). Run it with
 * {@code ./mvnw test -Dtest=RoutesCheckTest} before shipping a change to {@code routes/}.
 */
public final class RoutesCheck {

    static final String TEMPLATE = "scheduled-postgres-sync";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{[^}]+}}");

    private RoutesCheck() {
    }

    /** Problems found in {@code routesDir} (with {@code extraFiles} loaded beside it), each naming its file. */
    public static List<String> check(Path routesDir, Path... extraFiles) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> listed = Files.list(routesDir)) {
            listed.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
        }
        files.addAll(List.of(extraFiles));
        List<String> problems = new ArrayList<>();
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            // Templates first, so templated routes find them whatever the file order.
            for (boolean templates : new boolean[] {true, false}) {
                for (Path file : files) {
                    if (Files.readString(file).contains("routeTemplate:") != templates) {
                        continue;
                    }
                    try {
                        Resource resource = ResourceHelper.resolveResource(camel, "file:" + file.toAbsolutePath());
                        PluginHelper.getRoutesLoader(camel).loadRoutes(resource);
                    } catch (Exception e) {
                        problems.add(file + ": does not load as Camel routes: " + rootMessage(e));
                    }
                }
            }
        } catch (Exception e) {
            problems.add(routesDir + ": " + rootMessage(e));
        }
        for (Path file : files) {
            checkSchedules(file, problems);
        }
        return problems;
    }

    @SuppressWarnings("unchecked")
    private static void checkSchedules(Path file, List<String> problems) throws IOException {
        Object document;
        try {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (RuntimeException e) {
            return; // already reported as a route file that does not load
        }
        if (!(document instanceof List<?> entries)) {
            return;
        }
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?> map) || !(map.get("templatedRoute") instanceof Map<?, ?> templated)
                    || !TEMPLATE.equals(templated.get("routeTemplateRef"))) {
                continue;
            }
            Map<String, String> parameters = new java.util.HashMap<>();
            if (templated.get("parameters") instanceof List<?> list) {
                for (Object p : list) {
                    if (p instanceof Map<?, ?> parameter) {
                        parameters.put(String.valueOf(parameter.get("name")), String.valueOf(parameter.get("value")));
                    }
                }
            }
            String name = parameters.getOrDefault("name", "(unnamed)");
            String at = file + ": schedule " + name + ": ";
            String cron = parameters.get("cron");
            if (cron == null || !CronExpression.isValidExpression(cron)) {
                problems.add(at + "cron '" + cron + "' is not a quartz cron expression (seconds first, e.g. \"0 0/15 * * * ?\")");
            }
            String tenant = parameters.get("tenant");
            if (!TenantAuthenticator.isValidTenantId(tenant)) {
                problems.add(at + "tenant '" + tenant + "' is not a valid tenant id");
            }
            String engine = parameters.getOrDefault("engine", "postgres");
            if (!engine.equals("postgres") && !engine.equals("mysql")) {
                problems.add(at + "engine '" + engine + "' cannot be scheduled: use postgres or mysql");
            }
            String manifest = parameters.get("manifest");
            if (manifest == null) {
                problems.add(at + "names no manifest");
                continue;
            }
            Path manifestPath = Path.of(manifest);
            if (!Files.isRegularFile(manifestPath)) {
                problems.add(at + "manifest " + manifest + " does not exist");
                continue;
            }
            try (DefaultCamelContext camel = new DefaultCamelContext()) {
                String text = PLACEHOLDER.matcher(Files.readString(manifestPath)).replaceAll("placeholder");
                Path resolved = Files.createTempFile("manifest", manifestPath.getFileName().toString());
                try {
                    Files.writeString(resolved, text);
                    new ManifestParser().parseFor(ScheduledSyncs.resolve(camel, resolved), engine).source().wipePassword();
                } finally {
                    Files.deleteIfExists(resolved);
                }
            } catch (SyncFailure e) {
                e.errors().forEach(error -> problems.add(at + "manifest " + manifest + ": " + error.field() + " "
                        + error.message()));
                if (e.errors().isEmpty()) {
                    problems.add(at + "manifest " + manifest + ": " + e.getMessage());
                }
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage().lines().findFirst().orElse("");
    }
}
