// Store throughput: how many outbox entries (enqueue, then mark done) and dedupe keys the
// SQLite store records per second on a real file (WAL, synchronous=NORMAL). The SMS gateway
// needs 5,000 stored webhooks/s; each webhook is one dedupe remember plus one enqueue.
#include "store/sqlite_store.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace junction;
using namespace junction::store;

namespace {

std::atomic<long> run_counter{0};

// Each run gets its own fresh file so runs don't see each other's keys or table sizes.
std::string fresh_path() {
  auto dir = std::filesystem::temp_directory_path();
  return (dir / fmt::format("junction-store-bench-{}-{}.db", ::getpid(), run_counter++)).string();
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

OutboxEntry make_entry(int thread, int i) {
  OutboxEntry e;
  e.gateway = "sms";
  e.direction = Direction::to_xmpp;
  e.key = fmt::format("SM{:08x}{:08x}", thread, i);
  e.user = "alice@example.org";
  e.payload = "<message to='alice@example.org' from='+15551234567@sms.example.org' type='chat'>"
              "<body>hello there, this is a typical short text message</body></message>";
  return e;
}

// One operation of the workload for (thread, i); false on a store error.
using Op = std::function<bool(SqliteStore&, int thread, int i)>;

bool outbox_op(SqliteStore& s, int t, int i) {
  auto r = s.outbox().enqueue(make_entry(t, i));
  return r && s.outbox().set_state(r->id, OutboxState::done).has_value();
}

bool dedupe_op(SqliteStore& s, int t, int i) { return s.dedupe().remember("sms", fmt::format("SM{}-{}", t, i)).value_or(false); }

bool webhook_op(SqliteStore& s, int t, int i) {
  auto e = make_entry(t, i);
  return s.dedupe().remember("sms", e.key).value_or(false) && s.outbox().enqueue(e).has_value();
}

// Runs `ops` operations per thread, `group` of them per transaction (1 = no batching).
double measure(const char* name, const Op& op, int threads, int ops, int group) {
  auto path = fresh_path();
  auto store = SqliteStore::open(path);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    std::exit(1);
  }
  // STORE_BENCH_PRAGMA="PRAGMA ..." tries a setting without a rebuild.
  if (const char* pragma = std::getenv("STORE_BENCH_PRAGMA"))
    (void)(*store)->with_database([&](Database& db) { return db.exec(pragma); });
  std::atomic<int> errors{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < ops; i += group) {
        const int end = std::min(ops, i + group);
        if (group == 1) {
          if (!op(**store, t, i)) ++errors;
          continue;
        }
        auto r = (*store)->batch([&]() -> Result<void> {
          for (int j = i; j < end; ++j)
            if (!op(**store, t, j)) return fail("op failed");
          return {};
        });
        if (!r) ++errors;
      }
    });
  }
  for (auto& w : workers) w.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double rate = threads * ops / seconds;
  std::printf("%-34s threads=%d group=%-4d %9.0f ops/s  (%d ops in %.2fs, errors=%d)\n", name, threads, group, rate,
              threads * ops, seconds, errors.load());
  store->reset();
  remove_db(path);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  log::set_level(log::Level::warn);
  const int ops = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::printf("store_bench: file in %s, WAL, synchronous=NORMAL, %d ops per thread\n",
              std::filesystem::temp_directory_path().c_str(), ops);
  for (int threads : {1, 2}) {
    measure("outbox enqueue + mark done", outbox_op, threads, ops, 1);
    measure("dedupe remember", dedupe_op, threads, ops, 1);
    measure("webhook (remember + enqueue)", webhook_op, threads, ops, 1);
  }
  for (int threads : {1, 2}) measure("webhook (remember + enqueue)", webhook_op, threads, ops, 10);
  for (int threads : {1, 2}) {
    measure("outbox enqueue + mark done", outbox_op, threads, ops, 100);
    measure("dedupe remember", dedupe_op, threads, ops, 100);
    measure("webhook (remember + enqueue)", webhook_op, threads, ops, 100);
  }
  return 0;
}
