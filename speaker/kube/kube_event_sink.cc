#include "speaker/kube/kube_event_sink.h"

#include "common/log.h"

namespace ironlb::speaker {

KubeEventSink::KubeEventSink(kube::Client* client, std::string host)
    : recorder_(client, "ironlb-speaker", std::move(host)), worker_([this] { Run(); }) {}

KubeEventSink::~KubeEventSink() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void KubeEventSink::ServiceWarning(const std::string& namespace_name, std::string reason,
                                   std::string message) {
  const size_t slash = namespace_name.find('/');
  if (slash == std::string::npos) return;  // not a Service's key: nothing to attach it to
  Warning({{"apiVersion", "v1"},
           {"kind", "Service"},
           {"metadata",
            {{"namespace", namespace_name.substr(0, slash)},
             {"name", namespace_name.substr(slash + 1)}}}},
          std::move(reason), std::move(message));
}

void KubeEventSink::Warning(nlohmann::json involved, std::string reason, std::string message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back({std::move(involved), std::move(reason), std::move(message)});
  }
  wake_.notify_one();
}

void KubeEventSink::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    auto written =
        recorder_.Record(p.involved, kube::EventRecorder::Type::kWarning, p.reason, p.message);
    if (!written.ok()) {
      IRONLB_LOG(kWarn, "cannot write an Event")
          .With("reason", p.reason)
          .With("error", written.status());
    }
    lock.lock();
    if (written.ok()) ++written_;
  }
}

size_t KubeEventSink::written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

size_t KubeEventSink::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace ironlb::speaker
