package dev.ghostnet.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on the terminal, and nothing when output goes to a file or a pipe. */
final class Progress implements AutoCloseable {
  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  static Progress start(String task, long total, String unit) {
    if (System.console() == null) {
      return new Progress(null);
    }
    return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
        .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(200).build());
  }

  void stepTo(long done) {
    if (bar != null) {
      bar.stepTo(done);
    }
  }

  void step() {
    if (bar != null) {
      bar.step();
    }
  }

  void extra(String message) {
    if (bar != null) {
      bar.setExtraMessage(message);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
