package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import dev.ghostnet.image.ImageDecoder;
import dev.ghostnet.image.ImagePreprocessor;
import dev.ghostnet.image.Interpolation;
import dev.ghostnet.image.Labels;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Whatever the Java API receives is checked before it reaches native code, so that a mistake is
 * reported where it was made, never as a crash: each case below gets a typed exception whose
 * message names what is wrong.
 */
class ValidationTest {
  static final Shape IMAGE = Shape.nchw(1, 3, 8, 8);

  static void expectMessage(Class<? extends RuntimeException> type, Executable call, String fragment) {
    RuntimeException e = assertThrows(type, call);
    assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
        "expected '" + fragment + "' in: " + e.getMessage());
  }

  record Call(String fragment, Executable call) {}

  static GhostNet smallModel() {
    return GhostNet.load(Fixtures.smallCase().weights(), Device.CPU);
  }

  @Test
  void nullArgumentsAreNamed() throws Exception {
    Path weights = Fixtures.smallCase().weights();
    try (GhostNet model = smallModel();
        ExecutionContext context = model.newContext();
        Tensor x = Tensor.allocate(Device.CPU, DType.F32, IMAGE);
        Tensor y = Tensor.allocate(Device.CPU, DType.F32, Shape.of(1, model.numClasses()))) {
      List<Call> calls = List.of(
          new Call("device is null", () -> Tensor.allocate(null, DType.F32, IMAGE)),
          new Call("dtype is null", () -> Tensor.allocate(Device.CPU, null, IMAGE)),
          new Call("shape is null", () -> Tensor.allocatePinned(DType.F32, null)),
          new Call("buffer is null", () -> Tensor.wrap((ByteBuffer) null, DType.F32, IMAGE)),
          new Call("pointer is null", () -> Tensor.wrap((Pointer) null, Device.CPU, DType.F32, IMAGE)),
          new Call("values is null", () -> Tensor.fromFloats(null, IMAGE)),
          new Call("source tensor is null", () -> x.copyFrom((Tensor) null)),
          new Call("destination tensor is null", () -> x.copyTo((Tensor) null)),
          new Call("buffer is null", () -> Tensor.wrap((FloatBuffer) null, IMAGE)),
          new Call("values is null", () -> x.copyFrom((FloatBuffer) null)),
          new Call("destination buffer is null", () -> x.copyTo((FloatBuffer) null)),
          new Call("stream is null", () -> x.copyFrom(x, null)),
          new Call("bytes is null", () -> x.copyFrom((byte[]) null)),
          new Call("input tensor is null", () -> context.forward(null)),
          new Call("output tensor is null", () -> context.forward(x, null)),
          new Call("input tensor is null", () -> context.enqueue(null, y)),
          new Call("weights path is null", () -> GhostNet.load(null, Device.CPU)),
          new Call("device is null", () -> GhostNet.load(weights, null)),
          new Call("options is null", () -> GhostNet.load(weights, Device.CPU, null)),
          new Call("precision is null", () -> GhostNet.Options.DEFAULT.withPrecision(null)),
          new Call("path is null", () -> Npy.read(null, Layout.NCHW)),
          new Call("tensor is null", () -> Npy.write(Path.of("x.npy"), null)),
          new Call("device is null", () -> Stream.create(null)),
          new Call("stream is null", () -> Stream.wrap((CUstream_st) null, Device.CPU)),
          new Call("dims is null", () -> Shape.of((long[]) null)),
          new Call("unknown device 'null'", () -> Device.parse(null)),
          new Call("unknown interpolation 'null': expected bilinear or bicubic", () -> Interpolation.parse(null)),
          new Call("unknown interpolation 'nearest': expected bilinear or bicubic", () -> Interpolation.parse("nearest")),
          new Call("weights path is null", () -> Predictor.builder((Path) null)),
          new Call("model is null", () -> Predictor.builder((GhostNet) null)),
          new Call("input path is null", () -> Checkpoints.convertToSafetensors(null, Path.of("out.safetensors"))),
          new Call("leak listener is null", () -> LeakDetector.addListener(null)),
          new Call("the labels file is null", () -> Labels.read(null)),
          new Call("the image path is null", () -> ImageDecoder.decode((Path) null)),
          new Call("the image path is null", () -> new ImagePreprocessor().preprocess((Path) null)),
          new Call("the input stream is null", () -> ImageDecoder.decode((InputStream) null, "stream")),
          new Call("the encoded image is null", () -> ImageDecoder.decode((byte[]) null, "bytes")));
      for (Call call : calls) {
        expectMessage(InvalidArgumentException.class, call.call(), call.fragment());
      }
    }
  }

  @Test
  void closedTensorsAreNamedInEveryUse() {
    try (GhostNet model = smallModel(); ExecutionContext context = model.newContext();
        Tensor open = Tensor.allocate(Device.CPU, DType.F32, IMAGE)) {
      Tensor closed = Tensor.allocate(Device.CPU, DType.F32, IMAGE);
      closed.close();
      String name = "tensor F32 NCHW [1, 3, 8, 8] on cpu is closed";
      expectMessage(IllegalStateException.class, closed::address, name);
      expectMessage(IllegalStateException.class, closed::pointer, name);
      expectMessage(IllegalStateException.class, closed::toFloatArray, name);
      expectMessage(IllegalStateException.class, closed::toByteArray, name);
      expectMessage(IllegalStateException.class, () -> closed.copyFrom(new float[192]), name);
      expectMessage(IllegalStateException.class, () -> closed.copyTo(open), name);
      expectMessage(IllegalStateException.class, () -> open.copyFrom(closed), name);
      expectMessage(IllegalStateException.class, () -> context.forward(closed), name);
      expectMessage(IllegalStateException.class, closed::release, name);
      try (Tensor y = Tensor.allocate(Device.CPU, DType.F32, Shape.of(1, model.numClasses()))) {
        y.close();
        expectMessage(IllegalStateException.class, () -> context.forward(open, y), "tensor F32 [1, 10] on cpu is closed");
      }
    }
  }

  @Test
  void releasedTensorsAreClosedAndBorrowedOnesCannotBeReleased() {
    try (GhostNet model = smallModel(); ExecutionContext context = model.newContext()) {
      Tensor released = Tensor.allocate(Device.CPU, DType.F32, IMAGE);
      long address = released.release();
      try {
        expectMessage(IllegalStateException.class, () -> context.forward(released), "tensor F32 NCHW [1, 3, 8, 8] on cpu is closed");
        expectMessage(IllegalStateException.class, released::release, "is closed");
      } finally {
        Tensor.free(Device.CPU, address);
      }
      try (Tensor borrowed = Tensor.wrap(ByteBuffer.allocateDirect(4 * 192).order(ByteOrder.nativeOrder()), DType.F32,
          IMAGE)) {
        expectMessage(InvalidArgumentException.class, borrowed::release, "borrowed tensor F32 NCHW [1, 3, 8, 8] on cpu is borrowed");
      }
    }
  }

  @Test
  void closedModelsContextsAndStreamsAreNamed() {
    GhostNet model = smallModel();
    ExecutionContext context = model.newContext();
    Stream stream = Stream.create(Device.CPU);
    try (Tensor x = Tensor.allocate(Device.CPU, DType.F32, IMAGE);
        Tensor y = Tensor.allocate(Device.CPU, DType.F32, Shape.of(1, model.numClasses()))) {
      model.close();
      context.close();
      stream.close();
      expectMessage(IllegalStateException.class, model::newContext, "GhostNet 0.25x, 10 classes, fp32 on cpu is closed");
      expectMessage(IllegalStateException.class, () -> context.forward(x, y), "execution context on cpu is closed");
      expectMessage(IllegalStateException.class, () -> context.forward(x), "execution context on cpu is closed");
      expectMessage(IllegalStateException.class, context::synchronize, "execution context on cpu is closed");
      expectMessage(IllegalStateException.class, () -> x.copyTo(x, stream), "stream on cpu is closed");
      expectMessage(IllegalStateException.class, stream::synchronize, "stream on cpu is closed");
    }
  }

  @Test
  void aTensorOnAnotherDeviceIsRefusedBeforeNativeCode() {
    // Without a GPU no tensor can live on one, so this one only says it does: a host tensor
    // adopted as cuda:0. The model must refuse it by its device alone, in Java.
    NativeLibrary.ensureLoaded();
    long[] handle = new long[1];
    Status.check(NativeApi.gn_tensor_allocate(Device.Kind.HOST.code(), 0, DType.F32.code(), Layout.NCHW.code(), 4, IMAGE.dims(), 0, handle));
    try (GhostNet model = smallModel(); ExecutionContext context = model.newContext();
        Tensor elsewhere = Tensor.adoptNative(handle[0], Device.cuda(0));
        Tensor y = Tensor.allocate(Device.CPU, DType.F32, Shape.of(1, model.numClasses()))) {
      String message = "the model is on cpu but the input is tensor F32 NCHW [1, 3, 8, 8] on cuda:0";
      expectMessage(InvalidArgumentException.class, () -> context.forward(elsewhere), message);
      expectMessage(InvalidArgumentException.class, () -> context.forward(elsewhere, y), message);
      expectMessage(InvalidArgumentException.class, () -> context.enqueue(y, elsewhere),
          "the model is on cpu but the output is tensor F32 NCHW [1, 3, 8, 8] on cuda:0");
    }
  }

  @Tag(GpuSupport.GPU_TAG)
  @Test
  void aHostTensorForAGpuModelIsRefused() {
    GpuSupport.assumeGpu();
    try (GhostNet model = GhostNet.load(Fixtures.smallCase().weights(), Device.cuda(0));
        ExecutionContext context = model.newContext();
        Tensor host = Tensor.allocate(Device.CPU, DType.F32, IMAGE)) {
      expectMessage(InvalidArgumentException.class, () -> context.forward(host),
          "the model is on cuda:0 but the input is tensor F32 NCHW [1, 3, 8, 8] on cpu");
    }
  }

  @Test
  void readOnlyHeapAndSmallBuffersAreRefused() {
    expectMessage(InvalidArgumentException.class,
        () -> Tensor.wrap(ByteBuffer.allocateDirect(4 * 192).asReadOnlyBuffer(), DType.F32, IMAGE), "read-only ByteBuffer");
    expectMessage(InvalidArgumentException.class, () -> Tensor.wrap(ByteBuffer.allocate(4 * 192), DType.F32, IMAGE),
        "heap ByteBuffer");
    expectMessage(InvalidArgumentException.class, () -> Tensor.wrap(ByteBuffer.allocateDirect(767), DType.F32, IMAGE),
        "F32 NCHW [1, 3, 8, 8] needs 768 bytes, the buffer has 767 remaining");
    ByteBuffer positioned = ByteBuffer.allocateDirect(768);
    positioned.position(4);
    expectMessage(InvalidArgumentException.class, () -> Tensor.wrap(positioned, DType.F32, IMAGE), "has 764 remaining");
    try (FloatPointer small = new FloatPointer(191)) {
      expectMessage(InvalidArgumentException.class, () -> Tensor.wrap(small, Device.CPU, DType.F32, IMAGE),
          "needs 768 bytes, the pointer has 764");
    }
    expectMessage(InvalidArgumentException.class,
        () -> Tensor.wrap(new FloatPointer((Pointer) null), Device.CPU, DType.F32, IMAGE), "the pointer is null");
    try (Tensor x = Tensor.allocate(Device.CPU, DType.F32, IMAGE)) {
      expectMessage(InvalidArgumentException.class, () -> x.copyFrom(new float[191]), "has 192 elements, the array has 191");
      expectMessage(InvalidArgumentException.class, () -> x.copyFrom(new byte[767]), "has 768 bytes, the array has 767");
    }
  }

  @Test
  void negativeAndOverflowingSizesAreRefused() {
    expectMessage(InvalidArgumentException.class, () -> Shape.of(2, -1), "negative dimension in [2, -1]");
    expectMessage(InvalidArgumentException.class, () -> Shape.nchw(1, 3, -8, 8), "negative dimension");
    expectMessage(InvalidArgumentException.class, () -> Shape.of(1L << 40, 1L << 40), "has too many elements");
    expectMessage(InvalidArgumentException.class, () -> Shape.of(new long[9]), "at most 8 dimensions");
    expectMessage(InvalidArgumentException.class, () -> Shape.of(1, 2, 3).batch(), "not an image layout");
    expectMessage(InvalidArgumentException.class, () -> Shape.of(1, 2).dim(2), "shape [1, 2] has no dimension 2: its rank is 2");
    expectMessage(InvalidArgumentException.class, () -> Shape.of(1, 2).dim(-1), "has no dimension -1");
    // Element counts that fit a long, byte sizes that do not.
    Shape huge = Shape.of(1L << 62);
    expectMessage(InvalidArgumentException.class, () -> Tensor.allocate(Device.CPU, DType.F32, huge),
        "F32 [4611686018427387904] is too large to address");
    expectMessage(InvalidArgumentException.class, () -> Tensor.allocatePinned(DType.F16, huge), "is too large to address");
    expectMessage(InvalidArgumentException.class,
        () -> Tensor.wrap(ByteBuffer.allocateDirect(16), DType.F32, huge), "is too large to address");
    expectMessage(InvalidArgumentException.class, () -> Tensor.wrapAddress(0, Device.CPU, DType.F32, huge),
        "is too large to address");
    expectMessage(InvalidArgumentException.class, () -> Device.cuda(-1), "invalid device index -1");
    expectMessage(InvalidArgumentException.class, () -> Device.parse("cuda:-2"), "invalid device index -2");
    expectMessage(InvalidArgumentException.class, () -> GhostNet.Options.DEFAULT.withMaxTensorBytes(-1),
        "checkpoint limits must not be negative, found -1 and 0");
    expectMessage(InvalidArgumentException.class, () -> GhostNet.Options.DEFAULT.withMaxCheckpointBytes(-5),
        "checkpoint limits must not be negative, found 0 and -5");
    expectMessage(InvalidArgumentException.class,
        () -> GhostNet.Options.DEFAULT.withNormalization(new float[2], new float[3]), "mean and std need 3 values");
  }

  @Test
  void inputsThatAreNotImageBatchesAreRefusedBeforeTheOutputIsAllocated() {
    try (GhostNet model = smallModel(); ExecutionContext context = model.newContext()) {
      for (Shape shape : new Shape[] {Shape.of(), Shape.of(3, 8, 8), Shape.of(1, 3, 8, 8)}) {
        try (Tensor x = Tensor.allocate(Device.CPU, DType.F32, shape)) {
          expectMessage(InvalidArgumentException.class, () -> context.forward(x),
              "the input must be an NCHW or NHWC image batch, found tensor F32 " + shape);
        }
      }
    }
  }

  @Test
  void aCheckpointTensorBeyondTheConfiguredLimitIsRefused() {
    GhostNet.Options options = GhostNet.Options.DEFAULT.withMaxTensorBytes(1024);
    OutOfMemoryException e = assertThrows(OutOfMemoryException.class,
        () -> GhostNet.load(Fixtures.smallCase().weights(), Device.CPU, options));
    assertTrue(e.getMessage().contains("more than the limit of 1024 bytes per tensor"), e.getMessage());
    assertTrue(e.getMessage().contains(Fixtures.smallCase().weights().toString()), e.getMessage());
  }

  @Test
  void aCheckpointBeyondTheConfiguredTotalIsRefused() {
    GhostNet.Options options = GhostNet.Options.DEFAULT.withMaxCheckpointBytes(100_000);
    OutOfMemoryException e = assertThrows(OutOfMemoryException.class,
        () -> GhostNet.load(Fixtures.smallCase().weights(), Device.CPU, options));
    assertTrue(e.getMessage().contains("max_total_bytes"), e.getMessage());
  }
}
