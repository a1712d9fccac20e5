package org.beitstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import picocli.CommandLine;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * compose.yaml, compose.gpu.yaml and the Dockerfile against the code they deploy, without a Docker engine:
 * docker-compose validates and resolves the files (anchors, merges, variables), and the resolved services must
 * run subcommands that exist with arguments they accept, from an image that starts the jar the app module builds.
 */
class DeploymentTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String GPU_OVERRIDE = "compose.gpu.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static JsonNode services;

    @BeforeAll
    static void resolveCompose() throws Exception {
        services = resolved("compose.yaml").get("services");
    }

    @Test
    void composeFilesAreValid() throws Exception {
        assertEquals("", dockerCompose("-f", "compose.yaml", "config", "-q"));
        assertEquals("", dockerCompose("-f", "compose.yaml", "-f", GPU_OVERRIDE, "config", "-q"));
    }

    @Test
    void everyBuiltServiceRunsASubcommandWithArgumentsItAccepts() {
        Map<String, CommandLine> subcommands = BeitStream.commandLine().getSubcommands();
        List<String> built = builtServices();
        assertTrue(built.containsAll(List.of("setup", "ingest", "tokenizer-worker", "trainer", "evaluator")), built::toString);
        for (String name : built) {
            JsonNode service = services.get(name);
            Path context = Path.of(service.at("/build/context").asText());
            assertTrue(Files.isDirectory(context), name + ": no build context " + context);
            assertTrue(Files.isRegularFile(context.resolve(service.at("/build/dockerfile").asText("Dockerfile"))),
                    name + ": no Dockerfile in " + context);
            String[] command = strings(service.get("command")).toArray(String[]::new);
            assertTrue(command.length > 0 && subcommands.containsKey(command[0]),
                    name + " runs '" + String.join(" ", command) + "', not a subcommand of " + subcommands.keySet());
            assertDoesNotThrow(() -> BeitStream.commandLine().parseArgs(command),
                    name + ": beit-stream refuses '" + String.join(" ", command) + "'");
        }
    }

    @Test
    void theImageStartsTheJarTheAppModuleBuildsWithItsLibraries() throws Exception {
        Document pom = xml(ROOT.resolve("app/pom.xml"));
        String jar = "app/target/" + xpath(pom, "/project/build/finalName") + ".jar";
        String libraries = "app/target/" + xpath(pom, "//manifest/classpathPrefix");

        List<List<Instruction>> stages = Instruction.stages(ROOT.resolve("Dockerfile"));
        List<Instruction> build = stages.get(0);
        List<Instruction> runtime = stages.get(stages.size() - 1);
        assertTrue(build.stream().anyMatch(i -> i.keyword().equals("RUN") && i.arguments().contains("mvn ")
                && i.arguments().contains("-pl app -am package")), "the build stage packages the app module");
        String buildDir = Instruction.workdir(build);

        List<String> entrypoint = Arrays.asList(new ObjectMapper().readValue(Instruction.last(runtime, "ENTRYPOINT"), String[].class));
        int jarFlag = entrypoint.indexOf("-jar");
        assertTrue(jarFlag >= 0 && jarFlag + 1 < entrypoint.size(), "the entrypoint runs a jar: " + entrypoint);
        Path started = Path.of(entrypoint.get(jarFlag + 1));
        Map<Path, Path> copied = Instruction.copiesFromStage(runtime, "build");
        assertEquals(started, copied.get(Path.of(buildDir, jar)), "the entrypoint starts " + jar + " as copied: " + copied);
        assertEquals(started.resolveSibling("lib"), copied.get(Path.of(buildDir, libraries)),
                "the jar's manifest finds its libraries under lib/ beside it: " + copied);
    }

    @Test
    void everyLongRunningServiceServesItsOpsPortAndIsHealthCheckedOnIt() {
        Map<String, CommandLine> subcommands = BeitStream.commandLine().getSubcommands();
        for (String name : names(services)) {
            JsonNode service = services.get(name);
            if (service.path("restart").asText().equals("no")) {
                continue; // one-shot: the others wait for its exit status, not its health
            }
            List<String> probe = strings(service.at("/healthcheck/test"));
            assertFalse(probe.isEmpty() || probe.get(0).equals("NONE"), name + " has no health check");
            if (service.has("build")) {
                String subcommand = strings(service.get("command")).get(0);
                assertNotNull(subcommands.get(subcommand).getCommandSpec().findOption("--ops-port"),
                        subcommand + " has no --ops-port");
                String port = service.at("/environment/OPS_PORT").asText();
                assertFalse(port.isEmpty(), name + " sets no OPS_PORT");
                assertTrue(String.join(" ", probe).contains(":" + port + "/health"), name + " probes " + probe);
            }
        }
    }

    @Test
    void servicesWaitForWhatTheyNeed() {
        for (String name : names(services)) {
            JsonNode dependencies = services.get(name).path("depends_on");
            for (String dependency : names(dependencies)) {
                JsonNode target = services.get(dependency);
                assertNotNull(target, name + " depends on a service that does not exist: " + dependency);
                String condition = dependencies.get(dependency).path("condition").asText();
                switch (condition) {
                    case "service_healthy" -> assertTrue(target.has("healthcheck")
                            && !strings(target.at("/healthcheck/test")).contains("NONE"), dependency + " has no health check");
                    case "service_completed_successfully" -> assertEquals("no", target.path("restart").asText(),
                            dependency + " is waited for to complete, so it must not restart");
                    default -> fail(name + " waits for " + dependency + " without a condition: " + condition);
                }
            }
        }
        for (String name : builtServices()) {
            if (!name.equals("setup")) {
                assertEquals("service_completed_successfully", services.at("/" + name + "/depends_on/setup/condition").asText(),
                        name + " starts before the topics and the bucket exist");
            }
        }
    }

    @Test
    void servicesReachKafkaOnAnAdvertisedListenerAndHostPortsDoNotClash() {
        Set<String> advertised = Arrays.stream(services.at("/kafka/environment/KAFKA_ADVERTISED_LISTENERS").asText().split(","))
                .map(listener -> listener.substring(listener.indexOf("://") + 3)).collect(Collectors.toSet());
        assertTrue(advertised.contains("localhost:9092"), "the external listener for clients on the host: " + advertised);
        for (String name : builtServices()) {
            String bootstrap = services.at("/" + name + "/environment/KAFKA_BOOTSTRAP").asText();
            assertTrue(advertised.contains(bootstrap), name + " bootstraps from " + bootstrap + ", not one of " + advertised);
        }

        Set<String> published = new HashSet<>();
        for (String name : names(services)) {
            for (JsonNode port : services.get(name).path("ports")) {
                publishedPort(port).ifPresent(p -> assertTrue(published.add(p), "host port " + p + " published twice"));
            }
        }
        // Scaled instances cannot share a fixed host port or a container name.
        JsonNode workers = services.get("tokenizer-worker");
        assertFalse(workers.has("container_name"));
        for (JsonNode port : workers.path("ports")) {
            assertTrue(publishedPort(port).isEmpty(), "tokenizer-worker publishes a fixed host port: " + port);
        }
    }

    @Test
    void gpusAreReservedOnlyWithTheOverrideWhichBuildsTheCudaProfile() throws Exception {
        for (String name : names(services)) {
            assertTrue(services.get(name).at("/deploy/resources/reservations/devices").isMissingNode(),
                    name + " reserves devices in compose.yaml, so it cannot start without a GPU");
        }
        JsonNode gpu = resolved("compose.yaml", GPU_OVERRIDE).get("services");
        String profile = gpu.at("/trainer/build/args/MAVEN_PROFILES").asText();
        assertEquals(profile, xpath(xml(ROOT.resolve("pom.xml")), "/project/profiles/profile[id='" + profile + "']/id"),
                "the root pom has the Maven profile the override builds");
        for (String name : List.of("tokenizer-worker", "trainer")) {
            JsonNode device = gpu.at("/" + name + "/deploy/resources/reservations/devices/0");
            assertEquals("nvidia", device.path("driver").asText(), name);
            assertTrue(strings(device.path("capabilities")).contains("gpu"), name);
            assertEquals(profile, gpu.at("/" + name + "/build/args/MAVEN_PROFILES").asText(), name);
        }
    }

    private static List<String> builtServices() {
        return names(services).stream().filter(name -> services.get(name).has("build")).toList();
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    /** The host side of a published port ("ip:host:container" or a long-syntax mapping); empty when Docker picks it. */
    private static Optional<String> publishedPort(JsonNode port) {
        if (port.isObject()) {
            return Optional.ofNullable(port.get("published")).map(JsonNode::asText).filter(p -> !p.isEmpty())
                    .map(p -> port.path("host_ip").asText("0.0.0.0") + ":" + p);
        }
        String[] parts = port.asText().split(":");
        if (parts.length < 2 || parts[parts.length - 2].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of((parts.length == 3 ? parts[0] : "0.0.0.0") + ":" + parts[parts.length - 2]);
    }

    /** The compose model after docker-compose resolved the files: anchors merged, variables set, paths absolute. */
    private static JsonNode resolved(String... files) throws Exception {
        List<String> args = new ArrayList<>();
        for (String file : files) {
            args.addAll(List.of("-f", file));
        }
        args.add("config");
        return YAML.readTree(dockerCompose(args.toArray(String[]::new)));
    }

    /** Runs Debian's docker-compose in the repository root; it needs no Docker engine to validate. */
    private static String dockerCompose(String... args) throws Exception {
        boolean installed = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "docker-compose")));
        if (!installed) {
            fail("docker-compose is not installed: apt-get install docker-compose (.ci/run installs it where missing)");
        }
        List<String> command = new ArrayList<>(List.of("docker-compose"));
        command.addAll(List.of(args));
        Path errors = Files.createTempFile("docker-compose", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectError(errors.toFile()).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), command + " hung");
            assertEquals(0, process.exitValue(), command + " failed: " + Files.readString(errors));
            return out;
        } finally {
            Files.delete(errors);
        }
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static String xpath(Document document, String expression) throws Exception {
        String value = ((String) XPathFactory.newInstance().newXPath().evaluate(expression, document, XPathConstants.STRING)).trim();
        assertFalse(value.isEmpty(), expression + " is not in the pom");
        return value;
    }

    /** One Dockerfile instruction, continuation lines joined. */
    private record Instruction(String keyword, String arguments) {
        static List<List<Instruction>> stages(Path dockerfile) throws Exception {
            List<List<Instruction>> stages = new ArrayList<>();
            StringBuilder pending = new StringBuilder();
            for (String line : Files.readAllLines(dockerfile)) {
                if (line.isBlank() || line.stripLeading().startsWith("#")) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    pending.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                String text = (pending + line).trim();
                pending.setLength(0);
                int space = text.indexOf(' ');
                Instruction instruction = new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1).trim());
                if (instruction.keyword().equals("FROM")) {
                    stages.add(new ArrayList<>());
                } else if (!stages.isEmpty()) {
                    stages.get(stages.size() - 1).add(instruction);
                }
            }
            return stages;
        }

        static String last(List<Instruction> stage, String keyword) {
            return stage.stream().filter(i -> i.keyword().equals(keyword)).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no " + keyword + " in the stage")).arguments();
        }

        static String workdir(List<Instruction> stage) {
            return last(stage, "WORKDIR");
        }

        /** Source to destination of each {@code COPY --from=<stage>} (destinations resolved against WORKDIR). */
        static Map<Path, Path> copiesFromStage(List<Instruction> stage, String from) {
            String workdir = "/";
            Map<Path, Path> copies = new HashMap<>();
            for (Instruction instruction : stage) {
                if (instruction.keyword().equals("WORKDIR")) {
                    workdir = instruction.arguments();
                } else if (instruction.keyword().equals("COPY") && instruction.arguments().startsWith("--from=" + from + " ")) {
                    String[] paths = instruction.arguments().substring(("--from=" + from + " ").length()).trim().split("\\s+");
                    copies.put(Path.of(paths[0]), Path.of(workdir).resolve(paths[1]));
                }
            }
            return copies;
        }
    }
}
