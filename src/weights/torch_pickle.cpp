// .pth containers around the pickle machine: find the pickle and the storage bytes, then build
// tensors after checking every shape/stride/offset against its storage.
// Returned dict: floating tensors as float32 (half/bfloat16/double converted), in the pickle's
// insertion order, last duplicate wins. Integer tensors (num_batches_tracked, ...) and
// non-tensor entries are skipped: nothing nst loads needs them.
#include "weights/torch_pickle.h"

#include <ATen/ATen.h>

#include <cstring>
#include <map>

#include "nst/error.h"
#include "weights/pickle_vm.h"
#include "weights/zip_reader.h"

namespace nst::detail {
namespace {

// The legacy stream's first pickle: LONG1 0x1950a86a20f9469cfc6c (torch's magic number), STOP.
constexpr uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                    0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
constexpr int64_t kMaxExtent = int64_t{1} << 40;

using Storages = std::map<std::string, ByteSpan>;

at::ScalarType scalar_type(StorageDtype dtype) {
  switch (dtype) {
    case StorageDtype::kFloat: return at::kFloat;
    case StorageDtype::kHalf: return at::kHalf;
    case StorageDtype::kDouble: return at::kDouble;
    case StorageDtype::kBFloat16: return at::kBFloat16;
    case StorageDtype::kLong: return at::kLong;
    case StorageDtype::kInt: return at::kInt;
    case StorageDtype::kByte: return at::kByte;
  }
  return at::kFloat;
}

bool is_floating(StorageDtype d) {
  return d == StorageDtype::kFloat || d == StorageDtype::kHalf || d == StorageDtype::kDouble ||
         d == StorageDtype::kBFloat16;
}

// Copies the elements a (sizes, strides, offset) view reads out of a storage's bytes. The host
// is little-endian (x86/ARM), like the files, so the bytes are used as they are.
at::Tensor materialize(const std::string& name, const TensorRef& ref, const PyValue& storage, ByteSpan bytes) {
  const auto dtype = static_cast<StorageDtype>(storage.dtype);
  const uint64_t item = element_size(dtype);
  const uint64_t storage_numel = static_cast<uint64_t>(storage.i);
  NST_CHECK(bytes.size / item >= storage_numel, kFormat,
            "tensor '" + name + "': storage '" + storage.s + "' holds " + std::to_string(bytes.size) +
                " bytes, its header says " + std::to_string(storage_numel) + " elements");
  uint64_t numel = 1;
  unsigned __int128 last = static_cast<uint64_t>(ref.offset);  // sizes/strides < 2^40: no overflow
  for (size_t d = 0; d < ref.sizes.size(); ++d) {
    const uint64_t s = static_cast<uint64_t>(ref.sizes[d]);
    NST_CHECK(s == 0 || numel <= static_cast<uint64_t>(kMaxExtent) / s, kFormat, "tensor '" + name + "' is too large");
    numel *= s;
    if (s) last += static_cast<unsigned __int128>(s - 1) * static_cast<uint64_t>(ref.strides[d]);
  }
  const bool fits = numel == 0 ? static_cast<uint64_t>(ref.offset) <= storage_numel : last < storage_numel;
  NST_CHECK(fits, kFormat,
            "tensor '" + name + "' reads past the end of its storage '" + storage.s + "' (" +
                std::to_string(storage_numel) + " elements)");
  at::Tensor out = at::empty(ref.sizes, at::TensorOptions().dtype(scalar_type(dtype)));
  if (numel == 0) return out;
  bool contiguous = true;
  for (int64_t d = static_cast<int64_t>(ref.sizes.size()) - 1, expected = 1; d >= 0; --d) {
    if (ref.sizes[d] != 1 && ref.strides[d] != expected) contiguous = false;
    expected *= ref.sizes[d];
  }
  const uint8_t* first = bytes.data + static_cast<uint64_t>(ref.offset) * item;
  if (contiguous) {
    std::memcpy(out.data_ptr(), first, numel * item);
  } else {  // copy the span the view covers, then let ATen gather it
    const int64_t span = static_cast<int64_t>(last) - ref.offset + 1;
    at::Tensor flat = at::empty({span}, out.options());
    std::memcpy(flat.data_ptr(), first, static_cast<size_t>(span) * item);
    out.copy_(flat.as_strided(ref.sizes, ref.strides, 0));
  }
  return out;
}

const char* kind_name(PyKind kind) {
  switch (kind) {
    case PyKind::kDict: return "dict";
    case PyKind::kList: return "list";
    case PyKind::kTuple: return "tuple";
    case PyKind::kTensor: return "tensor";
    default: return "scalar";
  }
}

StateDict to_state_dict(const Pickle& p, const Storages& storages) {
  const PyValue* dict = &p.values[p.root];
  NST_CHECK(dict->kind == PyKind::kDict, kFormat,
            std::string("checkpoint holds a ") + kind_name(dict->kind) + ", not a state dict");
  auto has_tensors = [&](const PyValue& d) {
    for (size_t k = 1; k < d.items.size(); k += 2) {
      if (p.values[d.items[k]].kind == PyKind::kTensor) return true;
    }
    return false;
  };
  if (!has_tensors(*dict)) {  // a training checkpoint: {"state_dict": {...}, "epoch": ...}
    for (size_t k = 0; k + 1 < dict->items.size(); k += 2) {
      const PyValue& key = p.values[dict->items[k]];
      const PyValue& value = p.values[dict->items[k + 1]];
      if (key.kind == PyKind::kStr && (key.s == "state_dict" || key.s == "model") && value.kind == PyKind::kDict) {
        dict = &value;
        break;
      }
    }
  }
  StateDict out;
  std::map<std::string, size_t> index;
  for (size_t k = 0; k + 1 < dict->items.size(); k += 2) {
    const PyValue& key = p.values[dict->items[k]];
    const PyValue& value = p.values[dict->items[k + 1]];
    if (value.kind != PyKind::kTensor) continue;
    NST_CHECK(key.kind == PyKind::kStr, kFormat, "state dict has a non-string key");
    const TensorRef& ref = p.tensors[static_cast<size_t>(value.i)];
    const PyValue& storage = p.values[ref.storage];
    if (!is_floating(static_cast<StorageDtype>(storage.dtype))) continue;
    auto it = storages.find(storage.s);
    NST_CHECK(it != storages.end(), kFormat, "tensor '" + key.s + "': storage '" + storage.s + "' has no data in the file");
    at::Tensor t = materialize(key.s, ref, storage, it->second).to(at::kFloat);
    auto [slot, inserted] = index.emplace(key.s, out.size());
    if (inserted) {
      out.emplace_back(key.s, t);
    } else {
      out[slot->second].second = t;
    }
  }
  return out;
}

}  // namespace

bool has_torch_legacy_magic(const uint8_t* data, size_t size) {
  return size >= sizeof kLegacyMagic && std::memcmp(data, kLegacyMagic, sizeof kLegacyMagic) == 0;
}

StateDict parse_torch_legacy(const uint8_t* data, size_t size) {
  NST_CHECK(has_torch_legacy_magic(data, size), kFormat, "not a legacy PyTorch file (magic number missing)");
  size_t pos = sizeof kLegacyMagic;
  auto next = [&] {
    Pickle p = run_pickle(data + pos, size - pos);
    pos += p.consumed;
    return p;
  };
  const Pickle protocol = next();
  const PyValue& version = protocol.values[protocol.root];
  NST_CHECK(version.kind == PyKind::kInt && version.i == 1001, kFormat,
            "legacy PyTorch file has protocol version " + std::to_string(version.i) + ", expected 1001");
  const Pickle info = next();
  const PyValue& info_dict = info.values[info.root];
  for (size_t k = 0; info_dict.kind == PyKind::kDict && k + 1 < info_dict.items.size(); k += 2) {
    const PyValue& key = info.values[info_dict.items[k]];
    const PyValue& value = info.values[info_dict.items[k + 1]];
    NST_CHECK(!(key.s == "little_endian" && value.kind == PyKind::kBool && value.i == 0), kFormat,
              "legacy PyTorch file was written on a big-endian machine (not supported)");
  }
  const Pickle main = next();
  const Pickle keys = next();
  const PyValue& key_list = keys.values[keys.root];
  NST_CHECK(key_list.kind == PyKind::kList, kFormat, "legacy PyTorch file: storage key list missing");
  std::map<std::string, size_t> item_size;  // of the storages the state dict names
  for (const PyValue& v : main.values) {
    if (v.kind == PyKind::kStorage) item_size[v.s] = element_size(static_cast<StorageDtype>(v.dtype));
  }
  Storages storages;
  for (uint32_t k : key_list.items) {
    const PyValue& key = keys.values[k];
    NST_CHECK(key.kind == PyKind::kStr, kFormat, "legacy PyTorch file: storage key is not a string");
    auto it = item_size.find(key.s);
    NST_CHECK(it != item_size.end(), kFormat, "legacy PyTorch file: storage '" + key.s + "' is never used");
    NST_CHECK(size - pos >= 8, kFormat, "legacy PyTorch file is truncated at storage '" + key.s + "'");
    uint64_t numel = 0;
    for (int b = 7; b >= 0; --b) numel = (numel << 8) | data[pos + b];
    pos += 8;
    NST_CHECK(numel < static_cast<uint64_t>(kMaxExtent) && numel * it->second <= size - pos, kFormat,
              "legacy PyTorch file is truncated in storage '" + key.s + "' (" + std::to_string(numel) + " elements)");
    storages[key.s] = ByteSpan{data + pos, static_cast<size_t>(numel * it->second)};
    pos += numel * it->second;
  }
  return to_state_dict(main, storages);
}

StateDict parse_torch_zip(const uint8_t* data, size_t size) {
  const std::vector<ZipEntry> entries = read_zip_directory(data, size);
  std::map<std::string, const ZipEntry*> by_name;
  for (const ZipEntry& e : entries) by_name.emplace(e.name, &e);
  // torch.save names the single top folder after the file: "<prefix>/data.pkl".
  std::string prefix;
  for (const ZipEntry& e : entries) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = e.name.substr(0, slash + 1);
      break;
    }
  }
  NST_CHECK(!prefix.empty(), kFormat, "zip archive has no <name>/data.pkl entry: not a PyTorch checkpoint");
  auto order = by_name.find(prefix + "byteorder");
  if (order != by_name.end()) {
    const ByteSpan b = zip_entry_data(data, size, *order->second);
    NST_CHECK(std::string(reinterpret_cast<const char*>(b.data), b.size) != "big", kFormat,
              "PyTorch file was written with big-endian byte order (not supported)");
  }
  const ByteSpan pkl = zip_entry_data(data, size, *by_name[prefix + "data.pkl"]);
  const Pickle p = run_pickle(pkl.data, pkl.size);
  Storages storages;
  for (const PyValue& v : p.values) {
    if (v.kind != PyKind::kStorage || storages.count(v.s)) continue;
    auto it = by_name.find(prefix + "data/" + v.s);
    if (it != by_name.end()) storages[v.s] = zip_entry_data(data, size, *it->second);
  }
  return to_state_dict(p, storages);
}

}  // namespace nst::detail

namespace nst {

StateDict parse_torch_checkpoint(const uint8_t* data, size_t size) {
  // The same magic-number tests as detect_weight_format(): zip first, then the legacy stream.
  if (size >= 4 && std::memcmp(data, "PK\x03\x04", 4) == 0) return detail::parse_torch_zip(data, size);
  if (detail::has_torch_legacy_magic(data, size)) return detail::parse_torch_legacy(data, size);
  fail(ErrorKind::kFormat, "not a PyTorch checkpoint (neither a zip archive nor the legacy stream)");
}

}  // namespace nst
