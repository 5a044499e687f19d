// Storage wrappers for tests that damage what passes through them: flip a
// byte of what is read, cut reads short, fail a put, stall a call until the
// test lets it go. Each wraps a storage it does not own (the test keeps the
// storage, so it can look behind the wrapper or reopen a repository on the
// same objects), forwards every other call unchanged, and is safe to call
// from several threads, like any Storage.
//
// Faults hit the calls a Match selects, counted per wrapper in the order
// the calls arrive (with several threads calling, "the N-th" is the N-th to
// arrive).
//
// A partial object is one fault no wrapper offers: the storage contract
// (storage/storage.h) says a Put makes its object visible whole or not at
// all, and every driver keeps it, so code above storage never has to
// handle one. What a driver can do is fail a Put whose object was stored
// (the answer was lost): FailingPutStorage's kStoredAnyway.
#ifndef VAULTKEEP_TESTING_DAMAGED_STORAGE_H_
#define VAULTKEEP_TESTING_DAMAGED_STORAGE_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "vaultkeep/storage/storage.h"

namespace vk::testing {

// Which calls a fault hits: those on a key starting with `prefix` ("" every
// key; "data/" packs, "index/", "snapshots/", or one whole key) and, of
// those, only the `nth` (1-based), or every one when `nth` is 0.
struct Match {
  std::string prefix;
  int nth = 0;
};

// Counts the calls a Match selects. Thread-safe.
class Matcher {
 public:
  explicit Matcher(Match match) : match_(std::move(match)) {}
  // Whether this call, on `key`, is to be damaged.
  bool Hit(std::string_view key);
  int matched() const;  // calls on a matching key so far
  int hits() const;     // calls damaged so far

 private:
  const Match match_;
  mutable std::mutex mu_;
  int matched_ = 0;
  int hits_ = 0;
};

// Forwards every call to `inner`, which must outlive it. The base of the
// wrappers below, and on its own a way to hand a repository (which owns
// its storage) a storage the test keeps.
class ForwardingStorage : public storage::Storage {
 public:
  explicit ForwardingStorage(storage::Storage& inner) : inner_(inner) {}
  // Not copyable: a copy would forward past the wrapper it was made from
  // (make_unique<ForwardingStorage>(wrapper) would pick the copy). Borrow
  // wraps a wrapper.
  ForwardingStorage(const ForwardingStorage&) = delete;
  ForwardingStorage& operator=(const ForwardingStorage&) = delete;

  storage::Properties properties() const override;
  Status Put(std::string_view key, ByteSpan data,
             storage::PutOptions options = {}) override;
  Status Get(std::string_view key, uint64_t offset, uint64_t length,
             ByteSink& sink) override;
  Result<storage::ObjectInfo> Stat(std::string_view key) override;
  Status List(
      std::string_view prefix,
      const std::function<Status(const storage::ObjectInfo&)>& fn) override;
  Status Remove(std::string_view key) override;

 protected:
  storage::Storage& inner() { return inner_; }
  // What inner Get delivers for [offset, offset+length), whole.
  Result<std::string> GetRange(std::string_view key, uint64_t offset,
                               uint64_t length);

 private:
  storage::Storage& inner_;
};

// A storage that forwards to `inner` (not owned), for handing to a
// Repository, which owns its storage.
std::unique_ptr<storage::Storage> Borrow(storage::Storage& inner);

// Base of the wrappers that change what matching Gets deliver: the whole
// range is read from `inner`, passed to Damage, then written to the sink.
class ReadDamagingStorage : public ForwardingStorage {
 public:
  ReadDamagingStorage(storage::Storage& inner, Match which)
      : ForwardingStorage(inner), matcher_(std::move(which)) {}
  Status Get(std::string_view key, uint64_t offset, uint64_t length,
             ByteSink& sink) override;
  int hits() const { return matcher_.hits(); }

 protected:
  virtual void Damage(std::string& data) const = 0;

 private:
  Matcher matcher_;
};

// Matching Gets deliver what was read with the byte at `position` (from the
// start of the range read; the last byte if the range is shorter) XORed
// with `mask`: damage at rest or on the wire that the storage did not see.
// An empty range is delivered as it is.
class CorruptingStorage : public ReadDamagingStorage {
 public:
  CorruptingStorage(storage::Storage& inner, Match which, uint64_t position = 0,
                    uint8_t mask = 0x01)
      : ReadDamagingStorage(inner, std::move(which)),
        position_(position),
        mask_(mask) {}

 protected:
  void Damage(std::string& data) const override;

 private:
  const uint64_t position_;
  const uint8_t mask_;
};

// Matching Gets deliver only the first `keep` bytes of the range and
// report success: a short read the storage failed to notice.
class TruncatingStorage : public ReadDamagingStorage {
 public:
  TruncatingStorage(storage::Storage& inner, Match which, uint64_t keep = 0)
      : ReadDamagingStorage(inner, std::move(which)), keep_(keep) {}

 protected:
  void Damage(std::string& data) const override;

 private:
  const uint64_t keep_;
};

enum class PutFailure {
  kNothingStored,  // refused: the object is not written
  kStoredAnyway,   // written whole, then the answer is lost
};

// Matching Puts fail with `error`.
class FailingPutStorage : public ForwardingStorage {
 public:
  FailingPutStorage(storage::Storage& inner, Match which,
                    PutFailure how = PutFailure::kNothingStored,
                    Status error = Unavailable("injected put failure"))
      : ForwardingStorage(inner),
        matcher_(std::move(which)),
        how_(how),
        error_(std::move(error)) {}
  Status Put(std::string_view key, ByteSpan data,
             storage::PutOptions options = {}) override;
  int hits() const { return matcher_.hits(); }

 private:
  Matcher matcher_;
  const PutFailure how_;
  const Status error_;
};

// The calls StallingStorage holds.
enum class StallOp { kGet, kPut, kRemove };

// Matching calls of one kind block, before touching `inner`, until the test
// calls Release; then they (and later matching calls) go on to `inner`, or
// fail with the status given to Release. No clock is involved: a test of a
// timeout or of what others see meanwhile waits with WaitForStalled for the
// call to be held, does its checks, then releases it.
class StallingStorage : public ForwardingStorage {
 public:
  StallingStorage(storage::Storage& inner, StallOp op, Match which)
      : ForwardingStorage(inner), op_(op), matcher_(std::move(which)) {}
  ~StallingStorage() override { Release(); }

  Status Put(std::string_view key, ByteSpan data,
             storage::PutOptions options = {}) override;
  Status Get(std::string_view key, uint64_t offset, uint64_t length,
             ByteSink& sink) override;
  Status Remove(std::string_view key) override;

  // Blocks until at least `n` calls have been held (including released):
  // true; or until StopWaiting is called: false. A test whose caller
  // thread may end without reaching the call (it failed first) has that
  // thread call StopWaiting when it ends, so the test fails, not hangs.
  bool WaitForStalled(int n = 1);
  void StopWaiting();
  // Lets held and later matching calls go on (`result` OK) or fail with
  // `result`.
  void Release(Status result = Status::Ok());
  int stalled() const;  // calls held so far

 private:
  // Holds a matching call until released; returns what it should do.
  Status Hold(StallOp op, std::string_view key);

  const StallOp op_;
  Matcher matcher_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int stalled_ = 0;
  bool stop_waiting_ = false;
  std::optional<Status> released_;
};

// Damage at rest: XORs byte `offset` of the stored object `key` with `mask`
// (rewriting it with overwrite).
Status FlipStoredByte(storage::Storage& storage, std::string_view key,
                      uint64_t offset, uint8_t mask = 0x01);

}  // namespace vk::testing

#endif  // VAULTKEEP_TESTING_DAMAGED_STORAGE_H_
