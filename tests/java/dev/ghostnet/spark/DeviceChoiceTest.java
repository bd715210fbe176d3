package dev.ghostnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ghostnet.Device;
import dev.ghostnet.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** Which device a task runs on, from the device param and the GPUs Spark assigned to the task. */
class DeviceChoiceTest {
  static final String[] NONE = {};

  @Test
  void aTaskRunsOnTheGpuSparkAssignedIt() {
    assertEquals(Device.cuda(3), DeviceChoice.AUTO.device(new String[] {"3"}, () -> Device.CPU));
    assertEquals(Device.cuda(1), DeviceChoice.CUDA.device(new String[] {"1", "2"}, () -> Device.CPU));
  }

  @Test
  void withoutGpuSchedulingAutoTakesTheBestDeviceAndCudaTheFirstGpu() {
    assertEquals(Device.CPU, DeviceChoice.AUTO.device(NONE, () -> Device.CPU));
    assertEquals(Device.cuda(0), DeviceChoice.AUTO.device(NONE, () -> Device.cuda(0)));
    assertEquals(Device.cuda(0), DeviceChoice.CUDA.device(NONE, () -> Device.CPU));
  }

  @Test
  void cpuIsTheHostEvenWithAnAssignedGpu() {
    assertEquals(Device.CPU, DeviceChoice.CPU.device(new String[] {"0"}, () -> Device.cuda(0)));
  }

  @Test
  void anAddressThatIsNotADeviceIndexAndAnUnknownChoiceAreRefused() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> DeviceChoice.AUTO.device(new String[] {"GPU-5f2e"}, () -> Device.CPU));
    assertEquals("Spark assigned the GPU address 'GPU-5f2e', expected a CUDA device index (0, 1, ...)", e.getMessage());
    assertEquals("unknown device 'tpu': expected auto, cpu or cuda",
        assertThrows(InvalidArgumentException.class, () -> DeviceChoice.parse("tpu")).getMessage());
    assertEquals(DeviceChoice.CUDA, DeviceChoice.parse(" CUDA "));
  }
}
