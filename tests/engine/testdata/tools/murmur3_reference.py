#!/usr/bin/env python3
"""Reference MurmurHash3_x64_128 (seed 0) and Aurora bucketing, used to derive the expected
values in the JSON test data next to this directory (SPEC §3 "Bucketing").

    python3 murmur3_reference.py KEY...     prints "h1=<16 hex> bucket=<0..9999>" per key
    python3 murmur3_reference.py            runs the self-check against the SPEC values

Pure Python 3, no dependencies. h1 is the first 64-bit word of the 128-bit hash, unsigned;
bucket(key) = h1 % 10000.
"""

import sys

MASK = (1 << 64) - 1
C1 = 0x87C37B91114253D5
C2 = 0x4CF5AD432745937F


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & MASK


def _fmix(k):
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & MASK
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & MASK
    k ^= k >> 33
    return k


def murmur3_x64_128(data: bytes, seed: int = 0):
    """Returns (h1, h2) as unsigned 64-bit integers."""
    n = len(data)
    h1 = h2 = seed & MASK
    nblocks = n // 16
    for i in range(nblocks):
        k1 = int.from_bytes(data[16 * i:16 * i + 8], "little")
        k2 = int.from_bytes(data[16 * i + 8:16 * i + 16], "little")
        k1 = (k1 * C1) & MASK
        k1 = _rotl(k1, 31)
        k1 = (k1 * C2) & MASK
        h1 ^= k1
        h1 = _rotl(h1, 27)
        h1 = (h1 + h2) & MASK
        h1 = (h1 * 5 + 0x52DCE729) & MASK
        k2 = (k2 * C2) & MASK
        k2 = _rotl(k2, 33)
        k2 = (k2 * C1) & MASK
        h2 ^= k2
        h2 = _rotl(h2, 31)
        h2 = (h2 + h1) & MASK
        h2 = (h2 * 5 + 0x38495AB5) & MASK
    tail = data[16 * nblocks:]
    if len(tail) > 8:
        k2 = int.from_bytes(tail[8:], "little")
        k2 = (k2 * C2) & MASK
        k2 = _rotl(k2, 33)
        k2 = (k2 * C1) & MASK
        h2 ^= k2
    if tail:
        k1 = int.from_bytes(tail[:8], "little")
        k1 = (k1 * C1) & MASK
        k1 = _rotl(k1, 31)
        k1 = (k1 * C2) & MASK
        h1 ^= k1
    h1 ^= n
    h2 ^= n
    h1 = (h1 + h2) & MASK
    h2 = (h2 + h1) & MASK
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 = (h1 + h2) & MASK
    h2 = (h2 + h1) & MASK
    return h1, h2


def h1(key: str) -> int:
    return murmur3_x64_128(key.encode("utf-8"))[0]


def bucket(key: str) -> int:
    return h1(key) % 10000


def rollout_bucket(parameter: str, rule_id: str, v: str) -> int:
    return bucket("parameter:rollout:" + parameter + ":" + rule_id + ":" + v)


def population_bucket(uuid: str, v: str) -> int:
    return bucket("experiment:population:" + uuid + ":" + v)


def variant_bucket(uuid: str, v: str) -> int:
    return bucket("experiment:hash:" + uuid + ":" + v)


def self_check():
    assert h1("hello") == 0xCBD8A7B341BD9B02, hex(h1("hello"))
    assert h1("hello, world") == 0x342FAC623A5EBC8E, hex(h1("hello, world"))
    uuid = "b7fb8970-3fe7-49a7-9b3a-f670a7ae7641"
    assert population_bucket(uuid, "user_12345") == 5344
    assert variant_bucket(uuid, "user_12345") == 2530
    print("ok: SPEC reference values reproduced")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        self_check()
    else:
        for key in sys.argv[1:]:
            print("h1=%016x bucket=%d" % (h1(key), bucket(key)))
