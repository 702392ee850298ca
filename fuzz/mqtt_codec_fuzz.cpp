// libFuzzer target: any bytes as a stream of MQTT packets, decoded as MQTT 3.1.1 and as MQTT 5.
// Decoding must never crash or over-consume. MQTT 3.1.1's encoding is canonical: every packet that
// decodes must re-encode to exactly the bytes it came from. MQTT 5 lets a sender leave out a success
// reason code and empty properties, so there the re-encoding must decode to a packet that encodes to
// the same bytes again. Either failure aborts.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "twinbench/runtime/mqtt/Codec.hpp"

namespace {

using namespace twinbench::runtime::mqtt;

void check(std::span<const std::uint8_t> rest, Version v) {
  std::vector<std::uint8_t> once, twice;
  while (!rest.empty()) {
    const DecodeResult r = decode(rest, 1u << 16, v);
    if (r.status != DecodeStatus::ok) break;
    if (r.consumed == 0 || r.consumed > rest.size()) std::abort();
    once.clear();
    encode(r.packet, once, v);
    if (v == Version::v311) {
      if (once.size() != r.consumed || std::memcmp(once.data(), rest.data(), r.consumed) != 0) std::abort();
    } else {
      const DecodeResult again = decode(once, 1u << 16, v);
      if (again.status != DecodeStatus::ok || again.consumed != once.size()) std::abort();
      twice.clear();
      encode(again.packet, twice, v);
      if (twice != once) std::abort();
    }
    (void)to_string(r.status);
    rest = rest.subspan(r.consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check({data, size}, Version::v311);
  check({data, size}, Version::v5);
  return 0;
}
