package dev.ghostnet.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.ghostnet.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsTest {
  @Test
  void imagenetLabelsAreTorchvisions() throws Exception {
    Labels labels = Labels.imagenet();
    assertEquals(1000, labels.size());
    assertEquals("tench", labels.name(0));
    assertEquals("goldfish", labels.name(1));
    assertEquals("tabby", labels.name(281));
    assertEquals("toilet tissue", labels.name(999));
    assertTrue(labels == Labels.imagenet(), "loaded once");
    // the bundled file is the one the reference script wrote from torchvision
    JsonObject info = ImageFixtures.MANIFEST.getAsJsonObject("labels");
    assertEquals(1000, info.get("count").getAsInt());
    String text = String.join("\n", labels.names()) + "\n";
    assertEquals(info.get("sha256").getAsString(), ImageFixtures.sha256(text.getBytes(StandardCharsets.UTF_8)));
    var e = assertThrows(InvalidArgumentException.class, () -> labels.name(1000));
    assertTrue(e.getMessage().contains("1000"), e.getMessage());
    assertThrows(InvalidArgumentException.class, () -> labels.name(-1));
    assertThrows(UnsupportedOperationException.class, () -> labels.names().set(0, "x"));
  }

  @Test
  void customLabels(@TempDir Path dir) throws Exception {
    Labels abc = Labels.of(List.of("a", "b", "c"));
    assertEquals(3, abc.size());
    assertEquals("c", abc.name(2));
    assertThrows(InvalidArgumentException.class, () -> Labels.of(List.of()));
    assertThrows(InvalidArgumentException.class, () -> Labels.of(null));
    assertThrows(InvalidArgumentException.class, () -> Labels.of(java.util.Arrays.asList("a", null)));
    Path file = dir.resolve("labels.txt");
    Files.writeString(file, "cat\ndog\n\u00e9l\u00e9phant\n", StandardCharsets.UTF_8);
    Labels read = Labels.read(file);
    assertEquals(List.of("cat", "dog", "\u00e9l\u00e9phant"), read.names());
    assertThrows(InvalidArgumentException.class, () -> Labels.read(dir.resolve("missing.txt")));
  }

  @Test
  void softmaxAndTopKByHand() {
    // logits ln(1), ln(2), ln(3), ln(4): probabilities 0.1, 0.2, 0.3, 0.4
    float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
    Labels labels = Labels.of(List.of("w", "x", "y", "z"));
    List<Classification> top = Classification.topK(logits, 3, labels);
    assertEquals(3, top.size());
    assertEquals(new Classification(3, "z", 0.4f).index(), top.get(0).index());
    assertEquals("z", top.get(0).label());
    assertEquals(0.4f, top.get(0).probability(), 1e-6f);
    assertEquals(2, top.get(1).index());
    assertEquals(0.3f, top.get(1).probability(), 1e-6f);
    assertEquals(1, top.get(2).index());
    assertEquals(0.2f, top.get(2).probability(), 1e-6f);
    // k beyond the classes gives them all; probabilities sum to 1
    List<Classification> all = Classification.topK(logits, 10, labels);
    assertEquals(4, all.size());
    assertEquals(1.0, all.stream().mapToDouble(Classification::probability).sum(), 1e-6);
    assertEquals(List.of(), Classification.topK(logits, 0, labels));
    // no labels: the index as text
    assertEquals("3", Classification.topK(logits, 1, null).get(0).label());
  }

  @Test
  void softmaxIsStableForLargeLogits() {
    // exp(1000) overflows a double; shifted by the maximum it does not. Two equal maxima share 1/2.
    float[] logits = {1000f, 1000f, 1000f - (float) Math.log(2) * 0 - 1f, -1000f};
    List<Classification> top = Classification.topK(logits, 4, null);
    double e = Math.exp(-1);
    assertEquals(1 / (2 + e), top.get(0).probability(), 1e-6);
    assertEquals(1 / (2 + e), top.get(1).probability(), 1e-6);
    assertEquals(e / (2 + e), top.get(2).probability(), 1e-6);
    assertEquals(0f, top.get(3).probability());
    float[] tiny = {-1e30f, -1e30f - 1e25f};
    assertEquals(1.0f, Classification.topK(tiny, 1, null).get(0).probability(), 1e-6f);
  }

  @Test
  void tiesGoToTheLowerIndex() {
    float[] logits = {1f, 3f, 2f, 3f, 0f, 3f, 2f};
    List<Classification> top = Classification.topK(logits, 5, null);
    assertEquals(List.of(1, 3, 5, 2, 6), top.stream().map(Classification::index).toList());
    // the same order through the sorting path (k > 32)
    float[] many = new float[100];
    for (int i = 0; i < many.length; i++) {
      many[i] = (i * 7) % 10; // ten of each value 0..9
    }
    List<Classification> sorted = Classification.topK(many, 100, null);
    List<Classification> partial = Classification.topK(many, 30, null);
    for (int i = 0; i < 30; i++) {
      assertEquals(sorted.get(i).index(), partial.get(i).index(), "rank " + i);
    }
    for (int i = 1; i < sorted.size(); i++) {
      Classification a = sorted.get(i - 1);
      Classification b = sorted.get(i);
      assertTrue(many[a.index()] > many[b.index()] || (many[a.index()] == many[b.index()] && a.index() < b.index()));
    }
  }

  @Test
  void oneRowOfABatch() {
    float[] batch = {0f, 5f, 1f, /* row 1 */ 9f, 0f, 0f};
    Labels labels = Labels.of(List.of("a", "b", "c"));
    assertEquals("b", Classification.topK(batch, 0, 3, 1, labels).get(0).label());
    assertEquals("a", Classification.topK(batch, 3, 3, 1, labels).get(0).label());
    assertThrows(InvalidArgumentException.class, () -> Classification.topK(batch, 4, 3, 1, labels));
  }

  @Test
  void infinitiesAndBadInput() {
    float inf = Float.POSITIVE_INFINITY;
    List<Classification> top = Classification.topK(new float[] {1f, inf, -inf, inf}, 4, null);
    assertEquals(List.of(1, 3, 0, 2), top.stream().map(Classification::index).toList());
    assertEquals(0.5f, top.get(0).probability());
    assertEquals(0.5f, top.get(1).probability());
    assertEquals(0f, top.get(2).probability());
    List<Classification> minus = Classification.topK(new float[] {-inf, 0f}, 2, null);
    assertEquals(1f, minus.get(0).probability());
    assertEquals(0f, minus.get(1).probability());
    var nan = assertThrows(InvalidArgumentException.class,
        () -> Classification.topK(new float[] {0f, Float.NaN}, 1, null));
    assertTrue(nan.getMessage().contains("logit 1 is NaN"), nan.getMessage());
    assertThrows(InvalidArgumentException.class, () -> Classification.topK(new float[] {-inf, -inf}, 1, null));
    assertThrows(InvalidArgumentException.class, () -> Classification.topK(new float[] {0f}, -1, null));
    assertThrows(InvalidArgumentException.class, () -> Classification.topK(new float[0], 1, null));
    assertThrows(InvalidArgumentException.class, () -> Classification.topK(null, 1, null));
    var mismatch = assertThrows(InvalidArgumentException.class,
        () -> Classification.topK(new float[] {0f, 1f}, 1, Labels.imagenet()));
    assertTrue(mismatch.getMessage().contains("1000") && mismatch.getMessage().contains("2"), mismatch.getMessage());
  }
}
