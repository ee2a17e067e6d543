// The access log on PostgreSQL (store/access_log.hpp): batches written by the queue's thread on
// a connection of its own, read on another. A failed batch stays queued for the next round; a
// lost connection is opened again when next needed.
#include <memory>
#include <string>
#include <vector>

#include "adapters/postgres/open.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/postgres/schema.hpp"
#include "adapters/store/access_log_queue.hpp"

namespace onestop::postgres {
namespace {

using detail::Connection;
using detail::Params;
using detail::Rows;
using store::AccessEntry;

class PgAccessLog final : public store::AccessLog {
 public:
  PgAccessLog(const std::string& uri, const store::AccessLogOptions& options)
      : writer_(uri, 1),
        reader_(uri, 1),
        queue_(options, [this](const std::vector<AccessEntry>& batch) { return write(batch); }) {}

  void append(AccessEntry entry) override { queue_.append(std::move(entry)); }
  void flush() override { queue_.flush(); }
  std::uint64_t dropped() const override { return queue_.dropped(); }

  Result<std::vector<AccessEntry>> list(const store::AccessQuery& query) override {
    return detail::guarded(reader_, [&](Connection& db) {
      const Rows rows = db.run(
          "SELECT id, at, client, role, method, route, target, status, remote, correlation_id "
          "FROM access_log WHERE ($1::text IS NULL OR at >= $1) AND ($2::text IS NULL OR at < "
          "$2) AND ($3::text IS NULL OR client = $3) AND ($4::text IS NULL OR target = $4) "
          "ORDER BY id LIMIT $5",
          Params::of(query.from, query.before, query.client, query.target,
                     static_cast<std::int64_t>(query.limit)));
      std::vector<AccessEntry> out;
      for (int r = 0; r < rows.size(); ++r) {
        AccessEntry e;
        e.id = rows.int64(r, 0);
        e.at = rows.text(r, 1);
        e.client = rows.text(r, 2);
        e.role = rows.text(r, 3);
        e.method = rows.text(r, 4);
        e.route = rows.text(r, 5);
        e.target = rows.text(r, 6);
        e.status = static_cast<int>(rows.int64(r, 7));
        e.remote = rows.text(r, 8);
        e.correlation_id = rows.text(r, 9);
        out.push_back(std::move(e));
      }
      return out;
    });
  }

 private:
  // One transaction for the batch; false when the database failed (nothing written). The
  // log's commits need not wait for the standby: losing the last moments is the stated price.
  bool write(const std::vector<AccessEntry>& batch) {
    const std::optional<Error> failed = detail::guarded(writer_, [&](Connection& db) {
      db.exec("SET synchronous_commit = off");
      detail::in_transaction(db, [&](Connection& c) {
        detail::insert_rows(c,
                            "INSERT INTO access_log (at, client, role, method, route, target, "
                            "status, remote, correlation_id)",
                            9, batch.size(), [&](std::size_t i, Params& p) {
                              const AccessEntry& e = batch[i];
                              p.add(e.at).add(e.client).add(e.role).add(e.method).add(e.route);
                              p.add(e.target).add(e.status).add(e.remote).add(e.correlation_id);
                            });
      });
    });
    return !failed;
  }

  detail::Pool writer_;          // the queue's thread's only
  detail::Pool reader_;          // list()'s
  store::AccessLogQueue queue_;  // last: destroyed (its thread joined) before the pools
};

}  // namespace

Result<std::unique_ptr<store::AccessLog>> open_access_log(const std::string& uri,
                                                          const store::AccessLogOptions& options) {
  return detail::open_migrated<store::AccessLog, PgAccessLog>(uri, options);
}

}  // namespace onestop::postgres
