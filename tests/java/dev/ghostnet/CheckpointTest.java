package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Checkpoints as users have them, and hostile or broken ones. */
class CheckpointTest {
  @TempDir Path temp;

  static List<Fixtures.Format> formats() {
    return Fixtures.formats();
  }

  @ParameterizedTest
  @MethodSource("formats")
  void everyFormatLoadsAndMatchesPyTorch(Fixtures.Format f) {
    Fixtures.Case c = f.reference();
    try (GhostNet model = GhostNet.load(f.file(), Device.CPU)) {
      Comparison.assertWithin(Fixtures.logits(model, c.input()), Fixtures.expected(c), Fixtures.hostBound(c),
          f.toString());
    }
  }

  static List<JsonObject> hostile() {
    return Fixtures.hostile().asList().stream().map(JsonElement::getAsJsonObject).toList();
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void hostileAndMismatchedFilesAreRefusedSayingWhy(JsonObject h) {
    Path file = Fixtures.path(h, "file");
    CheckpointException e = assertThrows(CheckpointException.class, () -> GhostNet.load(file, Device.CPU));
    for (JsonElement part : h.getAsJsonArray("expect_error_contains")) {
      assertTrue(e.getMessage().contains(part.getAsString()), "'" + part.getAsString() + "' not in: " + e.getMessage());
    }
  }

  @Test
  void truncatedFilesNameTheFile() throws IOException {
    for (Fixtures.Format f : Fixtures.formats()) {
      byte[] bytes = Files.readAllBytes(f.file());
      Path truncated = temp.resolve("truncated-" + f.file().getFileName());
      Files.write(truncated, Arrays.copyOf(bytes, bytes.length * 2 / 3));
      CheckpointException e = assertThrows(CheckpointException.class, () -> GhostNet.load(truncated, Device.CPU));
      assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
    }
  }

  @Test
  void aMissingFileOrAFolderIsRefusedAsACheckpointNamingIt() {
    Path missing = temp.resolve("nope.safetensors");
    String[] expected = {"cannot read the checkpoint '" + missing + "': no such file",
        "cannot read the checkpoint '" + temp + "': not a regular file"};
    Path[] paths = {missing, temp};
    for (int i = 0; i < paths.length; i++) {
      Path path = paths[i];
      CheckpointException load = assertThrows(CheckpointException.class, () -> GhostNet.load(path, Device.CPU));
      assertEquals(expected[i], load.getMessage());
      CheckpointException convert = assertThrows(CheckpointException.class,
          () -> Checkpoints.convertToSafetensors(path, temp.resolve("out.safetensors")));
      assertEquals(expected[i], convert.getMessage());
    }
  }
}
