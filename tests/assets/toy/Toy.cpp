#include "Toy.hpp"

#include <numbers>

namespace twinbench::toy {

namespace {

class Tank final : public twins::AssetFleet {
public:
  Tank(std::size_t n, twins::Ambient a, core::RngStream variation) : AssetFleet(n, 3, 1, a), size_(static_cast<Eigen::Index>(n)) {
    for (Eigen::Index i = 0; i < size_.size(); ++i) size_[i] = 0.9 + 0.2 * variation.uniform();
  }

private:
  std::size_t class_bytes_per_device() const override { return sizeof(double); }
  void step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) override {
    const auto m = static_cast<Eigen::Index>(idx.size());
    const Index I(idx.data(), m);
    const Times t(t_s.data(), m);
    const Col clog = severity(I, t, 0);
    const Col inflow = size_(I) * (10.0 + 3.0 * (day_angle(t) - static_cast<float>(std::numbers::pi)).sin().cast<double>());
    const Col level = 1.0 + 0.05 * inflow + 2.0 * clog;  // a clogged outlet backs the water up
    out.row(0) = level.transpose();
    out.row(1) = inflow.transpose();
    out.row(2) = (0.5 + 0.1 * inflow * level).transpose();  // the inlet pump works against the level
  }
  Eigen::ArrayXd size_;
};

}  // namespace

twins::AssetClass asset_class() {
  twins::AssetDescriptor d;
  d.name = "toy";
  d.interface = "dtmi:twinbench:test:Toy;1";
  d.channels = {{"level_m", "metre", "level"}, {"inflow_m3_h", "cubicMetrePerHour", "inflow"}, {"power_kw", "kilowatt", "power"}};
  d.faults = {{"clog", "the outlet clogs: the level rises up to 2 m, the inlet pump's power with it"}};
  d.sensors.noise_sd = {0.01, 0.1, 0.02};
  d.sensors.bias_sd = {0.0, 0.0, 0.0};
  d.sensors.quantum = {0.001, 0.01, 0.001};
  d.power_channel = 2;
  d.lwm2m = {"/3300/0/5700", "/3300/1/5700", "/3305/0/5800"};
  d.variant = "none";
  return {std::move(d), [](std::size_t n, twins::Ambient a, core::RngStream v) -> std::unique_ptr<twins::AssetFleet> {
            return std::make_unique<Tank>(n, a, v);
          }};
}

}  // namespace twinbench::toy
