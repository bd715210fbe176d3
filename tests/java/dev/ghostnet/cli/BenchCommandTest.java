package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench measures every precision and batch asked for in one run; it reports numbers, which are not judged here. */
class BenchCommandTest {
  @Test
  void everyBatchAskedForIsMeasuredInOneRun() {
    CliRunner r = CliRunner.run("bench", "--device", "cpu", "--batch", "1,2", "--batch", "3", "--size", "32",
        "--seconds", "0.01", "--warmup", "0", "--json");
    assertEquals(0, r.exitCode(), r.err());
    List<JsonObject> rows = r.out().lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    assertEquals(List.of(1, 2, 3), rows.stream().map(o -> o.get("batch").getAsInt()).toList());
    for (JsonObject row : rows) {
      assertEquals("ghostnet", row.get("engine").getAsString());
      assertEquals("fp32", row.get("precision").getAsString());
      assertTrue(row.get("iterations").getAsInt() >= 1, row.toString());
      assertTrue(row.get("images_per_second").getAsDouble() > 0, row.toString());
    }
  }

  @Test
  void severalPrecisionsAreForBenchAlone() {
    CliRunner r = CliRunner.run("run", "--random-weights", "--input", "x.npy", "--output", "y.npy", "--device", "cpu",
        "--precision", "fp32,fp16");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("--precision takes one precision here, found fp32,fp16: several, comma-separated, "
        + "are for bench"), r.err());
  }
}
