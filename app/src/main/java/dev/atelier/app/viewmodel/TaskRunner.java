package dev.atelier.app.viewmodel;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import javafx.application.Platform;

/**
 * Runs slow work (decoding, encoding, saving) off the FX thread and hands the result back on it. Tests use
 * {@link #direct()}, which runs everything on the calling thread.
 */
public interface TaskRunner {
    <T> void run(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure);

    default void shutdown() {}

    static TaskRunner direct() {
        return new TaskRunner() {
            @Override
            public <T> void run(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
                T result;
                try {
                    result = work.call();
                } catch (Exception | OutOfMemoryError e) {
                    onFailure.accept(e);
                    return;
                }
                onSuccess.accept(result);
            }
        };
    }

    /** One background thread (saves stay ordered), results delivered with {@link Platform#runLater}. */
    static TaskRunner background() {
        ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "atelier-io");
            t.setDaemon(true);
            return t;
        });
        return new TaskRunner() {
            @Override
            public <T> void run(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
                exec.execute(() -> {
                    try {
                        T result = work.call();
                        Platform.runLater(() -> onSuccess.accept(result));
                    } catch (Exception | OutOfMemoryError e) {
                        Platform.runLater(() -> onFailure.accept(e));
                    }
                });
            }

            @Override
            public void shutdown() {
                exec.shutdown();
                try {
                    exec.awaitTermination(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }
}
