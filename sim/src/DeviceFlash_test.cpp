#include "DeviceFlash.hpp"

#include <gtest/gtest.h>

namespace twinbench::sim {
namespace {

using runtime::StorageStatus;
using Bytes = std::vector<std::uint8_t>;

Bytes pattern(std::size_t n, std::uint8_t tag) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(tag + i * 13 + (i >> 8));
  return b;
}

runtime::crypto::Sha256 sha_of(std::initializer_list<std::span<const std::uint8_t>> parts) {
  Bytes all;
  for (auto p : parts) all.insert(all.end(), p.begin(), p.end());
  return runtime::crypto::sha256(all);
}

TEST(DeviceFlash, ChunksOfASharedImageAreReferencesAndTheirDigestIsTheImages) {
  FlashPool pool;
  auto image = std::make_shared<const SharedImage>(pattern(10'000, 1));
  pool.add(image);
  EXPECT_EQ(image->sha256, runtime::crypto::sha256(image->bytes));
  DeviceFlash flash(pool);
  const std::span<const std::uint8_t> all(image->bytes);
  const std::vector<std::string> keys = {"s/0", "s/1", "s/2"};
  ASSERT_EQ(flash.write("s/0", all.subspan(0, 4096)), StorageStatus::ok);
  ASSERT_EQ(flash.write("s/1", all.subspan(4096, 4096)), StorageStatus::ok);
  ASSERT_EQ(flash.write("s/2", all.subspan(8192)), StorageStatus::ok);
  EXPECT_EQ(flash.shared_blobs(), 3u);
  Bytes out;
  ASSERT_EQ(flash.read("s/1", out), StorageStatus::ok);
  EXPECT_EQ(out, Bytes(all.begin() + 4096, all.begin() + 8192));
  runtime::crypto::Sha256 sha{};
  std::uint64_t size = 0;
  ASSERT_EQ(flash.digest(keys, sha, size), StorageStatus::ok);
  EXPECT_EQ(sha, runtime::crypto::sha256(image->bytes));
  EXPECT_EQ(size, 10'000u);

  // Out of order, or not the whole image: hashed from the bytes, as the port's own digest would.
  const std::vector<std::string> swapped = {"s/1", "s/0", "s/2"}, part = {"s/0", "s/1"};
  ASSERT_EQ(flash.digest(swapped, sha, size), StorageStatus::ok);
  EXPECT_EQ(sha, sha_of({all.subspan(4096, 4096), all.subspan(0, 4096), all.subspan(8192)}));
  ASSERT_EQ(flash.digest(part, sha, size), StorageStatus::ok);
  EXPECT_EQ(sha, sha_of({all.subspan(0, 8192)}));
  EXPECT_EQ(size, 8192u);
  const std::vector<std::string> missing = {"s/0", "s/9"};
  EXPECT_EQ(flash.digest(missing, sha, size), StorageStatus::not_found);
}

TEST(DeviceFlash, OtherBytesAreCopiedAndABlobCanChangeKind) {
  FlashPool pool;
  auto image = std::make_shared<const SharedImage>(pattern(8192, 2));
  pool.add(image);
  DeviceFlash flash(pool);
  Bytes mine = {1, 2, 3};
  ASSERT_EQ(flash.write("m", mine), StorageStatus::ok);
  ASSERT_EQ(flash.write("s/0", mine), StorageStatus::ok);
  mine[0] = 9;  // the flash kept its own copy
  Bytes out;
  ASSERT_EQ(flash.read("m", out), StorageStatus::ok);
  EXPECT_EQ(out, (Bytes{1, 2, 3}));
  EXPECT_EQ(flash.shared_blobs(), 0u);
  // s/0 becomes a reference, its old bytes' place goes to the next small blob; then bytes again.
  ASSERT_EQ(flash.write("s/0", std::span(image->bytes).subspan(0, 4096)), StorageStatus::ok);
  EXPECT_EQ(flash.shared_blobs(), 1u);
  ASSERT_EQ(flash.write("p", Bytes{7}), StorageStatus::ok);
  ASSERT_EQ(flash.read("s/0", out), StorageStatus::ok);
  EXPECT_EQ(out, Bytes(image->bytes.begin(), image->bytes.begin() + 4096));
  ASSERT_EQ(flash.write("s/0", Bytes{}), StorageStatus::ok);  // an empty blob is a blob
  ASSERT_EQ(flash.read("s/0", out), StorageStatus::ok);
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(flash.read("p", out), StorageStatus::ok);
  EXPECT_EQ(out, Bytes{7});
  ASSERT_EQ(flash.read("m", out), StorageStatus::ok);
  EXPECT_EQ(out, (Bytes{1, 2, 3}));
  EXPECT_EQ(flash.read("nothing", out), StorageStatus::not_found);
  // A key another device of the pool wrote is not this one's.
  DeviceFlash other(pool);
  EXPECT_EQ(other.read("m", out), StorageStatus::not_found);
}

}  // namespace
}  // namespace twinbench::sim
