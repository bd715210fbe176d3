package dev.ghostnet.cli;

import com.google.gson.Gson;
import dev.ghostnet.GhostNet;
import dev.ghostnet.Prediction;
import dev.ghostnet.Predictor;
import dev.ghostnet.image.Classification;
import dev.ghostnet.image.Interpolation;
import dev.ghostnet.image.PreprocessOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code classify}: JPEG and PNG files (or folders of them) to their top classes. */
@Command(name = "classify", description = {"Classify JPEG and PNG images: files, or folders searched recursively.",
    "Prints a header naming the model, then each image's top classes, then how many images a second "
        + "(decoding included); with --json, one JSON object per image "
        + "(file, top, and logits with --logits; or file and error for an image that failed)."})
final class ClassifyCommand implements Callable<Integer> {
  private static final Gson GSON = new Gson();

  @Spec CommandSpec spec;
  @Mixin ModelOptions model;

  @Parameters(paramLabel = "FILES|DIRS", arity = "1..*", description = "Images, or folders of images.")
  List<Path> inputs;

  @Option(names = "--top", defaultValue = "5", description = "Classes per image (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(names = "--json", description = "One JSON object per line instead of a table.")
  boolean json;

  @Option(names = "--logits", description = "With --json, include each image's logits.")
  boolean logits;

  @Option(names = "--batch", defaultValue = "64", description = "Largest batch (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--resize", defaultValue = "256", description = "Shorter side after resizing (default: ${DEFAULT-VALUE}).")
  int resize;

  @Option(names = "--crop", defaultValue = "224", description = "Centre crop size (default: ${DEFAULT-VALUE}).")
  int crop;

  @Option(names = "--interpolation", defaultValue = "bilinear",
      description = "bilinear (torchvision's default) or bicubic (timm's ghostnet_100) (default: ${DEFAULT-VALUE}).")
  String interpolation;

  @Override
  public Integer call() {
    List<Path> files = imageFiles(inputs);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PreprocessOptions preprocess = new PreprocessOptions(resize, crop, Interpolation.parse(interpolation));
    int failed = 0;
    try (GhostNet net = model.load(false);
        Predictor predictor = Predictor.builder(net).maxBatchSize(batch).preprocess(preprocess).topK(top).build();
        Progress progress = files.size() > 1 ? Progress.start("classifying", files.size(), "images") : null) {
      List<CompletableFuture<Prediction>> results = new ArrayList<>();
      long started = System.nanoTime();
      for (Path file : files) {
        results.add(predictor.submit(file));
      }
      if (!json) {
        out.printf("%s (%s)%n", predictor, model.weightsDescription());
      }
      for (int i = 0; i < files.size(); i++) {
        try {
          print(out, results.get(i).join());
        } catch (CompletionException e) {
          failed++;
          err.println("error: " + e.getCause().getMessage());
          if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("file", files.get(i).toString());
            line.put("error", e.getCause().getMessage());
            out.println(GSON.toJson(line));
          }
        }
        if (progress != null) {
          progress.step();
        }
      }
      if (!json) {
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf(Locale.ROOT, "%d images (%d failed) in %.2f s: %.1f images/s%n", files.size(), failed, seconds,
            files.size() / seconds);
      }
    }
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  private void print(PrintWriter out, Prediction p) {
    if (json) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("file", p.source());
      line.put("top", p.top());
      if (logits) {
        line.put("logits", p.logits());
      }
      out.println(GSON.toJson(line));
      return;
    }
    out.println(p.source());
    for (Classification c : p.top()) {
      out.printf("  %6.2f%%  %4d  %s%n", 100 * c.probability(), c.index(), c.label());
    }
  }

  /** The files given, and the JPEG and PNG files under the folders given, in name order. */
  static List<Path> imageFiles(List<Path> inputs) {
    List<Path> files = new ArrayList<>();
    for (Path input : inputs) {
      if (!Files.isDirectory(input)) {
        files.add(input);
        continue;
      }
      try (Stream<Path> walk = Files.walk(input)) {
        walk.filter(Files::isRegularFile).filter(ClassifyCommand::isImage).sorted().forEach(files::add);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + input, e);
      }
    }
    return files;
  }

  private static boolean isImage(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
  }
}
