package ai.originchain.ingest.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The manifests in k8s/ agree with the service: ports, probe paths, mounts, ConfigMaps that kustomize
 * generates from the repository's application.yaml and routes, every referenced ConfigMap/Secret/key
 * present, hardening in place. Runs with the repository root as working directory; needs no cluster
 * (the kustomize build itself is checked where kubectl is installed).
 */
class KubernetesManifestsTest {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path K8S = ROOT.resolve("k8s");
    static final String APP_LABEL = "app.kubernetes.io/name";
    static final String APP_NAME = "originchain-ingest";
    static final Path KUSTOMIZATION = ROOT.resolve("kustomization.yaml");
    static final String LIST_IT = "list it under configMapGenerator in kustomization.yaml";

    /** Every document of every k8s/*.yaml file, with the file it came from. */
    static final List<Resource> resources = new ArrayList<>();
    /** The ConfigMaps kustomization.yaml generates: name, then key to the file's content. */
    static final Map<String, Map<String, String>> generatedConfigMaps = new TreeMap<>();

    record Resource(String file, Map<String, Object> doc) {
        String kind() {
            return (String) doc.get("kind");
        }

        String name() {
            return (String) map(doc, "metadata").get("name");
        }

        @Override
        public String toString() {
            return kind() + "/" + name() + " (k8s/" + file + ")";
        }
    }

    @BeforeAll
    static void parseManifests() throws IOException {
        assertThat(K8S).as("k8s/ folder (is the working directory the repository root? it is %s)", ROOT).isDirectory();
        for (Path file : manifestFiles()) {
            for (Object doc : loadAll(file)) {
                if (doc == null) {
                    continue;
                }
                assertThat(doc).as("each document of k8s/%s is a mapping", file.getFileName()).isInstanceOf(Map.class);
                resources.add(new Resource(file.getFileName().toString(), cast(doc)));
            }
        }
        assertThat(KUSTOMIZATION).as("kustomization.yaml at the repository root, for `kubectl apply -k .`").isRegularFile();
        for (Map<String, Object> generator : maps(loadOne(KUSTOMIZATION).get("configMapGenerator"))) {
            Map<String, String> data = new TreeMap<>();
            for (String file : strings(generator.get("files"))) {
                assertThat(ROOT.resolve(file)).as("kustomization.yaml generates a ConfigMap from %s", file).isRegularFile();
                data.put(Path.of(file).getFileName().toString(), read(ROOT.resolve(file)));
            }
            generatedConfigMaps.put((String) generator.get("name"), data);
        }
    }

    // ---- kustomization -------------------------------------------------------------------------------

    @Test
    void kustomizationListsEveryManifestAndEachExists() throws IOException {
        List<String> listed = strings(loadOne(KUSTOMIZATION).get("resources"));
        for (String name : listed) {
            assertThat(ROOT.resolve(name)).as("kustomization.yaml lists %s, which must exist", name).isRegularFile();
        }
        List<String> files = manifestFiles().stream().map(p -> "k8s/" + p.getFileName()).toList();
        assertThat(listed).as("kustomization.yaml resources must list every manifest file of k8s/")
                .containsExactlyInAnyOrderElementsOf(files);
        assertThat(resources).as("manifests in k8s/").isNotEmpty();
    }

    @Test
    void everyResourceCarriesTheAppLabel() {
        for (Resource r : resources) {
            assertThat(map(map(r.doc(), "metadata"), "labels"))
                    .as("%s must be labelled %s: %s", r, APP_LABEL, APP_NAME).containsEntry(APP_LABEL, APP_NAME);
        }
    }

    // ---- deployment: ports, probes, service ----------------------------------------------------------

    @Test
    void deploymentRunsTwoReplicasWithARollingUpdateThatKeepsCapacity() {
        Map<String, Object> spec = map(deployment().doc(), "spec");
        assertThat(spec.get("replicas")).as("Deployment replicas").isEqualTo(2);
        Map<String, Object> strategy = map(spec, "strategy");
        assertThat(strategy.get("type")).as("Deployment strategy type").isEqualTo("RollingUpdate");
        assertThat(String.valueOf(map(strategy, "rollingUpdate").get("maxUnavailable")))
                .as("rollingUpdate.maxUnavailable").isEqualTo("0");
    }

    @Test
    void containerPortIsServerPortNamedHttp() throws IOException {
        int serverPort = serverPort();
        Map<String, Object> port = httpPort();
        assertThat(port.get("containerPort")).as("containerPort named http must equal application.yaml server.port")
                .isEqualTo(serverPort);
    }

    @Test
    void probesUseTheActuatorHealthGroupsOnTheHttpPort() throws IOException {
        Map<String, Object> c = container();
        assertProbe(c, "livenessProbe", "/actuator/health/liveness");
        assertProbe(c, "readinessProbe", "/actuator/health/readiness");
        if (c.containsKey("startupProbe")) {
            assertProbe(c, "startupProbe", "/actuator/health/liveness");
        }
        Map<String, Object> probes = map(map(map(appYaml(), "management"), "endpoint"), "health");
        assertThat(map(probes, "probes").get("enabled"))
                .as("application.yaml management.endpoint.health.probes.enabled must be true for these paths").isEqualTo(true);
    }

    private void assertProbe(Map<String, Object> container, String probe, String path) throws IOException {
        assertThat(container).as("container %s", probe).containsKey(probe);
        Map<String, Object> get = map(map(container, probe), "httpGet");
        assertThat(get.get("path")).as("%s.httpGet.path", probe).isEqualTo(path);
        assertThat(resolvePort(get.get("port"))).as("%s.httpGet.port must be server.port", probe).isEqualTo(serverPort());
    }

    @Test
    void serviceTargetsTheHttpPort() throws IOException {
        Resource service = only("Service");
        Map<String, Object> spec = map(service.doc(), "spec");
        assertThat(spec.getOrDefault("type", "ClusterIP")).as("Service type").isEqualTo("ClusterIP");
        List<Map<String, Object>> ports = maps(spec.get("ports"));
        assertThat(ports).as("Service ports").isNotEmpty();
        for (Map<String, Object> p : ports) {
            assertThat(resolvePort(p.get("targetPort"))).as("Service %s targetPort must reach server.port", service)
                    .isEqualTo(serverPort());
        }
        assertThat(ports).as("Service port 80").anyMatch(p -> Objects.equals(p.get("port"), 80));
    }

    @Test
    void selectorsMatchThePodLabels() {
        Map<String, Object> spec = map(deployment().doc(), "spec");
        Map<String, Object> podLabels = map(map(map(spec, "template"), "metadata"), "labels");
        Map<String, Object> selector = map(map(spec, "selector"), "matchLabels");
        assertThat(selector).as("Deployment selector").isNotEmpty();
        assertThat(podLabels).as("Deployment template labels must contain its selector").containsAllEntriesOf(selector);

        Map<String, Object> serviceSelector = map(map(only("Service").doc(), "spec"), "selector");
        assertThat(serviceSelector).as("Service selector must equal the Deployment selector").isEqualTo(selector);
        assertThat(podLabels).as("pod labels must match the Service selector").containsAllEntriesOf(serviceSelector);

        Map<String, Object> pdbSpec = map(only("PodDisruptionBudget").doc(), "spec");
        Map<String, Object> pdbSelector = map(map(pdbSpec, "selector"), "matchLabels");
        assertThat(pdbSelector).as("PodDisruptionBudget selector").isNotEmpty();
        assertThat(podLabels).as("pod labels must match the PodDisruptionBudget selector").containsAllEntriesOf(pdbSelector);
        assertThat(pdbSpec.get("minAvailable")).as("PodDisruptionBudget minAvailable").isEqualTo(1);
    }

    // ---- deployment: mounts and ConfigMaps ------------------------------------------------------------

    @Test
    void applicationYamlAndRoutesAreMountedInTheWorkingDirectory() {
        Map<String, Map<String, Object>> mounts = mountsByPath();

        Map<String, Object> app = mounts.get("/workspace/application.yaml");
        assertThat(app).as("a volumeMount at /workspace/application.yaml; mounts: %s", mounts.keySet()).isNotNull();
        assertThat(app.get("subPath")).as("/workspace/application.yaml mount subPath").isEqualTo("application.yaml");
        assertThat(configMapOfVolume((String) app.get("name"))).as("/workspace/application.yaml comes from")
                .isEqualTo("originchain-ingest-config");

        Map<String, Object> routes = mounts.get("/workspace/routes");
        assertThat(routes).as("a volumeMount at /workspace/routes; mounts: %s", mounts.keySet()).isNotNull();
        assertThat(routes.get("subPath")).as("/workspace/routes is a whole volume").isNull();
        assertThat(configMapOfVolume((String) routes.get("name"))).as("/workspace/routes comes from")
                .isEqualTo("originchain-ingest-routes");

        Map<String, Object> manifests = mounts.get("/workspace/routes/manifests");
        if (manifests != null) {
            assertThat(configMapOfVolume((String) manifests.get("name"))).as("/workspace/routes/manifests comes from")
                    .isEqualTo("originchain-ingest-manifests");
        } else {
            assertThat(manifestFilesOfRepo()).as("routes/manifests/ has files, so mount originchain-ingest-manifests at "
                    + "/workspace/routes/manifests").isEmpty();
        }
    }

    @Test
    void everyReferencedConfigMapAndSecretExistsInK8s() {
        Map<String, Object> podSpec = podSpec();
        for (Map<String, Object> v : maps(podSpec.get("volumes"))) {
            if (v.get("configMap") instanceof Map<?, ?> cm) {
                assertExists("ConfigMap", (String) cm.get("name"), "volume " + v.get("name"));
            }
            if (v.get("secret") instanceof Map<?, ?> s) {
                assertExists("Secret", (String) s.get("secretName"), "volume " + v.get("name"));
            }
            if (v.get("projected") instanceof Map<?, ?> p) {
                for (Map<String, Object> src : maps(p.get("sources"))) {
                    if (src.get("configMap") instanceof Map<?, ?> cm) {
                        assertExists("ConfigMap", (String) cm.get("name"), "projected volume " + v.get("name"));
                    }
                    if (src.get("secret") instanceof Map<?, ?> s) {
                        assertExists("Secret", (String) s.get("name"), "projected volume " + v.get("name"));
                    }
                }
            }
        }
        for (Map<String, Object> c : allContainers()) {
            for (Map<String, Object> from : maps(c.get("envFrom"))) {
                if (from.get("configMapRef") instanceof Map<?, ?> cm) {
                    assertExists("ConfigMap", (String) cm.get("name"), "envFrom of container " + c.get("name"));
                }
                if (from.get("secretRef") instanceof Map<?, ?> s) {
                    assertExists("Secret", (String) s.get("name"), "envFrom of container " + c.get("name"));
                }
            }
            for (Map<String, Object> e : maps(c.get("env"))) {
                if (e.get("valueFrom") instanceof Map<?, ?> vf) {
                    if (vf.get("configMapKeyRef") instanceof Map<?, ?> ref) {
                        assertExists("ConfigMap", (String) ref.get("name"), "env " + e.get("name"));
                        assertThat(configMapData((String) ref.get("name"))).as("env %s takes key %s of ConfigMap %s",
                                e.get("name"), ref.get("key"), ref.get("name")).containsKey((String) ref.get("key"));
                    }
                    if (vf.get("secretKeyRef") instanceof Map<?, ?> ref) {
                        assertExists("Secret", (String) ref.get("name"), "env " + e.get("name"));
                        assertThat(secretKeys((String) ref.get("name"))).as("env %s takes key %s of Secret %s",
                                e.get("name"), ref.get("key"), ref.get("name")).contains((String) ref.get("key"));
                    }
                }
            }
        }
    }

    @Test
    void configMapsAreGeneratedFromEveryFileTheAppReads() throws IOException {
        assertThat(ofKind("ConfigMap")).as("ConfigMaps are generated by kustomize, not kept in k8s/").isEmpty();
        assertThat(generatedConfigMaps.get("originchain-ingest-config")).as("originchain-ingest-config: " + LIST_IT)
                .isEqualTo(Map.of("application.yaml", read(ROOT.resolve("application.yaml"))));

        Map<String, String> routes = new TreeMap<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("routes"))) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().endsWith(".yaml")).toList()) {
                routes.put(f.getFileName().toString(), read(f));
            }
        }
        assertThat(routes).as("routes/*.yaml in the repository").isNotEmpty();
        assertThat(generatedConfigMaps.get("originchain-ingest-routes")).as("every routes/*.yaml: " + LIST_IT)
                .isEqualTo(routes);
        assertThat(generatedConfigMaps.getOrDefault("originchain-ingest-manifests", Map.of()))
                .as("every routes/manifests/* file: " + LIST_IT).isEqualTo(manifestFilesOfRepo());
    }

    @Test
    void kustomizeBuildsConfigMapsHoldingTheFilesByteForByte() throws Exception {
        Assumptions.assumeTrue(commandWorks("kubectl", "version", "--client"), "kubectl (with kustomize) is not installed");
        Process p = new ProcessBuilder("kubectl", "kustomize", ROOT.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String built = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize finished").isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize exit code").isZero();

        Map<String, String> builtNames = new TreeMap<>();
        Map<String, Object> builtDeployment = null;
        for (Object doc : yaml().loadAll(built)) {
            Map<String, Object> resource = cast(doc);
            String name = (String) map(resource, "metadata").get("name");
            if ("ConfigMap".equals(resource.get("kind"))) {
                String generator = name.replaceFirst("-[a-z0-9]{10}$", "");
                assertThat(generatedConfigMaps).as("ConfigMap %s comes from a generator", name).containsKey(generator);
                Map<String, String> data = new TreeMap<>();
                optionalMap(resource, "data").forEach((k, v) -> data.put(k, v == null ? "" : v.toString()));
                assertThat(data).as("ConfigMap %s holds its files byte for byte", name).isEqualTo(generatedConfigMaps.get(generator));
                assertThat(map(map(resource, "metadata"), "labels")).containsEntry(APP_LABEL, APP_NAME);
                builtNames.put(generator, name);
            } else if ("Deployment".equals(resource.get("kind"))) {
                builtDeployment = resource;
            }
        }
        assertThat(builtNames.keySet()).as("every generated ConfigMap is built").isEqualTo(generatedConfigMaps.keySet());
        assertThat(builtDeployment).as("the Deployment is built").isNotNull();
        List<String> mounted = maps(map(map(map(builtDeployment, "spec"), "template"), "spec").get("volumes")).stream()
                .filter(v -> v.get("configMap") instanceof Map<?, ?>).map(v -> (String) map(v, "configMap").get("name")).toList();
        assertThat(mounted).as("the Deployment mounts the generated (content-hashed) names")
                .containsExactlyInAnyOrderElementsOf(builtNames.values());
    }

    // ---- deployment: environment and Secret ----------------------------------------------------------

    @Test
    void secretHoldsTheDatasourceAndATenantTokenDigest() {
        Resource secret = only("Secret");
        assertThat(secret.name()).as("Secret name").isEqualTo("originchain-ingest-secrets");
        Map<String, Object> values = secretValues(secret.name());
        assertThat(values.keySet()).as("%s keys", secret)
                .contains("SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD");
        List<String> tenantKeys = values.keySet().stream()
                .filter(k -> k.matches("ORIGINCHAIN_TENANTS_[A-Z0-9_]+_TOKENSHA256")).toList();
        assertThat(tenantKeys).as("%s must hold at least one ORIGINCHAIN_TENANTS_<TENANT>_TOKENSHA256", secret).isNotEmpty();
        for (String key : tenantKeys) {
            assertThat(String.valueOf(values.get(key)))
                    .as("%s: comma-separated lowercase hex SHA-256 digests", key)
                    .matches("[0-9a-f]{64}(,[0-9a-f]{64})*");
        }
        assertThat(values.keySet()).as("an example ORIGINCHAIN_SECRETS_<NAME> for scheduled syncs")
                .anyMatch(k -> k.startsWith("ORIGINCHAIN_SECRETS_"));
        for (Map.Entry<String, Object> e : values.entrySet()) {
            assertThat(e.getValue()).as("Secret value of %s must be a string", e.getKey()).isInstanceOf(String.class);
        }
    }

    @Test
    void deploymentTakesTheSecretAndRunsTheClusteredScheduler() {
        Map<String, Object> c = container();
        boolean wholeSecret = maps(c.get("envFrom")).stream()
                .anyMatch(f -> f.get("secretRef") instanceof Map<?, ?> s && "originchain-ingest-secrets".equals(s.get("name")));
        boolean datasourceKeys = maps(c.get("env")).stream()
                .anyMatch(e -> "SPRING_DATASOURCE_URL".equals(e.get("name")) && e.get("valueFrom") != null);
        assertThat(wholeSecret || datasourceKeys)
                .as("the container takes its secrets from Secret originchain-ingest-secrets (envFrom or secretKeyRef)").isTrue();

        Map<String, Object> env = plainEnv(c);
        assertThat(env.get("ORIGINCHAIN_SCHEDULER_CLUSTERED")).as("env ORIGINCHAIN_SCHEDULER_CLUSTERED (a quoted string)")
                .isEqualTo("true");
        assertThat(env.get("JAVA_TOOL_OPTIONS")).as("env JAVA_TOOL_OPTIONS").isInstanceOf(String.class);
        assertThat((String) env.get("JAVA_TOOL_OPTIONS")).as("JAVA_TOOL_OPTIONS sizes the heap from the container limit")
                .contains("MaxRAMPercentage");
        for (Map.Entry<String, Object> e : env.entrySet()) {
            assertThat(e.getValue()).as("env %s value must be a string (quote it)", e.getKey()).isInstanceOf(String.class);
        }
    }

    // ---- deployment: hardening and resources ---------------------------------------------------------

    @Test
    void podRunsHardened() {
        Map<String, Object> pod = podSpec();
        Map<String, Object> podSc = optionalMap(pod, "securityContext");
        for (Map<String, Object> c : allContainers()) {
            Map<String, Object> sc = optionalMap(c, "securityContext");
            String who = "container " + c.get("name");
            assertThat(sc.getOrDefault("runAsNonRoot", podSc.get("runAsNonRoot"))).as("%s runAsNonRoot", who).isEqualTo(true);
            Object uid = sc.getOrDefault("runAsUser", podSc.get("runAsUser"));
            assertThat(uid).as("%s runAsUser", who).isInstanceOf(Integer.class);
            assertThat((Integer) uid).as("%s runAsUser", who).isPositive();
            assertThat(sc.get("readOnlyRootFilesystem")).as("%s readOnlyRootFilesystem", who).isEqualTo(true);
            assertThat(sc.get("allowPrivilegeEscalation")).as("%s allowPrivilegeEscalation", who).isEqualTo(false);
            assertThat(strings(optionalMap(sc, "capabilities").get("drop"))).as("%s capabilities.drop", who).contains("ALL");
            Map<String, Object> seccomp = optionalMap(sc, "seccompProfile").isEmpty()
                    ? optionalMap(podSc, "seccompProfile") : optionalMap(sc, "seccompProfile");
            assertThat(seccomp.get("type")).as("%s seccompProfile", who).isEqualTo("RuntimeDefault");
        }
        Map<String, Object> tmp = mountsByPath().get("/tmp");
        assertThat(tmp).as("a volumeMount at /tmp (the root filesystem is read-only)").isNotNull();
        assertThat(volume((String) tmp.get("name"))).as("the /tmp volume").containsKey("emptyDir");
    }

    @Test
    void resourcesAreRequestedAndLimited() {
        for (Map<String, Object> c : allContainers()) {
            Map<String, Object> resources = map(c, "resources");
            for (String bound : List.of("requests", "limits")) {
                assertThat(optionalMap(resources, bound)).as("container %s resources.%s", c.get("name"), bound)
                        .containsKeys("cpu", "memory");
            }
        }
    }

    @Test
    void shutdownLeavesTimeForARunningSync() {
        Object grace = podSpec().get("terminationGracePeriodSeconds");
        assertThat(grace).as("terminationGracePeriodSeconds").isInstanceOf(Integer.class);
        assertThat((Integer) grace).as("terminationGracePeriodSeconds").isGreaterThanOrEqualTo(60);
        assertThat(plainEnv(container()).get("SERVER_SHUTDOWN")).as("env SERVER_SHUTDOWN").isEqualTo("graceful");
    }

    // ---- the image: built by the pom (spring-boot:build-image or jib), run by the Deployment ----------

    @Test
    void deploymentRunsTheImageThePomBuildsAsItsUser() throws Exception {
        org.w3c.dom.Document pom = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile());
        java.util.function.Function<String, String> text = path -> {
            try {
                return javax.xml.xpath.XPathFactory.newInstance().newXPath().evaluate(path, pom).trim();
            } catch (javax.xml.xpath.XPathExpressionException e) {
                throw new IllegalStateException(e);
            }
        };
        String image = text.apply("/project/properties/*[local-name()='image.name']")
                .replace("${project.artifactId}", text.apply("/project/artifactId"))
                .replace("${project.version}", text.apply("/project/version"));
        assertThat(container().get("image")).as("the Deployment's image is pom.xml's image.name").isEqualTo(image);
        assertThat(Files.readString(ROOT.resolve("docs/operations.md"))).as("docs/operations.md names the image").contains("`" + image + "`");

        String jibUser = text.apply("//plugin[artifactId='jib-maven-plugin']/configuration/container/user");
        Map<String, Object> podSc = optionalMap(podSpec(), "securityContext");
        Map<String, Object> sc = optionalMap(container(), "securityContext");
        Object uid = sc.getOrDefault("runAsUser", podSc.get("runAsUser"));
        Object gid = sc.getOrDefault("runAsGroup", podSc.get("runAsGroup"));
        assertThat(jibUser).as("jib's container.user in pom.xml is the Deployment's runAsUser:runAsGroup (Paketo's cnb user)")
                .isEqualTo(uid + ":" + gid);
        String workdir = text.apply("//plugin[artifactId='jib-maven-plugin']/configuration/container/workingDirectory");
        assertThat(mountsByPath()).as("jib's workingDirectory is where application.yaml is mounted")
                .containsKey(workdir + "/application.yaml");
    }

    @Test
    void theSecretDescribesManifestPlaceholdersAsManifestsWriteThem() throws IOException {
        String secret = Files.readString(K8S.resolve("secret.yaml"));
        assertThat(secret).contains("{{originchain.secrets.").doesNotContain("${originchain.secrets.");
    }

    // ---- helpers --------------------------------------------------------------------------------------

    static List<Path> manifestFiles() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().matches(".*\\.ya?ml"))
                    .filter(f -> !f.getFileName().toString().matches("kustomization\\.ya?ml"))
                    .sorted().toList();
        }
    }

    static Map<String, String> manifestFilesOfRepo() {
        Path dir = ROOT.resolve("routes/manifests");
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(f.getFileName().toString(), read(f));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    static List<Object> loadAll(Path file) throws IOException {
        List<Object> docs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            yaml().loadAll(r).forEach(docs::add);
        } catch (RuntimeException e) {
            fail("k8s/" + file.getFileName() + " is not valid YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    static Map<String, Object> loadOne(Path file) throws IOException {
        List<Object> docs = loadAll(file).stream().filter(Objects::nonNull).toList();
        assertThat(docs).as("%s holds one document", file.getFileName()).hasSize(1);
        return cast(docs.get(0));
    }

    static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> appYaml() throws IOException {
        return loadOne(ROOT.resolve("application.yaml"));
    }

    static int serverPort() throws IOException {
        Object port = map(appYaml(), "server").get("port");
        assertThat(port).as("application.yaml server.port").isInstanceOf(Integer.class);
        return (Integer) port;
    }

    /** A probe or Service port: a number, or the name of a container port. */
    static int resolvePort(Object port) {
        if (port instanceof Integer i) {
            return i;
        }
        for (Map<String, Object> p : maps(container().get("ports"))) {
            if (Objects.equals(p.get("name"), port)) {
                return (Integer) p.get("containerPort");
            }
        }
        return fail("port " + port + " is neither a number nor a named port of the container");
    }

    static Map<String, Object> httpPort() {
        return maps(container().get("ports")).stream().filter(p -> "http".equals(p.get("name"))).findFirst()
                .orElseGet(() -> fail("the container has no port named http"));
    }

    static List<Resource> ofKind(String kind) {
        return resources.stream().filter(r -> kind.equals(r.kind())).toList();
    }

    static Resource only(String kind) {
        List<Resource> found = ofKind(kind);
        assertThat(found).as("exactly one %s in k8s/", kind).hasSize(1);
        return found.get(0);
    }

    static boolean exists(String kind, String name) {
        if ("ConfigMap".equals(kind) && generatedConfigMaps.containsKey(name)) {
            return true;
        }
        return ofKind(kind).stream().anyMatch(r -> Objects.equals(r.name(), name));
    }

    static void assertExists(String kind, String name, String usedBy) {
        assertThat(exists(kind, name)).as("%s %s (used by %s) must be defined in k8s/ or generated by kustomization.yaml", kind, name, usedBy).isTrue();
    }

    static Resource deployment() {
        return only("Deployment");
    }

    static Map<String, Object> podSpec() {
        return map(map(map(deployment().doc(), "spec"), "template"), "spec");
    }

    static List<Map<String, Object>> allContainers() {
        List<Map<String, Object>> all = new ArrayList<>(maps(podSpec().get("containers")));
        all.addAll(maps(podSpec().get("initContainers")));
        return all;
    }

    static Map<String, Object> container() {
        List<Map<String, Object>> containers = maps(podSpec().get("containers"));
        assertThat(containers).as("Deployment containers").hasSize(1);
        return containers.get(0);
    }

    static Map<String, Object> plainEnv(Map<String, Object> container) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (Map<String, Object> e : maps(container.get("env"))) {
            if (e.containsKey("value")) {
                env.put((String) e.get("name"), e.get("value"));
            }
        }
        return env;
    }

    static Map<String, Map<String, Object>> mountsByPath() {
        Map<String, Map<String, Object>> byPath = new LinkedHashMap<>();
        for (Map<String, Object> m : maps(container().get("volumeMounts"))) {
            byPath.put(((String) m.get("mountPath")).replaceAll("/+$", ""), m);
        }
        return byPath;
    }

    static Map<String, Object> volume(String name) {
        return maps(podSpec().get("volumes")).stream().filter(v -> Objects.equals(v.get("name"), name)).findFirst()
                .orElseGet(() -> fail("volume " + name + " is mounted but not declared in the pod's volumes"));
    }

    static String configMapOfVolume(String volumeName) {
        Map<String, Object> v = volume(volumeName);
        assertThat(v).as("volume %s is a configMap volume", volumeName).containsKey("configMap");
        return (String) map(v, "configMap").get("name");
    }

    static Map<String, String> configMapData(String name) {
        Map<String, String> data = generatedConfigMaps.get(name);
        assertThat(data).as("ConfigMap %s: %s", name, LIST_IT).isNotNull();
        return data;
    }

    static Map<String, Object> secretValues(String name) {
        Resource s = ofKind("Secret").stream().filter(r -> name.equals(r.name())).findFirst()
                .orElseGet(() -> fail("Secret " + name + " is missing from k8s/"));
        Map<String, Object> values = new LinkedHashMap<>(optionalMap(s.doc(), "data"));
        values.putAll(optionalMap(s.doc(), "stringData"));
        return values;
    }

    static TreeSet<String> secretKeys(String name) {
        return new TreeSet<>(secretValues(name).keySet());
    }

    static boolean commandWorks(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        assertThat(v).as("'%s' must be a mapping (in %s)", key, parent.keySet()).isInstanceOf(Map.class);
        return cast(v);
    }

    static Map<String, Object> optionalMap(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        return v instanceof Map<?, ?> ? cast(v) : Map.of();
    }

    static List<Map<String, Object>> maps(Object list) {
        if (list == null) {
            return List.of();
        }
        assertThat(list).as("a list").isInstanceOf(List.class);
        return ((List<?>) list).stream().map(KubernetesManifestsTest::cast).toList();
    }

    static List<String> strings(Object list) {
        if (list == null) {
            return List.of();
        }
        assertThat(list).as("a list").isInstanceOf(List.class);
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }
}
