#pragma once
// Drift monitoring at the gateway: every model input feature and the model's output, each a stream of
// values, checked against the model package's reference statistics (what the training data looked like).
//  - Page-Hinkley on the mean of each block (block_us of samples, one value per block): a shift of the
//    level. Blocks, not samples: samples of one device are strongly autocorrelated, and a block's mean over
//    the gateway's devices is a steadier signal.
//  - PSI and the Kolmogorov-Smirnov statistic over a sliding window of `window_blocks` blocks, from counts
//    in the reference's equally likely bins: a change of the distribution's shape or place.
// A finding raises an alarm for its stream; the stream is then quiet for `cooldown_us`.
// Sans-IO and allocation-free per sample: a sample costs a binary search in the stream's cut points.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/runtime/drift/Drift.hpp"
#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::core {
class JsonObject;
}

namespace twinbench::runtime::drift {

/** What one stream looked like in the reference data. */
struct StreamReference {
  std::vector<double> cuts;    ///< the inner edges of the bins (strictly ascending): bins = cuts.size() + 1
  std::vector<double> shares;  ///< each bin's share of the reference (empty: equally likely bins)
  double mean = 0, sd = 1;   ///< for Page-Hinkley's standardisation
};

/** The model package's reference: its input features (normalised) in model channel order, then its output (log score). */
struct Reference {
  std::vector<StreamReference> streams;
  std::uint64_t samples = 0;  ///< values behind each stream's cuts (the reference's size in the KS test)
};

enum class Test : std::uint8_t { page_hinkley = 0, psi = 1, ks = 2 };
std::string_view to_string(Test t);

struct MonitorConfig {
  PageHinkley::Config page_hinkley{0.5, 8, 6};  ///< on block means in reference sigmas
  TimeUs block_us = 3'600'000'000;
  std::uint32_t window_blocks = 24;
  std::uint64_t min_window_samples = 1000;      ///< no window test on fewer values
  double psi_threshold = 0.25;                  ///< alarm above (> 0.25: "drifted", by the usual rule of thumb)
  double ks_alpha = 1e-3;                       ///< alarm when the KS p-value is below this...
  double ks_min_statistic = 0.15;               ///< ... and D is at least this (samples are autocorrelated: p alone overstates)
  TimeUs cooldown_us = 86'400'000'000;          ///< a stream that alarmed is quiet this long
  /// 0: compare with the package's reference as it is. Else the first baseline_us of data at this gateway
  /// sets each bin's expected share (in the package's bins) and the level Page-Hinkley starts from: a site
  /// is one climate of the several a model was trained on, and its drift is its change from itself.
  TimeUs baseline_us = 0;
};

struct Finding {
  TimeUs t_us = 0;
  std::size_t stream = 0;    ///< index into Reference::streams
  Test test = Test::page_hinkley;
  double statistic = 0;      ///< PH gap, PSI or D
  double p_value = 1;        ///< KS only
  double mean = 0;           ///< the window's (or block's) mean, in the reference's sigmas from its mean
  std::uint64_t samples = 0; ///< values in the block or window
};

/**
 * @brief Settings from JSON (docs/scenario-format.md, `lifecycle.drift`): every key optional, bad input
 * (core::InputError naming the path) for a wrong one.
 */
MonitorConfig read_monitor_config(const core::JsonObject& o);

class Monitor {
public:
  Monitor(Reference reference, MonitorConfig config, TimeUs start_us);
  std::size_t streams() const { return s_.size(); }
  /** @brief One value of `stream` (NaN is skipped). Closes the blocks that ended before `now_us`. */
  void add(std::size_t stream, double value, TimeUs now_us);
  /** @brief Close the blocks that ended by `now_us`; returns what they found (and forgets it). */
  std::vector<Finding> poll(TimeUs now_us);

private:
  struct Stream {
    StreamReference ref;
    PageHinkley ph;
    std::vector<std::uint64_t> block;   ///< bin counts of the open block
    double block_sum = 0;               ///< of standardised values
    std::vector<std::uint64_t> window;  ///< window_blocks x bins, a ring of closed blocks' counts
    std::vector<double> window_sum;     ///< per closed block
    std::uint64_t window_filled = 0;    ///< closed blocks in the ring (up to window_blocks)
    TimeUs quiet_until_us = 0;
    std::vector<std::uint64_t> baseline;  ///< bin counts while the baseline lasts
    double baseline_sum = 0;              ///< of values (not standardised)
  };
  void close_block(TimeUs end_us);
  void end_baseline();
  Reference reference_;
  MonitorConfig c_;
  std::vector<Stream> s_;
  TimeUs block_end_us_;
  TimeUs baseline_end_us_;  ///< max when there is no (more) baseline to learn
  std::uint64_t blocks_ = 0;
  std::vector<Finding> found_;
  std::vector<std::uint64_t> counts_;  ///< scratch: a window's counts
};

}  // namespace twinbench::runtime::drift
