// libFuzzer target: any bytes as a CoAP datagram and as a SenML JSON pack. A datagram that decodes must
// encode back to exactly its bytes (the format has one encoding per message); a pack that parses must
// encode to one that parses to the same records.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "twinbench/runtime/coap/Message.hpp"
#include "twinbench/runtime/lwm2m/SenML.hpp"

using namespace twinbench::runtime;

namespace {

bool same(const senml::Record& a, const senml::Record& b) {
  return a.name == b.name && a.unit == b.unit && a.kind == b.kind && a.number == b.number && a.boolean == b.boolean &&
         a.text == b.text && a.time_s == b.time_s && a.sum == b.sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  coap::Message m;
  if (coap::decode(bytes, m) == coap::DecodeStatus::ok) {
    (void)m.path();
    (void)m.uint_option(coap::options::observe);
    std::vector<std::uint8_t> again;
    coap::encode(m, again);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  }
  std::string error;
  const auto records = senml::parse_json(std::string_view(reinterpret_cast<const char*>(data), size), error);
  if (!records) {
    if (error.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  bool named = true;  // a record with no resolved name cannot be written back without a base name
  for (const auto& r : *records) named = named && !r.name.empty();
  if (!named) std::abort();
  const auto back = senml::parse_json(senml::encode_json(*records), error);
  if (!back || back->size() != records->size()) std::abort();
  for (std::size_t i = 0; i < back->size(); ++i)
    if (!same((*back)[i], (*records)[i])) std::abort();
  return 0;
}
