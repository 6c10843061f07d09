// L-BFGS-B building blocks (see lbfgsb.h): compact form, generalized Cauchy point, subspace step.
//
// Notation of Byrd, Lu, Nocedal & Zhu (1995): B = theta I - W M W', W = [Y, theta S],
// M = [[-D, L'], [L, theta S'S]]^-1 with D = diag(s_i·y_i) and L the strictly lower part of S'Y.
// The n-sized work is tensor operations (no per-element C++ loop): the Cauchy point sorts the
// breakpoints with at::sort and scans them in growing chunks, with cumulative sums over gathered
// rows of W (the sequential update of f', f'' in the paper's algorithm CP, written in closed form
// per segment), stopping at the first chunk holding the minimizer. Small 2m x 2m algebra is done
// in double on the CPU.
#include "optim/lbfgsb.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "nst/error.h"
#include "optim/lbfgs.h"

namespace nst::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr int64_t kFirstChunk = 1024;   // breakpoints in the first scanned chunk
constexpr int64_t kMaxChunk = 65536;    // chunks grow 4x up to this many rows

at::Tensor to_tensor(const std::deque<std::deque<double>>& rows) {
  const int64_t m = static_cast<int64_t>(rows.size());
  at::Tensor out = at::empty({m, m}, at::kDouble);
  auto a = out.accessor<double, 2>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j) a[i][j] = rows[i][j];
  return out;
}

// Appends row/column k = m to a symmetric-or-not m x m table: (j, k) = col[j], (k, j) = row[j].
void grow(std::deque<std::deque<double>>& table, const std::vector<double>& row,
          const std::vector<double>& col, double diagonal) {
  for (size_t j = 0; j < table.size(); ++j) table[j].push_back(col[j]);
  table.emplace_back(row.begin(), row.end());
  table.back().push_back(diagonal);
}

// The inverse of to_tensor for an m x m double tensor.
std::deque<std::deque<double>> from_tensor(const at::Tensor& t, int64_t m, const std::string& key) {
  NST_CHECK(t.dim() == 2 && t.size(0) == m && t.size(1) == m && t.scalar_type() == at::kDouble, kFormat,
            "optimizer state: '" + key + "' must be " + std::to_string(m) + "x" + std::to_string(m) + " float64");
  const auto a = t.accessor<double, 2>();
  std::deque<std::deque<double>> rows(m);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j) rows[i].push_back(a[i][j]);
  return rows;
}

void drop_oldest(std::deque<std::deque<double>>& table) {
  table.pop_front();
  for (auto& row : table) row.pop_front();
}

}  // namespace

bool CompactLbfgs::add(at::Tensor s, at::Tensor y, double min_curvature) {
  if (capacity_ <= 0) return false;
  const at::Tensor like = at::empty({0}, s.options());
  Pair pair;
  pair.s.assign(std::move(s), precision_, device_);
  pair.y.assign(std::move(y), precision_, device_);
  // From the vectors as stored, so that B is built from exactly the vectors it multiplies.
  const at::Tensor sd = pair.s.decoded(like);
  const at::Tensor yd = pair.y.decoded(like);
  const double sy = dot_value(sd, yd);
  const double yy = dot_value(yd, yd);
  if (!(sy > min_curvature) || !std::isfinite(sy) || !(yy > 0) || !std::isfinite(yy)) return false;
  const size_t m = pairs_.size();
  std::vector<double> ss_new(m), sy_row(m), sy_col(m), yy_new(m);
  for (size_t j = 0; j < m; ++j) {
    ss_new[j] = pairs_[j].s.dot(sd);
    sy_row[j] = pairs_[j].y.dot(sd);  // s_new·y_j
    sy_col[j] = pairs_[j].s.dot(yd);  // s_j·y_new
    yy_new[j] = pairs_[j].y.dot(yd);
  }
  grow(ss_, ss_new, ss_new, dot_value(sd, sd));
  grow(sy_, sy_row, sy_col, sy);
  grow(yy_, yy_new, yy_new, yy);
  pairs_.push_back(std::move(pair));
  if (pairs_.size() > static_cast<size_t>(capacity_)) {
    pairs_.pop_front();
    drop_oldest(ss_);
    drop_oldest(sy_);
    drop_oldest(yy_);
  }
  theta_ = yy / sy;
  rebuild_middle();
  return true;
}

void CompactLbfgs::clear() {
  pairs_.clear();
  ss_.clear();
  sy_.clear();
  yy_.clear();
  theta_ = 1;
  middle_ = at::Tensor();
}

// M = K^-1 by blocks: with J = theta S'S + L D^-1 L' (SPD, Cholesky),
// M = [[-D^-1 + D^-1 L' J^-1 L D^-1, D^-1 L' J^-1], [J^-1 L D^-1, J^-1]].
void CompactLbfgs::rebuild_middle() {
  const at::Tensor sy = to_tensor(sy_);
  const at::Tensor d_inv = sy.diagonal().reciprocal();
  const at::Tensor l = sy.tril(-1);
  const at::Tensor ld = l * d_inv.unsqueeze(0);  // L D^-1
  const at::Tensor j = theta_ * to_tensor(ss_) + ld.mm(l.t());
  auto [chol, info] = at::linalg_cholesky_ex(j);
  at::Tensor j_inv;
  if (info.item<int64_t>() == 0) {
    j_inv = at::cholesky_inverse(chol);
  } else {
    j_inv = at::linalg_pinv(j);  // S nearly dependent: rounding made J indefinite
  }
  const at::Tensor top_right = ld.t().mm(j_inv);  // D^-1 L' J^-1
  const at::Tensor top_left = at::diag(d_inv.neg()) + top_right.mm(ld);
  middle_ = at::cat({at::cat({top_left, top_right}, 1), at::cat({top_right.t(), j_inv}, 1)}, 0);
}

at::Tensor CompactLbfgs::wt(const at::Tensor& v) const {
  const int64_t m = size();
  at::Tensor out = at::empty({2 * m}, at::kDouble);
  auto a = out.accessor<double, 1>();
  for (int64_t j = 0; j < m; ++j) {
    a[j] = pairs_[j].y.dot(v);
    a[m + j] = theta_ * pairs_[j].s.dot(v);
  }
  return out;
}

void CompactLbfgs::add_w(at::Tensor& v, const at::Tensor& u) const {
  const int64_t m = size();
  const at::Tensor u_cpu = u.to(at::kCPU, at::kDouble).contiguous();
  const auto a = u_cpu.accessor<double, 1>();
  for (int64_t j = 0; j < m; ++j) {
    pairs_[j].y.add_to(v, a[j]);
    pairs_[j].s.add_to(v, theta_ * a[m + j]);
  }
}

at::Tensor CompactLbfgs::rows(const at::Tensor& index, const at::TensorOptions& options) const {
  const int64_t m = size();
  if (m == 0) return at::zeros({index.numel(), 0}, options);
  std::vector<at::Tensor> columns;
  columns.reserve(2 * m);
  for (int64_t j = 0; j < m; ++j) columns.push_back(pairs_[j].y.gather(index, options));
  for (int64_t j = 0; j < m; ++j) columns.push_back(pairs_[j].s.gather(index, options).mul_(theta_));
  return at::stack(columns, 1);
}

at::Tensor CompactLbfgs::gram() const {
  const at::Tensor sy = to_tensor(sy_);
  return at::cat({at::cat({to_tensor(yy_), theta_ * sy.t()}, 1),
                  at::cat({theta_ * sy, theta_ * theta_ * to_tensor(ss_)}, 1)},
                 0);
}

void CompactLbfgs::save(OptimizerState& state) const {
  state.scalars["model.pairs"] = static_cast<double>(pairs_.size());
  for (size_t i = 0; i < pairs_.size(); ++i) {
    save_vector(pairs_[i].s, "model.s." + std::to_string(i), state);
    save_vector(pairs_[i].y, "model.y." + std::to_string(i), state);
  }
  state.tensors["model.ss"] = to_tensor(ss_);
  state.tensors["model.sy"] = to_tensor(sy_);
  state.tensors["model.yy"] = to_tensor(yy_);
  state.scalars["model.theta"] = theta_;
  if (middle_.defined()) state.tensors["model.middle"] = cpu_copy(middle_);
}

void CompactLbfgs::load(const StateReader& reader, const at::Device& device) {
  const at::Device where = device_.value_or(device);
  const int64_t m = reader.integer("model.pairs", 0, std::max(capacity_, 0));
  std::deque<Pair> pairs;
  for (int64_t i = 0; i < m; ++i) {
    Pair pair;
    pair.s = load_vector(reader, "model.s." + std::to_string(i), precision_, where);
    pair.y = load_vector(reader, "model.y." + std::to_string(i), precision_, where);
    pairs.push_back(std::move(pair));
  }
  ss_ = from_tensor(reader.tensor("model.ss", at::kCPU), m, "model.ss");
  sy_ = from_tensor(reader.tensor("model.sy", at::kCPU), m, "model.sy");
  yy_ = from_tensor(reader.tensor("model.yy", at::kCPU), m, "model.yy");
  pairs_ = std::move(pairs);
  theta_ = reader.scalar("model.theta");
  middle_ = m > 0 ? reader.tensor("model.middle", at::kCPU) : at::Tensor();
  NST_CHECK(m == 0 || (middle_.dim() == 2 && middle_.size(0) == 2 * m && middle_.size(1) == 2 * m &&
                       middle_.scalar_type() == at::kDouble),
            kFormat, "optimizer state: 'model.middle' must be " + std::to_string(2 * m) + " square float64");
}

CauchyPoint cauchy_point(const at::Tensor& x, const at::Tensor& g, double lower, double upper,
                         const CompactLbfgs& b) {
  const at::TensorOptions dbl = at::TensorOptions().dtype(at::kDouble).device(x.device());
  const at::Tensor x64 = x.reshape(-1).to(at::kDouble);
  const at::Tensor g64 = g.reshape(-1).to(at::kDouble);
  // Breakpoints: the t at which P(x - t g) reaches a bound (0: at it already, moving out).
  at::Tensor tb = at::full_like(x64, kInf);
  if (std::isfinite(upper)) tb = at::where(g64 < 0, (x64 - upper) / g64, tb);
  if (std::isfinite(lower)) tb = at::where(g64 > 0, (x64 - lower) / g64, tb);
  tb.clamp_min_(0);
  const at::Tensor d = g64.neg().mul_(tb > 0);  // path direction on [0, first breakpoint]

  const double theta = b.theta();
  const at::Tensor middle = b.size() > 0 ? b.middle().to(dbl) : at::zeros({0, 0}, dbl);
  const at::Tensor p0 = b.wt(d.to(x.scalar_type())).to(dbl);  // W'd (dots in x's dtype, as elsewhere)
  const double g0 = dot_value(d, d);
  double f2_first = theta * g0 - dot_value(p0, middle.mv(p0));
  f2_first = std::max(f2_first, kEps * theta * g0);  // B is positive definite; guard rounding
  double t = g0 / f2_first;                          // minimizer on the first segment

  const at::Tensor sel = at::nonzero(at::logical_and(tb > 0, tb < kInf)).squeeze(1);
  const int64_t nb = sel.numel();
  if (nb > 0) {
    auto [times, order] = at::sort(tb.index_select(0, sel));
    const at::Tensor idx = sel.index_select(0, order);
    if (!(t < times[0].item<double>())) {
      // |d_k|^2 on segment k (after fixing breakpoints 0..k), as suffix sums (no cancellation).
      const at::Tensor g2 = g64.index_select(0, idx).pow(2);
      const double g_never = (d.pow(2) * (tb == kInf)).sum().item<double>();
      const at::Tensor suffix = g2.flip(0).cumsum(0).flip(0);
      const at::Tensor dd = at::cat({suffix.slice(0, 1), at::zeros({1}, dbl)}) + g_never;
      const at::Tensor next = at::cat({times.slice(0, 1), at::full({1}, kInf, dbl)});
      at::Tensor sum_gw = at::zeros_like(p0), sum_tgw = at::zeros_like(p0);
      t = times[nb - 1].item<double>();  // (reached only if no segment holds a minimizer)
      for (int64_t start = 0, chunk = kFirstChunk; start < nb; chunk = std::min(4 * chunk, kMaxChunk)) {
        const int64_t end = std::min(nb, start + chunk);
        const at::Tensor tk = times.slice(0, start, end);
        const at::Tensor ik = idx.slice(0, start, end);
        const at::Tensor ddk = dd.slice(0, start, end);
        const at::Tensor gw = b.rows(ik, dbl).mul_(g64.index_select(0, ik).unsqueeze(1));
        const at::Tensor tgw = gw * tk.unsqueeze(1);
        // Segment k starts at t_k with p_k = W'd_k and c_k = W'(x(t_k) - x).
        const at::Tensor p = gw.cumsum(0).add_(p0 + sum_gw);
        const at::Tensor c = tk.unsqueeze(1) * p - tgw.cumsum(0).add_(sum_tgw);
        const at::Tensor mp = p.mm(middle);
        const at::Tensor f2 = (theta * ddk - (mp * p).sum(1)).clamp_min_(kEps * f2_first);
        const at::Tensor f1 = (theta * tk - 1) * ddk - (mp * c).sum(1);
        const at::Tensor dtm = (f1.neg() / f2).mul_(ddk > 0);
        const at::Tensor stop = dtm < next.slice(0, start, end) - tk;
        if (stop.any().item<bool>()) {
          const int64_t k = stop.to(at::kInt).argmax().item<int64_t>();  // the first one
          t = tk[k].item<double>() + std::max(dtm[k].item<double>(), 0.0);
          break;
        }
        sum_gw.add_(gw.sum(0));
        sum_tgw.add_(tgw.sum(0));
        start = end;
      }
    }
  }

  at::Tensor bound = at::zeros_like(x64);
  if (std::isfinite(upper)) bound.masked_fill_(g64 < 0, upper);
  if (std::isfinite(lower)) bound.masked_fill_(g64 > 0, lower);
  const at::Tensor fixed = tb <= t;
  CauchyPoint cp;
  cp.t = t;
  cp.x = at::where(fixed, bound, x64 - t * g64).to(x.scalar_type()).view_as(x);
  project_(cp.x, lower, upper);
  cp.free = fixed.logical_not().view_as(x);
  return cp;
}

namespace {

// W_F'W_F over the free variables: gathered directly, or as W'W - W_A'W_A when fewer are fixed.
at::Tensor free_gram(const CompactLbfgs& b, const at::Tensor& free, const at::TensorOptions& dbl) {
  const at::Tensor mask = free.reshape(-1);
  const int64_t n = mask.numel();
  const int64_t n_free = mask.sum().item<int64_t>();
  const bool direct = n_free <= n - n_free;
  const at::Tensor index = at::nonzero(direct ? mask : mask.logical_not()).squeeze(1);
  at::Tensor sum = at::zeros({2 * b.size(), 2 * b.size()}, dbl);
  for (int64_t start = 0; start < index.numel(); start += kMaxChunk) {
    const at::Tensor rows = b.rows(index.slice(0, start, std::min(index.numel(), start + kMaxChunk)), dbl);
    sum.add_(rows.t().mm(rows));
  }
  return direct ? sum.cpu() : b.gram() - sum.cpu();
}

}  // namespace

at::Tensor subspace_point(const at::Tensor& x, const at::Tensor& g, double lower, double upper,
                          const CompactLbfgs& b, const CauchyPoint& cp) {
  if (!cp.free.any().item<bool>()) return cp.x.clone();
  const at::TensorOptions dbl = at::TensorOptions().dtype(at::kDouble).device(x.device());
  const double theta = b.theta();
  const int64_t m = b.size();
  const at::Tensor free = cp.free.to(x.scalar_type());
  const at::Tensor z = cp.x - x;
  // Reduced gradient of the model at the Cauchy point: r = Z'(g + theta z - W M W'z).
  at::Tensor r = g + theta * z;
  if (m > 0) b.add_w(r, b.middle().mv(b.wt(z)).neg());
  r.mul_(free);
  // du = -(1/theta) r - (1/theta^2) Z'W (I - (1/theta) M W'ZZ'W)^-1 M W'Z r.
  at::Tensor du = r * (-1.0 / theta);
  if (m > 0) {
    const at::Tensor& middle = b.middle();
    const at::Tensor n_matrix =
        at::eye(2 * m, at::kDouble) - middle.mm(free_gram(b, cp.free, dbl)) / theta;
    const at::Tensor v = at::linalg_solve(n_matrix, middle.mv(b.wt(r)));
    b.add_w(du, v * (-1.0 / (theta * theta)));
    du.mul_(free);
  }
  const at::Tensor unclipped = cp.x + du;
  at::Tensor target = unclipped.clone();
  project_(target, lower, upper);
  if (at::equal(target, unclipped)) return target;
  // Morales & Nocedal: keep the projected minimizer when it still gives descent from x ...
  if (dot_value(g, target - x) < 0) return target;
  // ... else go along du from the Cauchy point only as far as the box allows.
  const at::Tensor du64 = du.to(at::kDouble), xc64 = cp.x.to(at::kDouble);
  at::Tensor ratio = at::full_like(du64, kInf);
  if (std::isfinite(upper)) ratio = at::where(du64 > 0, (upper - xc64) / du64, ratio);
  if (std::isfinite(lower)) ratio = at::where(du64 < 0, (lower - xc64) / du64, ratio);
  const double alpha = std::clamp(ratio.min().item<double>(), 0.0, 1.0);
  target = cp.x + alpha * du;
  project_(target, lower, upper);
  return target;
}

}  // namespace nst::detail
