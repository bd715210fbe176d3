package dev.ghostnet.cli;

import dev.ghostnet.DType;
import dev.ghostnet.Device;
import dev.ghostnet.ExecutionContext;
import dev.ghostnet.GhostNet;
import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.Layout;
import dev.ghostnet.Npy;
import dev.ghostnet.Tensor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code run}: logits for a batch of already-normalised images, .npy in and out. */
@Command(name = "run", description = "Run GhostNet on X.npy (float32 [N,3,H,W]) and write the logits Y.npy "
    + "(float32 [N,classes]).")
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--input", required = true, description = "float32 [N,3,H,W] .npy, normalised as for PyTorch.")
  Path input;

  @Option(names = "--output", required = true, description = "Where to write float32 [N,classes] logits.")
  Path output;

  @Override
  public Integer call() {
    try (GhostNet net = model.load(false);
        ExecutionContext context = net.newContext();
        Tensor x = Npy.read(input, Layout.NCHW)) {
      if (x.dtype() != DType.F32) {
        throw new InvalidArgumentException(input + ": expected float32 [N,3,H,W], found " + x.dtype() + " " + x.shape());
      }
      long start = System.nanoTime();
      try (Tensor onDevice = toDevice(x, net.device()); Tensor logits = context.forward(onDevice);
          Tensor onHost = toHost(logits)) {
        Npy.write(output, onHost);
        spec.commandLine().getOut().printf("%s (%s): %d image(s) %dx%d -> %s %s in %.1f ms%n", net,
            model.weightsDescription(), x.shape().batch(), x.shape().height(), x.shape().width(), output, onHost.shape(),
            (System.nanoTime() - start) / 1e6);
      }
    }
    return 0;
  }

  private static Tensor toDevice(Tensor host, Device device) {
    Tensor t = Tensor.allocate(device, host.dtype(), host.shape());
    t.copyFrom(host);
    return t;
  }

  private static Tensor toHost(Tensor t) {
    Tensor host = Tensor.allocate(Device.CPU, t.dtype(), t.shape());
    host.copyFrom(t);
    return host;
  }
}
