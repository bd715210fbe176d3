package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What info and bench say a BF16 model runs on, against the CPU as Linux describes it in
 * /proc/cpuinfo: AMD's AVX512_BF16 runs at twice FP32's rate, so BF16 runs on it; Intel's at
 * FP32's or less, so BF16 runs the FP32 kernels; a CPU without AVX512_BF16 refuses BF16.
 */
class HostBf16EngineTest {
  private static String vendor;
  private static boolean hasAvx512Bf16;

  @BeforeAll
  static void readCpuinfo() throws IOException {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    assumeTrue(Files.isReadable(cpuinfo), "no /proc/cpuinfo to tell the CPU's vendor and features");
    assumeTrue(System.getenv("GHOSTNET_HOST_BF16") == null, "GHOSTNET_HOST_BF16 chooses the engine in this run");
    List<String> lines = Files.readAllLines(cpuinfo);
    vendor = field(lines, "vendor_id");
    List<String> flags = List.of(field(lines, "flags").split(" "));
    // The host kernels use AVX512_BF16 only with AVX-512 (F, BW, DQ, VL) around it.
    hasAvx512Bf16 = flags.containsAll(List.of("avx512_bf16", "avx512f", "avx512bw", "avx512dq", "avx512vl"));
  }

  private static String field(List<String> lines, String name) {
    return lines.stream().filter(l -> l.startsWith(name)).findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).trim())
        .orElseThrow(() -> new AssertionError("/proc/cpuinfo has no " + name));
  }

  private static String expectedEngine() {
    return !hasAvx512Bf16 ? "" : vendor.equals("AuthenticAMD") ? "AVX512_BF16" : "FP32 kernels";
  }

  @Test
  void infoNamesTheEngineBf16RunsOn() {
    CliRunner r = CliRunner.run("info");
    assertEquals(0, r.exitCode(), r.err());
    String row = r.out().lines().filter(l -> l.trim().startsWith("host bf16")).findFirst().orElse("");
    String expected = expectedEngine().isEmpty() ? "refused: this CPU lacks AVX512_BF16" : expectedEngine();
    assertTrue(row.contains(expected), vendor + ": " + r.out());
  }

  @Test
  void benchNamesTheEngineOfABf16Run() {
    assumeTrue(hasAvx512Bf16, "this CPU lacks AVX512_BF16: bf16 on the host is refused");
    CliRunner r = CliRunner.run("bench", "--device", "cpu", "--precision", "bf16", "--batch", "1", "--size", "32",
        "--seconds", "0.01", "--warmup", "0", "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonObject row = JsonParser.parseString(r.out().strip()).getAsJsonObject();
    assertEquals(expectedEngine(), row.get("host_bf16_engine").getAsString(), row.toString());
  }
}
