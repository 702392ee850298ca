#pragma once
// Storage port on files: one file per key in a folder. write() is staged in memory; sync() writes each
// staged blob to a temporary file, fsyncs it, renames it over the key's file and fsyncs the folder, so
// a power cut leaves every key either as it was at the previous sync or as it is now.

#include <map>
#include <string>
#include <vector>

#include "twinbench/runtime/ports/Storage.hpp"

namespace twinbench::hil {

class FileStorage final : public runtime::Storage {
public:
  /** @brief Use (and create) `dir`. Throws std::runtime_error if it cannot be made. */
  explicit FileStorage(std::string dir);

  /** @brief io_error for a key that is not names of [A-Za-z0-9._-] joined by '/', or ends in .tmp (a key is a file: '/' becomes '~'). */
  runtime::StorageStatus write(std::string_view key, std::span<const std::uint8_t> bytes) override;
  runtime::StorageStatus read(std::string_view key, std::vector<std::uint8_t>& out) const override;
  runtime::StorageStatus sync() override;

private:
  std::string dir_;
  std::map<std::string, std::vector<std::uint8_t>, std::less<>> staged_;
};

}  // namespace twinbench::hil
