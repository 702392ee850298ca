#include "Shards.hpp"

#define OMPI_SKIP_MPICXX 1  // the C API only
#include <mpi.h>

#include <climits>
#include <cstring>
#include <stdexcept>

namespace twinbench::app {

namespace {
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}
}  // namespace

Shards::Shards() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) check(MPI_Init(nullptr, nullptr), "MPI_Init");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Shards::~Shards() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

void Shards::exchange() {
  static_assert(std::is_trivially_copyable_v<runtime::Event>);
  const std::uint64_t bytes = kept_.size() * sizeof(runtime::Event);
  if (bytes > INT_MAX) throw std::runtime_error("MPI: more than 2 GiB of events between two meetings");
  const int mine = static_cast<int>(bytes);
  std::vector<int> counts(rank_ == 0 ? static_cast<std::size_t>(size_) : 0), offsets;
  check(MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::uint64_t total = 0;
  if (rank_ == 0) {
    for (int c : counts) {
      offsets.push_back(static_cast<int>(total));
      total += static_cast<std::uint64_t>(c);
    }
    if (total > INT_MAX) throw std::runtime_error("MPI: more than 2 GiB of events between two meetings");
    got_.resize(total / sizeof(runtime::Event));
  }
  check(MPI_Gatherv(kept_.data(), mine, MPI_BYTE, got_.data(), counts.data(), offsets.data(), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gatherv");
  kept_.clear();
  if (rank_ == 0 && collector_)
    for (const runtime::Event& e : got_) collector_->emit(e);  // rank 0's, then rank 1's...: each gateway's in its order
  got_.clear();
}

std::vector<std::string> Shards::gather(const std::string& text) {
  if (text.size() > INT_MAX) throw std::runtime_error("MPI: more than 2 GiB to gather");
  const int mine = static_cast<int>(text.size());
  std::vector<int> counts(rank_ == 0 ? static_cast<std::size_t>(size_) : 0), offsets;
  check(MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::string all;
  if (rank_ == 0) {
    std::uint64_t total = 0;
    for (int c : counts) {
      offsets.push_back(static_cast<int>(total));
      total += static_cast<std::uint64_t>(c);
    }
    if (total > INT_MAX) throw std::runtime_error("MPI: more than 2 GiB to gather");
    all.resize(total);
  }
  check(MPI_Gatherv(text.data(), mine, MPI_CHAR, all.data(), counts.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Gatherv");
  std::vector<std::string> out;
  for (std::size_t r = 0; r < counts.size(); ++r) out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(counts[r])));
  return out;
}

bool Shards::all(bool ok) {
  int mine = ok ? 1 : 0, every = 0;
  check(MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return every == 1;
}

std::uint64_t Shards::sum(std::uint64_t v) {
  unsigned long long mine = v, total = 0;
  check(MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  return total;
}

}  // namespace twinbench::app
