// Adam (Kingma & Ba) with bias correction; x is clamped into the box after every update.
#include <cmath>
#include <string>

#include "nst/error.h"
#include "optim/first_order.h"

namespace nst::detail {
namespace {

class AdamOptimizer final : public FirstOrderOptimizer {
 public:
  using FirstOrderOptimizer::FirstOrderOptimizer;
  std::string name() const override { return "adam"; }

 protected:
  at::Tensor update(const at::Tensor& x, const at::Tensor& g) override {
    if (!m_.defined() || !m_.sizes().equals(x.sizes()) || !m_.options().type_equal(x.options())) {
      m_ = at::zeros_like(x);
      v_ = at::zeros_like(x);
      count_ = 0;
    }
    ++count_;
    m_.mul_(options_.beta1).add_(g, 1 - options_.beta1);
    v_.mul_(options_.beta2).addcmul_(g, g, 1 - options_.beta2);
    const double correction1 = 1 - std::pow(options_.beta1, count_);
    const double correction2 = 1 - std::pow(options_.beta2, count_);
    at::Tensor denom = (v_ / correction2).sqrt_().add_(options_.epsilon);
    return at::addcdiv(x, m_, denom, -options_.learning_rate / correction1);
  }

  void clear_state() override {
    m_ = at::Tensor();
    v_ = at::Tensor();
    count_ = 0;
  }

  void save_method(OptimizerState& state) const override {
    state.scalars["count"] = static_cast<double>(count_);
    if (!m_.defined()) return;
    state.tensors["m"] = cpu_copy(m_);
    state.tensors["v"] = cpu_copy(v_);
  }

  void load_method(const StateReader& reader, const at::Device& device) override {
    clear_state();
    count_ = static_cast<long>(reader.integer("count", 0, int64_t{1} << 53));
    if (count_ == 0) return;  // moments are zeroed at the next update anyway
    m_ = reader.tensor("m", device);
    v_ = reader.tensor("v", device);
    NST_CHECK(m_.sizes().equals(v_.sizes()), kFormat, "adam optimizer state: moments differ in shape");
  }

 private:
  at::Tensor m_, v_;  // first and second moment estimates
  long count_ = 0;    // updates since the moments were zeroed
};

}  // namespace

std::unique_ptr<Optimizer> make_adam(const OptimizerOptions& options) {
  return std::make_unique<AdamOptimizer>(options);
}

}  // namespace nst::detail
