#include "twinbench/runtime/ota/Updater.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace twinbench::runtime::ota {

namespace {

using json = nlohmann::json;

std::string slot_key(Slot s, std::string_view what) { return std::string("slot/") + static_cast<char>(s) + "/" + std::string(what); }
std::string chunk_key(Slot s, std::uint32_t i) { return slot_key(s, "chunk/" + std::to_string(i)); }

/** A JSON string of hex digits into `out`. */
bool from_hex(const json& j, std::span<std::uint8_t> out) { return j.is_string() && crypto::from_hex(j.get_ref<const std::string&>(), out); }

std::string text(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

}  // namespace

std::string_view to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::bad_signature: return "the manifest is not signed by the trusted key";
    case Status::busy: return "an update is installed and waits for its reboot, or is on trial";
    case Status::not_expected: return "not expected now";
    case Status::hash_mismatch: return "the image does not match the signed hash";
    case Status::storage_error: return "storage error";
  }
  return "?";
}

std::string Manifest::signed_bytes() const {
  return "twinbench-ota/1\n" + artifact + "\n" + version + "\n" + std::to_string(size) + "\n" + std::to_string(chunk_size) + "\n" +
         crypto::hex(sha256) + "\n";
}

std::string Manifest::to_json() const {
  return json{{"artifact", artifact}, {"version", version}, {"size", size}, {"chunk_size", chunk_size},
              {"sha256", crypto::hex(sha256)}, {"signature", crypto::hex(signature)}}
      .dump();
}

std::optional<Manifest> Manifest::from_json(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  Manifest m;
  const auto str = [&](const char* k, std::string& out) {
    if (!j.contains(k) || !j[k].is_string()) return false;
    out = j[k].get<std::string>();
    return true;
  };
  if (!str("artifact", m.artifact) || !str("version", m.version) || !j.contains("size") || !j["size"].is_number_unsigned() ||
      !j.contains("chunk_size") || !j["chunk_size"].is_number_unsigned() || !j.contains("sha256") || !from_hex(j["sha256"], m.sha256) ||
      !j.contains("signature") || !from_hex(j["signature"], m.signature))
    return std::nullopt;
  m.size = j["size"].get<std::uint64_t>();
  const auto chunk = j["chunk_size"].get<std::uint64_t>();
  if (m.size == 0 || chunk == 0 || chunk > (1u << 24) || m.size > (1ull << 40)) return std::nullopt;
  m.chunk_size = static_cast<std::uint32_t>(chunk);
  return m;
}

Manifest make_manifest(std::string artifact, std::string version, std::span<const std::uint8_t> image, std::uint32_t chunk_size,
                       const crypto::SigningKey& key) {
  Manifest m;
  m.artifact = std::move(artifact);
  m.version = std::move(version);
  m.size = image.size();
  m.chunk_size = chunk_size;
  m.sha256 = crypto::sha256(image);
  const std::string bytes = m.signed_bytes();
  m.signature = key.sign(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  return m;
}

Device::Device(Storage& storage, const crypto::PublicKey& trusted, std::uint8_t boot_limit)
    : storage_(storage), trusted_(trusted), boot_limit_(boot_limit) {}

Status Device::put(const std::string& key, std::span<const std::uint8_t> bytes) {
  return storage_.write(key, bytes) == StorageStatus::ok ? Status::ok : Status::storage_error;
}

Status Device::put(const std::string& key, std::string_view t) {
  return put(key, std::span(reinterpret_cast<const std::uint8_t*>(t.data()), t.size()));
}

std::optional<Device::Record> Device::load() const {
  std::optional<Record> best;
  for (const char* key : {"boot/0", "boot/1"}) {
    std::vector<std::uint8_t> b;
    if (storage_.read(key, b) != StorageStatus::ok) continue;
    const json j = json::parse(b.begin(), b.end(), nullptr, false);  // a torn record does not parse, or fails its sum
    if (!j.is_object() || !j.contains("body") || !j["body"].is_string() || !j.contains("sum") || !j["sum"].is_string()) continue;
    const std::string& body = j["body"].get_ref<const std::string&>();
    if (crypto::hex(crypto::sha256(body)) != j["sum"].get<std::string>()) continue;
    const json r = json::parse(body, nullptr, false);
    if (!r.is_object()) continue;
    Record rec;
    rec.generation = r.value("gen", std::uint64_t{0});
    rec.active = r.value("active", std::string("A")) == "B" ? Slot::b : Slot::a;
    if (const std::string p = r.value("pending", std::string()); !p.empty()) rec.pending = p == "B" ? Slot::b : Slot::a;
    rec.tries = r.value("tries", std::uint8_t{0});
    if (!best || rec.generation > best->generation) best = rec;
  }
  return best;
}

Status Device::save(Record r) {
  r.generation = record_.generation + 1;
  const std::string body = json{{"gen", r.generation}, {"active", std::string(1, static_cast<char>(r.active))},
                                {"pending", r.pending ? std::string(1, static_cast<char>(*r.pending)) : std::string()}, {"tries", r.tries}}
                               .dump();
  const std::string blob = json{{"body", body}, {"sum", crypto::hex(crypto::sha256(body))}}.dump();
  // The two copies take turns: the one being written is never the newest good one.
  if (put(r.generation % 2 ? "boot/1" : "boot/0", blob) != Status::ok || storage_.sync() != StorageStatus::ok) return Status::storage_error;
  record_ = r;
  return Status::ok;
}

void Device::provision(const Manifest& m, std::span<const std::uint8_t> image) {
  for (std::uint32_t i = 0; i < m.chunks(); ++i) {
    const std::size_t at = std::size_t{i} * m.chunk_size;
    put(chunk_key(Slot::a, i), image.subspan(at, std::min<std::size_t>(m.chunk_size, image.size() - at)));
  }
  put(slot_key(Slot::a, "manifest"), m.to_json());
  storage_.sync();
  record_ = {};
  save(Record{0, Slot::a, std::nullopt, 0});
}

std::vector<std::uint8_t> Device::image(Slot slot) const {
  std::vector<std::uint8_t> m;
  if (storage_.read(slot_key(slot, "manifest"), m) != StorageStatus::ok) return {};
  const auto manifest = Manifest::from_json(text(m));
  if (!manifest) return {};
  std::vector<std::uint8_t> out, chunk;
  out.reserve(manifest->size);
  for (std::uint32_t i = 0; i < manifest->chunks(); ++i) {
    if (storage_.read(chunk_key(slot, i), chunk) != StorageStatus::ok) return {};
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  return out;
}

bool Device::valid(Slot slot, Manifest* out) const {
  std::vector<std::uint8_t> m;
  if (storage_.read(slot_key(slot, "manifest"), m) != StorageStatus::ok) return false;
  const auto manifest = Manifest::from_json(text(m));
  if (!manifest) return false;
  const std::string bytes = manifest->signed_bytes();
  if (!crypto::verify(trusted_, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), manifest->signature)) return false;
  // Chunk by chunk: the image is never whole in memory (nor copied, where the store knows its chunks).
  std::vector<std::string> keys(manifest->chunks());
  for (std::uint32_t i = 0; i < manifest->chunks(); ++i) keys[i] = chunk_key(slot, i);
  crypto::Sha256 sha{};
  std::uint64_t size = 0;
  if (storage_.digest(keys, sha, size) != StorageStatus::ok || size != manifest->size || sha != manifest->sha256) return false;
  if (out) *out = *manifest;
  return true;
}

std::optional<BootResult> Device::boot() {
  booted_.reset();
  downloading_.reset();
  const auto rec = load();
  if (!rec) return std::nullopt;
  record_ = *rec;
  Slot want = record_.active;
  bool trial = false;
  if (record_.pending) {
    Record r = record_;
    if (r.tries >= boot_limit_) {  // it never committed within its tries: back to the old slot
      r.pending.reset();
      r.tries = 0;
    } else {
      ++r.tries;  // counted before it boots, so that a crash in the new image still counts
      want = *r.pending;
      trial = true;
    }
    if (save(r) != Status::ok) return std::nullopt;
  }
  Manifest m;
  if (valid(want, &m)) {
    booted_ = BootResult{want, m.version, trial, false};
  } else {
    if (trial) {
      Record r = record_;
      r.pending.reset();
      r.tries = 0;
      save(r);
      trial = false;
    }
    const Slot alt = other(want);
    if (!valid(alt, &m)) return std::nullopt;
    booted_ = BootResult{alt, m.version, false, true};
  }
  // A download the power cut interrupted goes on where it stopped.
  if (!booted_->trial && !record_.pending) {
    std::vector<std::uint8_t> b;
    if (storage_.read(slot_key(other(booted_->slot), "manifest"), b) == StorageStatus::ok) {
      const auto manifest = Manifest::from_json(text(b));
      if (manifest && !valid(other(booted_->slot))) downloading_ = manifest;
    }
  }
  return booted_;
}

Status Device::begin(const Manifest& m) {
  if (!booted_) return Status::not_expected;
  if (booted_->trial || record_.pending) return Status::busy;
  const std::string bytes = m.signed_bytes();
  if (!crypto::verify(trusted_, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), m.signature))
    return Status::bad_signature;
  const Slot target = other(booted_->slot);
  if (put(slot_key(target, "progress"), "0") != Status::ok || put(slot_key(target, "manifest"), m.to_json()) != Status::ok ||
      storage_.sync() != StorageStatus::ok)
    return Status::storage_error;
  downloading_ = m;
  return Status::ok;
}

std::optional<std::uint32_t> Device::next_chunk() const {
  if (!downloading_) return std::nullopt;
  std::vector<std::uint8_t> b;
  std::uint32_t done = 0;
  if (storage_.read(slot_key(other(booted_->slot), "progress"), b) == StorageStatus::ok) {
    const std::string t = text(b);
    if (std::from_chars(t.data(), t.data() + t.size(), done).ec != std::errc()) done = 0;  // torn: start over
  }
  return std::min(done, downloading_->chunks());
}

Status Device::write_chunk(std::uint32_t index, std::span<const std::uint8_t> bytes) {
  const auto next = next_chunk();
  if (!next || index != *next || index >= downloading_->chunks()) return Status::not_expected;
  const std::uint64_t at = std::uint64_t{index} * downloading_->chunk_size;
  if (bytes.size() != std::min<std::uint64_t>(downloading_->chunk_size, downloading_->size - at)) return Status::not_expected;
  const Slot target = other(booted_->slot);
  // The chunk is durable before the progress that counts it.
  if (put(chunk_key(target, index), bytes) != Status::ok || storage_.sync() != StorageStatus::ok ||
      put(slot_key(target, "progress"), std::to_string(index + 1)) != Status::ok || storage_.sync() != StorageStatus::ok)
    return Status::storage_error;
  return Status::ok;
}

Status Device::install() {
  if (!downloading_ || next_chunk() != downloading_->chunks()) return Status::not_expected;
  const Slot target = other(booted_->slot);
  if (!valid(target)) {  // a torn chunk, or an image that is not the signed one: download again
    put(slot_key(target, "progress"), "0");
    storage_.sync();
    return Status::hash_mismatch;
  }
  Record r = record_;
  r.pending = target;
  r.tries = 0;
  if (save(r) != Status::ok) return Status::storage_error;
  downloading_.reset();
  return Status::ok;
}

Status Device::commit() {
  if (!booted_ || !booted_->trial) return Status::not_expected;
  Record r = record_;
  r.active = booted_->slot;
  r.pending.reset();
  r.tries = 0;
  if (save(r) != Status::ok) return Status::storage_error;
  booted_->trial = false;
  return Status::ok;
}

Status Device::rollback() {
  if (!booted_ || !booted_->trial) return Status::not_expected;
  Record r = record_;
  r.pending.reset();
  r.tries = 0;
  if (save(r) != Status::ok) return Status::storage_error;
  booted_->trial = false;
  return Status::ok;
}

Status Device::revert() {
  if (!booted_ || booted_->trial || record_.pending) return Status::not_expected;
  if (!valid(other(booted_->slot))) return Status::not_expected;
  Record r = record_;
  r.active = other(booted_->slot);
  if (save(r) != Status::ok) return Status::storage_error;
  return Status::ok;
}

}  // namespace twinbench::runtime::ota
