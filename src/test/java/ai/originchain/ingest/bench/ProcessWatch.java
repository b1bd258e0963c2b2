package ai.originchain.ingest.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Watches the service's JVM during one phase: peak heap used (sampled with {@code jstat -gc PID 250}:
 * survivor + eden + old used), peak RSS ({@code VmHWM}, reset at the start of the phase through
 * {@code /proc/PID/clear_refs} where the kernel allows it) and CPU time used, in all and by thread
 * ({@code /proc/PID/task/*}: threads that ended during the phase count in the total only), and the
 * bytes it read: {@code rchar} of {@code /proc/PID/io}, which counts every read(2), sockets included,
 * i.e. what reached it from the source and the target (and the few files it reads), unlike
 * {@code read_bytes}, which counts disk only.
 */
final class ProcessWatch implements AutoCloseable {

    /** @param cpuByThread CPU seconds by thread name (Linux's 15-character name, numbers folded to N) */
    record Peaks(double heapMb, double rssMb, boolean rssSinceStart, double cpuSeconds, Map<String, Double> cpuByThread,
                 long bytesRead) {
    }

    private final long pid;
    private final Process jstat;
    private final Thread reader;
    private final boolean rssReset;
    private final long cpuTicksAtStart;
    private final Map<String, Long> threadTicksAtStart;
    private final long rcharAtStart;
    private volatile double peakHeapKb;

    ProcessWatch(long pid) throws IOException {
        this.pid = pid;
        this.rssReset = resetPeakRss(pid);
        this.cpuTicksAtStart = cpuTicks(pid);
        this.threadTicksAtStart = threadTicks(pid);
        this.rcharAtStart = rchar(pid);
        Path jstatBin = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jstat");
        this.jstat = new ProcessBuilder(jstatBin.toString(), "-gc", String.valueOf(pid), "250")
                .redirectErrorStream(true).start();
        this.reader = new Thread(this::readSamples, "jstat-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void oneSample() {
        try {
            Path jstatBin = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jstat");
            Process once = new ProcessBuilder(jstatBin.toString(), "-gc", String.valueOf(pid)).redirectErrorStream(true).start();
            readSamples(once);
            once.waitFor();
        } catch (IOException | RuntimeException e) {
            // No sample: the phase shows a heap peak of 0.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readSamples() {
        readSamples(jstat);
    }

    private void readSamples(Process from) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(from.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> header = null;
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 0 && f[0].equals("S0C")) {
                    header = Arrays.asList(f);
                    continue;
                }
                if (header == null || f.length != header.size()) {
                    continue;
                }
                double used = 0;
                for (String col : List.of("S0U", "S1U", "EU", "OU")) {
                    used += Double.parseDouble(f[header.indexOf(col)]);
                }
                if (used > peakHeapKb) {
                    peakHeapKb = used;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // jstat went away with the phase.
        }
    }

    Peaks finish() throws InterruptedException {
        Thread.sleep(300); // one more jstat sample after the phase's last request
        jstat.destroy();
        reader.join(2000);
        if (peakHeapKb == 0) {
            // A phase shorter than jstat's start-up: one sample now, after it.
            oneSample();
        }
        Map<String, Double> byThread = new TreeMap<>();
        Map<String, String> names = new HashMap<>();
        Map<String, Long> now = threadTicks(pid, names);
        now.forEach((tid, ticks) -> {
            long used = ticks - threadTicksAtStart.getOrDefault(tid, 0L);
            if (used > 0) {
                byThread.merge(names.get(tid), used / 100.0, Double::sum);
            }
        });
        return new Peaks(peakHeapKb / 1024, status(pid, "VmHWM:") / 1024, !rssReset,
                (cpuTicks(pid) - cpuTicksAtStart) / 100.0, byThread, rcharDelta(rcharAtStart, rchar(pid)));
    }

    private static long rcharDelta(long start, long end) {
        return start < 0 || end < 0 ? -1 : end - start;
    }

    /** Bytes the process read so far through read(2) and the like, from any file or socket; -1 unknown. */
    static long rchar(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (line.startsWith("rchar:")) {
                    return Long.parseLong(line.substring("rchar:".length()).trim());
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Linux, or not allowed to read another user's io.
        }
        return -1;
    }

    @Override
    public void close() {
        jstat.destroyForcibly();
    }

    /** {@code echo 5 > /proc/PID/clear_refs}: VmHWM starts again from the current RSS. */
    private static boolean resetPeakRss(long pid) {
        try {
            Files.writeString(Path.of("/proc/" + pid + "/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** utime + stime, in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks(long pid) {
        return ticks(Path.of("/proc/" + pid + "/stat"));
    }

    private static long ticks(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static Map<String, Long> threadTicks(long pid) {
        return threadTicks(pid, new HashMap<>());
    }

    /** CPU ticks of each live thread (tid → ticks); {@code names} gets tid → folded thread name. */
    private static Map<String, Long> threadTicks(long pid, Map<String, String> names) {
        Map<String, Long> out = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String tid = task.getFileName().toString();
                try {
                    String name = Files.readString(task.resolve("comm")).trim().replaceAll("(?<=[#-])\\d+", "N");
                    names.put(tid, name);
                    out.put(tid, ticks(task.resolve("stat")));
                } catch (IOException | RuntimeException gone) {
                    // The thread ended meanwhile.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux.
        }
        return out;
    }

    static double status(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key)) {
                    return Double.parseDouble(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Linux, or the process is gone.
        }
        return Double.NaN;
    }
}
