package dev.ghostnet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Reports tensors, streams, models and contexts that were collected without being closed: their
 * native memory is then freed by the garbage collector, late. Each report is logged (logger
 * {@code dev.ghostnet.leaks}, level WARNING) and handed to every listener. With the system
 * property {@code ghostnet.leaks.captureStacks=true} each report carries the stack where the
 * resource was created (capturing costs a stack walk per resource, so it is off by default).
 */
public final class LeakDetector {
  private static final boolean CAPTURE = Boolean.getBoolean("ghostnet.leaks.captureStacks");
  private static final System.Logger LOG = System.getLogger("dev.ghostnet.leaks");
  private static final List<Consumer<String>> LISTENERS = new CopyOnWriteArrayList<>();

  private LeakDetector() {}

  /**
   * Adds a listener that receives every leak report, for a service's health check or a test. It
   * runs on the thread that frees collected resources, so it should return quickly.
   */
  public static void addListener(Consumer<String> listener) {
    Tensor.requireNonNull(listener, "leak listener");
    LISTENERS.add(listener);
  }

  /** Removes a listener added by {@link #addListener}; nothing happens if it was not added. */
  public static void removeListener(Consumer<String> listener) {
    LISTENERS.remove(listener);
  }

  static Throwable captureCreationSite() {
    return CAPTURE ? new Throwable("created here") : null;
  }

  static void report(String resource, Throwable creationSite) {
    StringBuilder message = new StringBuilder("ghostnet leak: ").append(resource)
        .append(" was never closed; it was freed by the garbage collector.");
    if (creationSite == null) {
      message.append(" Run with -Dghostnet.leaks.captureStacks=true to see where it was created.");
    } else {
      message.append(" Created at:");
      StackTraceElement[] frames = creationSite.getStackTrace();
      for (StackTraceElement frame : frames) {
        if (!frame.getClassName().equals(NativeResource.class.getName())
            && !frame.getClassName().startsWith(NativeResource.class.getName() + "$")) {
          message.append("\n\tat ").append(frame);
        }
      }
    }
    String text = message.toString();
    LOG.log(System.Logger.Level.WARNING, text);
    for (Consumer<String> listener : LISTENERS) {
      listener.accept(text);
    }
  }
}
