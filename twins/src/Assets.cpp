// The built-in asset classes, from the list in Assets.def.
#include <vector>

#include "twinbench/twins/Asset.hpp"

namespace twinbench::twins {

#define TWINBENCH_ASSET(ns) \
  namespace ns {            \
  AssetClass asset_class(); \
  }
#include "Assets.def"
#undef TWINBENCH_ASSET

std::vector<AssetClass> builtin_asset_classes() {
  std::vector<AssetClass> out;
#define TWINBENCH_ASSET(ns) out.push_back(ns::asset_class());
#include "Assets.def"
#undef TWINBENCH_ASSET
  return out;
}

}  // namespace twinbench::twins
