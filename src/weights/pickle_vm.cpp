// The pickle machine: a stack, a mark stack and a memo over an arena of values. Only the
// opcodes torch.save emits are implemented; anything else is refused with its offset.
#include "weights/pickle_vm.h"

#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "nst/error.h"

namespace nst::detail {
namespace {

// Limits far above any real state dict (VGG19 with _metadata: ~1000 values), so that a
// hostile pickle is refused before it can exhaust memory.
constexpr size_t kMaxValues = 1u << 21, kMaxStack = 1u << 20, kMaxMarks = 1u << 16, kMaxMemo = 1u << 20;
constexpr size_t kMaxLine = 256, kMaxDims = 16;
constexpr int64_t kMaxExtent = int64_t{1} << 40;

struct Allowed {
  const char* name;
  PyGlobal global;
  StorageDtype dtype;
};
// torch.storage._load_from_bytes and friends are deliberately absent: they unpickle nested data.
constexpr Allowed kAllowedGlobals[] = {
    {"collections.OrderedDict", PyGlobal::kOrderedDict, StorageDtype::kFloat},
    {"torch._utils._rebuild_tensor", PyGlobal::kRebuildTensor, StorageDtype::kFloat},
    {"torch._utils._rebuild_tensor_v2", PyGlobal::kRebuildTensorV2, StorageDtype::kFloat},
    {"torch._utils._rebuild_parameter", PyGlobal::kRebuildParameter, StorageDtype::kFloat},
    {"torch.FloatStorage", PyGlobal::kStorageType, StorageDtype::kFloat},
    {"torch.HalfStorage", PyGlobal::kStorageType, StorageDtype::kHalf},
    {"torch.DoubleStorage", PyGlobal::kStorageType, StorageDtype::kDouble},
    {"torch.BFloat16Storage", PyGlobal::kStorageType, StorageDtype::kBFloat16},
    {"torch.LongStorage", PyGlobal::kStorageType, StorageDtype::kLong},
    {"torch.IntStorage", PyGlobal::kStorageType, StorageDtype::kInt},
    {"torch.ByteStorage", PyGlobal::kStorageType, StorageDtype::kByte},
};

class Machine {
 public:
  Machine(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  Pickle run();

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(ErrorKind::kFormat, "pickle: " + what + " (at byte " + std::to_string(op_pos_) + ")");
  }
  const uint8_t* take(uint64_t n) {
    if (n > size_ - pos_) bad("truncated data");
    const uint8_t* p = data_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  uint64_t le(int n) {
    const uint8_t* p = take(static_cast<uint64_t>(n));
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  std::string line() {
    const size_t start = pos_;
    while (pos_ < size_ && data_[pos_] != '\n' && pos_ - start <= kMaxLine) ++pos_;
    if (pos_ >= size_ || data_[pos_] != '\n') bad("unterminated or overlong GLOBAL name");
    return std::string(reinterpret_cast<const char*>(data_ + start), pos_++ - start);
  }
  uint32_t make(PyValue v) {
    if (out_.values.size() >= kMaxValues) bad("too many objects");
    out_.values.push_back(std::move(v));
    return static_cast<uint32_t>(out_.values.size() - 1);
  }
  uint32_t make(PyKind kind, int64_t i = 0) {
    PyValue v;
    v.kind = kind;
    v.i = i;
    return make(std::move(v));
  }
  void push(uint32_t v) {
    if (stack_.size() >= kMaxStack) bad("stack too deep");
    stack_.push_back(v);
  }
  uint32_t top() const {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) bad("stack underflow");
    return stack_.back();
  }
  uint32_t pop() {
    const uint32_t v = top();
    stack_.pop_back();
    return v;
  }
  std::vector<uint32_t> pop_mark() {
    if (marks_.empty()) bad("no MARK on the stack");
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  PyValue& at(uint32_t index) { return out_.values[index]; }
  PyValue& expect(uint32_t index, PyKind kind, const char* what) {
    if (at(index).kind != kind) bad(std::string("expected ") + what);
    return at(index);
  }
  int64_t int_of(uint32_t index, const char* what) { return expect(index, PyKind::kInt, what).i; }
  void put(uint64_t key) {
    if (memo_.size() >= kMaxMemo && !memo_.count(key)) bad("memo too large");
    memo_[key] = top();
  }
  void get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) bad("memo key " + std::to_string(key) + " was never stored");
    push(it->second);
  }
  void global(const std::string& module, const std::string& name);
  void reduce(uint32_t callable, uint32_t args);
  uint32_t rebuild_tensor(const std::vector<uint32_t>& args);
  void persistent_load(uint32_t pid);
  std::vector<int64_t> int_tuple(uint32_t index, const char* what);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0, op_pos_ = 0;
  Pickle out_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
};

void Machine::global(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  for (const Allowed& a : kAllowedGlobals) {
    if (full != a.name) continue;
    PyValue v;
    v.kind = PyKind::kGlobal;
    v.sub = static_cast<uint8_t>(a.global);
    v.dtype = static_cast<uint8_t>(a.dtype);
    v.s = full;
    push(make(std::move(v)));
    return;
  }
  fail(ErrorKind::kFormat, "refusing pickle global '" + full + "' (only state-dict types are allowed)");
}

std::vector<int64_t> Machine::int_tuple(uint32_t index, const char* what) {
  const PyValue& v = expect(index, PyKind::kTuple, what);
  if (v.items.size() > kMaxDims) bad(std::string(what) + " has too many dimensions");
  std::vector<int64_t> out;
  for (uint32_t item : v.items) {
    const int64_t n = int_of(item, what);
    if (n < 0 || n >= kMaxExtent) bad(std::string(what) + " entry " + std::to_string(n) + " out of range");
    out.push_back(n);
  }
  return out;
}

uint32_t Machine::rebuild_tensor(const std::vector<uint32_t>& args) {
  // (storage, storage_offset, size, stride, ...): requires_grad, hooks and metadata are ignored.
  if (args.size() < 4) bad("_rebuild_tensor needs at least 4 arguments");
  TensorRef t;
  t.storage = args[0];
  expect(args[0], PyKind::kStorage, "a storage as the tensor's first argument");
  t.offset = int_of(args[1], "an integer storage offset");
  if (t.offset < 0 || t.offset >= kMaxExtent) bad("storage offset out of range");
  t.sizes = int_tuple(args[2], "tensor size");
  t.strides = int_tuple(args[3], "tensor stride");
  if (t.sizes.size() != t.strides.size()) bad("tensor size and stride differ in length");
  out_.tensors.push_back(std::move(t));
  return make(PyKind::kTensor, static_cast<int64_t>(out_.tensors.size() - 1));
}

void Machine::reduce(uint32_t callable, uint32_t args_index) {
  const PyValue& fn = expect(callable, PyKind::kGlobal, "a global to call");
  const std::vector<uint32_t> args = expect(args_index, PyKind::kTuple, "an argument tuple").items;
  switch (static_cast<PyGlobal>(fn.sub)) {
    case PyGlobal::kOrderedDict:
      if (!args.empty()) bad("OrderedDict() with arguments is not supported");
      push(make(PyKind::kDict));
      return;
    case PyGlobal::kRebuildTensor:
    case PyGlobal::kRebuildTensorV2:
      push(rebuild_tensor(args));
      return;
    case PyGlobal::kRebuildParameter:  // (data, requires_grad, backward_hooks): the tensor itself
      if (args.empty()) bad("_rebuild_parameter needs a tensor");
      expect(args[0], PyKind::kTensor, "a tensor in _rebuild_parameter");
      push(args[0]);
      return;
    case PyGlobal::kStorageType:
      break;
  }
  bad("'" + fn.s + "' cannot be called");
}

void Machine::persistent_load(uint32_t pid) {
  // ('storage', torch.XStorage, key, location, numel[, view_metadata]) as torch.save writes it.
  const std::vector<uint32_t> t = expect(pid, PyKind::kTuple, "a persistent id tuple").items;
  if (t.size() < 5 || t.size() > 6 || at(t[0]).kind != PyKind::kStr || at(t[0]).s != "storage") {
    bad("unsupported persistent id (expected a 'storage' tuple)");
  }
  const PyValue& type = expect(t[1], PyKind::kGlobal, "a storage type");
  if (static_cast<PyGlobal>(type.sub) != PyGlobal::kStorageType) bad("'" + type.s + "' is not a storage type");
  if (t.size() == 6 && at(t[5]).kind != PyKind::kNone) bad("storage views (legacy view_metadata) are not supported");
  PyValue v;
  v.kind = PyKind::kStorage;
  v.dtype = type.dtype;
  v.s = expect(t[2], PyKind::kStr, "a string storage key").s;
  v.i = int_of(t[4], "an integer storage size");
  if (v.i < 0 || v.i >= kMaxExtent) bad("storage size out of range");
  push(make(std::move(v)));
}

Pickle Machine::run() {
  for (;;) {
    op_pos_ = pos_;
    const uint8_t op = *take(1);
    switch (op) {
      case 0x80: if (le(1) > 5) bad("unsupported protocol"); break;  // PROTO
      case 0x95: le(8); break;                                         // FRAME: length unused
      case 'c': { std::string module = line(); global(module, line()); break; }
      case 0x93: {  // STACK_GLOBAL
        const std::string name = expect(pop(), PyKind::kStr, "a global name").s;
        global(expect(pop(), PyKind::kStr, "a module name").s, name);
        break;
      }
      case 'q': put(le(1)); break;  // BINPUT
      case 'r': put(le(4)); break;  // LONG_BINPUT
      case 0x94: put(memo_.size()); break;  // MEMOIZE
      case 'h': get(le(1)); break;  // BINGET
      case 'j': get(le(4)); break;  // LONG_BINGET
      case '(':
        if (marks_.size() >= kMaxMarks) bad("too many MARKs");
        marks_.push_back(stack_.size());
        break;
      case '}': push(make(PyKind::kDict)); break;
      case ']': push(make(PyKind::kList)); break;
      case ')': push(make(PyKind::kTuple)); break;
      case 't': case 0x85: case 0x86: case 0x87: {  // TUPLE, TUPLE1..3
        PyValue v;
        v.kind = PyKind::kTuple;
        if (op == 't') {
          v.items = pop_mark();
        } else {
          v.items.resize(op - 0x84u);
          for (size_t k = v.items.size(); k-- > 0;) v.items[k] = pop();
        }
        push(make(std::move(v)));
        break;
      }
      case 's': {  // SETITEM; duplicate keys are resolved by the caller (last wins)
        const uint32_t value = pop(), key = pop();
        auto& items = expect(top(), PyKind::kDict, "a dict for SETITEM").items;
        items.insert(items.end(), {key, value});
        break;
      }
      case 'u': {  // SETITEMS
        std::vector<uint32_t> kv = pop_mark();
        if (kv.size() % 2) bad("SETITEMS with an odd number of items");
        auto& items = expect(top(), PyKind::kDict, "a dict for SETITEMS").items;
        items.insert(items.end(), kv.begin(), kv.end());
        break;
      }
      case 'a': { const uint32_t v = pop(); expect(top(), PyKind::kList, "a list for APPEND").items.push_back(v); break; }
      case 'e': {
        std::vector<uint32_t> vs = pop_mark();
        auto& items = expect(top(), PyKind::kList, "a list for APPENDS").items;
        items.insert(items.end(), vs.begin(), vs.end());
        break;
      }
      case 'J': push(make(PyKind::kInt, static_cast<int32_t>(le(4)))); break;  // BININT
      case 'K': push(make(PyKind::kInt, static_cast<int64_t>(le(1)))); break;  // BININT1
      case 'M': push(make(PyKind::kInt, static_cast<int64_t>(le(2)))); break;  // BININT2
      case 0x8a: case 0x8b: {  // LONG1, LONG4: little-endian two's complement
        const uint64_t n = le(op == 0x8a ? 1 : 4);
        if (n > 8) bad("integer wider than 64 bits");
        uint64_t v = n ? le(static_cast<int>(n)) : 0;
        if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
        push(make(PyKind::kInt, static_cast<int64_t>(v)));
        break;
      }
      case 'X': case 0x8c: case 0x8d: case 'T': case 'U': case 'B': case 'C': case 0x8e: {
        const bool text = op == 'X' || op == 0x8c || op == 0x8d;
        const int width = (op == 0x8c || op == 'U' || op == 'C') ? 1 : (op == 0x8d || op == 0x8e) ? 8 : 4;
        const uint64_t n = le(width);
        const uint8_t* p = take(n);
        PyValue v;
        v.kind = text ? PyKind::kStr : PyKind::kBytes;
        v.s.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
        push(make(std::move(v)));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian double
        const uint8_t* p = take(8);
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
        PyValue v;
        v.kind = PyKind::kFloat;
        std::memcpy(&v.f, &bits, 8);
        push(make(std::move(v)));
        break;
      }
      case 0x88: push(make(PyKind::kBool, 1)); break;
      case 0x89: push(make(PyKind::kBool, 0)); break;
      case 'N': push(make(PyKind::kNone)); break;
      case 'R': case 0x81: { const uint32_t args = pop(); reduce(pop(), args); break; }  // REDUCE, NEWOBJ
      case 'b': {  // BUILD: state (e.g. a state dict's _metadata) is not needed
        pop();
        const PyKind k = at(top()).kind;
        if (k != PyKind::kDict && k != PyKind::kTensor) bad("BUILD on an unsupported object");
        break;
      }
      case 'Q': persistent_load(pop()); break;  // BINPERSID
      case '0': pop(); break;                   // POP
      case '1': pop_mark(); break;              // POP_MARK
      case '2': push(top()); break;             // DUP
      case '.':                                 // STOP
        out_.root = pop();
        out_.consumed = pos_;
        return std::move(out_);
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        bad(std::string("unsupported opcode ") + hex);
      }
    }
  }
}

}  // namespace

size_t element_size(StorageDtype dtype) {
  switch (dtype) {
    case StorageDtype::kHalf: case StorageDtype::kBFloat16: return 2;
    case StorageDtype::kDouble: case StorageDtype::kLong: return 8;
    case StorageDtype::kByte: return 1;
    case StorageDtype::kFloat: case StorageDtype::kInt: return 4;
  }
  return 4;
}

Pickle run_pickle(const uint8_t* data, size_t size) { return Machine(data, size).run(); }

}  // namespace nst::detail
