package dev.ghostnet;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one execution context's batches through pinned host memory sized for the largest batch,
 * copying to and from a GPU on the context's stream so that another context's compute overlaps
 * the copies.
 *
 * <p>A batch computes no more images than its shapes require. On a GPU each input shape is
 * captured as a CUDA graph, so a batch runs at the next power of two (at most the largest batch)
 * and a handful of graphs serve every batch size; the padding rows hold whatever the buffer held,
 * and their results are ignored. On the host a batch runs in pieces of power-of-two sizes (5
 * images: 4, then 1), which computes exactly its images while the context plans, and keeps a
 * workspace for, the same handful of shapes.
 */
final class BatchRunner implements AutoCloseable {
  private final Device device;
  private final Stream stream;
  private final ExecutionContext context;
  private final int crop;
  private final int classes;
  private final int maxBatch;
  private final Tensor images; // the largest batch's uint8 NHWC images
  private final Tensor logits; // and its F32 logits
  private final Map<Integer, Tensor[]> onDevice = new HashMap<>(); // by padded size: images, logits

  BatchRunner(GhostNet model, Stream stream, ExecutionContext context, int crop, int maxBatch) {
    this.device = model.device();
    this.stream = stream;
    this.context = context;
    this.crop = crop;
    this.classes = model.numClasses();
    this.maxBatch = maxBatch;
    this.images = Tensor.allocatePinned(DType.U8, imageShape(maxBatch));
    try {
      this.logits = Tensor.allocatePinned(DType.F32, Shape.of(maxBatch, classes));
    } catch (RuntimeException e) {
      images.close();
      throw e;
    }
  }

  /** The batch size a GPU computes for {@code count} images. */
  static int paddedSize(int count, int maxBatch) {
    int size = 1;
    while (size < count) {
      size <<= 1;
    }
    return Math.min(size, maxBatch);
  }

  /** How many images beyond its own a batch of {@code count} computes. */
  int paddedImages(int count) {
    return device.isCuda() ? paddedSize(count, maxBatch) - count : 0;
  }

  /** Runs the preprocessed images of {@code batch}; returns their logits, one row per image. */
  float[] run(List<PredictionRequest> batch) {
    int count = batch.size();
    long imageBytes = imageShape(1).numel();
    for (int i = 0; i < count; i++) {
      images.write(i * imageBytes, batch.get(i).pixels);
    }
    if (device.isCuda()) {
      runPadded(paddedSize(count, maxBatch));
    } else {
      for (int offset = 0; offset < count; ) {
        int size = Integer.highestOneBit(count - offset);
        try (Tensor in = view(images, offset * imageBytes, DType.U8, imageShape(size));
            Tensor out = view(logits, 4L * offset * classes, DType.F32, Shape.of(size, classes))) {
          context.forward(in, out);
        }
        offset += size;
      }
    }
    try (Tensor result = view(logits, 0, DType.F32, Shape.of(count, classes))) {
      return result.toFloatArray();
    }
  }

  private void runPadded(int size) {
    Tensor[] tensors = onDevice.computeIfAbsent(size, s -> new Tensor[] {
        Tensor.allocate(device, DType.U8, imageShape(s)), Tensor.allocate(device, DType.F32, Shape.of(s, classes))});
    try (Tensor hostIn = view(images, 0, DType.U8, imageShape(size));
        Tensor hostOut = view(logits, 0, DType.F32, Shape.of(size, classes))) {
      tensors[0].copyFrom(hostIn, stream);
      context.enqueue(tensors[0], tensors[1]);
      hostOut.copyFrom(tensors[1], stream);
      stream.synchronize();
    }
  }

  private Shape imageShape(int batch) {
    return Shape.nhwc(batch, crop, crop, 3);
  }

  private static Tensor view(Tensor base, long byteOffset, DType dtype, Shape shape) {
    return Tensor.wrapAddress(base.address() + byteOffset, Device.CPU, dtype, shape);
  }

  @Override
  public void close() {
    for (Tensor[] tensors : onDevice.values()) {
      tensors[0].close();
      tensors[1].close();
    }
    images.close();
    logits.close();
  }
}
