#include "net/curl_multi.hpp"

#include "util/log.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace junction::net {

namespace {

constexpr std::string_view kLog = "curl";

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

// What curl wants to know about one descriptor. A connection socket (`owned`) lives from
// OPENSOCKETFUNCTION to CLOSESOCKETFUNCTION; a descriptor curl made itself is watched through
// a dup (`foreign`) so that curl closing its copy never leaves Asio with a stale number.
struct Watch {
  curl_socket_t fd = CURL_SOCKET_BAD;
  std::unique_ptr<asio::generic::stream_protocol::socket> owned;
  std::unique_ptr<asio::posix::stream_descriptor> foreign;
  dev_t dev = 0;
  ino_t ino = 0;
  int what = 0;  // CURL_POLL_* currently requested
  bool read_armed = false;
  bool write_armed = false;
  bool closed = false;

  template <class Handler>
  void async_wait(asio::socket_base::wait_type type, Handler&& handler) {
    if (owned) {
      owned->async_wait(type, std::forward<Handler>(handler));
    } else {
      auto ptype = type == asio::socket_base::wait_read ? asio::posix::descriptor_base::wait_read
                                                        : asio::posix::descriptor_base::wait_write;
      foreign->async_wait(ptype, std::forward<Handler>(handler));
    }
  }
};

bool same_file(int fd, dev_t dev, ino_t ino) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

CurlTransfer::CurlTransfer() : easy_(nullptr) {
  global_init_once();
  easy_ = curl_easy_init();
  if (easy_ == nullptr) throw std::bad_alloc();
}

CurlTransfer::~CurlTransfer() { curl_easy_cleanup(easy_); }

void CurlTransfer::complete(CURLcode code, bool cancelled) {
  std::string_view detail;
  if (cancelled) {
    detail = "cancelled";
  } else if (error_[0] != '\0') {
    detail = error_;
  } else {
    detail = curl_easy_strerror(code);
  }
  finish(code, detail, cancelled);
}

struct CurlMulti::Impl : std::enable_shared_from_this<Impl> {
  asio::io_context& io;
  CURLM* multi = nullptr;
  bool closing = false;
  asio::steady_timer timer;
  std::map<curl_socket_t, std::shared_ptr<Watch>> watches;
  std::map<CURL*, std::shared_ptr<CurlTransfer>> transfers;

  explicit Impl(asio::io_context& i) : io(i), timer(i) {}

  // --- curl callbacks: they only record and arm; they never call back into curl ---

  static curl_socket_t on_open(void* clientp, curlsocktype purpose, struct curl_sockaddr* address) {
    auto* self = static_cast<Impl*>(clientp);
    if (purpose != CURLSOCKTYPE_IPCXN || address->socktype != SOCK_STREAM) return CURL_SOCKET_BAD;
    int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd < 0) return CURL_SOCKET_BAD;
    auto w = std::make_shared<Watch>();
    w->fd = fd;
    w->owned = std::make_unique<asio::generic::stream_protocol::socket>(self->io);
    boost::system::error_code ec;
    w->owned->assign(asio::generic::stream_protocol(address->family, address->protocol), fd, ec);
    if (ec) {
      log::warn(kLog, "cannot register socket: {}", ec.message());
      ::close(fd);
      return CURL_SOCKET_BAD;
    }
    self->drop(fd);  // a stale watch for a number the kernel has reused
    self->watches.emplace(fd, std::move(w));
    return fd;
  }

  static int on_close(void* clientp, curl_socket_t fd) {
    auto* self = static_cast<Impl*>(clientp);
    auto it = self->watches.find(fd);
    if (it == self->watches.end() || !it->second->owned) return ::close(fd);
    self->drop(fd);
    return 0;
  }

  static int on_socket(CURL*, curl_socket_t fd, int what, void* clientp, void*) {
    static_cast<Impl*>(clientp)->update(fd, what);
    return 0;
  }

  static int on_timer(CURLM*, long timeout_ms, void* clientp) {
    auto* self = static_cast<Impl*>(clientp);
    if (timeout_ms < 0) {
      self->timer.cancel();
      return 0;
    }
    // Even a 0 ms timeout goes through the timer: acting now would re-enter curl.
    self->timer.expires_after(std::chrono::milliseconds(timeout_ms));
    self->timer.async_wait([weak = self->weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) s->action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  // --- watch bookkeeping ---

  void drop(curl_socket_t fd) {
    auto it = watches.find(fd);
    if (it == watches.end()) return;
    auto w = std::move(it->second);
    watches.erase(it);
    w->closed = true;
    // Destroying the Asio object closes the descriptor and aborts pending waits.
    w->owned.reset();
    w->foreign.reset();
  }

  void update(curl_socket_t fd, int what) {
    auto it = watches.find(fd);
    if (what == CURL_POLL_REMOVE) {
      if (it == watches.end()) return;
      // A connection socket may be reused from the cache: keep it, just stop caring.
      if (it->second->owned) {
        it->second->what = 0;
      } else {
        drop(fd);
      }
      return;
    }
    std::shared_ptr<Watch> w;
    if (it != watches.end() && (it->second->owned || same_file(fd, it->second->dev, it->second->ino))) {
      w = it->second;
    } else {
      drop(fd);
      w = watch_foreign(fd);
      if (!w) return;
    }
    w->what = what;
    arm(w);
  }

  std::shared_ptr<Watch> watch_foreign(curl_socket_t fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return nullptr;
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
      log::warn(kLog, "cannot watch descriptor {}: dup failed", fd);
      return nullptr;
    }
    auto w = std::make_shared<Watch>();
    w->fd = fd;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    w->foreign = std::make_unique<asio::posix::stream_descriptor>(io);
    boost::system::error_code ec;
    w->foreign->assign(copy, ec);
    if (ec) {
      log::warn(kLog, "cannot watch descriptor {}: {}", fd, ec.message());
      ::close(copy);
      return nullptr;
    }
    watches.emplace(fd, w);
    return w;
  }

  void arm(const std::shared_ptr<Watch>& w) {
    if ((w->what & CURL_POLL_IN) && !w->read_armed) {
      w->read_armed = true;
      wait(w, true);
    }
    if ((w->what & CURL_POLL_OUT) && !w->write_armed) {
      w->write_armed = true;
      wait(w, false);
    }
  }

  void wait(const std::shared_ptr<Watch>& w, bool read) {
    auto type = read ? asio::socket_base::wait_read : asio::socket_base::wait_write;
    w->async_wait(type, [weak = weak_from_this(), w, read](boost::system::error_code ec) {
      (read ? w->read_armed : w->write_armed) = false;
      auto self = weak.lock();
      if (!self || w->closed || ec == asio::error::operation_aborted) return;
      int bit = read ? CURL_POLL_IN : CURL_POLL_OUT;
      // A wait left over from before curl changed its mind: drop it, don't re-arm.
      if (!(w->what & bit)) return;
      int event = ec ? CURL_CSELECT_ERR : (read ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
      self->action(w->fd, event);
      if (!w->closed) self->arm(w);
    });
  }

  // --- driving curl (only from Asio handlers or public calls) ---

  void action(curl_socket_t fd, int event) {
    if (multi == nullptr) return;
    auto keep = shared_from_this();
    int running = 0;
    CURLMcode rc = curl_multi_socket_action(multi, fd, event, &running);
    if (rc != CURLM_OK) log::error(kLog, "curl_multi_socket_action: {}", curl_multi_strerror(rc));
    reap();
  }

  void reap() {
    std::vector<std::pair<std::shared_ptr<CurlTransfer>, CURLcode>> done;
    int left = 0;
    while (multi != nullptr) {
      CURLMsg* msg = curl_multi_info_read(multi, &left);
      if (msg == nullptr) break;
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      auto it = transfers.find(easy);
      if (it == transfers.end()) continue;
      done.emplace_back(std::move(it->second), code);
      transfers.erase(it);
      curl_multi_remove_handle(multi, easy);
    }
    // Callbacks run after curl's bookkeeping is settled: they may start or cancel transfers.
    for (auto& [transfer, code] : done) transfer->complete(code, false);
  }

  void cancel(const void* owner, bool all) {
    std::vector<std::shared_ptr<CurlTransfer>> victims;
    for (auto it = transfers.begin(); it != transfers.end();) {
      if (all || it->second->owner_ == owner) {
        victims.push_back(std::move(it->second));
        if (multi != nullptr) curl_multi_remove_handle(multi, it->first);
        it = transfers.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& t : victims) t->complete(CURLE_ABORTED_BY_CALLBACK, true);
  }
};

CurlMulti::CurlMulti(asio::io_context& io, Options options) : impl_(std::make_shared<Impl>(io)) {
  global_init_once();
  impl_->multi = curl_multi_init();
  if (impl_->multi == nullptr) throw std::bad_alloc();
  CURLM* m = impl_->multi;
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, impl_.get());
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_total_connections);
}

CurlMulti::~CurlMulti() {
  auto keep = impl_;
  impl_->closing = true;
  impl_->cancel(nullptr, true);
  // Cleanup closes cached connections through on_close, so the watches must still exist.
  curl_multi_cleanup(impl_->multi);
  impl_->multi = nullptr;
  impl_->timer.cancel();
  while (!impl_->watches.empty()) impl_->drop(impl_->watches.begin()->first);
}

void CurlMulti::start(std::shared_ptr<CurlTransfer> transfer, const void* owner) {
  CURL* easy = transfer->easy();
  transfer->owner_ = owner;
  if (impl_->closing) {
    // Started from a finish() callback while shutting down: refuse, still asynchronously.
    asio::post(impl_->io, [transfer = std::move(transfer)] { transfer->complete(CURLE_ABORTED_BY_CALLBACK, true); });
    return;
  }
  transfer->error_[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error_);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Impl::on_open);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, impl_.get());
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, impl_.get());
  CURLMcode rc = curl_multi_add_handle(impl_->multi, easy);
  if (rc != CURLM_OK) {
    log::error(kLog, "curl_multi_add_handle: {}", curl_multi_strerror(rc));
    asio::post(impl_->io, [transfer = std::move(transfer)] { transfer->complete(CURLE_FAILED_INIT, false); });
    return;
  }
  impl_->transfers.emplace(easy, std::move(transfer));
}

void CurlMulti::cancel_owned_by(const void* owner) {
  auto keep = impl_;
  impl_->cancel(owner, false);
}

std::size_t CurlMulti::active() const { return impl_->transfers.size(); }

asio::io_context& CurlMulti::io() const { return impl_->io; }

}  // namespace junction::net
