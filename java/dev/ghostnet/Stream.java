package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import org.bytedeco.cuda.cudart.CUstream_st;

/**
 * A CUDA stream that copies and forward passes are ordered on. A stream either is owned (created
 * here, destroyed by {@link #close()}) or borrowed (wrapped from someone else's handle, never
 * destroyed here). On the host device a stream is a no-op stand-in: work on it is synchronous.
 */
public final class Stream extends NativeResource {
  private final Device device;
  private final boolean owner;

  private Stream(long handle, Device device, boolean owner) {
    super(handle, NativeApi::gn_stream_destroy, (owner ? "stream" : "borrowed stream") + " on " + device, owner);
    this.device = device;
    this.owner = owner;
  }

  /** Creates a stream on {@code device}, owned by the returned object. */
  public static Stream create(Device device) {
    requireDevice(device);
    NativeLibrary.ensureLoaded();
    long[] out = new long[1];
    Status.check(NativeApi.gn_stream_create(device.kind().code(), device.index(), out));
    return new Stream(out[0], device, true);
  }

  /** Wraps a {@code cudaStream_t} owned by the caller; 0 is the legacy default stream. */
  public static Stream wrap(long cudaStreamHandle, Device device) {
    requireDevice(device);
    NativeLibrary.ensureLoaded();
    long[] out = new long[1];
    Status.check(NativeApi.gn_stream_wrap(cudaStreamHandle, device.kind().code(), device.index(), out));
    return new Stream(out[0], device, false);
  }

  /** Wraps a stream of JavaCPP's CUDA presets without taking ownership. */
  public static Stream wrap(CUstream_st stream, Device device) {
    if (stream == null) {
      throw new InvalidArgumentException("stream is null");
    }
    return wrap(stream.address(), device);
  }

  public Device device() {
    return device;
  }

  /** Whether closing this object destroys the CUDA stream. */
  public boolean isOwner() {
    return owner;
  }

  /** The {@code cudaStream_t} value (0 on the host). */
  public long handle() {
    long h = enter();
    try {
      return NativeApi.gn_stream_handle(h);
    } finally {
      exit();
    }
  }

  /** This stream as a JavaCPP CUDA presets object (a view: it does not own the stream). */
  public CUstream_st asCUstream() {
    return new CUstream_st(NativeApi.pointerAt(handle(), 0));
  }

  /** Waits until all work ordered on this stream has finished. */
  public void synchronize() {
    long h = enter();
    try {
      Status.check(NativeApi.gn_stream_synchronize(h));
    } finally {
      exit();
    }
  }

  private static void requireDevice(Device device) {
    if (device == null) {
      throw new InvalidArgumentException("device is null");
    }
  }

  @Override
  String name() {
    return (owner ? "stream" : "borrowed stream") + " on " + device;
  }
}
