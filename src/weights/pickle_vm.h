#pragma once
// A small pickle machine for PyTorch state dicts (protocol 2, as torch.save writes it).
// Safe by construction: GLOBAL accepts only an allowlist of state-dict types, nothing is ever
// called, and values live in an arena referring to each other by index, so hostile nesting or
// cycles cannot recurse, overflow the stack or leak. Pure function of a byte span (fuzzable).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nst::detail {

enum class PyKind : uint8_t { kNone, kBool, kInt, kFloat, kStr, kBytes, kTuple, kList, kDict, kGlobal, kStorage, kTensor };

/// The only globals a pickle may name (see kAllowedGlobals in pickle_vm.cpp).
enum class PyGlobal : uint8_t { kOrderedDict, kRebuildTensor, kRebuildTensorV2, kRebuildParameter, kStorageType };

/// Element types of torch's typed storages.
enum class StorageDtype : uint8_t { kFloat, kHalf, kDouble, kBFloat16, kLong, kInt, kByte };
size_t element_size(StorageDtype dtype);

struct PyValue {
  PyKind kind = PyKind::kNone;
  uint8_t sub = 0;    ///< kGlobal: PyGlobal
  uint8_t dtype = 0;  ///< StorageDtype of a storage-type global or a storage
  int64_t i = 0;      ///< int / bool; storage: element count; tensor: index into Pickle::tensors
  double f = 0;
  std::string s;                ///< str / bytes; global: "module.name"; storage: its key
  std::vector<uint32_t> items;  ///< tuple / list; dict: key, value, key, value, ... (insertion order)
};

/// A tensor as the pickle describes it; its bytes are located afterwards (zip entry / legacy tail).
struct TensorRef {
  uint32_t storage = 0;  ///< index of a kStorage value
  int64_t offset = 0;    ///< in elements
  std::vector<int64_t> sizes, strides;
};

struct Pickle {
  std::vector<PyValue> values;
  std::vector<TensorRef> tensors;
  uint32_t root = 0;    ///< the value STOP returned
  size_t consumed = 0;  ///< bytes read, up to and including STOP
};

/// Runs one pickle starting at data[0]; stops at STOP (data may continue). Throws
/// nst::Error(kFormat) naming the opcode/offset for truncation, unknown opcodes, refused
/// globals and exceeded limits.
Pickle run_pickle(const uint8_t* data, size_t size);

}  // namespace nst::detail
