// The access log: who did what to which record or person, when and from where — every request
// to the API's /v1 routes, refused ones included, written beside the ledger (its
// access_log table) for `onestop audit access`.
//
// Entries are appended by a background thread in batches (one transaction per batch), so a
// request never waits for the log's disk write or competes with the settlement writer's
// commits. The price, stated: a crash can lose the entries of the last moments (at most one
// flush interval); the ledger's own records, each naming its hospital and time, are never
// lost. A queue that cannot be written (database failing) keeps at most `max_queued` entries
// and counts what it had to drop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"

namespace onestop::store {

struct AccessEntry {
  std::int64_t id = 0;       // assigned by the database; 0 before it is written
  std::string at;            // UTC, ISO 8601 with milliseconds: 2020-03-02T08:15:00.123Z;
                             // append() stamps the current time when it is empty
  std::string client;        // the client's name; "" when the request did not authenticate
  std::string role;          // its role; "" likewise
  std::string method;        // GET, POST, PUT
  std::string route;         // the route template (/v1/settlements/{id}), "unmatched"
  std::string target;        // the record or person touched: "settlement:12", "patient:P001",
                             // "bill:H01/B9"; "" when none
  int status = 0;            // the HTTP status answered
  std::string remote;        // the peer's address and port
  std::string correlation_id;
};

struct AccessQuery {
  std::optional<std::string> from;    // inclusive, compared with `at` as text (ISO sorts)
  std::optional<std::string> before;  // exclusive
  std::optional<std::string> client;
  std::optional<std::string> target;
  std::size_t limit = 1000;           // at most this many, oldest first
};

struct AccessLogOptions {
  int flush_interval_ms = 100;
  std::size_t max_batch = 512;
  std::size_t max_queued = 100'000;
};

class AccessLog {
 public:
  // Writes what is queued, then stops the writer.
  virtual ~AccessLog() = default;

  // Queues one entry; never blocks on the database, never throws. Thread-safe.
  virtual void append(AccessEntry entry) = 0;
  // Returns once everything appended before the call is written (or failed to be).
  virtual void flush() = 0;
  // Entries dropped because the queue was full while the database failed.
  virtual std::uint64_t dropped() const = 0;

  // Entries matching `query`, oldest first. Error code ledger_unavailable.
  virtual Result<std::vector<AccessEntry>> list(const AccessQuery& query) = 0;
};

}  // namespace onestop::store
