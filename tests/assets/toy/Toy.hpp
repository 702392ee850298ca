#pragma once
// A test-only asset class, "toy": a tank whose level rises when its outlet clogs. It lives entirely in
// this folder (descriptor and physics here, its DTDL Interface in Toy.json, its training spec in
// toy-ae.json) and reaches the bench through one line: twins::register_asset_class(toy::asset_class()).

#include "twinbench/twins/Asset.hpp"

namespace twinbench::toy {

/** @brief Channels level_m, inflow_m3_h, power_kw; one fault, "clog". */
twins::AssetClass asset_class();

}  // namespace twinbench::toy
