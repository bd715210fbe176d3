package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * native/include/ghostnet/c_api.h is the one definition of the numbers that cross the C API
 * (statuses, device kinds, dtypes, layouts, precisions). The Java side writes each number once,
 * in its enum or in {@code Status}, and this test holds it to the header: every {@code GN_}
 * number there has exactly one Java counterpart with the same value.
 */
class CApiNumbersTest {
  static final Map<String, Integer> DEFINES = defines();

  /** The header's {@code #define GN_NAME number} lines (the build copies it onto the test class path). */
  static Map<String, Integer> defines() {
    try (InputStream in = CApiNumbersTest.class.getResourceAsStream("/ghostnet/c_api.h")) {
      assertNotNull(in, "ghostnet/c_api.h is not on the test class path");
      String header = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      Map<String, Integer> defines = new TreeMap<>();
      Matcher m = Pattern.compile("(?m)^#define (GN_\\w+) (-?\\d+)\\s*$").matcher(header);
      while (m.find()) {
        defines.put(m.group(1), Integer.parseInt(m.group(2)));
      }
      return defines;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Every number the Java side sends or receives, by the name c_api.h gives it. */
  static Map<String, Integer> javaSide() {
    Map<String, Integer> java = new HashMap<>();
    for (Device.Kind kind : Device.Kind.values()) {
      java.put("GN_DEVICE_" + kind.name(), kind.code());
    }
    for (DType dtype : DType.values()) {
      java.put("GN_" + dtype.name(), dtype.code());
    }
    for (Layout layout : Layout.values()) {
      java.put("GN_" + layout.name(), layout.code());
    }
    java.put("GN_PRECISION_F32", Precision.FP32.code());
    java.put("GN_PRECISION_F16", Precision.FP16.code());
    java.put("GN_PRECISION_BF16", Precision.BF16.code());
    // A status's number is checked by what Status.check makes of it (below), so here only its name.
    java.put("GN_OK", DEFINES.get("GN_OK"));
    for (String status : STATUSES.keySet()) {
      java.put(status, DEFINES.get(status));
    }
    return java;
  }

  /** The exception each failing status becomes in Java. */
  static final Map<String, Class<? extends GhostNetException>> STATUSES = Map.of(
      "GN_INVALID_ARGUMENT", InvalidArgumentException.class,
      "GN_DEVICE_UNAVAILABLE", DeviceUnavailableException.class,
      "GN_OUT_OF_MEMORY", OutOfMemoryException.class,
      "GN_CHECKPOINT", CheckpointException.class,
      "GN_BUSY", ContextBusyException.class,
      "GN_INTERNAL", GhostNetException.class);

  @Test
  void theHeaderDefinesNumbersAndEachHasOneJavaCounterpart() {
    assertEquals(DEFINES.keySet(), new TreeSet<>(javaSide().keySet()),
        "numbers in c_api.h without a Java counterpart, or the reverse");
  }

  @Test
  void enumCodesAreTheHeadersNumbers() {
    Map<String, Integer> java = javaSide();
    for (Map.Entry<String, Integer> define : DEFINES.entrySet()) {
      assertEquals(define.getValue(), java.get(define.getKey()), define.getKey());
    }
  }

  @Test
  void codesComeBackAsTheSameEnumsByCode() {
    for (DType dtype : DType.values()) {
      assertSame(dtype, DType.fromCode(dtype.code()));
    }
    for (Layout layout : Layout.values()) {
      assertSame(layout, Layout.fromCode(layout.code()));
    }
    GhostNetException e = assertThrows(GhostNetException.class, () -> DType.fromCode(99));
    assertTrue(e.getMessage().contains("unknown dtype code 99"), e.getMessage());
    e = assertThrows(GhostNetException.class, () -> Layout.fromCode(-1));
    assertTrue(e.getMessage().contains("unknown layout code -1"), e.getMessage());
  }

  @Test
  void aTensorTheLibraryCreatedIsReadBackWithItsDTypeAndLayout() {
    NativeLibrary.ensureLoaded();
    Shape[] shapes = {Shape.of(2, 3, 4, 5), Shape.nchw(2, 3, 4, 5), Shape.nhwc(2, 3, 4, 5)};
    for (DType dtype : DType.values()) {
      for (Shape shape : shapes) {
        long[] handle = new long[1];
        Status.check(NativeApi.gn_tensor_allocate(Device.Kind.HOST.code(), 0, dtype.code(), shape.layout().code(),
            shape.rank(), shape.dims(), 0, handle));
        try (Tensor t = Tensor.adoptNative(handle[0], Device.CPU)) {
          assertEquals(dtype, t.dtype());
          assertEquals(shape, t.shape());
        }
      }
    }
  }

  @Test
  void everyStatusBecomesItsException() {
    NativeLibrary.ensureLoaded();
    assertDoesNotThrow(() -> Status.check(DEFINES.get("GN_OK")));
    for (Map.Entry<String, Class<? extends GhostNetException>> status : STATUSES.entrySet()) {
      int code = DEFINES.get(status.getKey());
      GhostNetException e = assertThrows(GhostNetException.class, () -> Status.check(code), status.getKey());
      assertSame(status.getValue(), e.getClass(), status.getKey());
    }
  }
}
