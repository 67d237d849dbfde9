package io.ordo.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static io.ordo.testing.StoreFixture.await;

/** The benchmarks' load: a number of operations run on lanes, each lane one operation at a time. */
final class Lanes {

    private Lanes() {
    }

    /** Operations done, in how long, their latencies (ms), and the CPU they cost. */
    record Result(int count, double seconds, List<Double> latencies, Cpu cpu) {

        static final Result NONE = new Result(0, 0, List.of(), Cpu.NONE);

        Result plus(Result other) {
            List<Double> all = new ArrayList<>(latencies);
            all.addAll(other.latencies);
            return new Result(count + other.count, seconds + other.seconds, all, cpu.plus(other.cpu));
        }

        double rate() {
            return count / seconds;
        }

        double percentile(double fraction) {
            List<Double> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            return sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * fraction)));
        }

        String summary() {
            return String.format("%7.0f ops/s  p50 %6.1f ms  p99 %6.1f ms", rate(), percentile(0.5), percentile(0.99));
        }
    }

    /** Runs {@code count} operations on {@code lanes} lanes; {@code operation} gets the lane's number. */
    static Result measure(int count, int lanes, IntFunction<Future<Void>> operation) {
        return measure(count, lanes, operation, Cpu::now);
    }

    /** As {@link #measure(int, int, IntFunction)}, reading the CPU spent with {@code cpu}. */
    static Result measure(int count, int lanes, IntFunction<Future<Void>> operation, Supplier<Cpu> cpu) {
        AtomicInteger remaining = new AtomicInteger(count);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>(count));
        List<Future<Void>> running = new ArrayList<>();
        Cpu cpuAtStart = cpu.get();
        long start = System.nanoTime();
        for (int lane = 0; lane < lanes; lane++) {
            Promise<Void> done = Promise.promise();
            next(lane, operation, remaining, latencies, done);
            running.add(done.future());
        }
        await(Future.all(running));
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(count, seconds, List.copyOf(latencies), cpu.get().since(cpuAtStart));
    }

    /** The lane's next operation, once its last one is done (each from its own completion: no stack growth). */
    private static void next(int lane, IntFunction<Future<Void>> operation, AtomicInteger remaining, List<Double> latencies,
                             Promise<Void> done) {
        if (remaining.getAndDecrement() <= 0) {
            done.tryComplete();
            return;
        }
        long started = System.nanoTime();
        operation.apply(lane).onComplete(result -> {
            if (result.failed()) {
                done.tryFail(result.cause());
                return;
            }
            latencies.add((System.nanoTime() - started) / 1e6);
            next(lane, operation, remaining, latencies, done);
        });
    }
}
