#pragma once
// Over-the-air updates on a device with two slots (A/B), sans-IO over the Storage port. The cloud signs
// each artifact's manifest (Ed25519 over its canonical form, with the image's SHA-256); the device:
//  - Download: refuses a manifest that is not signed by the key it trusts, then takes the image chunk by
//    chunk into the slot it is not running (resumable: the chunks done are recorded after each sync);
//  - Install: checks the whole image against the signed hash, then marks that slot pending;
//  - Reboot: the bootloader tries a pending slot up to `boot_limit` times (counting each try before it
//    boots it), and only ever boots a slot whose image verifies (signature and hash), else the other;
//  - Verify / Commit / Rollback: after its health check the new slot becomes the active one, or is dropped.
// The boot record (active slot, pending slot, tries) is written to one of two places in turn, each with
// a checksum and a generation, so that a power cut in the middle of writing it leaves the other intact.
// Nothing is ever written to the slot that runs, so every power cut leaves a bootable, signed image.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/ota/Crypto.hpp"
#include "twinbench/runtime/ports/Storage.hpp"

namespace twinbench::runtime::ota {

struct Manifest {
  std::string artifact = "firmware";  ///< what the image is: "firmware" or "model"
  std::string version;
  std::uint64_t size = 0;
  std::uint32_t chunk_size = 4096;
  crypto::Sha256 sha256{};            ///< of the whole image
  crypto::Signature signature{};      ///< the cloud's, over signed_bytes()
  std::uint32_t chunks() const { return static_cast<std::uint32_t>((size + chunk_size - 1) / chunk_size); }
  std::string signed_bytes() const;
  std::string to_json() const;
  static std::optional<Manifest> from_json(std::string_view json);
};

/** @brief The cloud's side: the manifest of `image`, signed with `key`. */
Manifest make_manifest(std::string artifact, std::string version, std::span<const std::uint8_t> image, std::uint32_t chunk_size,
                       const crypto::SigningKey& key);

enum class Slot : char { a = 'A', b = 'B' };
constexpr Slot other(Slot s) { return s == Slot::a ? Slot::b : Slot::a; }

struct BootResult {
  Slot slot = Slot::a;
  std::string version;
  bool trial = false;       ///< the pending slot, booted on trial: commit() or rollback() follows
  bool fell_back = false;   ///< the slot it meant to boot did not verify; it booted the other
};

enum class Status : std::uint8_t {
  ok,
  bad_signature,   ///< the manifest is not signed by the trusted key (or was altered)
  busy,            ///< an update is already installed and waits for its reboot, or on trial
  not_expected,    ///< no download in progress, a chunk out of order or of the wrong size, or no trial to end
  hash_mismatch,   ///< the downloaded image is not the one the manifest signed
  storage_error,
};
std::string_view to_string(Status s);

class Device {
public:
  Device(Storage& storage, const crypto::PublicKey& trusted, std::uint8_t boot_limit = 3);

  /** @brief The factory image in slot A, active. */
  void provision(const Manifest& m, std::span<const std::uint8_t> image);
  /** @brief The bootloader, at every power-on; nullopt if no slot holds a valid image (never should). */
  std::optional<BootResult> boot();

  /** @brief Download: a new artifact for the slot not running. */
  Status begin(const Manifest& m);
  /** @brief The next chunk the download needs (after a power cut: where it stopped). */
  std::optional<std::uint32_t> next_chunk() const;
  Status write_chunk(std::uint32_t index, std::span<const std::uint8_t> bytes);
  /** @brief Install: the whole image checked against the manifest, the slot marked pending. */
  Status install();
  /** @brief After a trial boot whose health check passed: the new slot becomes the active one. */
  Status commit();
  /** @brief After a trial boot whose health check failed: the next boot goes back to the old slot. */
  Status rollback();

  /**
   * @brief Go back to the other slot's image, after a committed update the fleet's operator rolls back:
   * it becomes the active slot for the next boot (it must still verify).
   */
  Status revert();
  /** @brief What booted (nullopt before boot() or if nothing could boot). */
  const std::optional<BootResult>& booted() const { return booted_; }
  /** @brief The manifest being downloaded, if any. */
  const std::optional<Manifest>& downloading() const { return downloading_; }
  /** @brief Whether `slot` holds an image that verifies (manifest signature, chunks, hash). */
  bool valid(Slot slot, Manifest* manifest = nullptr) const;
  /** @brief The image in `slot`, reassembled (empty if a chunk is missing). */
  std::vector<std::uint8_t> image(Slot slot) const;

private:
  struct Record {
    std::uint64_t generation = 0;
    Slot active = Slot::a;
    std::optional<Slot> pending;
    std::uint8_t tries = 0;
  };
  std::optional<Record> load() const;
  Status save(Record r);
  Status put(const std::string& key, std::span<const std::uint8_t> bytes);
  Status put(const std::string& key, std::string_view text);

  Storage& storage_;
  crypto::PublicKey trusted_;
  std::uint8_t boot_limit_;
  std::optional<BootResult> booted_;
  std::optional<Manifest> downloading_;
  Record record_;
};

}  // namespace twinbench::runtime::ota
