"""The fixtures' convolution and linear weights, made from a seed rather than committed.

libghostnet's random weights (native/src/runtime/random_weights.cpp) make the same values by the
same rule, and its tests rebuild each fixture model from them (tests/native/fixtures.h), so only the
rest of each model (BatchNorm parameters and statistics, biases: what calibration measures) is
committed. The rule uses integer arithmetic alone, so both languages give every value to the bit:

    weight(seed, key, shape)[i] = k * 2**-(m + shift)
      k     = splitmix64(splitmix64(seed ^ fnv1a64(key)) + i) mod (2 * R + 1) - R,  R = 1023
      m     = the least m >= 0 with R**2 * fan_in <= 3 * 4**m (fan_in: the product of shape[1:]), so
              the values are uniform within at most +-sqrt(3 / fan_in): a variance of 1/4 to 1 of
              1 / fan_in, which keeps a layer's output near its input's scale
      shift = 0, or what the fixture's manifest gives for that key (a layer without a BatchNorm
              after it, scaled by a power of two)

with i the element's index in row-major order. |k| <= 1023 makes every value exact in float16.
"""
import numpy as np

RANGE = 1023
MASK = (1 << 64) - 1


def fnv1a64(text):
    h = 0xcbf29ce484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001b3) & MASK
    return h


def _splitmix64(x):
    """numpy uint64 arrays, wrapping as C's uint64_t does."""
    x = x + np.uint64(0x9e3779b97f4a7c15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
    return x ^ (x >> np.uint64(31))


def exponent(fan_in):
    m = 0
    while RANGE * RANGE * fan_in > 3 * 4 ** m:
        m += 1
    return m


def weight(seed, key, shape, shift=0):
    """float64 array of `shape`: the generated values for `key`."""
    with np.errstate(over='ignore'):
        start = _splitmix64(np.array([seed ^ fnv1a64(key)], dtype=np.uint64))[0]
        count = int(np.prod(shape))
        draws = _splitmix64(start + np.arange(count, dtype=np.uint64))
    k = (draws % np.uint64(2 * RANGE + 1)).astype(np.int64) - RANGE
    fan_in = int(np.prod(shape[1:]))
    return np.ldexp(k.astype(np.float64), -(exponent(fan_in) + shift)).reshape(shape)


if __name__ == '__main__':
    # Values the C++ twin's test (RandomWeights.AreTheValuesOfTheReferencesTwin) holds its own to.
    for key, shape in (('conv_stem.weight', (16, 3, 3, 3)), ('classifier.weight', (10, 1280))):
        w = weight(7, key, shape)
        print(key, shape, 'first', w.flat[:4].tolist(), 'last', w.flat[-1], 'sum', float(w.sum()))
