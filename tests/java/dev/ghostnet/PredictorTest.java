package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ghostnet.image.ImageDecoder;
import dev.ghostnet.image.ImagePreprocessor;
import dev.ghostnet.image.Labels;
import dev.ghostnet.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class PredictorTest {
  static final Path WEIGHTS = Fixtures.DIR.resolve("formats/small_f32.safetensors");
  static List<Path> images;
  static Map<Path, float[]> expected = new HashMap<>();

  /** Each sample image's logits from a direct forward pass of its preprocessed pixels. */
  @BeforeAll
  static void directForwardPasses() throws IOException {
    try (Stream<Path> files = Files.list(Fixtures.DIR.resolve("images/samples"))) {
      images = files.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png")).sorted()
          .collect(Collectors.toList());
    }
    assertTrue(images.size() >= 8, "sample images are missing: " + images);
    ImagePreprocessor pre = new ImagePreprocessor();
    try (GhostNet model = GhostNet.load(WEIGHTS, Device.CPU); ExecutionContext context = model.newContext()) {
      for (Path image : images) {
        try (Tensor x = Tensor.allocate(Device.CPU, DType.U8, Shape.nhwc(1, 224, 224, 3))) {
          x.copyFrom(pre.preprocess(image));
          try (Tensor y = context.forward(x)) {
            expected.put(image, y.toFloatArray());
          }
        }
      }
    }
  }

  private static PredictorBuilder small() {
    return Predictor.builder(WEIGHTS).devices(Device.CPU).decodeThreads(2).maxBatchSize(8);
  }

  @Test
  void sixteenCallersEachGetTheirOwnAnswerOnce() throws Exception {
    int callers = 16;
    int perCaller = 12;
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    try (Predictor predictor = small().build()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < callers; t++) {
        int caller = t;
        threads.add(new Thread(() -> {
          try {
            start.await();
            List<CompletableFuture<Prediction>> futures = new ArrayList<>();
            List<Path> asked = new ArrayList<>();
            for (int i = 0; i < perCaller; i++) {
              Path image = images.get((caller * 7 + i) % images.size());
              asked.add(image);
              futures.add(i % 2 == 0 ? predictor.submit(image)
                  : CompletableFuture.completedFuture(predictor.predict(image)));
            }
            for (int i = 0; i < perCaller; i++) {
              Prediction p = futures.get(i).get();
              if (!p.source().equals(asked.get(i).toString())) {
                problems.add("caller " + caller + " got " + p.source() + " for " + asked.get(i));
              }
              float[] want = expected.get(asked.get(i));
              for (int k = 0; k < want.length; k++) {
                if (Comparison.difference(p.logits()[k], want[k]) > 1e-5 * (1 + Math.abs(want[k]))) {
                  problems.add(asked.get(i) + " logit " + k + ": " + p.logits()[k] + " != " + want[k]);
                  break;
                }
              }
            }
          } catch (Exception e) {
            problems.add("caller " + caller + ": " + e);
          }
        }));
      }
      threads.forEach(Thread::start);
      start.countDown();
      for (Thread t : threads) {
        t.join();
      }
      PredictorMetrics m = predictor.metrics();
      assertEquals(callers * perCaller, m.completed());
      assertEquals(callers * perCaller,
          m.batchSizes().entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum());
      assertTrue(m.meanBatchSize() > 1, "no batching happened: " + m);
      assertTrue(m.latencyMillisP50() <= m.latencyMillisP99(), m.toString());
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  // GhostNetV2 (its attention, gates upsampled nearest) and GhostNetV3 (folded at load), as their
  // publishers ship them: each image's logits those of a direct forward pass of its pixels.
  @Test
  void everyMemberOfTheFamilyServes() throws Exception {
    ImagePreprocessor pre = new ImagePreprocessor();
    for (String file : new String[] {"formats/v2_official.pth.tar", "formats/v3_official.pth.tar"}) {
      Path weights = Fixtures.DIR.resolve(file);
      try (GhostNet model = GhostNet.load(weights, Device.CPU); ExecutionContext context = model.newContext();
          Predictor predictor = Predictor.builder(model).decodeThreads(2).maxBatchSize(4).build()) {
        List<CompletableFuture<Prediction>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          futures.add(predictor.submit(images.get(i)));
        }
        for (int i = 0; i < 6; i++) {
          try (Tensor x = Tensor.allocate(Device.CPU, DType.U8, Shape.nhwc(1, 224, 224, 3))) {
            x.copyFrom(pre.preprocess(images.get(i)));
            try (Tensor y = context.forward(x)) {
              assertArrayEquals(y.toFloatArray(), futures.get(i).get().logits(), 1e-5f, file + " " + images.get(i));
            }
          }
        }
      }
    }
  }

  @Test
  void aFullQueueRejectsWhenAskedTo() throws Exception {
    List<CompletableFuture<Prediction>> accepted = new ArrayList<>();
    int rejected = 0;
    try (Predictor predictor = small().queue(2, Predictor.Overflow.REJECT).build()) {
      for (int i = 0; i < 60; i++) {
        try {
          accepted.add(predictor.submit(images.get(i % images.size())));
        } catch (RejectedExecutionException e) {
          assertTrue(e.getMessage().contains("queue is full"), e.getMessage());
          rejected++;
        }
      }
      for (CompletableFuture<Prediction> f : accepted) {
        f.get();
      }
    }
    assertTrue(rejected > 0, "nothing was rejected");
    assertTrue(!accepted.isEmpty());
  }

  @Test
  void aFullQueueBlocksByDefaultAndEverythingIsAnswered() throws Exception {
    try (Predictor predictor = small().queue(2, Predictor.Overflow.BLOCK).build()) {
      List<CompletableFuture<Prediction>> futures = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        futures.add(predictor.submit(images.get(i % images.size())));
      }
      for (int i = 0; i < futures.size(); i++) {
        assertArrayEquals(expected.get(images.get(i % images.size())), futures.get(i).get().logits(), 1e-4f);
      }
    }
  }

  @Test
  void closeFinishesWhatIsInFlightAndRefusesNewWork() throws Exception {
    Predictor predictor = small().maxQueueDelay(Duration.ofMillis(20)).build();
    List<CompletableFuture<Prediction>> futures = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      futures.add(predictor.submit(images.get(i % images.size())));
    }
    predictor.close();
    for (CompletableFuture<Prediction> f : futures) {
      assertTrue(f.isDone() && !f.isCompletedExceptionally(), "a request was dropped by close");
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> predictor.submit(images.get(0)));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    predictor.close(); // idempotent
  }

  @Test
  void aBrokenImageFailsOnlyItsOwnRequest() throws Exception {
    try (Predictor predictor = small().build()) {
      CompletableFuture<Prediction> good = predictor.submit(images.get(0));
      CompletableFuture<Prediction> bad = predictor.submit(new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3}, "broken.jpg");
      ExecutionException e = assertThrows(ExecutionException.class, bad::get);
      assertTrue(e.getCause() instanceof GhostNetException && e.getCause().getMessage().contains("broken.jpg"),
          String.valueOf(e.getCause()));
      assertArrayEquals(expected.get(images.get(0)), good.get().logits(), 1e-4f);
      assertEquals(1, predictor.metrics().failed());
    }
  }

  @Test
  void aLoadedModelIsRunAndLeftOpen() {
    try (GhostNet model = GhostNet.load(WEIGHTS, Device.CPU)) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
          () -> Predictor.builder(model).devices(Device.CPU));
      assertTrue(e.getMessage().contains("a model already loaded: its devices were chosen when it was loaded"),
          e.getMessage());
      assertThrows(InvalidArgumentException.class, () -> Predictor.builder(model).options(GhostNet.Options.DEFAULT));
      try (Predictor predictor = Predictor.builder(model).decodeThreads(2).build()) {
        assertEquals(List.of(Device.CPU), predictor.devices());
        assertArrayEquals(expected.get(images.get(0)), predictor.predict(images.get(0)).logits(), 1e-4f);
      }
      assertFalse(model.isClosed());
      model.newContext().close();
    }
  }

  @Test
  void theModelMayBeClosedOnceThePredictorIsBuilt() {
    GhostNet model = GhostNet.load(WEIGHTS, Device.CPU);
    try (Predictor predictor = Predictor.builder(model).build()) {
      model.close();
      assertArrayEquals(expected.get(images.get(1)), predictor.predict(images.get(1)).logits(), 1e-4f);
    }
  }

  @Test
  void aClosedModelIsRefusedByBuild() {
    GhostNet model = GhostNet.load(WEIGHTS, Device.CPU);
    model.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Predictor.builder(model).build());
    assertTrue(e.getMessage().contains("is closed"), e.getMessage());
  }

  @Test
  void imagesInMemoryArePredictedInPlace() throws IOException {
    try (Predictor predictor = small().build()) {
      for (String name : List.of("rgb_500x375.jpg", "gray_300x200.png")) {
        Path file = Fixtures.DIR.resolve("images/samples").resolve(name);
        RgbImage decoded = ImageDecoder.decode(file);
        Prediction fromPixels = predictor.predict(decoded, name);
        assertEquals(name, fromPixels.source());
        assertArrayEquals(expected.get(file), fromPixels.logits(), 1e-4f);
        Prediction fromJdk = predictor.predict(ImageIO.read(file.toFile()), name);
        assertArrayEquals(expected.get(file), fromJdk.logits(), 1e-4f);
      }
    }
  }

  @Test
  void imagesPreprocessedByTheCallerArePredictedAsTheFilesAre() {
    ImagePreprocessor pre = new ImagePreprocessor();
    try (Predictor predictor = small().build()) {
      for (Path file : images.subList(0, 3)) {
        Prediction p = predictor.submitPreprocessed(pre.preprocess(file), file.getFileName().toString()).join();
        assertEquals(file.getFileName().toString(), p.source());
        assertArrayEquals(expected.get(file), p.logits(), 1e-4f);
      }
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
          () -> predictor.submitPreprocessed(new byte[32 * 32 * 3], "small.png"));
      assertEquals("a preprocessed image of this predictor is 224x224x3 = 150528 bytes, found 3072", e.getMessage());
      assertEquals("pixels is null",
          assertThrows(InvalidArgumentException.class, () -> predictor.submitPreprocessed(null, "x")).getMessage());
    }
  }

  @Test
  void onTheHostABatchComputesItsImagesAndNoMore() throws Exception {
    // One context waiting up to a second for more: the five images make one batch of five,
    // below the largest (six), which padding to a power of two would have computed as six.
    try (Predictor predictor = small().maxBatchSize(6).contextsPerDevice(1).maxQueueDelay(Duration.ofSeconds(1))
        .build()) {
      List<CompletableFuture<Prediction>> futures = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        futures.add(predictor.submit(images.get(i)));
      }
      for (int i = 0; i < 5; i++) {
        assertArrayEquals(expected.get(images.get(i)), futures.get(i).get().logits(), 1e-4f);
      }
      PredictorMetrics m = predictor.metrics();
      assertEquals(Map.of(5, 1L), m.batchSizes());
      assertEquals(0, m.paddedImages());
    }
  }

  @Tag(GpuSupport.GPU_TAG)
  @Test
  void onAGpuABatchOfFiveIsComputedAsEightAndEachImageGetsItsOwnLogits() throws Exception {
    GpuSupport.assumeGpu();
    try (Predictor predictor = Predictor.builder(WEIGHTS).devices(Device.cuda(0)).decodeThreads(2).maxBatchSize(8)
        .contextsPerDevice(1).maxQueueDelay(Duration.ofSeconds(1)).build()) {
      List<CompletableFuture<Prediction>> futures = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        futures.add(predictor.submit(images.get(i)));
      }
      for (int i = 0; i < 5; i++) {
        float[] want = expected.get(images.get(i));
        double scale = 0;
        for (float v : want) {
          scale = Math.max(scale, Math.abs(v));
        }
        // As GpuForwardTest's FP32.
        Comparison.assertWithin(futures.get(i).get().logits(), want, 1e-3 * scale, images.get(i).toString());
      }
      assertEquals(Map.of(5, 1L), predictor.metrics().batchSizes());
      assertEquals(3, predictor.metrics().paddedImages());
    }
  }

  @Test
  void onAGpuABatchIsPaddedToThePowerOfTwoItsCudaGraphWasCapturedFor() {
    assertEquals(1, BatchRunner.paddedSize(1, 64));
    assertEquals(8, BatchRunner.paddedSize(5, 64));
    assertEquals(6, BatchRunner.paddedSize(5, 6));
    assertEquals(64, BatchRunner.paddedSize(33, 64));
    assertEquals(64, BatchRunner.paddedSize(64, 64));
  }

  @Test
  void changingTheBuilderAfterBuildChangesNothingInThePredictor() throws Exception {
    PredictorBuilder builder = small().maxBatchSize(2).topK(3).maxQueueDelay(Duration.ofMillis(20));
    try (Predictor predictor = builder.build()) {
      builder.maxBatchSize(16).topK(7).labels(Labels.of(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")));
      List<CompletableFuture<Prediction>> futures = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        futures.add(predictor.submit(images.get(i % images.size())));
      }
      for (CompletableFuture<Prediction> future : futures) {
        Prediction p = future.get();
        assertEquals(3, p.top().size());
        assertEquals(String.valueOf(p.top().get(0).index()), p.top().get(0).label()); // no labels: indices
      }
      assertTrue(predictor.metrics().batchSizes().keySet().stream().allMatch(size -> size <= 2),
          predictor.metrics().toString());
    }
  }

  @Test
  void labelsForAnotherNumberOfClassesAreRefusedByBuild() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> small().labels(Labels.of(List.of("cat", "dog", "fish"))).build());
    assertEquals("the labels name 3 classes, the model has 10", e.getMessage());
  }

  @Test
  void badSettingsAreRefused() {
    assertThrows(InvalidArgumentException.class, () -> small().maxBatchSize(0));
    assertThrows(InvalidArgumentException.class, () -> small().queue(0, Predictor.Overflow.BLOCK));
    assertThrows(InvalidArgumentException.class, () -> small().maxQueueDelay(Duration.ofMillis(-1)));
    assertThrows(InvalidArgumentException.class, () -> small().devices());
    assertThrows(InvalidArgumentException.class, () -> small().devices(Device.CPU, null));
  }
}
