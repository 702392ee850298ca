#pragma once
// CRC-32 (IEEE 802.3, the zlib and PNG one: reflected polynomial 0xEDB88320): catches a torn or
// bit-flipped block on storage. Not a defence against anyone who means harm (the audit log's hash
// chain is that).

#include <cstdint>
#include <span>

namespace twinbench::core {

/** @brief CRC-32 of `bytes`, continuing from `crc` (the CRC of what came before; 0 to start). */
std::uint32_t crc32(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);

}  // namespace twinbench::core
