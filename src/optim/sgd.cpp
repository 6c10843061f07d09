// SGD with heavy-ball momentum (v = mu v + g; x -= lr v); x is clamped into the box each step.
#include <string>

#include "optim/first_order.h"

namespace nst::detail {
namespace {

class SgdOptimizer final : public FirstOrderOptimizer {
 public:
  using FirstOrderOptimizer::FirstOrderOptimizer;
  std::string name() const override { return "sgd"; }

 protected:
  at::Tensor update(const at::Tensor& x, const at::Tensor& g) override {
    if (!velocity_.defined() || !velocity_.sizes().equals(x.sizes()) ||
        !velocity_.options().type_equal(x.options())) {
      velocity_ = g.clone();
    } else {
      velocity_.mul_(options_.momentum).add_(g);
    }
    return at::add(x, velocity_, -options_.learning_rate);
  }

  void clear_state() override { velocity_ = at::Tensor(); }

  void save_method(OptimizerState& state) const override {
    state.scalars["velocity"] = velocity_.defined() ? 1 : 0;
    if (velocity_.defined()) state.tensors["velocity"] = cpu_copy(velocity_);
  }

  void load_method(const StateReader& reader, const at::Device& device) override {
    velocity_ = reader.integer("velocity", 0, 1) == 1 ? reader.tensor("velocity", device) : at::Tensor();
  }

 private:
  at::Tensor velocity_;
};

}  // namespace

std::unique_ptr<Optimizer> make_sgd(const OptimizerOptions& options) {
  return std::make_unique<SgdOptimizer>(options);
}

}  // namespace nst::detail
