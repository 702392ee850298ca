// libFuzzer target: any bytes as a stream of MQTT 3.1.1 packets. Decoding must never crash; every packet
// that decodes must re-encode to exactly the bytes it came from (the codec is canonical), else abort.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "twinbench/runtime/mqtt/Codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace twinbench::runtime::mqtt;
  std::span<const std::uint8_t> rest(data, size);
  std::vector<std::uint8_t> again;
  while (!rest.empty()) {
    const DecodeResult r = decode(rest, 1u << 16);
    if (r.status != DecodeStatus::ok) break;
    if (r.consumed == 0 || r.consumed > rest.size()) std::abort();
    again.clear();
    encode(r.packet, again);
    if (again.size() != r.consumed || std::memcmp(again.data(), rest.data(), r.consumed) != 0) std::abort();
    (void)to_string(r.status);
    rest = rest.subspan(r.consumed);
  }
  return 0;
}
