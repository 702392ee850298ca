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

/** Where each rank's bytes begin in what rank 0 gathered, and how many they are (empty elsewhere). */
struct Gathered {
  std::vector<int> counts, offsets;
};

/** Every rank's bytes, into `all` at rank 0 in rank order (its capacity kept from one call to the next). */
Gathered gather_bytes(const char* data, std::size_t bytes, int rank, int size, const char* what, std::string& all) {
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
  all.resize(total);
  check(MPI_Gatherv(data, mine, MPI_BYTE, all.data(), g.counts.data(), g.offsets.data(), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gatherv");
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
  // Rank 0's own events went to its collector as they came (emit); the other ranks' follow in rank order,
  // each gateway's in its order, through a buffer kept from one meeting to the next.
  gather_bytes(reinterpret_cast<const char*>(kept_.data()), kept_.size() * sizeof(runtime::Event), rank_, size_, "events between two meetings",
               received_);
  if (collector_) {
    runtime::Event e;
    for (std::size_t at = 0; at + sizeof e <= received_.size(); at += sizeof e) {
      std::memcpy(&e, received_.data() + at, sizeof e);
      collector_->emit(e);
    }
  }
  kept_.clear();
}

std::vector<std::string> Shards::gather(const std::string& text) {
  std::string all;
  const Gathered g = gather_bytes(text.data(), text.size(), rank_, size_, "text", all);
  std::vector<std::string> out;
  for (std::size_t r = 0; r < g.counts.size(); ++r)
    out.push_back(all.substr(static_cast<std::size_t>(g.offsets[r]), static_cast<std::size_t>(g.counts[r])));
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
