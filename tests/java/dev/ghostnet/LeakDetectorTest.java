package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LeakDetectorTest {
  @Test
  void anUnclosedTensorIsFreedAndReportedWithItsCreationSite() throws InterruptedException {
    BlockingQueue<String> reports = new LinkedBlockingQueue<>();
    Consumer<String> listener = reports::add;
    LeakDetector.addListener(listener);
    try {
      leakATensor();
      String report = null;
      for (int i = 0; i < 100 && report == null; i++) {
        System.gc();
        report = reports.poll(100, TimeUnit.MILLISECONDS);
      }
      assertNotNull(report, "no leak was reported");
      assertTrue(report.contains("tensor F32 [1024] on cpu was never closed"), report);
      assertTrue(report.contains("LeakDetectorTest.leakATensor"), report);
    } finally {
      LeakDetector.removeListener(listener);
    }
  }

  @Test
  void aClosedTensorIsNotReported() throws InterruptedException {
    BlockingQueue<String> reports = new LinkedBlockingQueue<>();
    Consumer<String> listener = reports::add;
    LeakDetector.addListener(listener);
    try {
      closeATensor();
      for (int i = 0; i < 10; i++) {
        System.gc();
        String report = reports.poll(50, TimeUnit.MILLISECONDS);
        assertTrue(report == null || !report.contains("closeATensor"), report);
      }
    } finally {
      LeakDetector.removeListener(listener);
    }
  }

  private static void leakATensor() {
    Tensor.allocate(Device.CPU, DType.F32, Shape.of(1024));
  }

  private static void closeATensor() {
    Tensor.allocate(Device.CPU, DType.F32, Shape.of(1024)).close();
  }
}
