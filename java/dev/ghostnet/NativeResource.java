package dev.ghostnet;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The life cycle every native object shares: a handle freed exactly once, by {@link #close()} or,
 * as a safety net, by the garbage collector (reported as a leak with the creation site).
 *
 * <p>Each native call runs between {@link #enter()} and {@link #exit()}; a close that races with
 * a call defers the free to the end of that call, so a handle is never freed while in use.
 */
abstract class NativeResource implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final long CLOSED = 1L << 62;

  private final long handle;
  private final AtomicLong state = new AtomicLong(); // CLOSED bit + number of calls in flight
  private final Releaser releaser;
  private final Cleaner.Cleanable cleanable;

  /** Frees the handle once; knows nothing of the Java object, so the object can be collected. */
  private static final class Releaser implements Runnable {
    private final long handle;
    private final LongConsumer free;
    private final String description;
    private final Throwable creationSite;
    private final boolean reportIfLeaked;
    private volatile boolean closedExplicitly;

    Releaser(long handle, LongConsumer free, String description, boolean reportIfLeaked) {
      this.handle = handle;
      this.free = free;
      this.description = description;
      this.reportIfLeaked = reportIfLeaked;
      this.creationSite = LeakDetector.captureCreationSite();
    }

    @Override
    public void run() {
      if (!closedExplicitly && reportIfLeaked) {
        LeakDetector.report(description, creationSite);
      }
      free.accept(handle);
    }
  }

  /**
   * @param handle the native handle, now owned by this object
   * @param free frees the handle
   * @param reportIfLeaked whether collection without close is a leak worth reporting
   */
  NativeResource(long handle, LongConsumer free, String description, boolean reportIfLeaked) {
    this.handle = handle;
    this.releaser = new Releaser(handle, free, description, reportIfLeaked);
    this.cleanable = CLEANER.register(this, releaser);
  }

  /** A name for messages: "tensor f32 [2, 3] on cpu", say. */
  abstract String name();

  /** Starts a native call: returns the handle, or throws if this object is closed. */
  final long enter() {
    while (true) {
      long s = state.get();
      if ((s & CLOSED) != 0) {
        throw new IllegalStateException(name() + " is closed");
      }
      if (state.compareAndSet(s, s + 1)) {
        return handle;
      }
    }
  }

  /** Ends a native call started by {@link #enter()}. */
  final void exit() {
    if (state.decrementAndGet() == CLOSED) {
      cleanable.clean();
    }
  }

  /** Whether {@link #close()} was called. */
  public final boolean isClosed() {
    return (state.get() & CLOSED) != 0;
  }

  /** Frees the native object. Idempotent; later use throws {@link IllegalStateException}. */
  @Override
  public void close() {
    releaser.closedExplicitly = true;
    long s;
    do {
      s = state.get();
      if ((s & CLOSED) != 0) {
        return;
      }
    } while (!state.compareAndSet(s, s | CLOSED));
    if (s == 0) {
      cleanable.clean();
    }
  }
}
