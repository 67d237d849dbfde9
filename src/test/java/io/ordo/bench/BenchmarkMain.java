package io.ordo.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the JMH benchmarks matching a pattern in one JVM session and prints, for each benchmark
 * class, every method's score as a ratio of that class's {@code baseline*} method, measured side
 * by side in the same run. {@code mvn -Pbench test-compile exec:exec -Dbench=Replay}
 */
public final class BenchmarkMain {

    public static void main(String[] args) throws RunnerException {
        String pattern = args.length > 0 ? args[0] : ".*";
        Options options = new OptionsBuilder()
                .include(pattern)
                .forks(1)
                .warmupIterations(3).warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(2))
                .measurementIterations(5).measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(2))
                .build();
        Collection<RunResult> results = new Runner(options).run();

        Map<String, Map<String, Double>> byClass = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        for (RunResult result : results) {
            String benchmark = result.getParams().getBenchmark();
            int dot = benchmark.lastIndexOf('.');
            String owner = benchmark.substring(0, dot);
            byClass.computeIfAbsent(owner, k -> new LinkedHashMap<>())
                    .put(benchmark.substring(dot + 1), result.getPrimaryResult().getScore());
            units.put(owner, result.getPrimaryResult().getScoreUnit());
        }
        System.out.println();
        System.out.println("== Ordo benchmark ratios (same run) ==");
        byClass.forEach((owner, scores) -> {
            String baseline = scores.keySet().stream().filter(name -> name.startsWith("baseline")).findFirst().orElse(null);
            scores.forEach((name, score) -> {
                String ratio = baseline == null || name.equals(baseline) ? ""
                        : String.format("   = %.2fx %s", score / scores.get(baseline), baseline);
                System.out.printf("%-50s %12.1f %s%s%n", owner.substring(owner.lastIndexOf('.') + 1) + "." + name,
                        score, units.get(owner), ratio);
            });
        });
    }
}
