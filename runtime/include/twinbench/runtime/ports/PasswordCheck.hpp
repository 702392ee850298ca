#pragma once
// PasswordCheck port: does a password match its stored hash? Slow on purpose (scrypt), so a real
// gateway answers from a worker thread and its event loop keeps serving; simulations and tests answer
// at once (and charge the simulated CPU for it).

#include <cstdint>
#include <functional>
#include <string>

namespace twinbench::runtime {

enum class PasswordVerdict : std::uint8_t {
  match,
  mismatch,
  busy,  ///< too many checks waiting: the client is told to come back later
};

class PasswordCheck {
public:
  virtual ~PasswordCheck() = default;
  /** @brief Calls `done` once, at once or later, on the runtime's thread. */
  virtual void check(std::string password, std::string hash, std::function<void(PasswordVerdict)> done) = 0;
};

/** Answers at once, on the caller's thread. */
class InlinePasswordCheck final : public PasswordCheck {
public:
  void check(std::string password, std::string hash, std::function<void(PasswordVerdict)> done) override;
};

}  // namespace twinbench::runtime
