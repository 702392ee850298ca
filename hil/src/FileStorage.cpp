#include "twinbench/hil/FileStorage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace twinbench::hil {

namespace fs = std::filesystem;
using runtime::StorageStatus;

namespace {

/** Keys are names of [A-Za-z0-9._-] joined by '/' (each not "." or ".."); not ending in .tmp (sync()'s staging files). */
bool valid_key(std::string_view key) {
  if (key.empty() || key.ends_with(".tmp")) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = std::min(key.find('/', start), key.size());
    const std::string_view part = key.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
    if (end == key.size()) return true;
    start = end + 1;
  }
}

/** The key's file, in the one folder: '/' becomes '~', which keys cannot hold. */
std::string file_name(std::string_view key) {
  std::string f(key);
  std::replace(f.begin(), f.end(), '/', '~');
  return f;
}

/** Write `bytes` to `path` and fsync it. */
bool write_synced(const std::string& path, std::span<const std::uint8_t> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  const bool ok = ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}

bool fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

FileStorage::FileStorage(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) throw std::runtime_error("storage folder " + dir_ + ": " + (ec ? ec.message() : "not a folder"));
}

StorageStatus FileStorage::write(std::string_view key, std::span<const std::uint8_t> bytes) {
  if (!valid_key(key)) return StorageStatus::io_error;
  staged_.insert_or_assign(std::string(key), std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
  return StorageStatus::ok;
}

StorageStatus FileStorage::read(std::string_view key, std::vector<std::uint8_t>& out) const {
  if (!valid_key(key)) return StorageStatus::io_error;
  if (auto it = staged_.find(key); it != staged_.end()) {
    out = it->second;
    return StorageStatus::ok;
  }
  std::ifstream in(dir_ + "/" + file_name(key), std::ios::binary);
  if (!in) return StorageStatus::not_found;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return in.bad() ? StorageStatus::io_error : StorageStatus::ok;
}

StorageStatus FileStorage::sync() {
  for (auto it = staged_.begin(); it != staged_.end();) {
    const std::string final_path = dir_ + "/" + file_name(it->first), tmp = final_path + ".tmp";
    if (!write_synced(tmp, it->second) || std::rename(tmp.c_str(), final_path.c_str()) != 0) return StorageStatus::io_error;
    it = staged_.erase(it);
  }
  return fsync_dir(dir_) ? StorageStatus::ok : StorageStatus::io_error;
}

}  // namespace twinbench::hil
