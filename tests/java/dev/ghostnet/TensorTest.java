package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorTest {
  @Test
  void closeIsIdempotent() {
    Tensor t = Tensor.allocate(Device.CPU, DType.F32, Shape.of(4));
    t.close();
    t.close();
    assertTrue(t.isClosed());
  }

  @Test
  void useAfterCloseThrowsNamingTheTensor() {
    Tensor t = Tensor.allocate(Device.CPU, DType.F16, Shape.nchw(1, 3, 2, 2));
    t.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, t::address);
    assertTrue(e.getMessage().contains("tensor F16 NCHW [1, 3, 2, 2] on cpu is closed"), e.getMessage());
    assertThrows(IllegalStateException.class, t::toByteArray);
    try (Tensor other = Tensor.allocate(Device.CPU, DType.F16, Shape.nchw(1, 3, 2, 2))) {
      assertThrows(IllegalStateException.class, () -> other.copyFrom(t));
    }
  }

  @Test
  void wrappedBufferIsSharedAndLeftIntactByClose() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(4 * 6).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 6; i++) {
      buffer.putFloat(i * 4, i + 0.5f);
    }
    try (Tensor t = Tensor.wrap(buffer, DType.F32, Shape.of(2, 3))) {
      assertFalse(t.isOwner());
      assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f}, t.toFloatArray());
      t.copyFrom(new float[] {9, 8, 7, 6, 5, 4}); // zero-copy: writes land in the buffer
    }
    assertEquals(9f, buffer.getFloat(0));
    assertEquals(4f, buffer.getFloat(20));
  }

  @Test
  void wrapStartsAtTheBufferPosition() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putFloat(8, 42f);
    buffer.position(8);
    try (Tensor t = Tensor.wrap(buffer, DType.F32, Shape.of(1))) {
      assertArrayEquals(new float[] {42f}, t.toFloatArray());
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
  void aBufferNotInNativeByteOrderIsRefusedSayingHowToFixIt(DType dtype) {
    ByteBuffer bigEndian = ByteBuffer.allocateDirect(64); // a direct buffer starts big-endian
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> Tensor.wrap(bigEndian, dtype, Shape.of(4)));
    assertTrue(e.getMessage().contains("BIG_ENDIAN byte order") && e.getMessage().contains(dtype.toString())
        && e.getMessage().contains("call buffer.order(ByteOrder.nativeOrder()) before writing to it"), e.getMessage());
    try (Tensor t = Tensor.wrap(bigEndian.order(ByteOrder.nativeOrder()), dtype, Shape.of(4))) {
      assertEquals(dtype, t.dtype());
    }
  }

  @Test
  void bytesHaveNoByteOrder() {
    try (Tensor t = Tensor.wrap(ByteBuffer.allocateDirect(4).order(ByteOrder.BIG_ENDIAN), DType.U8, Shape.of(4))) {
      t.copyFrom(new byte[] {1, 2, 3, 4});
      assertArrayEquals(new byte[] {1, 2, 3, 4}, t.toByteArray());
    }
  }

  @Test
  void aFloatBufferIsWrappedWithoutCopyingFromItsPosition() {
    FloatBuffer floats = ByteBuffer.allocateDirect(4 * 8).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int i = 0; i < 8; i++) {
      floats.put(i, i + 0.25f);
    }
    floats.position(2);
    try (Tensor t = Tensor.wrap(floats, Shape.of(2, 3))) {
      assertFalse(t.isOwner());
      assertArrayEquals(new float[] {2.25f, 3.25f, 4.25f, 5.25f, 6.25f, 7.25f}, t.toFloatArray());
      t.copyFrom(new float[] {-1, -2, -3, -4, -5, -6}); // lands in the buffer
      floats.put(7, 42f); // and the buffer's writes land in the tensor
      assertEquals(42f, t.toFloatArray()[5]);
    }
    assertEquals(2, floats.position());
    assertEquals(0.25f, floats.get(0));
    assertEquals(-1f, floats.get(2));
    assertEquals(-5f, floats.get(6));
  }

  @Test
  void floatBuffersThatCannotBeWrappedAreRefused() {
    String heap = assertThrows(InvalidArgumentException.class,
        () -> Tensor.wrap(FloatBuffer.allocate(4), Shape.of(4))).getMessage();
    assertTrue(heap.contains("a heap FloatBuffer cannot be wrapped"), heap);
    FloatBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).asFloatBuffer();
    String readOnly = assertThrows(InvalidArgumentException.class,
        () -> Tensor.wrap(direct.asReadOnlyBuffer(), Shape.of(4))).getMessage();
    assertTrue(readOnly.contains("a read-only FloatBuffer cannot be wrapped"), readOnly);
    String small = assertThrows(InvalidArgumentException.class, () -> Tensor.wrap(direct, Shape.of(5))).getMessage();
    assertTrue(small.contains("F32 [5] needs 5 floats, the buffer has 4 remaining"), small);
    FloatBuffer bigEndian = ByteBuffer.allocateDirect(16).asFloatBuffer();
    String order = assertThrows(InvalidArgumentException.class, () -> Tensor.wrap(bigEndian, Shape.of(4))).getMessage();
    assertTrue(order.contains("call buffer.order(ByteOrder.nativeOrder())"), order);
  }

  @Test
  void floatBuffersOfAnyKindCopyInAndOut() {
    float[] values = {1.5f, -2f, 3.25f, 0f, 7f, -0.5f};
    FloatBuffer heap = FloatBuffer.allocate(8).put(values).position(0);
    FloatBuffer bigEndian = ByteBuffer.allocateDirect(4 * 8).asFloatBuffer().put(values).position(1);
    try (Tensor t = Tensor.allocate(Device.CPU, DType.F32, Shape.of(2, 3))) {
      t.copyFrom(heap);
      assertArrayEquals(values, t.toFloatArray());
      assertEquals(0, heap.position());

      t.copyFrom(bigEndian); // its floats from position 1, whatever their byte order
      assertArrayEquals(new float[] {-2f, 3.25f, 0f, 7f, -0.5f, 0f}, t.toFloatArray());

      FloatBuffer out = FloatBuffer.allocate(9).position(2);
      t.copyTo(out);
      assertEquals(2, out.position());
      assertArrayEquals(new float[] {0, 0, -2f, 3.25f, 0f, 7f, -0.5f, 0f, 0}, out.array());

      String small = assertThrows(InvalidArgumentException.class, () -> t.copyTo(FloatBuffer.allocate(5))).getMessage();
      assertTrue(small.contains("has 6 elements, the buffer has 5 remaining"), small);
      assertThrows(InvalidArgumentException.class, () -> t.copyFrom(FloatBuffer.allocate(5)));
      String readOnly = assertThrows(InvalidArgumentException.class,
          () -> t.copyTo(FloatBuffer.allocate(6).asReadOnlyBuffer())).getMessage();
      assertTrue(readOnly.contains("read-only"), readOnly);
    }
    try (Tensor f16 = Tensor.allocate(Device.CPU, DType.F16, Shape.of(6))) {
      String wrongType = assertThrows(InvalidArgumentException.class, () -> f16.copyFrom(heap)).getMessage();
      assertTrue(wrongType.contains("is F16, expected F32"), wrongType);
    }
  }

  @Test
  void wrapsAJavaCppPointerWithoutCopying() {
    try (FloatPointer memory = new FloatPointer(1f, 2f, 3f)) {
      try (Tensor t = Tensor.wrap(memory, Device.CPU, DType.F32, Shape.of(3))) {
        t.copyFrom(new float[] {4f, 5f, 6f});
      }
      assertEquals(5f, memory.get(1));
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
          () -> Tensor.wrap(memory, Device.CPU, DType.F32, Shape.of(4)));
      assertTrue(e.getMessage().contains("too small"), e.getMessage());
    }
  }

  @Test
  void releaseHandsOwnershipToTheCaller() {
    float[] values = {1, 2, 3, 4};
    Tensor owner = Tensor.fromFloats(values, Shape.of(4));
    long address = owner.release();
    assertTrue(owner.isClosed());
    assertThrows(IllegalStateException.class, owner::toFloatArray);
    // The memory outlived the tensor: read it back through a borrowing tensor, then free it.
    try (Tensor view = Tensor.wrapAddress(address, Device.CPU, DType.F32, Shape.of(4))) {
      assertArrayEquals(values, view.toFloatArray());
    }
    Tensor.free(Device.CPU, address);
  }

  @Test
  void borrowedTensorsCannotRelease() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(4);
    try (Tensor t = Tensor.wrap(buffer, DType.U8, Shape.of(4))) {
      assertThrows(InvalidArgumentException.class, t::release);
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void hostRoundTripForEveryDType(DType dtype) {
    Shape shape = Shape.nhwc(2, 3, 5, 7);
    byte[] bytes = randomBytes((int) (shape.numel() * dtype.byteSize()));
    try (Tensor a = Tensor.allocate(Device.CPU, dtype, shape);
        Tensor b = Tensor.allocatePinned(dtype, shape)) {
      a.copyFrom(bytes);
      b.copyFrom(a);
      assertArrayEquals(bytes, b.toByteArray());
    }
  }

  @Tag(GpuSupport.GPU_TAG)
  @ParameterizedTest
  @EnumSource(DType.class)
  void deviceRoundTripForEveryDType(DType dtype) {
    GpuSupport.assumeGpu();
    Shape shape = Shape.nchw(2, 3, 5, 7);
    byte[] bytes = randomBytes((int) (shape.numel() * dtype.byteSize()));
    try (Tensor host = Tensor.allocatePinned(dtype, shape);
        Tensor device = Tensor.allocate(Device.cuda(0), dtype, shape);
        Tensor back = Tensor.allocate(Device.CPU, dtype, shape);
        Stream stream = Stream.create(Device.cuda(0))) {
      host.copyFrom(bytes);
      device.copyFrom(host, stream);
      back.copyFrom(device, stream);
      stream.synchronize();
      assertArrayEquals(bytes, back.toByteArray());
      assertArrayEquals(bytes, device.toByteArray()); // blocking path
    }
  }

  @Test
  void copyRefusesAnotherShapeNamingBoth() {
    try (Tensor a = Tensor.allocate(Device.CPU, DType.F32, Shape.of(2, 3));
        Tensor b = Tensor.allocate(Device.CPU, DType.F32, Shape.of(3, 2))) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> b.copyFrom(a));
      assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
    }
  }

  @Test
  void copyRefusesAnotherDType() {
    try (Tensor a = Tensor.allocate(Device.CPU, DType.F32, Shape.of(4));
        Tensor b = Tensor.allocate(Device.CPU, DType.F16, Shape.of(4))) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> b.copyFrom(a));
      assertTrue(e.getMessage().contains("f32") && e.getMessage().contains("f16"), e.getMessage());
    }
  }

  @Test
  void badShapesAndBuffersAreRefused() {
    assertThrows(InvalidArgumentException.class, () -> Shape.of(-1, 2));
    assertThrows(InvalidArgumentException.class, () -> Shape.of(1L << 40, 1L << 40));
    assertThrows(InvalidArgumentException.class, () -> Tensor.wrap(ByteBuffer.allocate(16), DType.F32, Shape.of(4)));
    assertThrows(InvalidArgumentException.class,
        () -> Tensor.wrap(ByteBuffer.allocateDirect(16).asReadOnlyBuffer(), DType.F32, Shape.of(4)));
    InvalidArgumentException small = assertThrows(InvalidArgumentException.class,
        () -> Tensor.wrap(ByteBuffer.allocateDirect(15), DType.F32, Shape.of(4)));
    assertTrue(small.getMessage().contains("16") && small.getMessage().contains("15"), small.getMessage());
    assertThrows(InvalidArgumentException.class, () -> Tensor.allocate(null, DType.F32, Shape.of(1)));
    assertThrows(InvalidArgumentException.class, () -> Tensor.fromFloats(new float[3], Shape.of(4)));
  }

  @Test
  void cudaWithoutAGpuIsDeviceUnavailableWithTheReason() {
    org.junit.jupiter.api.Assumptions.assumeFalse(GpuSupport.hasCudaDevice(), "this machine has a CUDA device");
    DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
        () -> Tensor.allocate(Device.cuda(0), DType.F32, Shape.of(4)));
    assertTrue(e.getMessage().startsWith("cuda:0 is unavailable: ") || e.getMessage().contains("without CUDA"),
        e.getMessage());
    assertThrows(DeviceUnavailableException.class, () -> Stream.create(Device.cuda(0)));
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new Random(n).nextBytes(bytes);
    return bytes;
  }
}
