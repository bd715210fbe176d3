package dev.ghostnet.internal;

import dev.ghostnet.GhostNetException;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import org.bytedeco.javacpp.Loader;

/**
 * Loads libghostnet (through JavaCPP's {@link Loader}, from the jar) and tells it where cuDNN may
 * be before the first GPU use: the system property {@code ghostnet.cudnn.path}, and the folder where
 * cuDNN from JavaCPP's CUDA redistributable jar is extracted, when that jar is on the class path.
 */
public final class NativeLibrary {
  private static final String CUDNN_PROPERTY = "ghostnet.cudnn.path";
  private static final String CUDNN_REDIST_RESOURCE = "/org/bytedeco/cuda/" + Loader.getPlatform() + "/libcudnn.so.9";

  private static volatile boolean initialised;

  private NativeLibrary() {}

  /** Loads the library once; later calls return at once. */
  public static void ensureLoaded() {
    if (initialised) {
      return;
    }
    synchronized (NativeLibrary.class) {
      if (initialised) {
        return;
      }
      try {
        Loader.load(NativeApi.class);
      } catch (UnsatisfiedLinkError e) {
        throw new GhostNetException("could not load libghostnet for " + Loader.getPlatform() + ": " + e.getMessage(), e);
      }
      configureCudnnSearch();
      initialised = true;
    }
  }

  private static void configureCudnnSearch() {
    String explicit = System.getProperty(CUDNN_PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      NativeApi.gn_set_cudnn_path(explicit);
    }
    URL redistributable = NativeLibrary.class.getResource(CUDNN_REDIST_RESOURCE);
    if (redistributable != null) {
      try {
        Path cache = Loader.getCacheDir().toPath().resolve("ghostnet-cudnn");
        NativeApi.gn_add_cudnn_search_dir(CudaRedistributable.extractCudnn(redistributable, cache).toString());
      } catch (IOException | RuntimeException e) {
        System.getLogger("dev.ghostnet").log(System.Logger.Level.WARNING,
            "JavaCPP's cuDNN redistributable is on the class path but could not be extracted: " + e);
      }
    }
  }

  /**
   * Turns libghostnet's notes on stderr on or off: how it plans models on a GPU (each convolution's
   * cuDNN algorithm, and why it is fused or not).
   */
  public static void setVerbose(boolean on) {
    ensureLoaded();
    NativeApi.gn_set_verbose(on ? 1 : 0);
  }

  /** Whether a GPU can run ghostnet: a device, a driver and cuDNN. */
  public static boolean gpuUsable() {
    ensureLoaded();
    return NativeApi.gn_gpu_count() > 0 && NativeApi.gn_gpu_unavailable_reason().isEmpty();
  }
}
