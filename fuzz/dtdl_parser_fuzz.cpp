// libFuzzer target: any bytes as a DTDL document, parsed and resolved. Must never crash, hang or trip
// AddressSanitizer/UBSan; every problem must come out as a diagnostic.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "twinbench/twins/dtdl/ModelSet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace twinbench::twins::dtdl;
  for (bool relaxed : {false, true}) {
    ModelSet set(ParseOptions{relaxed});
    set.add_document(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    set.resolve();
    for (const auto& [id, iface] : set.interfaces()) (void)set.all_contents(id);
    for (const auto& d : set.diagnostics()) (void)d.str();
  }
  return 0;
}
