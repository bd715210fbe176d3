package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.Status;

/**
 * Runs a {@link GhostNet} on one stream, with its own workspace and a plan per input shape (and
 * captured CUDA graphs on GPUs). Use one context per thread: a context used by two threads at once
 * throws {@link ContextBusyException}. The context keeps the model's weights alive, so closing the
 * model first is safe.
 *
 * <p>Input: [N, 3, H, W] NCHW or [N, H, W, 3] NHWC, F32 (already normalised) or U8 (images,
 * normalised on the device). Output: F32 [N, classes]. Both on the model's device.
 */
public final class ExecutionContext extends NativeResource {
  private final Device device;
  private final int numClasses;
  private final Stream borrowedStream; // kept reachable while this context runs on it

  ExecutionContext(long handle, GhostNet model, Stream stream) {
    super(handle, NativeApi::gn_context_destroy, "execution context on " + model.device(), true);
    this.device = model.device();
    this.numClasses = model.numClasses();
    this.borrowedStream = stream;
  }

  /** Runs the network into {@code output}; returns when the output is ready. */
  public void forward(Tensor input, Tensor output) {
    run(input, output, true);
  }

  /** Orders the forward pass on this context's stream and returns without waiting for it. */
  public void enqueue(Tensor input, Tensor output) {
    run(input, output, false);
  }

  /** Runs the network into a new owned F32 [N, classes] tensor on the model's device. */
  public Tensor forward(Tensor input) {
    Tensor.requireNonNull(input, "input tensor");
    requireOnDevice(input, "input");
    if (input.shape().layout() == Layout.ROW_MAJOR) {
      throw new InvalidArgumentException("the input must be an NCHW or NHWC image batch, found " + input);
    }
    // A closed context or input is refused before the output is allocated; both stay open while used.
    enter();
    try {
      input.enter();
      try {
        Tensor output = Tensor.allocate(device, DType.F32, Shape.of(input.shape().dim(0), numClasses));
        try {
          forward(input, output);
          return output;
        } catch (RuntimeException e) {
          output.close();
          throw e;
        }
      } finally {
        input.exit();
      }
    } finally {
      exit();
    }
  }

  /** Waits for everything ordered on this context's stream. */
  public void synchronize() {
    long h = enter();
    try {
      Status.check(NativeApi.gn_context_synchronize(h));
    } finally {
      exit();
    }
  }

  private void run(Tensor input, Tensor output, boolean blocking) {
    Tensor.requireNonNull(input, "input tensor");
    Tensor.requireNonNull(output, "output tensor");
    requireOnDevice(input, "input");
    requireOnDevice(output, "output");
    long h = enter();
    try {
      long in = input.enter();
      try {
        long out = output.enter();
        try {
          Status.check(NativeApi.gn_context_forward(h, in, out, blocking ? 1 : 0));
        } finally {
          output.exit();
        }
      } finally {
        input.exit();
      }
    } finally {
      exit();
    }
  }

  private void requireOnDevice(Tensor t, String what) {
    if (!t.device().equals(device)) {
      throw new InvalidArgumentException("the model is on " + device + " but the " + what + " is " + t);
    }
  }

  @Override
  String name() {
    return "execution context on " + device;
  }
}
