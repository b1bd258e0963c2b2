package ai.originchain.ingest.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The service's hot methods from its flight recording: {@code jdk.ExecutionSample} events (threads
 * running Java code) taken while a sync phase ran, counted by their top frame; plus the first frame
 * of our own code ({@code ai.originchain}) on each sample's stack, the thread each ran on, and where
 * threads sat in native code ({@code jdk.NativeMethodSample}).
 */
final class HotMethods {

    record Window(Instant start, Instant end) {
        boolean contains(Instant t) {
            return !t.isBefore(start) && !t.isAfter(end);
        }
    }

    private final Map<String, Integer> topFrames = new HashMap<>();
    private final Map<String, Integer> ownFrames = new HashMap<>();
    private final Map<String, Integer> threads = new HashMap<>();
    private final Map<String, Integer> nativeTop = new HashMap<>();
    private int samples;
    private int nativeSamples;

    static HotMethods read(Path recording, List<Window> windows) throws IOException {
        HotMethods hot = new HotMethods();
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                String type = e.getEventType().getName();
                boolean execution = type.equals("jdk.ExecutionSample");
                if (!execution && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                if (windows.stream().noneMatch(w -> w.contains(e.getStartTime()))) {
                    continue;
                }
                RecordedStackTrace stack = e.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                String top = name(stack.getFrames().get(0));
                String thread = threadName(e);
                if (!execution) {
                    // Tomcat's acceptor and poller sit in native code all the time, busy or not.
                    if (!thread.contains("Acceptor") && !thread.contains("Poller")) {
                        hot.nativeSamples++;
                        hot.nativeTop.merge(thread + ": " + top, 1, Integer::sum);
                    }
                    continue;
                }
                hot.samples++;
                hot.topFrames.merge(top, 1, Integer::sum);
                String own = stack.getFrames().stream().map(HotMethods::name)
                        .filter(n -> n.startsWith("ai.originchain.")).findFirst().orElse("(no ai.originchain frame)");
                hot.ownFrames.merge(own, 1, Integer::sum);
                hot.threads.merge(thread, 1, Integer::sum);
            }
        }
        return hot;
    }

    /** The sampled thread's name, numbers of pooled threads folded ("task-3" → "task-N"). */
    private static String threadName(RecordedEvent e) {
        var t = e.getThread("sampledThread");
        String name = t == null ? null : t.getJavaName();
        return name == null ? "?" : name.replaceAll("([-#] ?)\\d+\\b", "$1N");
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    List<String> report(int top) {
        List<String> out = new ArrayList<>();
        out.add("jdk.ExecutionSample during the sync phases: " + samples + " samples (threads running Java code)");
        out.add("");
        out.add("Top " + top + " methods (self, top frame):");
        out.addAll(ranked(topFrames, samples, top));
        out.add("");
        out.add("By first ai.originchain frame on the stack (inclusive):");
        out.addAll(ranked(ownFrames, samples, 8));
        out.add("");
        out.add("By thread:");
        out.addAll(ranked(threads, samples, 6));
        out.add("");
        out.add("jdk.NativeMethodSample (threads in native code, e.g. waiting on a socket; Tomcat's idle acceptor/poller left out): "
                + nativeSamples + " samples");
        out.addAll(ranked(nativeTop, nativeSamples, 5));
        return out;
    }

    private static List<String> ranked(Map<String, Integer> counts, int total, int top) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .map(e -> String.format("  %6d  %5.1f%%  %s", e.getValue(), 100.0 * e.getValue() / Math.max(total, 1), e.getKey()))
                .toList();
    }
}
