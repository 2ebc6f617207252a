package io.normdrop.job;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launchers, manifests and schedules under deploy/ parse, and name a main class, a jar and
 * job files that exist in this repository.
 */
class DeployFilesTest {
    private static final Path DEPLOY = Path.of("deploy");
    private static final String MAIN_CLASS = Main.class.getName();

    private static String read(String file) throws IOException {
        return Files.readString(DEPLOY.resolve(file));
    }

    /** Every {@code jobs/*.conf} a file names exists (image paths /opt/normdrop/jobs/ map to jobs/). */
    private static void assertJobFilesExist(String text, int atLeast) {
        Matcher m = Pattern.compile("jobs/[A-Za-z0-9_.-]+\\.conf").matcher(text);
        int n = 0;
        while (m.find()) {
            assertTrue(Files.isRegularFile(Path.of(m.group())), m.group() + " does not exist");
            n++;
        }
        assertTrue(n >= atLeast, "names a job file: " + text);
    }

    private static void bashSyntax(Path script) throws Exception {
        Process p = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), script + ": " + new String(p.getInputStream().readAllBytes()));
    }

    @Test
    void theLocalLauncherPassesEveryCommandThrough() throws IOException {
        String local = read("local.sh");
        String commands = local.lines().filter(l -> l.trim().startsWith("train|")).findFirst().orElseThrow();
        for (String command : new picocli.CommandLine(new Main()).getSubcommands().keySet()) {
            assertTrue(commands.contains(command + "|"), "deploy/local.sh does not pass on " + command + ": " + commands);
        }
    }

    @Test
    void theJarTheyNameIsTheOneTheBuildMakes() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        assertTrue(pom.contains("normdrop-job.jar"), "the shade plugin writes target/normdrop-job.jar");
        for (String f : List.of("submit.sh", "kubernetes/Dockerfile", "airflow/normdrop_dag.py")) {
            assertTrue(read(f).contains("target/normdrop-job.jar"), f);
        }
    }

    @Test
    void shellLaunchersParseAndAreExecutable() throws Exception {
        for (String s : List.of("submit.sh", "local.sh", "setup.sh", "test.sh", "bench.sh", "kubernetes/submit-k8s.sh",
                "yarn/submit-yarn.sh")) {
            bashSyntax(DEPLOY.resolve(s));
            assertTrue(Files.isExecutable(DEPLOY.resolve(s)), s + " is executable");
        }
        assertTrue(read("submit.sh").contains("--class io.normdrop.job.Main"));
        assertTrue(read("submit.sh").contains("conf/spark-defaults.conf"));
        assertTrue(read("kubernetes/submit-k8s.sh").contains("--class " + MAIN_CLASS));
        assertJobFilesExist(read("kubernetes/submit-k8s.sh"), 1);
        assertJobFilesExist(read("yarn/submit-yarn.sh"), 1);
    }

    @Test
    void submitRefusesWhatItCannotRunWithDocumentedCodes() throws Exception {
        Process noArgs = new ProcessBuilder("bash", "deploy/submit.sh").redirectErrorStream(true).start();
        assertTrue(noArgs.waitFor(30, TimeUnit.SECONDS));
        assertEquals(64, noArgs.exitValue());
        Process noJob = new ProcessBuilder("bash", "deploy/submit.sh", "jobs/nope.conf").redirectErrorStream(true).start();
        assertTrue(noJob.waitFor(30, TimeUnit.SECONDS));
        assertEquals(66, noJob.exitValue());
        assertTrue(new String(noJob.getInputStream().readAllBytes()).contains("job file not found: jobs/nope.conf"));
        ProcessBuilder maybe = new ProcessBuilder("bash", "deploy/submit.sh", "jobs/quickstart.conf").redirectErrorStream(true);
        maybe.environment().putAll(java.util.Map.of("NORMDROP_MASTER", "spark://127.0.0.1:1", "NORMDROP_ENCRYPT", "yes"));
        Process encrypt = maybe.start();
        assertTrue(encrypt.waitFor(30, TimeUnit.SECONDS));
        assertEquals(64, encrypt.exitValue());
        assertEquals("normdrop: NORMDROP_ENCRYPT must be true or false, not yes\n", new String(encrypt.getInputStream().readAllBytes()));
    }

    @Test
    void sparkApplicationIsAValidManifestForTheOperator() throws IOException {
        Map<String, Object> app = new Yaml().load(read("kubernetes/sparkapplication.yaml"));
        assertEquals("sparkoperator.k8s.io/v1beta2", app.get("apiVersion"));
        assertEquals("SparkApplication", app.get("kind"));
        @SuppressWarnings("unchecked") Map<String, Object> spec = (Map<String, Object>) app.get("spec");
        assertEquals(MAIN_CLASS, spec.get("mainClass"));
        assertEquals("local:///opt/normdrop/normdrop-job.jar", spec.get("mainApplicationFile"));
        @SuppressWarnings("unchecked") List<String> args = (List<String>) spec.get("arguments");
        assertEquals("train", args.get(0));
        assertEquals("/opt/normdrop/jobs/fashion-mnist.conf", args.get(1));
        assertJobFilesExist(String.join(" ", args), 1);
        @SuppressWarnings("unchecked") Map<String, Object> conf = (Map<String, Object>) spec.get("sparkConf");
        assertEquals("org.nd4j.kryo.Nd4jRegistrator", conf.get("spark.kryo.registrator"));
        assertTrue(String.valueOf(conf.get("spark.executor.extraJavaOptions")).contains("SystemClockTimeSource"));
        // The image the manifest runs is built from the Dockerfile next to it, with the jar where it says.
        String docker = read("kubernetes/Dockerfile");
        assertTrue(docker.contains("COPY target/normdrop-job.jar /opt/normdrop/normdrop-job.jar"), docker);
        assertTrue(docker.contains("COPY jobs/ /opt/normdrop/jobs/"), docker);
    }

    @Test
    void cronEntryHasFiveTimeFieldsAUserAndACommandThatExists() throws IOException {
        List<String> entries = read("cron/normdrop.cron").lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.matches("[A-Z_]+=.*")).toList();
        assertEquals(1, entries.size());
        String[] f = entries.get(0).split("\\s+", 7);
        for (int i = 0; i < 5; i++) {
            assertTrue(f[i].matches("[0-9*/,-]+"), "time field " + i + ": " + f[i]);
        }
        assertEquals("normdrop", f[5], "/etc/cron.d entries name the user");
        assertTrue(f[6].contains("deploy/submit.sh jobs/fashion-mnist.conf --run-id auto"), f[6]);
        assertJobFilesExist(f[6], 1);
        // Scoring runs only after a successful, published training run.
        assertTrue(f[6].contains(" && deploy/submit.sh predict " + PUBLISHED + " "), f[6]);
    }

    /** Where jobs/fashion-mnist.conf publishes a run that passed its gate. */
    static final String PUBLISHED = "runs/fashion-mnist/published";

    @Test
    void theScheduledJobPublishesWhereTheSchedulesScoreFrom() throws IOException {
        assertTrue(Files.readString(Path.of("jobs/fashion-mnist.conf")).contains("output.dir = \"runs/fashion-mnist\""));
        String service = read("systemd/normdrop-train.service");
        List<String> exec = service.lines().filter(l -> l.startsWith("ExecStart=")).toList();
        assertEquals(2, exec.size(), service);
        assertTrue(exec.get(0).endsWith("jobs/fashion-mnist.conf --run-id auto --set output.onnx=true"), exec.get(0));
        assertTrue(exec.get(1).contains("submit.sh predict " + PUBLISHED + " "), exec.get(1));
        String dag = read("airflow/normdrop_dag.py");
        assertTrue(dag.contains("\"" + PUBLISHED + "\"") && dag.contains("train >> score"), dag);
        // Each published run carries model.onnx for serving outside the JVM.
        assertTrue(dag.contains("\"--set\",\n            \"output.onnx=true\","), dag);
        assertTrue(read("cron/normdrop.cron").contains("--run-id auto --set output.onnx=true >>"));
    }

    @Test
    void systemdTimerStartsTheServiceThatRunsSubmit() throws IOException {
        String service = read("systemd/normdrop-train.service");
        String timer = read("systemd/normdrop-train.timer");
        for (String section : List.of("[Unit]", "[Service]")) {
            assertTrue(service.contains(section), section);
        }
        assertTrue(service.contains("Type=oneshot"));
        Matcher exec = Pattern.compile("(?m)^ExecStart=/opt/normdrop/(\\S+) /opt/normdrop/(\\S+)").matcher(service);
        assertTrue(exec.find(), service);
        assertTrue(Files.isExecutable(Path.of(exec.group(1))), exec.group(1));
        assertTrue(Files.isRegularFile(Path.of(exec.group(2))), exec.group(2));
        assertTrue(timer.contains("[Timer]") && timer.contains("OnCalendar=*-*-* 02:30:00"), timer);
        assertTrue(timer.contains("Unit=normdrop-train.service") && timer.contains("WantedBy=timers.target"), timer);
    }

    @Test
    void airflowDagCompilesAndSubmitsTheJob() throws Exception {
        String dag = read("airflow/normdrop_dag.py");
        assertTrue(dag.contains("SparkSubmitOperator("));
        assertTrue(dag.contains("java_class=\"" + MAIN_CLASS + "\""), dag);
        assertTrue(dag.contains("/target/normdrop-job.jar"));
        assertTrue(dag.contains("/conf/spark-defaults.conf"));
        assertJobFilesExist(dag, 1);
        // Python syntax (Airflow itself is not needed to compile it); deploy/setup.sh --test installs python3.
        Process p = new ProcessBuilder("python3", "-c",
                "import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", "deploy/airflow/normdrop_dag.py")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }
}
