// Downloads with libcurl. The weight files are 0.5 GB on academic servers, so everything that
// makes a long transfer fail halfway is handled here: resuming a .part file, servers that ignore
// Range, dropped connections, dead servers (connect timeout, low-speed limit) and Ctrl-C.
#include "fetch/download.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "nst/error.h"

namespace nst::detail {
namespace {

using Clock = std::chrono::steady_clock;

constexpr long kMaxRedirects = 10;
constexpr const char* kUserAgent = "nst/0.1 (weights fetch)";

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  int fd = -1;
  uint64_t written = 0;  // bytes appended by this attempt
  int write_errno = 0;
  bool aborted = false;
  const FetchCallback* progress = nullptr;
  FetchProgress state;
  Clock::time_point start = Clock::now();
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Calls the user's callback; false means "abort".
bool report(Transfer& t, const std::string& event) {
  t.state.received = t.state.resumed_from + t.written;
  t.state.seconds = seconds_since(t.start);
  t.state.event = event;
  return !*t.progress || (*t.progress)(t.state);
}

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  for (size_t done = 0; done < n;) {
    const ssize_t w = ::write(t->fd, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;  // Ctrl-C arrives during write(); the callback decides
      t->write_errno = errno;
      return 0;  // less than n: curl stops with CURLE_WRITE_ERROR
    }
    done += static_cast<size_t>(w);
  }
  t->written += n;
  return n;
}

// Also called about once a second when no data flows, so Ctrl-C works on a stalled server.
int on_progress(void* user, curl_off_t dltotal, curl_off_t /*dlnow*/, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (dltotal > 0) t->state.total = t->state.resumed_from + static_cast<uint64_t>(dltotal);
  if (!report(*t, "")) {
    t->aborted = true;
    return 1;
  }
  return 0;
}

// Worth another try: the network or the server may recover. 4xx answers, bad URLs, TLS
// certificate problems and local write errors will not.
bool is_transient(CURLcode rc, long http_code) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    case CURLE_HTTP_RETURNED_ERROR:
      return http_code >= 500 || http_code == 408 || http_code == 429;
    default:
      return false;
  }
}

std::string describe(CURLcode rc, long http_code, const char* error_buffer) {
  if (rc == CURLE_HTTP_RETURNED_ERROR) return "HTTP " + std::to_string(http_code);
  return error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
}

uint64_t file_size(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void set_options(CURL* curl, const std::string& url, const FetchOptions& options, Transfer& t, uint64_t offset,
                 char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);  // an HTTP error page must not become the .part
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_limit);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options.low_speed_time_s);
  // file:// serves local mirrors; a redirect must not lead from the web to a local file.
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
  if (offset > 0) curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
}

// Closes the .part and, when it holds nothing, removes it, so a failure leaves no empty debris.
class PartFile {
 public:
  explicit PartFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    NST_CHECK(fd_ >= 0, kIo, "cannot write " + path + ": " + std::strerror(errno));
    // Two processes appending to one .part would interleave their bytes.
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fail(ErrorKind::kIo, path + " is being downloaded by another nst process");
    }
  }
  ~PartFile() {
    const bool empty = file_size(fd_) == 0;
    ::close(fd_);
    if (empty) ::unlink(path_.c_str());
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;
  int fd() const { return fd_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

DownloadOutcome download_to_part(const std::string& url, const std::string& part_path, const FetchOptions& options,
                                 const FetchCallback& progress) {
  init_curl_once();
  PartFile part(part_path);
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  NST_CHECK(curl, kResource, "cannot start libcurl");
  const int attempts = std::max(1, options.attempts);
  const bool had_part = file_size(part.fd()) > 0;
  bool restarted = false;
  for (int attempt = 1;;) {
    Transfer t;
    t.fd = part.fd();
    t.progress = &progress;
    const uint64_t offset = file_size(part.fd());
    t.state.resumed_from = offset;
    t.state.attempt = attempt;
    t.state.attempts = attempts;
    const auto kept = [&] {
      const uint64_t n = file_size(part.fd());
      if (n == 0) return std::string("nothing received");
      return std::to_string(n) + " bytes kept in " + part_path + " (the same command resumes it)";
    };
    const auto interrupted = [&] { fail(ErrorKind::kInterrupted, "download of " + url + " interrupted; " + kept()); };
    if (!report(t, offset > 0 ? "resume at byte " + std::to_string(offset) : "start")) interrupted();

    char error_buffer[CURL_ERROR_SIZE] = "";
    curl_easy_reset(curl.get());
    set_options(curl.get(), url, options, t, offset, error_buffer);
    const CURLcode rc = curl_easy_perform(curl.get());
    long http_code = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &http_code);

    if (t.write_errno != 0) fail(ErrorKind::kIo, "cannot write " + part_path + ": " + std::strerror(t.write_errno));
    if (rc == CURLE_OK) {
      ::fsync(part.fd());  // the rename that follows must not publish unwritten data
      return {file_size(part.fd()), had_part && !restarted};
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && t.aborted) interrupted();
    if (rc == CURLE_RANGE_ERROR && !restarted) {
      // The server answered 200 to a Range request: its bytes start at zero, so must the file.
      NST_CHECK(::ftruncate(part.fd(), 0) == 0, kIo, "cannot truncate " + part_path);
      restarted = true;
      if (!report(t, "restart from zero: the server does not resume downloads")) interrupted();
      continue;
    }
    if (rc == CURLE_HTTP_RETURNED_ERROR && http_code == 416 && offset > 0) {
      // Range not satisfiable: the .part is already complete (or longer); the hash decides.
      return {offset, had_part};
    }
    const std::string reason = describe(rc, http_code, error_buffer);
    if (!is_transient(rc, http_code)) fail(ErrorKind::kIo, "download of " + url + " failed: " + reason);
    if (attempt >= attempts) {
      fail(ErrorKind::kIo,
           "download of " + url + " failed after " + std::to_string(attempts) + " attempts: " + reason + "; " + kept());
    }
    const int delay_ms = options.retry_delay_ms * attempt;
    char event[64];
    std::snprintf(event, sizeof event, "retry %d/%d in %.1f s: ", attempt + 1, attempts, delay_ms / 1000.0);
    if (!report(t, event + reason)) interrupted();
    const Clock::time_point until = Clock::now() + std::chrono::milliseconds(delay_ms);
    while (Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!report(t, "")) interrupted();
    }
    ++attempt;
  }
}

}  // namespace nst::detail
