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

/** Every rank's bytes, at rank 0 in rank order (each rank's count and where it begins); empty elsewhere. */
struct Gathered {
  std::string all;
  std::vector<int> counts, offsets;
};

Gathered gather_bytes(const char* data, std::size_t bytes, int rank, int size, const char* what) {
  if (bytes > INT_MAX) throw std::runtime_error(std::string("MPI: more than 2 GiB of ") + what + " from one rank");
  const int mine = static_cast<int>(bytes);
  Gathered g;
  if (rank == 0) g.counts.resize(static_cast<std::size_t>(size));
  check(MPI_Gather(&mine, 1, MPI_INT, g.counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::uint64_t total = 0;
  for (int c : g.counts) {
    g.offsets.push_back(static_cast<int>(total));
    total += static_cast<std::uint64_t>(c);
  }
  if (total > INT_MAX) throw std::runtime_error(std::string("MPI: more than 2 GiB of ") + what + " at once");
  g.all.resize(total);
  check(MPI_Gatherv(data, mine, MPI_BYTE, g.all.data(), g.counts.data(), g.offsets.data(), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gatherv");
  return g;
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
  const Gathered g = gather_bytes(reinterpret_cast<const char*>(kept_.data()), kept_.size() * sizeof(runtime::Event), rank_, size_,
                                  "events between two meetings");
  kept_.clear();
  if (rank_ != 0 || !collector_) return;
  got_.resize(g.all.size() / sizeof(runtime::Event));
  std::memcpy(got_.data(), g.all.data(), g.all.size());
  for (const runtime::Event& e : got_) collector_->emit(e);  // rank 0's, then rank 1's...: each gateway's in its order
}

std::vector<std::string> Shards::gather(const std::string& text) {
  const Gathered g = gather_bytes(text.data(), text.size(), rank_, size_, "text");
  std::vector<std::string> out;
  for (std::size_t r = 0; r < g.counts.size(); ++r)
    out.push_back(g.all.substr(static_cast<std::size_t>(g.offsets[r]), static_cast<std::size_t>(g.counts[r])));
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
