package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.Pointer;

/**
 * A dense tensor on the host or a GPU, with explicit ownership.
 *
 * <p>An owned tensor ({@link #allocate}) frees its memory exactly once, when closed. A borrowed
 * tensor ({@link #wrap}) views memory someone else owns and never frees it. {@link #release()}
 * hands owned memory out to the caller, who frees it with {@link #free}. Closing is idempotent;
 * any other use after close (or release) throws {@link IllegalStateException} naming the tensor.
 */
public final class Tensor extends NativeResource {
  private final Device device;
  private final DType dtype;
  private final Shape shape;
  private final boolean owner;
  private final Object keepAlive; // the wrapped Java object, kept reachable while borrowed

  private Tensor(long handle, Device device, DType dtype, Shape shape, boolean owner, Object keepAlive) {
    super(handle, NativeApi::gn_tensor_destroy, describe(owner, dtype, shape, device), owner);
    this.device = device;
    this.dtype = dtype;
    this.shape = shape;
    this.owner = owner;
    this.keepAlive = keepAlive;
  }

  /** Allocates an uninitialised tensor on {@code device}, owned by the returned object. */
  public static Tensor allocate(Device device, DType dtype, Shape shape) {
    return allocate(device, dtype, shape, false);
  }

  /**
   * Allocates an owned host tensor in page-locked memory, which copies to and from a GPU
   * asynchronously and fastest. Without a usable CUDA driver it is ordinary host memory.
   */
  public static Tensor allocatePinned(DType dtype, Shape shape) {
    return allocate(Device.CPU, dtype, shape, true);
  }

  private static Tensor allocate(Device device, DType dtype, Shape shape, boolean pinned) {
    requireNonNull(device, "device");
    requireNonNull(dtype, "dtype");
    requireNonNull(shape, "shape");
    byteSize(dtype, shape); // refuses a byte size that overflows before native code sees it
    NativeLibrary.ensureLoaded();
    long[] out = new long[1];
    Status.check(NativeApi.gn_tensor_allocate(device.kind().code(), device.index(), dtype.code(),
        shape.layout().code(), shape.rank(), shape.dims(), pinned ? 1 : 0, out));
    return new Tensor(out[0], device, dtype, shape, true, null);
  }

  /** A host F32 tensor holding a copy of {@code values}. */
  public static Tensor fromFloats(float[] values, Shape shape) {
    requireNonNull(values, "values");
    requireNonNull(shape, "shape");
    if (values.length != shape.numel()) {
      throw new InvalidArgumentException(
          "shape " + shape + " has " + shape.numel() + " elements, the array has " + values.length);
    }
    Tensor t = allocate(Device.CPU, DType.F32, shape);
    t.write(buffer -> buffer.asFloatBuffer().put(values));
    return t;
  }

  /**
   * Borrows the memory of a direct, writable buffer from its position on; the buffer stays
   * reachable while the tensor is open and is left intact by close. For F32, F16 and BF16 the
   * buffer must be in the native byte order ({@code buffer.order(ByteOrder.nativeOrder())}, set
   * before writing to it), which is how the library reads the elements; a direct buffer starts in
   * big-endian order, so one left as it is would be read as other numbers, and is refused.
   */
  public static Tensor wrap(ByteBuffer buffer, DType dtype, Shape shape) {
    requireNonNull(buffer, "buffer");
    requireNonNull(dtype, "dtype");
    requireNonNull(shape, "shape");
    requireWrappable(buffer, "ByteBuffer");
    long needed = byteSize(dtype, shape);
    if (buffer.remaining() < needed) {
      throw new InvalidArgumentException("the buffer is too small: " + dtype + " " + shape + " needs " + needed
          + " bytes, the buffer has " + buffer.remaining() + " remaining");
    }
    if (dtype.byteSize() > 1) {
      requireNativeOrder(buffer.order(), dtype);
    }
    return wrap(addressAtPosition(buffer), Device.CPU, dtype, shape, buffer);
  }

  /**
   * Borrows the memory of a direct, writable float buffer from its position on, as an F32 tensor;
   * the buffer stays reachable while the tensor is open and is left intact by close. The buffer
   * must be in the native byte order (a view of a direct {@code ByteBuffer} made after
   * {@code order(ByteOrder.nativeOrder())}).
   */
  public static Tensor wrap(FloatBuffer buffer, Shape shape) {
    requireNonNull(buffer, "buffer");
    requireNonNull(shape, "shape");
    requireWrappable(buffer, "FloatBuffer");
    byteSize(DType.F32, shape);
    if (buffer.remaining() < shape.numel()) {
      throw new InvalidArgumentException("the buffer is too small: F32 " + shape + " needs " + shape.numel()
          + " floats, the buffer has " + buffer.remaining() + " remaining");
    }
    requireNativeOrder(buffer.order(), DType.F32);
    return wrap(addressAtPosition(buffer), Device.CPU, DType.F32, shape, buffer);
  }

  /**
   * The address of a direct buffer's element at its position. JavaCPP's Pointer(Buffer) counts a
   * position in bytes whatever the element size, so it is given a slice that starts there.
   */
  private static long addressAtPosition(Buffer buffer) {
    return NativeApi.addressOf(new Pointer(buffer.slice()));
  }

  private static void requireWrappable(Buffer buffer, String type) {
    if (!buffer.isDirect()) {
      throw new InvalidArgumentException("a heap " + type + " cannot be wrapped: use a direct buffer "
          + "(ByteBuffer.allocateDirect), or Tensor.allocate and copy");
    }
    if (buffer.isReadOnly()) {
      throw new InvalidArgumentException("a read-only " + type + " cannot be wrapped: a tensor's memory is writable");
    }
  }

  private static void requireNativeOrder(ByteOrder order, DType dtype) {
    if (order != ByteOrder.nativeOrder()) {
      throw new InvalidArgumentException("the buffer is in " + order + " byte order, but " + dtype + " elements are "
          + "read in the native order, " + ByteOrder.nativeOrder() + ": call buffer.order(ByteOrder.nativeOrder()) "
          + "before writing to it");
    }
  }

  /**
   * Borrows the memory a JavaCPP pointer points at, on {@code device} (for instance device memory
   * from JavaCPP's CUDA presets). When the pointer knows its limit, the memory must be large enough.
   */
  public static Tensor wrap(Pointer pointer, Device device, DType dtype, Shape shape) {
    requireNonNull(pointer, "pointer");
    requireNonNull(dtype, "dtype");
    requireNonNull(shape, "shape");
    if (pointer.isNull()) {
      throw new InvalidArgumentException("the pointer is null");
    }
    long needed = byteSize(dtype, shape);
    if (pointer.limit() > 0) {
      long available = (pointer.limit() - pointer.position()) * Math.max(1, pointer.sizeof());
      if (available < needed) {
        throw new InvalidArgumentException("the pointer's memory is too small: " + dtype + " " + shape + " needs "
            + needed + " bytes, the pointer has " + available);
      }
    }
    return wrap(NativeApi.addressOf(pointer), device, dtype, shape, pointer);
  }

  /** Borrows memory at a raw address on {@code device}; the caller keeps it alive and frees it. */
  public static Tensor wrapAddress(long address, Device device, DType dtype, Shape shape) {
    requireNonNull(dtype, "dtype");
    requireNonNull(shape, "shape");
    byteSize(dtype, shape);
    return wrap(address, device, dtype, shape, null);
  }

  private static Tensor wrap(long address, Device device, DType dtype, Shape shape, Object keepAlive) {
    requireNonNull(device, "device");
    NativeLibrary.ensureLoaded();
    long[] out = new long[1];
    Status.check(NativeApi.gn_tensor_wrap(address, device.kind().code(), device.index(), dtype.code(),
        shape.layout().code(), shape.rank(), shape.dims(), out));
    return new Tensor(out[0], device, dtype, shape, false, keepAlive);
  }

  /** Takes ownership of a tensor handle the native library created. */
  static Tensor adoptNative(long handle, Device device) {
    int[] dtype = new int[1];
    int[] layout = new int[1];
    int[] rank = new int[1];
    long[] dims = new long[8];
    int status = NativeApi.gn_tensor_shape(handle, dtype, layout, rank, dims);
    if (status != 0) {
      NativeApi.gn_tensor_destroy(handle);
      Status.check(status);
    }
    long[] d = java.util.Arrays.copyOf(dims, rank[0]);
    Layout l = Layout.fromCode(layout[0]);
    Shape shape = l == Layout.NCHW ? Shape.nchw(d[0], d[1], d[2], d[3])
        : l == Layout.NHWC ? Shape.nhwc(d[0], d[1], d[2], d[3]) : Shape.of(d);
    return new Tensor(handle, device, DType.fromCode(dtype[0]), shape, true, null);
  }

  /** Frees memory that {@link #release()} handed out from a tensor on {@code device}. */
  public static void free(Device device, long address) {
    requireNonNull(device, "device");
    NativeLibrary.ensureLoaded();
    Status.check(NativeApi.gn_memory_free(device.kind().code(), device.index(), address));
  }

  public Device device() {
    return device;
  }

  public DType dtype() {
    return dtype;
  }

  public Shape shape() {
    return shape;
  }

  /** Whether closing this tensor frees its memory. */
  public boolean isOwner() {
    return owner;
  }

  public long byteSize() {
    return byteSize(dtype, shape);
  }

  /** The address of the first element (host or device memory). */
  public long address() {
    long h = enter();
    try {
      return NativeApi.gn_tensor_data(h);
    } finally {
      exit();
    }
  }

  /** A JavaCPP view of this tensor's memory, valid while the tensor is open; it frees nothing. */
  public Pointer pointer() {
    return NativeApi.pointerAt(address(), byteSize());
  }

  /**
   * Hands the memory out: returns its address, after which the caller owns it (free it with
   * {@link #free}) and this object is closed. Only an owned tensor can be released.
   */
  public long release() {
    if (!owner) {
      throw new InvalidArgumentException(name() + " is borrowed: only an owned tensor can release its memory");
    }
    long h = enter();
    long address;
    try {
      address = NativeApi.gn_tensor_release(h);
    } finally {
      exit();
    }
    close();
    return address;
  }

  /** Copies {@code src} (same dtype and shape) into this tensor; finished when this returns. */
  public void copyFrom(Tensor src) {
    copy(src, this, null);
  }

  /** Copies {@code src} into this tensor, ordered on {@code stream}. */
  public void copyFrom(Tensor src, Stream stream) {
    requireNonNull(stream, "stream");
    copy(src, this, stream);
  }

  /** Copies this tensor into {@code dst}; finished when this returns. */
  public void copyTo(Tensor dst) {
    copy(this, dst, null);
  }

  /** Copies this tensor into {@code dst}, ordered on {@code stream}. */
  public void copyTo(Tensor dst, Stream stream) {
    requireNonNull(stream, "stream");
    copy(this, dst, stream);
  }

  private static void copy(Tensor src, Tensor dst, Stream stream) {
    requireNonNull(src, "source tensor");
    requireNonNull(dst, "destination tensor");
    long s = src.enter();
    try {
      long d = dst.enter();
      try {
        long st = stream == null ? 0 : stream.enter();
        try {
          Status.check(NativeApi.gn_tensor_copy(s, d, st));
        } finally {
          if (stream != null) {
            stream.exit();
          }
        }
      } finally {
        dst.exit();
      }
    } finally {
      src.exit();
    }
  }

  /** The elements of an F32 tensor (copied from the device when needed). */
  public float[] toFloatArray() {
    requireDType(DType.F32);
    long n = shape.numel();
    if (n > Integer.MAX_VALUE) {
      throw new InvalidArgumentException(name() + " has too many elements for a Java array");
    }
    float[] values = new float[(int) n];
    read(buffer -> buffer.asFloatBuffer().get(values));
    return values;
  }

  /** The raw bytes of this tensor (copied from the device when needed). */
  public byte[] toByteArray() {
    long n = byteSize();
    if (n > Integer.MAX_VALUE) {
      throw new InvalidArgumentException(name() + " is too large for a Java array");
    }
    byte[] bytes = new byte[(int) n];
    read(buffer -> buffer.get(bytes));
    return bytes;
  }

  /** Overwrites this F32 tensor with {@code values} (copied to the device when needed). */
  public void copyFrom(float[] values) {
    requireNonNull(values, "values");
    requireDType(DType.F32);
    if (values.length != shape.numel()) {
      throw new InvalidArgumentException(
          name() + " has " + shape.numel() + " elements, the array has " + values.length);
    }
    write(buffer -> buffer.asFloatBuffer().put(values));
  }

  /**
   * Overwrites this F32 tensor with the buffer's remaining floats, which must be at least as many
   * as the tensor's elements (copied to the device when needed). The buffer may be of any kind and
   * byte order; its position is left as it was.
   */
  public void copyFrom(FloatBuffer values) {
    requireNonNull(values, "values");
    requireDType(DType.F32);
    requireRemaining(values);
    write(buffer -> buffer.asFloatBuffer().put(values.duplicate().limit(values.position() + (int) shape.numel())));
  }

  /**
   * Copies this F32 tensor into the buffer from its position on (copied from the device when
   * needed); the buffer must have room for every element. Its position is left as it was.
   */
  public void copyTo(FloatBuffer destination) {
    requireNonNull(destination, "destination buffer");
    requireDType(DType.F32);
    if (destination.isReadOnly()) {
      throw new InvalidArgumentException("the destination buffer is read-only");
    }
    requireRemaining(destination);
    read(buffer -> destination.duplicate().put(buffer.asFloatBuffer()));
  }

  private void requireRemaining(FloatBuffer buffer) {
    if (buffer.remaining() < shape.numel()) {
      throw new InvalidArgumentException(
          name() + " has " + shape.numel() + " elements, the buffer has " + buffer.remaining() + " remaining");
    }
  }

  /** Overwrites this tensor with raw bytes (copied to the device when needed). */
  public void copyFrom(byte[] bytes) {
    requireNonNull(bytes, "bytes");
    if (bytes.length != byteSize()) {
      throw new InvalidArgumentException(name() + " has " + byteSize() + " bytes, the array has " + bytes.length);
    }
    write(buffer -> buffer.put(bytes));
  }

  /** Writes {@code bytes} into this host tensor at byte {@code offset}. */
  void write(long offset, byte[] bytes) {
    if (device.isCuda() || offset < 0 || offset + bytes.length > byteSize()) {
      throw new InvalidArgumentException(name() + ": cannot write " + bytes.length + " bytes at offset " + offset);
    }
    withHostBuffer(buffer -> buffer.put((int) offset, bytes));
  }

  private interface BufferAction {
    void apply(ByteBuffer buffer);
  }

  /** Runs {@code action} on a host view of this tensor's contents. */
  private void read(BufferAction action) {
    if (device.isCuda()) {
      try (Tensor staging = allocate(Device.CPU, dtype, shape)) {
        staging.copyFrom(this);
        staging.read(action);
      }
      return;
    }
    withHostBuffer(action);
  }

  /** Lets {@code action} fill a host view, then moves it into this tensor. */
  private void write(BufferAction action) {
    if (device.isCuda()) {
      try (Tensor staging = allocate(Device.CPU, dtype, shape)) {
        staging.write(action);
        copyFrom(staging);
      }
      return;
    }
    withHostBuffer(action);
  }

  private void withHostBuffer(BufferAction action) {
    long h = enter();
    try {
      action.apply(NativeApi.hostView(NativeApi.gn_tensor_data(h), byteSize()));
    } finally {
      exit();
    }
  }

  private void requireDType(DType expected) {
    if (dtype != expected) {
      throw new InvalidArgumentException(name() + " is " + dtype + ", expected " + expected);
    }
  }

  private static long byteSize(DType dtype, Shape shape) {
    try {
      return Math.multiplyExact(shape.numel(), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new InvalidArgumentException(dtype + " " + shape + " is too large to address");
    }
  }

  static void requireNonNull(Object value, String what) {
    if (value == null) {
      throw new InvalidArgumentException(what + " is null");
    }
  }

  private static String describe(boolean owner, DType dtype, Shape shape, Device device) {
    return (owner ? "tensor " : "borrowed tensor ") + dtype + " " + shape + " on " + device;
  }

  @Override
  String name() {
    return describe(owner, dtype, shape, device);
  }

  @Override
  public String toString() {
    return name() + (isClosed() ? " (closed)" : "");
  }
}
