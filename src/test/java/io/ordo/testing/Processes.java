package io.ordo.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Signals for the tests' real processes: a pause (SIGSTOP: a hung peer whose connections stay open), and a kill -9. */
public final class Processes {

    private Processes() {
    }

    /** SIGSTOP: the process keeps its sockets but answers nothing, as a hung or partitioned peer. */
    public static void pause(long pid) {
        signal("-STOP", pid);
    }

    /** SIGCONT: a paused process goes on. */
    public static void resume(long pid) {
        signal("-CONT", pid);
    }

    /**
     * kill -9 of a process and all its descendants at once, as an OOM killer, a container runtime's stop
     * timeout or a crashed machine would: no shutdown hook runs anywhere. Waits until all are gone.
     */
    public static void killTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(root);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : all) {
            try {
                process.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("pid " + process.pid() + " survived kill -9", e);
            }
        }
    }

    private static void signal(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill " + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new AssertionError("kill " + signal + " " + pid + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
