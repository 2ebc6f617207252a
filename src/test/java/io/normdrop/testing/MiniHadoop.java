package io.normdrop.testing;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Hadoop's own in-process clusters, bound to 127.0.0.1: an HDFS (one name node, one data node)
 * and, when asked, a YARN (one resource manager, one node manager that launches containers as
 * processes of this JVM). {@link #confDir()} is a HADOOP_CONF_DIR for clients in other processes,
 * as a cluster's gateway host has one. Start once per test class; {@link #close()} stops both.
 */
public final class MiniHadoop implements AutoCloseable {
    private final MiniDFSCluster dfs;
    private final MiniYARNCluster yarn;
    private final Path confDir;
    private final String root;

    private MiniHadoop(MiniDFSCluster dfs, MiniYARNCluster yarn, Path confDir) throws IOException {
        this.dfs = dfs;
        this.yarn = yarn;
        this.confDir = confDir;
        this.root = dfs.getFileSystem().getUri().toString();
    }

    /** HDFS alone, its storage and configuration under {@code base}. */
    public static MiniHadoop hdfs(Path base) throws IOException {
        return start(base, 0);
    }

    /**
     * HDFS and a YARN whose one node manager offers {@code nodeMemoryMb} of memory and as many
     * vcores as containers may ask for (the capacity scheduler counts memory only).
     */
    public static MiniHadoop hdfsAndYarn(Path base, int nodeMemoryMb) throws IOException {
        return start(base, nodeMemoryMb);
    }

    private static MiniHadoop start(Path base, int nodeMemoryMb) throws IOException {
        Files.createDirectories(base);
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("hdfs").toString());
        for (String key : new String[] {"dfs.namenode.http-address", "dfs.datanode.address", "dfs.datanode.http.address",
                "dfs.datanode.ipc.address"}) {
            conf.set(key, "127.0.0.1:0");
        }
        MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).checkDataNodeAddrConfig(true).build();
        dfs.waitActive();
        Path confDir = base.resolve("conf");
        Files.createDirectories(confDir);
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", dfs.getFileSystem().getUri().toString());
        write(core, confDir.resolve("core-site.xml"));
        MiniYARNCluster yarn = null;
        if (nodeMemoryMb > 0) {
            try {
                yarn = startYarn(base, nodeMemoryMb, dfs.getFileSystem().getUri().toString());
            } catch (IOException | RuntimeException e) {
                dfs.shutdown();
                throw e;
            }
            write(yarn.getConfig(), confDir.resolve("yarn-site.xml"));
        }
        return new MiniHadoop(dfs, yarn, confDir);
    }

    private static MiniYARNCluster startYarn(Path base, int nodeMemoryMb, String defaultFs) throws IOException {
        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", defaultFs);
        // Every address on 127.0.0.1 (by default the mini cluster binds the host's name), ephemeral ports.
        conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
        for (String key : new String[] {YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
                YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
                YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.NM_ADDRESS, YarnConfiguration.NM_LOCALIZER_ADDRESS,
                YarnConfiguration.NM_WEBAPP_ADDRESS, YarnConfiguration.NM_COLLECTOR_SERVICE_ADDRESS}) {
            conf.set(key, "127.0.0.1:0");
        }
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, nodeMemoryMb);
        conf.setInt(YarnConfiguration.NM_VCORES, 8);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, nodeMemoryMb);
        // One queue, "default", with all of the cluster (the shaded minicluster lacks capacity-scheduler.xml).
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.user-limit-factor", "1");
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.set("yarn.scheduler.capacity.node-locality-delay", "-1");
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
        // Containers are killed above their physical memory (ND4J's off-heap must fit the overhead
        // Spark asks for); virtual memory, which the JVM reserves freely, is not checked.
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, true);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // What a node's yarn-env.sh gives containers: the JDK.
        conf.set(YarnConfiguration.NM_ADMIN_USER_ENV, "JAVA_HOME=" + System.getProperty("java.home"));
        MiniYARNCluster yarn = new MiniYARNCluster("normdrop-yarn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // start() can return before the resource manager has put its bound port in the configuration.
            while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the YARN resource manager did not bind in 60 s");
                }
                Thread.sleep(100);
            }
            if (!yarn.waitForNodeManagersToConnect(60_000)) {
                throw new IOException("the YARN node manager did not register in 60 s");
            }
        } catch (InterruptedException | org.apache.hadoop.yarn.exceptions.YarnException e) {
            yarn.stop();
            throw new IOException(e);
        } catch (IOException | RuntimeException e) {
            yarn.stop();
            throw e;
        }
        return yarn;
    }

    private static void write(Configuration conf, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            conf.writeXml(out);
        }
    }

    /** {@code hdfs://127.0.0.1:PORT} followed by {@code path} (absolute). */
    public String uri(String path) {
        return root + path;
    }

    /** A client of this HDFS. */
    public FileSystem fileSystem() throws IOException {
        return dfs.getFileSystem();
    }

    /** core-site.xml (fs.defaultFS is this HDFS) and, with YARN, yarn-site.xml. */
    public Path confDir() {
        return confDir;
    }

    /** Where the node manager keeps its containers' working directories and logs (under target/). */
    public Path yarnWorkDir() {
        return yarn.getTestWorkDir().toPath();
    }

    /** Copies a local file to {@code path} on HDFS. */
    public void put(Path local, String path) throws IOException {
        fileSystem().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toAbsolutePath().toUri()),
                new org.apache.hadoop.fs.Path(path));
    }

    @Override
    public void close() {
        try {
            if (yarn != null) {
                yarn.stop();
            }
        } finally {
            dfs.shutdown();
        }
    }
}
