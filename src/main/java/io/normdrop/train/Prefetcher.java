package io.normdrop.train;

import org.apache.spark.TaskContext;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A worker's minibatches read ahead on a thread of their own, so that reading, decoding and
 * shuffling the next minibatches overlaps fitting the current one (and the waits of averaging).
 * Holds at most {@code depth} minibatches. A failure of the reading thread is thrown by the
 * next {@link #next}; {@link #close} stops the thread.
 *
 * <p>The thread reads with the task's {@link TaskContext} set, as Spark's own reader threads do
 * (Python's writer thread): readers register their clean-up with it. The setter is Spark's
 * internal {@code TaskContext.setTaskContext}; where it is missing the minibatches are read on
 * the task's thread, without prefetching ({@link #available}).
 */
final class Prefetcher<T> implements Iterator<T>, AutoCloseable {
    private static final MethodHandle SET_TASK_CONTEXT = setter();
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private Object next;
    private volatile boolean closed;

    /** Whether this Spark lets a thread of the task carry its context (else: no prefetching). */
    static boolean available() {
        return SET_TASK_CONTEXT != null;
    }

    private static MethodHandle setter() {
        try {
            Class<?> module = Class.forName("org.apache.spark.TaskContext$");
            Object instance = module.getField("MODULE$").get(null);
            return MethodHandles.publicLookup().findVirtual(module, "setTaskContext",
                    MethodType.methodType(void.class, TaskContext.class)).bindTo(instance);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Starts reading {@code source} ahead.
     *
     * @param depth   items read ahead (>= 1)
     * @param context the task's context, set on the reading thread
     */
    Prefetcher(Iterator<T> source, int depth, TaskContext context) {
        this.queue = new ArrayBlockingQueue<>(depth);
        this.thread = new Thread(() -> {
            try {
                SET_TASK_CONTEXT.invoke(context);
                while (!closed && source.hasNext()) {
                    queue.put(source.next());
                }
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                // Handed to the task's thread, which fails the task with it.
                queue.clear();
                queue.offer(new Failure(t));
            }
        }, "normdrop-prefetch-" + context.partitionId());
        thread.setDaemon(true);
        thread.start();
    }

    private record Failure(Throwable cause) {
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for minibatches", e);
            }
            if (next instanceof Failure f) {
                next = END;
                if (f.cause() instanceof RuntimeException r) {
                    throw r;
                }
                if (f.cause() instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(f.cause());
            }
        }
        return next != END;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T out = (T) next;
        next = null;
        return out;
    }

    /** Stops the reading thread and waits for it. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
